import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import type { AgentConfig } from '../../../src/domain/agent/agent-config.js';
import { httpInputSchema } from '../../../src/domain/assets/input-settings.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { systemClock } from '../../../src/domain/ports.js';
import { createToken } from '../../../src/ingest/token.js';
import { LocalRuntime } from '../../../src/runtime/local-runtime.js';
import { closedPort } from '../../support/closed-port.js';
import { captureLogger } from '../../support/logger.js';
import { ManualTime } from '../../support/manual-time.js';

/**
 * An agent with an `rtls:` input forwarding to a deployment without `assets:` (the local runtime's
 * real POST /v1/ingest): the ingest refuses a batch with tag events (code tag_events_not_kept), the
 * agent sends the same batch again without them, so its samples are stored in pflow.db, and counts
 * the tag events in pflow_agent_dropped_tag_events_total{reason="not_kept"}.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
const PUSH_TOKEN = 'rtls-push-token-0123456789';
let root: string;
let runtime: LocalRuntime;
let ingestUrl: string;
let token: string;
let agent: Agent | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-agent-tags-not-kept-'));
  const apiPort = await closedPort();
  const config = parseDeploymentConfig(
    `version: 1\nsites:\n  - id: ward\nlocal:\n  data_dir: ${join(root, 'data')}\n  api_listen: 127.0.0.1:${String(apiPort)}\n`,
    'no-assets.yaml',
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
});
afterAll(async () => {
  await runtime.stop();
  rmSync(root, { recursive: true, force: true });
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

function agentConfig(): AgentConfig {
  return {
    agentId: 'ward-1',
    ingest: {
      url: ingestUrl,
      token,
      mode: 'push',
      batchMaxSamples: 10_000,
      batchMaxAgeMs: 10_000,
      timeoutMs: 5_000,
      gzipLevel: 1,
    },
    buffer: { dir: join(root, 'buffer'), maxBytes: 64 * 1024 * 1024, fsync: 'always', fsyncIntervalMs: 1_000 },
    scrapeConfigs: [],
    probes: [],
    rtls: { inputs: [httpInputSchema.parse({ kind: 'http', listen: '127.0.0.1:0', bearer_token: PUSH_TOKEN })] },
  };
}

async function postTags(url: string, tags: string[], dt: number): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
    body: JSON.stringify(tags.map((tag) => ({ tag, t: T0 + dt }))),
  });
  expect(response.status).toBe(200);
}

/** The newest stored value of a series of ward-1 with these labels, from pflow.db. */
function storedValue(name: string, labels: Record<string, string> = {}): number | undefined {
  const db = new Database(join(root, 'data', 'pflow.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT s.site, s.labels, m.value FROM metrics m JOIN series s ON s.id = m.series_id WHERE s.name = ? ORDER BY m.time',
      )
      .all(name) as { site: string; labels: string; value: number }[];
    const matching = rows.filter((row) => {
      const stored = JSON.parse(row.labels) as Record<string, string>;
      return (
        row.site === 'ward' && stored['agent'] === 'ward-1' && Object.entries(labels).every(([k, v]) => stored[k] === v)
      );
    });
    return matching.at(-1)?.value;
  } finally {
    db.close();
  }
}

describe('agent → a deployment without assets: (local runtime POST /v1/ingest)', () => {
  it('stores the samples of batches with tag events, counts the tag events dropped (not_kept), and logs it once', async () => {
    const time = new ManualTime(T0);
    const logger = captureLogger();
    agent = new Agent(agentConfig(), { clock: time.clock, timers: time.timers, logger, env: {}, scrape: false });
    await agent.start();
    const [url] = agent.rtlsUrls;
    if (url === undefined) throw new Error('no HTTP input URL');

    await postTags(url, ['T-1', 'T-2', 'T-3'], 0);
    await time.advance(10_000);
    await agent.forwarder!.kick();
    // The batch left the buffer stored, not refused: nothing of it counted rejected or dropped.
    expect(agent.buffer.stats().pendingBatches).toBe(0);
    expect(agent.forwarder!.counters).toMatchObject({
      rejectedBatches: 0,
      rejectedSamples: 0,
      rejectedTagEvents: 0,
      notKeptTagEvents: 3,
    });
    expect(storedValue('pflow_agent_up')).toBe(1);

    // Within the pause the next batch goes without its tag events at once: no second refusal, no second warning.
    await postTags(url, ['T-4', 'T-5'], 20_000);
    await time.advance(10_000);
    await agent.forwarder!.kick();
    await time.advance(10_000);
    await agent.forwarder!.kick();
    expect(agent.forwarder!.counters).toMatchObject({ rejectedBatches: 0, notKeptTagEvents: 5, failedAttempts: 0 });
    // The heartbeat of the next cycle carries the count.
    await time.advance(10_000);
    await agent.forwarder!.kick();
    expect(storedValue('pflow_agent_dropped_tag_events_total', { reason: 'not_kept' })).toBe(5);
    expect(storedValue('pflow_agent_dropped_tag_events_total', { reason: 'rejected' })).toBe(0);
    expect(storedValue('pflow_agent_dropped_tag_events_total', { reason: 'buffer' })).toBe(0);
    expect(storedValue('pflow_agent_rejected_batches_total')).toBe(0);
    expect(storedValue('pflow_agent_dropped_samples_total')).toBe(0);
    const notices = logger.entries.filter((entry) => entry.message.includes('keeps no tag events'));
    expect(notices.map((entry) => entry.level)).toEqual(['warn']);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });
});
