import { describe, expect, it } from 'vitest';
import { parseConfigForDeployment, secretNamesIn } from '../../../src/domain/config/deploy.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { PROBE_MEASURES } from '../../../src/domain/probe-result.js';

const BASE = `version: 1
defaults: { probe_interval: 1m, evaluation_interval: 1m }
sites: [{ id: site-a }]
probes:
  - { id: portal, site: site-a, kind: http, target: 'https://portal.example/health?key=\${PORTAL_KEY}' }
channels:
  - { id: ops-slack, kind: slack, slack: { url: '\${SLACK_WEBHOOK_URL}' } }
  - id: mail
    kind: email
    email:
      from: 'alerts@st-anna.example'
      to: ['\${ONCALL_ADDRESS}']
      host: smtp.example
      username: pflow
      password: '\${SMTP_PASSWORD}'
routes: [{ channels: [ops-slack, mail] }]
`;

function refusal(text: string): string[] {
  try {
    parseConfigForDeployment(text, 'deploy.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('reading a config for cdk deploy (secrets not available)', () => {
  it('validates without the secret values and lists every ${NAME} once', () => {
    const deployment = parseConfigForDeployment(BASE, 'deploy.yaml');
    expect(deployment.secretNames).toEqual(['ONCALL_ADDRESS', 'PORTAL_KEY', 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD']);
    expect(deployment.config.channels.map((c) => c.id)).toEqual(['ops-slack', 'mail']);
    // Stand-ins of the form each field needs, never a real value.
    expect(deployment.config.channels[0]!.settings).toMatchObject({ url: 'https://secret.invalid/pflow' });
    expect(deployment.config.channels[1]!.settings).toMatchObject({
      to: ['pflow@secret.invalid'],
      password: 'pflow-secret',
    });
  });

  it('bundles the file as written, references kept, with an aws section the functions can re-read', () => {
    const deployment = parseConfigForDeployment(BASE, 'deploy.yaml');
    const bundled = JSON.parse(deployment.bundledConfig) as { aws: unknown; channels: { slack?: { url: string } }[] };
    expect(bundled.aws).toEqual({});
    expect(bundled.channels[0]!.slack!.url).toBe('${SLACK_WEBHOOK_URL}');
    expect(deployment.bundledConfig).not.toContain('secret.invalid');
    // What a function does at start: the same loader, the secrets as its environment.
    const atRunTime = parseDeploymentConfig(deployment.bundledConfig, 'bundled', {
      PORTAL_KEY: 'k',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/XYZ',
      ONCALL_ADDRESS: 'oncall@st-anna.example',
      SMTP_PASSWORD: 'pw',
    });
    expect(atRunTime.channels[0]!.settings).toMatchObject({ url: 'https://hooks.slack.com/services/T0/B0/XYZ' });
    expect(atRunTime.aws).toEqual({ secretsPrefix: 'pflow/', secrets: {} });
  });

  it('stops on every other error, as pflow validate lists them, and runs the AWS checks without an aws section', () => {
    const text = BASE.replace('evaluation_interval: 1m', 'evaluation_interval: 1m, probe_timeout: 2m').concat(
      "rule_groups: [{ name: g, interval: 30s, rules: [{ id: r, measure: nope, threshold: { op: '<', value: 1 } }] }]\n",
    );
    expect(refusal(text)).toEqual([
      'defaults.probe_timeout: must be shorter than defaults.probe_interval (2m is not shorter than 1m)',
      "rule_groups[0].interval: in AWS a rule group is evaluated on whole minutes (EventBridge Scheduler's floor): 30s is not; use 1m, 2m, …",
      `rule_groups[0].rules[0].measure: not a probe measure (use one of: ${PROBE_MEASURES.join(', ')})`,
    ]);
  });

  it('refuses a rule window too short for the cloud probes it reads, even when their target holds a secret', () => {
    const text = BASE.concat(
      "rule_groups: [{ name: g, rules: [{ id: portal-flaky, measure: success, matchers: ['probe=\"portal\"'], window: 2m, reducer: rate, threshold: { op: '>', value: 0 } }] }]\n",
    );
    expect(refusal(text)).toEqual([
      'rule_groups[0].rules[0].window: rule "portal-flaky": window 2m is shorter than 3× the 1m interval of probe "portal" (rate needs two results in its window), so it would raise nodata for a healthy target; use window: 3m or more',
    ]);
  });

  it('still reports a malformed reference', () => {
    expect(refusal(BASE.replace('${SMTP_PASSWORD}', '${SMTP_PASSWORD'))).toEqual([
      'channels[1].email.password: unterminated ${ (write $${ for a literal ${)',
    ]);
  });

  it('keeps a file without secrets as it is', () => {
    const deployment = parseConfigForDeployment(
      'version: 1\nsites: [{ id: site-a }]\naws: { secrets_prefix: x/ }\n',
      'plain',
    );
    expect(deployment.secretNames).toEqual([]);
    expect(JSON.parse(deployment.bundledConfig)).toEqual({
      version: 1,
      sites: [{ id: 'site-a' }],
      aws: { secrets_prefix: 'x/' },
    });
  });
});

describe('secretNamesIn', () => {
  it('finds references anywhere, not escaped ones or invalid names', () => {
    expect(secretNamesIn({ a: ['${B} and ${A}'], c: { d: '$${NOT} ${bad-name} ${A}' } })).toEqual(['A', 'B']);
  });
});
