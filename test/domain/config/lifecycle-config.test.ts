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
