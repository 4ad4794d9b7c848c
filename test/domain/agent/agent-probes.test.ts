import { describe, expect, it } from 'vitest';
import {
  agentProbeDefinitions,
  compareWithSiteConfig,
  toWireProbeResult,
} from '../../../src/domain/agent/agent-probes.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { parseAgentConfig } from '../../../src/agent/config.js';

const config = parseAgentConfig(
  `agent: { id: ward-1 }
ingest: { mode: pull }
pull: { listen: 127.0.0.1:9465, token: pulltokenpulltoken }
buffer: { dir: /b }
probes:
  - { id: pacs, kind: tcp, target: "pacs.local:104", interval: 5s, timeout: 2s, labels: { service: pacs } }
  - { id: web, kind: http, target: "http://intranet.local/" }
`,
  'agent.yaml',
  {},
);

describe('agent probes', () => {
  it('become probe definitions with the agent defaults, the agent label, no site (the token decides) and runs_on the agent', () => {
    const [pacs, web] = agentProbeDefinitions(config.agentId, config.probes);
    expect(pacs).toEqual({
      id: 'pacs',
      site: '',
      kind: 'tcp',
      target: 'pacs.local:104',
      intervalMs: 5_000,
      timeoutMs: 2_000,
      labels: { service: 'pacs', agent: 'ward-1' },
      settings: expect.objectContaining({ tls: false }),
      runsOn: 'agent:ward-1',
    });
    expect(web).toMatchObject({ intervalMs: 30_000, timeoutMs: 10_000, labels: { agent: 'ward-1' } });
    expect(web!.settings).toMatchObject({ method: 'GET', follow_redirects: true });
  });

  it('leave the site out of the wire result, keeping everything else', () => {
    const result = {
      site: '',
      probe: 'pacs',
      kind: 'tcp',
      target: 'pacs.local:104',
      labels: { agent: 'ward-1' },
      time: 1_700_000_000_000,
      success: true,
      durationMs: 3.5,
      phases: { connectMs: 1.2 },
    };
    const { site: _site, ...rest } = result;
    expect(toWireProbeResult(result)).toEqual(rest);
  });
});

describe('agent.yaml probes against the site config', () => {
  const site = parseDeploymentConfig(
    `version: 1
sites: [{ id: ward, runs_on: agent:ward-1 }, { id: hq }]
probes:
  - { id: pacs, site: ward, kind: tcp, target: "pacs.local:104", interval: 10s, timeout: 2s }
  - { id: web, site: ward, kind: http, target: "https://u:pw@intranet.local/", interval: 30s, timeout: 10s }
  - { id: lis, site: ward, kind: tcp, target: "lis.local:2575", interval: 30s, timeout: 5s }
  - { id: portal, site: hq, kind: http, target: "https://portal.example/", interval: 1m }
`,
    'pflow.yaml',
    {},
  );

  it('names each difference by its agent.yaml path, never showing a password', () => {
    const agent = {
      agentId: 'ward-1',
      probes: [
        { id: 'pacs', kind: 'tcp', target: 'pacs.local:104', interval: 5_000, timeout: 2_000, labels: {} },
        { id: 'web', kind: 'http', target: 'https://u:other@intranet.local/', labels: {} },
        { id: 'portal', kind: 'http', target: 'https://portal.example/', interval: 60_000, labels: {} },
        { id: 'printer', kind: 'tcp', target: 'printer.local:9100', labels: {} },
      ],
    };
    const problems = compareWithSiteConfig(agent, site.probes);
    expect(problems).toEqual([
      'probes[0].interval: 5s here, 10s in the site config',
      'probes[1].target: https://u:REDACTED@intranet.local/ here, https://u:REDACTED@intranet.local/ in the site config',
      'probes[2].id: the site config runs "portal" on cloud, not agent:ward-1',
      'probes[3].id: the site config has no probe "printer"; no rule reads it',
      'probes: the site config runs "lis" on agent:ward-1, but it is not here: nothing reports it',
    ]);
    expect(problems.join('\n')).not.toContain('pw');
    expect(problems.join('\n')).not.toContain('other');
  });

  it('names an agent id the site config gives no probe, and agrees when they match', () => {
    expect(compareWithSiteConfig({ agentId: 'ward-9', probes: [] }, site.probes)).toEqual([
      'agent.id: no probe of the site config runs on agent:ward-9 (agents there: ward-1)',
    ]);
    // Declared under a site's agents: known without a probe (it may only scrape); the list names them too.
    expect(compareWithSiteConfig({ agentId: 'ward-9', probes: [] }, site.probes, ['ward-9'])).toEqual([]);
    expect(compareWithSiteConfig({ agentId: 'ward-8', probes: [] }, site.probes, ['ward-9'])).toEqual([
      "agent.id: the site config neither declares ward-8 under a site's agents nor runs a probe on it (agents there: ward-1, ward-9)",
    ]);
    const same = site.probes
      .filter((probe) => probe.runsOn === 'agent:ward-1')
      .map((probe) => ({
        id: probe.id,
        kind: probe.kind,
        target: probe.target,
        interval: probe.intervalMs,
        timeout: probe.timeoutMs,
        labels: {},
      }));
    expect(compareWithSiteConfig({ agentId: 'ward-1', probes: same }, site.probes)).toEqual([]);
  });
});
