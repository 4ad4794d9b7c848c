import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, parseAgentConfig } from '../../src/agent/config.js';
import { eventsUrl } from '../../src/domain/agent/agent-config.js';
import { ConfigError } from '../../src/domain/errors.js';

const TOKEN = 'pfa_abc123_SECRETsecretSECRETsecret0123456789';

const FULL = `agent: { id: ward-server-1 }
ingest:
  url: https://ingest.example/v1/ingest
  token: \${PFLOW_AGENT_TOKEN}
  ca_file: /etc/pflow/ca.pem
  mode: push
  batch_max_samples: 10000
  batch_max_age: 10s
  timeout: 10s
buffer: { dir: /var/lib/pflow-agent, max_bytes: 1GiB, fsync: interval, fsync_interval: 1s }
scrape_configs:
  - job_name: node
    static_configs: [ { targets: ["127.0.0.1:9100"] } ]
probes:
  - { id: web, kind: http, target: "https://intranet.local/" }
log_drop: { path: /var/log/pflow/alerts.jsonl, max_bytes: 10MiB, keep: 10 }
`;

function errors(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseAgentConfig(text, 'agent.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('agent.yaml', () => {
  it('reads the documented example into durations in ms and sizes in bytes', () => {
    const config = parseAgentConfig(FULL, 'agent.yaml', { PFLOW_AGENT_TOKEN: TOKEN });
    expect(config.agentId).toBe('ward-server-1');
    expect(config.ingest).toEqual({
      url: 'https://ingest.example/v1/ingest',
      token: TOKEN,
      caFile: '/etc/pflow/ca.pem',
      mode: 'push',
      batchMaxSamples: 10_000,
      batchMaxAgeMs: 10_000,
      timeoutMs: 10_000,
      gzipLevel: 1,
    });
    expect(config.buffer).toEqual({
      dir: '/var/lib/pflow-agent',
      maxBytes: 1024 ** 3,
      fsync: 'interval',
      fsyncIntervalMs: 1000,
    });
    expect(config.logDrop).toEqual({
      path: '/var/log/pflow/alerts.jsonl',
      maxBytes: 10 * 1024 ** 2,
      keep: 10,
      pollIntervalMs: 30_000,
    });
    expect(config.probes.map((probe) => [probe.id, probe.kind])).toEqual([['web', 'http']]);
    expect(config.scrapeConfigs.map((job) => job.job_name)).toEqual(['node']);
    expect(eventsUrl(config.ingest.url ?? '')).toBe('https://ingest.example/v1/events');
  });

  it('lists every problem with its line and path, in file order, unknown keys included', () => {
    const text = `agent: { id: Ward_1 }
ingest:
  url: ftp://x
  token: short
  mode: pull
  colour: red
buffer: { dir: /b, max_bytes: 12 parsecs, fsync: sometimes }
`;
    expect(errors(text)).toEqual([
      'line 1: agent.id: must be 1–63 lower-case letters, digits or hyphens, starting with a letter or digit',
      'line 3: ingest.url: must be an absolute http(s) URL, e.g. https://ingest.example/v1/ingest',
      'line 4: ingest.token: must be at least 16 characters (pflow agent token create prints one)',
      'line 6: ingest.colour: unknown key',
      'line 7: buffer.max_bytes: unknown unit "parsecs" in size "12 parsecs" (units: B, KiB, MiB, GiB, TiB)',
      'line 7: buffer.fsync: must be one of: always, interval',
    ]);
  });

  it('requires url and token in push mode, and pull settings in pull mode', () => {
    expect(errors('agent: { id: a }\nbuffer: { dir: /b }\n')).toEqual([
      'line 1: ingest.url: required in push mode',
      'line 1: ingest.token: required in push mode',
    ]);
    expect(errors('agent: { id: a }\ningest: { mode: pull }\nbuffer: { dir: /b }\n')).toEqual([
      'line 1: pull: required with ingest.mode: pull',
    ]);
  });

  it('checks probes across fields: duplicate ids, the 1s floor, timeout under the interval (default included), the agent label', () => {
    const text = `agent: { id: a }
ingest: { mode: pull }
pull: { listen: 127.0.0.1:9465, token: pulltokenpulltoken }
buffer: { dir: /b }
probes:
  - { id: web, kind: http, target: "http://a/", interval: 5s, timeout: 2s }
  - { id: web, kind: tcp, target: "a:1", interval: 500ms, timeout: 100ms }
  - { id: fast, kind: tcp, target: "a:1", interval: 5s }
  - { id: slow, kind: dns, target: "a.local", interval: 2s, timeout: 2s, dns: { server: 10.0.0.53 } }
  - { id: own, kind: ping, target: "a.local", interval: 15s, labels: { agent: other, room: icu } }
  - { id: bad, kind: tcp, target: "a:1", interval: soon, timeout: 1h }
`;
    expect(errors(text)).toEqual([
      'line 7: probes[1].id: duplicate probe id "web" (already used by probes[0])',
      'line 7: probes[1].interval: too short: an agent probe runs at most once a second (500ms is under 1s)',
      'line 8: probes[2].timeout: the default timeout 10s is not shorter than the interval 5s: set a shorter timeout',
      'line 9: probes[3].timeout: must be shorter than the interval (2s is not shorter than 2s)',
      'line 10: probes[4].labels.agent: set by the agent itself (its agent.id) on every result',
      expect.stringMatching(/^line 11: probes\[5\]\.interval: /),
      expect.stringMatching(/^line 11: probes\[5\]\.timeout: /),
    ]);
    // Sub-minute intervals are the agent's to run (a cloud probe is whole minutes only).
    expect(errors(text.split('\n').slice(0, 6).join('\n') + '\n')).toEqual([]);
  });

  it('names a missing environment variable and never shows a substituted secret', () => {
    expect(errors(FULL)).toEqual(['line 4: ingest.token: environment variable PFLOW_AGENT_TOKEN is not set']);
    const leaky = FULL.replace('batch_max_samples: 10000', 'batch_max_samples: ${PFLOW_AGENT_TOKEN}');
    const listed = errors(leaky, { PFLOW_AGENT_TOKEN: TOKEN }).join('\n');
    expect(listed).toMatch(/batch_max_samples/);
    expect(listed).not.toContain('SECRET');
  });

  it('refuses YAML errors by line and a missing file by name', async () => {
    expect(errors('agent: { id: a\n')[0]).toMatch(/^line \d+:\d+: /);
    expect(errors('agent: { id: a }\nagent: { id: b }\n')).toEqual(['line 2:1: duplicate key']);
    const dir = mkdtempSync(join(tmpdir(), 'pflow-agent-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    await expect(loadAgentConfig(join(dir, 'missing.yaml'), {})).rejects.toThrow(/no such file/);
    writeFileSync(join(dir, 'agent.yaml'), FULL);
    expect((await loadAgentConfig(join(dir, 'agent.yaml'), { PFLOW_AGENT_TOKEN: TOKEN })).agentId).toBe(
      'ward-server-1',
    );
  });
  describe('rtls:', () => {
    const BASE = `agent: { id: ward-server-1 }
ingest: { url: https://ingest.example/v1/ingest, token: '\${PFLOW_AGENT_TOKEN}' }
buffer: { dir: /var/lib/pflow-agent }
`;
    const RTLS = `rtls:
  inputs:
    - kind: http
      listen: 0.0.0.0:8181
      bearer_token: \${RTLS_PUSH_TOKEN}
    - kind: mqtt
      url: mqtt://rtls-gateway.local:1883
      topics: ['rtls/+/position']
      client_id: pflow-ward-server-1
      password: \${RTLS_MQTT_PASSWORD}
      mapping: { tag: tagId, time: ts, time_unit: s, zone: location.zone }
`;
    const env = {
      PFLOW_AGENT_TOKEN: TOKEN,
      RTLS_PUSH_TOKEN: 'push-SECRET-0123456789',
      RTLS_MQTT_PASSWORD: 'mqtt-SECRET',
    };

    it("reads the inputs with the local runtime's settings and mapping (defaults filled in)", () => {
      const config = parseAgentConfig(BASE + RTLS, 'agent.yaml', env);
      expect(config.rtls?.inputs).toEqual([
        expect.objectContaining({
          kind: 'http',
          listen: '0.0.0.0:8181',
          path: '/tags',
          max_body_bytes: 4 * 1024 * 1024,
          bearer_token: 'push-SECRET-0123456789',
          mapping: expect.objectContaining({ tag: 'tag', time: 't', time_unit: 'ms', zone: 'zone' }),
        }),
        expect.objectContaining({
          kind: 'mqtt',
          topics: ['rtls/+/position'],
          qos: 1,
          mapping: expect.objectContaining({ tag: 'tagId', time: 'ts', time_unit: 's', zone: 'location.zone' }),
        }),
      ]);
      expect(parseAgentConfig(BASE, 'agent.yaml', env).rtls).toBeUndefined();
    });

    it('names each bad field by line and path, and never shows an input secret', () => {
      const bad = `${BASE}rtls:
  inputs:
    - kind: http
      listen: everywhere
      bearer_token: \${RTLS_PUSH_TOKEN}
      site: ward
    - kind: mqtt
      url: http://broker:1883
      topics: []
      mapping: { time_unit: minutes }
    - kind: carrier-pigeon
`;
      const listed = errors(bad, { ...env, RTLS_PUSH_TOKEN: 'short-SECRET' });
      expect(listed).toEqual([
        'line 7: rtls.inputs[0].listen: must be host:port, e.g. 127.0.0.1:8181 or 0.0.0.0:8181',
        'line 8: rtls.inputs[0].bearer_token: must be at least 16 characters',
        'line 9: rtls.inputs[0].site: unknown key',
        expect.stringMatching(/^line 11: rtls\.inputs\[1\]\.url: must be an mqtt:\/\//),
        expect.stringMatching(/^line 12: rtls\.inputs\[1\]\.topics: /),
        expect.stringMatching(/^line 13: rtls\.inputs\[1\]\.mapping\.time_unit: /),
        expect.stringMatching(/^line 14: rtls\.inputs\[2\]\.kind: /),
      ]);
      expect(listed.join('\n')).not.toContain('SECRET');
      expect(errors(`${BASE}rtls: { inputs: [] }\n`, env)).toEqual([
        'line 4: rtls.inputs: list at least one input (kind: http or kind: mqtt), or leave rtls: out',
      ]);
    });

    it("reads the README's example (RTLS inputs on the agent)", () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const section = readme.slice(readme.indexOf('### RTLS inputs on the agent'));
      const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
      const config = parseAgentConfig(BASE + yaml, 'agent.yaml', env);
      expect(config.rtls?.inputs.map((input) => input.kind)).toEqual(['http', 'mqtt']);
      expect(config.rtls?.inputs[1]).toMatchObject({ client_id: 'pflow-ward-server-1', mapping: { tag: 'tagId' } });
    });

    it('refuses two servers on one address (two HTTP inputs, or one and the pull server)', () => {
      const pull = `agent: { id: a }
ingest: { mode: pull }
pull: { listen: 0.0.0.0:9465, token: pull-token-0123456789 }
buffer: { dir: /tmp/b }
rtls:
  inputs:
    - { kind: http, listen: 0.0.0.0:9465 }
    - { kind: http, listen: 0.0.0.0:8181 }
    - { kind: http, listen: 0.0.0.0:8181, path: /other }
    - { kind: http, listen: 127.0.0.1:0 }
    - { kind: http, listen: 127.0.0.1:0 }
`;
      expect(errors(pull)).toEqual([
        "line 7: rtls.inputs[0].listen: 0.0.0.0:9465 is already pull.listen's address",
        "line 9: rtls.inputs[2].listen: 0.0.0.0:8181 is already rtls.inputs[1].listen's address",
      ]);
    });
  });
});
