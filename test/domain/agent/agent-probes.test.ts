import { describe, expect, it } from 'vitest';
import { agentProbeDefinitions, toWireProbeResult } from '../../../src/domain/agent/agent-probes.js';
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
