import { describe, expect, it } from 'vitest';
import { secretIdFor, secretIdsIn } from '../../../src/domain/config/cloud.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const SITES = 'version: 1\nsites: [{ id: site-a }, { id: ward-b, runs_on: agent:ward-b }]\n';
const probe = (id: string, site: string, extra = '') =>
  `  - { id: ${id}, site: ${site}, kind: tcp, target: 'h.example:22', interval: 10s, timeout: 2s${extra} }\n`;

function issues(text: string): string[] {
  try {
    parseDeploymentConfig(text, 'test.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('runs_on', () => {
  it("defaults to the site's, then to cloud; a probe's own setting wins", () => {
    const config = parseDeploymentConfig(
      `${SITES}probes:\n${probe('a', 'site-a')}${probe('b', 'ward-b')}${probe('c', 'ward-b', ', runs_on: cloud')}`,
      'runs-on',
      {},
    );
    expect(config.probes.map((p) => [p.id, p.runsOn])).toEqual([
      ['a', 'cloud'],
      ['b', 'agent:ward-b'],
      ['c', 'cloud'],
    ]);
  });

  it('refuses one agent id at two sites (its token belongs to one site) and an agent probe more often than once a second', () => {
    const text =
      `${SITES}probes:\n${probe('a', 'ward-b')}${probe('b', 'site-a', ', runs_on: agent:ward-b')}` +
      `${probe('c', 'site-a', ', runs_on: agent:lab-a')}` +
      `  - { id: d, site: ward-b, kind: tcp, target: 'h.example:22', interval: 500ms, timeout: 100ms }\n`;
    expect(issues(text)).toEqual([
      'probes[1].runs_on: agent "ward-b" already reports for site "ward-b" (sites[1].runs_on); an agent\'s token belongs to one site, so it cannot send results for "site-a": give this site an agent of its own',
      'probes[3].interval: too short: an agent probe runs at most once a second (500ms is under 1s)',
    ]);
    const fromDefaults = `version: 1\ndefaults: { probe_interval: 800ms, probe_timeout: 300ms }\nsites: [{ id: s, runs_on: agent:x }]\nprobes:\n  - { id: p, site: s, kind: tcp, target: 'h.example:22' }\n`;
    expect(issues(fromDefaults)).toEqual([
      'probes[0].interval: too short: an agent probe runs at most once a second (800ms (from defaults.probe_interval) is under 1s)',
    ]);
  });

  it('lets a local config (no aws section) probe every 10 s wherever its probes would run in AWS', () => {
    expect(issues(`${SITES}probes:\n${probe('a', 'site-a')}`)).toEqual([]);
  });

  it('in an AWS config, refuses a sub-minute cloud probe and points to the agent, but not an agent probe', () => {
    const text = `${SITES}defaults: { evaluation_interval: 1m }\nprobes:\n${probe('a', 'site-a')}${probe('b', 'ward-b')}aws: {}\n`;
    expect(issues(text)).toEqual([
      "probes[0].interval: a cloud probe runs on whole minutes (EventBridge Scheduler's floor): 10s is not; use 1m, 2m, … or run it on an agent (runs_on: agent:<id>) for shorter intervals",
    ]);
  });

  it('in an AWS config, a ping probe must run on an agent (ICMP cannot leave a Lambda); on an agent it is fine', () => {
    const ping = (id: string, site: string) =>
      `  - { id: ${id}, site: ${site}, kind: ping, target: 10.1.2.3, interval: 1m }\n`;
    const text = `${SITES}defaults: { evaluation_interval: 1m }\nprobes:\n${ping('a', 'site-a')}${ping('b', 'ward-b')}aws: {}\n`;
    expect(issues(text)).toEqual([
      'probes[0].runs_on: a ping probe sends ICMP, which a Lambda cannot: run it on an agent inside the network (runs_on: agent:<id>)',
    ]);
  });

  it('in an AWS config, names defaults.probe_interval when the interval comes from there', () => {
    const text = `${SITES}defaults: { evaluation_interval: 2m }\nprobes:\n  - { id: a, site: site-a, kind: tcp, target: 'h.example:22' }\naws: {}\n`;
    expect(issues(text)).toEqual([
      "probes[0].interval: a cloud probe runs on whole minutes (EventBridge Scheduler's floor): 30s (from defaults.probe_interval) is not; use 1m, 2m, … or run it on an agent (runs_on: agent:<id>) for shorter intervals",
    ]);
  });

  it('accepts whole-minute cloud probes and rule groups in an AWS config', () => {
    const text = `${SITES}defaults: { probe_interval: 1m, evaluation_interval: 1m }\nprobes:\n  - { id: a, site: site-a, kind: tcp, target: 'h.example:22', interval: 2m }\nrule_groups: [{ name: g, rules: [{ id: r, measure: success, threshold: { op: '<', value: 1 } }] }]\naws: {}\n`;
    expect(issues(text)).toEqual([]);
  });
});

describe('storage for AWS', () => {
  it('reads the metric store, Timestream retention and table TTLs', () => {
    const config = parseDeploymentConfig(
      `${SITES}storage:\n  metrics: { backend: amp, timestream: { memory_retention: 12h, magnetic_retention: 2w } }\n  notification_log_ttl: 7d\n`,
      'storage',
      {},
    );
    expect(config.storage).toMatchObject({
      metrics: {
        backend: 'amp',
        timestream: { memoryRetentionMs: 12 * 3_600_000, magneticRetentionMs: 14 * 86_400_000 },
      },
      notificationLogTtlMs: 7 * 86_400_000,
    });
  });

  it.each([
    [
      'memory_retention: 30m',
      'storage.metrics.timestream.memory_retention: must be whole hours (Timestream keeps it per hour)',
    ],
    [
      'memory_retention: 8767h',
      "storage.metrics.timestream.memory_retention: must be between 1h and 365d6h (Timestream's limits)",
    ],
    [
      'magnetic_retention: 36h',
      'storage.metrics.timestream.magnetic_retention: must be whole days (Timestream keeps it per day)',
    ],
    [
      'magnetic_retention: 73001d',
      "storage.metrics.timestream.magnetic_retention: must be between 1d and 73000d (Timestream's limits)",
    ],
  ])('refuses %s with the limit', (setting, message) => {
    expect(issues(`${SITES}storage: { metrics: { timestream: { ${setting} } } }\n`)).toEqual([message]);
  });
});

describe('secrets', () => {
  it('are read from <prefix><NAME> unless imported by name', () => {
    const config = parseDeploymentConfig(
      `${SITES}aws: { secrets_prefix: 'st-anna/pflow/', secrets: { SLACK_URL: { name: 'shared/slack-webhook' } } }\n`,
      'secrets',
      {},
    );
    expect(config.aws).toEqual({
      secretsPrefix: 'st-anna/pflow/',
      secrets: { SLACK_URL: { name: 'shared/slack-webhook' } },
    });
    expect(secretIdFor('SLACK_URL', config.aws!)).toBe('shared/slack-webhook');
    expect(secretIdFor('SMTP_PASSWORD', config.aws!)).toBe('st-anna/pflow/SMTP_PASSWORD');
  });

  it('resolve the same from the raw document a function reads at cold start', () => {
    const document = { aws: { secrets: { SLACK_URL: { name: 'shared/slack-webhook' } } } };
    expect(secretIdsIn(document, ['SLACK_URL', 'SMTP_PASSWORD'], 'p/')).toEqual({
      SLACK_URL: 'shared/slack-webhook',
      SMTP_PASSWORD: 'p/SMTP_PASSWORD',
    });
    expect(secretIdsIn({}, ['A'], 'pflow/')).toEqual({ A: 'pflow/A' });
  });
});

describe('aws.pull', () => {
  const pull = (agents: string, extra = '') =>
    `${SITES}aws:\n  pull:\n    vpc_id: vpc-0a1b2c3d4e5f60718\n    subnet_ids: [subnet-0a1b2c3d4e5f60718]\n${extra}    agents:\n${agents}`;
  const agent = (id: string, site: string, url = 'http://10.0.0.5:9465/', token = '${PULL_TOKEN}') =>
    `      - { id: ${id}, site: ${site}, url: '${url}', token: '${token}' }\n`;

  it('is normalised: interval in ms (default 1m), URLs without a trailing slash, no security groups unless given', () => {
    const config = parseDeploymentConfig(pull(agent('lab-01', 'ward-b')), 'pull.yaml', { PULL_TOKEN: 't0ken' });
    expect(config.aws?.pull).toEqual({
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60718'],
      intervalMs: 60_000,
      agents: [{ id: 'lab-01', site: 'ward-b', url: 'http://10.0.0.5:9465', token: 't0ken' }],
    });
  });

  it('refuses an unknown site, an agent listed twice, a sub-minute interval and ids that are not AWS ids, naming each field', () => {
    const literal = (id: string, site: string, url?: string) => agent(id, site, url, 'a-literal-test-token');
    const text = pull(
      literal('lab-01', 'ward-b') +
        literal('lab-01', 'site-a') +
        literal('lab-02', 'ward-z') +
        literal('lab-03', 'site-a', 'ftp://x'),
      '    interval: 90s\n    security_group_ids: [default]\n',
    ).replace('vpc-0a1b2c3d4e5f60718', 'my-vpc');
    expect(issues(text)).toEqual([
      'aws.pull.vpc_id: must be a VPC id (vpc-…)',
      "aws.pull.interval: the collect function runs on whole minutes (EventBridge Scheduler's floor): 1m30s is not",
      'aws.pull.security_group_ids[0]: must be a security group id (sg-…)',
      'aws.pull.agents[1].id: agent "lab-01" is listed twice',
      'aws.pull.agents[2].site: no site "ward-z"',
      'aws.pull.agents[3].url: must be an absolute http(s) URL',
    ]);
  });
});
