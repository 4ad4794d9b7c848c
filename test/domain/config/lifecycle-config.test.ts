import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const base = `
version: 1
sites: [{ id: site-a }]
channels:
  - { id: ward, kind: console }
  - { id: oncall, kind: console }
`;

function issues(text: string): string[] {
  try {
    parseDeploymentConfig(text, 'site.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('config: escalation and acknowledge links', () => {
  it('reads escalation tiers and link settings', () => {
    const config = parseDeploymentConfig(
      `${base}
routes:
  - channels: [ward]
    escalate: [{ after: 10m, channels: [oncall] }, { after: 30m, channels: [ward, oncall] }]
acknowledge: { link_key: '${'k'.repeat(32)}', link_base_url: 'https://pflow.hospital.example', link_ttl: 12h }
`,
      'site.yaml',
      {},
    );
    expect(config.routes[0]!.escalate).toEqual([
      { afterMs: 600_000, channels: ['oncall'] },
      { afterMs: 1_800_000, channels: ['ward', 'oncall'] },
    ]);
    expect(config.acknowledge).toEqual({
      linkKey: 'k'.repeat(32),
      linkBaseUrl: 'https://pflow.hospital.example',
      linkTtlMs: 43_200_000,
    });
  });

  it('names each bad field', () => {
    expect(
      issues(`${base}
routes:
  - channels: [ward]
    escalate: [{ after: 30m, channels: [pager] }, { after: 10m, channels: [oncall] }, { after: 40m, channels: [] }]
acknowledge: { link_key: short, link_base_url: 'ftp://x', link_ttl: 30d }
`),
    ).toEqual([
      'routes[0].escalate[0].channels[0]: no channel "pager" (channels: ward, oncall)',
      "routes[0].escalate[1].after: must be later than tier 1's after",
      'routes[0].escalate[2].channels: must not be empty',
      'acknowledge.link_key: must be at least 32 characters (a secret: use ${NAME} from the secret store)',
      'acknowledge.link_base_url: must be an http(s) URL such as https://pflow.hospital.example',
      'acknowledge.link_ttl: longer than anything sensible: at most 7d',
    ]);
  });
});

describe('config: on-call schedules', () => {
  it('reads a schedule in its site’s zone, with overrides in local time', () => {
    const config = parseDeploymentConfig(
      `
version: 1
sites: [{ id: site-a, timezone: Europe/Amsterdam }]
channels:
  - { id: mail, kind: email, email: { transport: smtp, host: 127.0.0.1, from: a@h.example, to: ['oncall:ward-it'] } }
oncall:
  - team: ward-it
    site: site-a
    rotation: weekly
    handover: '09:00'
    start: 2026-11-30
    members: [{ name: Ana, email: ana@h.example, slack: U012ABCDEF }, { name: Bo }]
    overrides: [{ from: '2026-12-24T18:00', until: '2026-12-27T09:00', member: Bo }]
`,
      'site.yaml',
      {},
    );
    expect(config.oncall).toEqual([
      {
        team: 'ward-it',
        timezone: 'Europe/Amsterdam',
        every: 'weekly',
        handoverMinute: 540,
        start: '2026-11-30',
        members: [{ name: 'Ana', email: 'ana@h.example', slack: 'U012ABCDEF' }, { name: 'Bo' }],
        overrides: [
          { startsAt: Date.parse('2026-12-24T17:00:00Z'), endsAt: Date.parse('2026-12-27T08:00:00Z'), member: 'Bo' },
        ],
      },
    ]);
  });

  it('names each bad field', () => {
    expect(
      issues(`
version: 1
sites: [{ id: site-a }]
channels:
  - { id: mail, kind: email, email: { transport: smtp, host: 127.0.0.1, from: a@h.example, to: ['oncall:nurses'] } }
oncall:
  - team: ward-it
    site: site-b
    rotation: hourly
    handover: '9am'
    start: 2026-13-01
    members: [{ name: Ana, slack: ana }]
    overrides: [{ from: '2026-12-27T09:00', until: '2026-12-24T18:00', member: Dee }]
`),
    ).toEqual([
      'channels[0].email.to[0]: no on-call schedule for team "nurses" (oncall teams: ward-it)',
      'oncall[0].site: no site "site-b" (sites: site-a)',
      expect.stringMatching(/^oncall\[0\]\.rotation: /),
      'oncall[0].handover: must be a local time HH:MM, e.g. 09:00',
      'oncall[0].start: not a real date',
      'oncall[0].members[0].slack: must be a Slack member id such as U012ABCDEF',
    ]);
    // Overrides are checked against the members once the rest of the schedule is valid.
    expect(
      issues(`
version: 1
sites: [{ id: site-a }]
oncall:
  - { team: ward-it, rotation: daily, handover: '09:00', start: 2026-12-01, members: [{ name: Ana }],
      overrides: [{ from: '2026-12-27T09:00', until: '2026-12-24T18:00', member: Dee }] }
`),
    ).toEqual([
      'oncall[0].overrides[0].until: must be after from',
      'oncall[0].overrides[0].member: no member "Dee" in this schedule (members: Ana)',
    ]);
  });
});

describe('config: depends_on', () => {
  const rules = (dependsOn: string) => `
version: 1
sites: [{ id: site-a }]
rule_groups:
  - name: g
    rules:
      - { id: wan-down, measure: success, threshold: { op: '<', value: 1 } }
      - { id: login-down, measure: success, threshold: { op: '<', value: 1 }, depends_on: ${dependsOn} }
`;
  it('reads parents, this config’s or built-in pflow-* rules', () => {
    const config = parseDeploymentConfig(rules('[wan-down, pflow-agent-silent]'), 'site.yaml', {});
    expect(config.ruleGroups[0]!.rules[1]!.dependsOn).toEqual(['wan-down', 'pflow-agent-silent']);
    expect(config.ruleGroups[0]!.rules[0]!.dependsOn).toBeUndefined();
  });
  it('refuses unknown parents and itself', () => {
    expect(issues(rules('[core-switch, login-down]'))).toEqual([
      'rule_groups[0].rules[1].depends_on[0]: no rule "core-switch" (rules: wan-down, login-down)',
      'rule_groups[0].rules[1].depends_on[1]: a rule cannot depend on itself',
    ]);
  });
});
