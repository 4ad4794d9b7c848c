import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const base = `version: 1
sites: [{ id: ward-a, timezone: Europe/Berlin }, { id: ward-b }]
channels:
  - { id: mail, kind: email, email: { transport: smtp, host: 127.0.0.1, port: 2525, from: pflow@example.org, to: [it@example.org] } }
  - { id: chat, kind: slack, slack: { url: 'https://hooks.slack.com/services/T/B/X' } }
  - { id: hook, kind: webhook, webhook: { url: 'https://hooks.example/x' } }
`;

function errorsOf(yaml: string): string[] {
  try {
    parseDeploymentConfig(yaml, 'test.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('the reports: section', () => {
  it('normalises a report with its defaults: 07:00, every site, 5 slowest, 30 days, 5 minutes', () => {
    const config = parseDeploymentConfig(`${base}reports:\n  - { id: morning, channels: [mail, chat] }\n`, 't', {});
    expect(config.reports).toEqual([
      {
        id: 'morning',
        at: '07:00',
        sites: ['ward-a', 'ward-b'],
        channels: ['mail', 'chat'],
        settings: { slowest: 5, certWithinDays: 30, agentSilentAfterMs: 300_000 },
      },
    ]);
  });

  it('takes every setting', () => {
    const config = parseDeploymentConfig(
      `${base}reports:\n  - { id: m, at: '06:30', sites: [ward-b], channels: [mail], slowest: 3, cert_within_days: 14, agent_silent_after: 10m }\n`,
      't',
      {},
    );
    expect(config.reports?.[0]).toMatchObject({
      at: '06:30',
      sites: ['ward-b'],
      settings: { slowest: 3, certWithinDays: 14, agentSilentAfterMs: 600_000 },
    });
  });

  it.each([
    ['- { id: m, at: "7:00", channels: [mail] }', 'reports[0].at: must be a time of day as HH:MM (00:00 to 23:59)'],
    ['- { id: m, channels: [nope] }', 'reports[0].channels[0]: no channel "nope" (channels: mail, chat, hook)'],
    [
      '- { id: m, channels: [hook] }',
      'reports[0].channels[0]: channel "hook" is a webhook channel, which cannot carry a report (use email, slack, teams, console)',
    ],
    ['- { id: m, sites: [ward-z], channels: [mail] }', 'reports[0].sites[0]: no site "ward-z" (sites: ward-a, ward-b)'],
    ['- { id: m, channels: [mail] }\n  - { id: m, channels: [chat] }', 'reports[1].id: duplicate report id "m"'],
    ['- { id: m, channels: [mail], colour: red }', 'reports[0].colour: unknown key'],
  ])('refuses %s', (entry, message) => {
    expect(errorsOf(`${base}reports:\n  ${entry}\n`)).toContain(message);
  });
});
