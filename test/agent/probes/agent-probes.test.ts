import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { parseAgentConfig } from '../../../src/agent/config.js';
import { encodeBatch } from '../../../src/agent/forward/encoder.js';
import type { AgentConfig } from '../../../src/domain/agent/agent-config.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import type { WireBatch } from '../../../src/domain/ingest/batch.js';
import { systemClock } from '../../../src/domain/ports.js';
import type { ProbeOutcome } from '../../../src/domain/probe-result.js';
import { createToken } from '../../../src/ingest/token.js';
import { LocalRuntime } from '../../../src/runtime/local-runtime.js';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { closedPort } from '../../support/closed-port.js';
import { captureLogger } from '../../support/logger.js';
import { ManualTime } from '../../support/manual-time.js';

/**
 * agent.yaml's probes run inside the agent: on its fake-clock schedule, into its disk buffer like
 * scraped samples, and through the local runtime's real POST /v1/ingest into pflow.db.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
let root: string;
let agent: Agent | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pflow-agent-probes-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

function agentConfig(name: string, ingest: string, probes: string): AgentConfig {
  return parseAgentConfig(
    `agent: { id: ward-1 }\n${ingest}\nbuffer: { dir: ${join(root, name)}, fsync: always }\nprobes:\n${probes}`,
    'agent.yaml',
    {},
  );
}

/** Every sealed batch still in the buffer, as the WireBatch the forwarder or the pull server would send. */
function buffered(a: Agent): WireBatch[] {
  a.batcher.flush();
  return a.buffer.sealed(1_000).map((ref) => {
    const content = a.buffer.read(ref.batch)!;
    return JSON.parse(encodeBatch(content, { id: 'ward-1', version: 'test' }).toString()) as WireBatch;
  });
}

describe('probes in the agent (fake clock)', () => {
  it('put every result into the disk buffer, with the agent label and no site, before anything is sent', async () => {
    const time = new ManualTime(T0, 0);
    const config = agentConfig(
      'buffer-only',
      'ingest: { mode: pull }\npull: { listen: 127.0.0.1:0, token: pulltokenpulltoken }',
      '  - { id: pacs, kind: tcp, target: "pacs.ward.local:104", interval: 5s, timeout: 2s, labels: { service: pacs } }\n' +
        '  - { id: lis, kind: http, target: "http://lis.ward.local/health", interval: 15s, timeout: 5s }\n',
    );
    const outcome: ProbeOutcome = { success: true, durationMs: 4, phases: { connectMs: 1 } };
    agent = new Agent(config, {
      clock: time.clock,
      timers: time.timers,
      logger: captureLogger(),
      env: {},
      probeAttemptFor: () => async () => outcome,
    });
    await agent.start();
    await time.advance(30_000);

    const results = buffered(agent).flatMap((batch) => batch.probeResults ?? []);
    expect(results.filter((r) => r.probe === 'pacs')).toHaveLength(6);
    expect(results.filter((r) => r.probe === 'lis')).toHaveLength(2);
    expect(results.find((r) => r.probe === 'pacs')).toEqual({
      probe: 'pacs',
      kind: 'tcp',
      target: 'pacs.ward.local:104',
      labels: { service: 'pacs', agent: 'ward-1' },
      time: expect.any(Number),
      success: true,
      durationMs: 4,
      phases: { connectMs: 1 },
    });
    expect(results.every((r) => r.site === undefined && r.labels.agent === 'ward-1')).toBe(true);
  });
});

describe('agent → local runtime POST /v1/ingest → pflow.db', () => {
  let runtime: LocalRuntime;
  let token: string;
  let ingestUrl: string;
  let target: Server;
  let targetPort: number;

  beforeAll(async () => {
    const apiPort = await closedPort();
    const config = parseDeploymentConfig(
      `version: 1\nsites:\n  - id: ward\nlocal:\n  data_dir: ${join(root, 'data')}\n  api_listen: 127.0.0.1:${String(apiPort)}\n`,
      'e2e.yaml',
      {},
    );
    runtime = new LocalRuntime(config, {
      clock: systemClock,
      logger: captureLogger(),
      stdout: () => {},
      probeIsolation: 'in-process',
    });
    const created = createToken('ward', 'ward-1', T0);
    await runtime.ingest.add(created.record);
    token = created.token;
    await runtime.start();
    ingestUrl = `http://127.0.0.1:${String(apiPort)}/v1/ingest`;
    target = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await runtime.stop();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  it('stores the agent-run results under the token’s site, with the agent label, as the runtime stores its own', async () => {
    const refused = await closedPort();
    const time = new ManualTime(T0, 0);
    const config = agentConfig(
      'e2e',
      `ingest: { url: "${ingestUrl}", token: ${token}, batch_max_age: 1s }`,
      `  - { id: pacs, kind: tcp, target: "127.0.0.1:${String(targetPort)}", interval: 2s, timeout: 1s, labels: { service: pacs } }\n` +
        `  - { id: printer, kind: tcp, target: "127.0.0.1:${String(refused)}", interval: 2s, timeout: 1s }\n`,
    );
    agent = new Agent(config, { clock: time.clock, timers: time.timers, logger: captureLogger(), env: {} });
    const added = vi.spyOn(agent.batcher, 'add');
    const probeResultsAdded = () => added.mock.calls.reduce((n, [, results]) => n + (results?.length ?? 0), 0);
    await agent.start();
    // One turn of each probe on the fake clock; the probes themselves talk to real loopback sockets.
    await time.advance(2_000);
    await vi.waitFor(() => expect(probeResultsAdded()).toBe(2), { timeout: 5_000, interval: 10 });
    agent.batcher.flush();
    await agent.forwarder!.kick();
    expect(agent.buffer.stats().pendingBatches).toBe(0);

    const db = new Database(join(root, 'data', 'pflow.db'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT site, probe, kind, labels, success, failure_reason FROM probes ORDER BY probe')
        .all();
      expect(rows).toEqual([
        {
          site: 'ward',
          probe: 'pacs',
          kind: 'tcp',
          labels: '{"agent":"ward-1","service":"pacs"}',
          success: 1,
          failure_reason: null,
        },
        {
          site: 'ward',
          probe: 'printer',
          kind: 'tcp',
          labels: '{"agent":"ward-1"}',
          success: 0,
          failure_reason: 'refused',
        },
      ]);
    } finally {
      db.close();
    }
    // What a rule cycle reads: the same series a probe of the runtime's own would make, plus the agent label.
    const store = new SqliteStore({
      database: join(root, 'data', 'pflow.db'),
      clock: systemClock,
      retentionMs: 86_400_000,
    });
    try {
      const windows = await store.fetchWindows({
        table: 'probes',
        measures: ['success'],
        since: T0,
        until: T0 + 60_000,
        sites: ['ward'],
      });
      expect(
        windows.map((w) => [w.labels.probe, w.labels.agent, w.labels.site, w.points.map((p) => p.v)]).sort(),
      ).toEqual([
        ['pacs', 'ward-1', 'ward', [1]],
        ['printer', 'ward-1', 'ward', [0]],
      ]);
    } finally {
      store.close();
    }
  });
});
