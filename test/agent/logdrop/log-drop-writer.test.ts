import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { runAgentCheckCommand } from '../../../src/cli/agent-check.js';
import { HttpEventsClient } from '../../../src/agent/logdrop/events-client.js';
import {
  LogDropPathError,
  LogDropWriter,
  type LogDropWriterOptions,
} from '../../../src/agent/logdrop/log-drop-writer.js';
import type { AgentConfig } from '../../../src/domain/agent/agent-config.js';
import { captureLogger } from '../../support/logger.js';
import { ManualTime } from '../../support/manual-time.js';
import { EventsRuntime } from './runtime.js';

/**
 * The agent's log drop writer against the local runtime's real GET /v1/events on 127.0.0.1, each
 * test asserting the exact lines in the in-house file: every event once, in order.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
let root: string;
let ingest: EventsRuntime;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-agent-logdrop-'));
  ingest = new EventsRuntime(join(root, 'ingest'), await freePort());
  await ingest.start();
});
afterAll(async () => {
  await ingest.stop();
  rmSync(root, { recursive: true, force: true });
});

let dir: string;
let counter = 0;
let time: ManualTime;
let writers: LogDropWriter[] = [];
beforeEach(() => {
  counter += 1;
  dir = join(root, `agent-${String(counter)}`);
  mkdirSync(dir);
  time = new ManualTime(T0);
  // Every test reads the log drop from its start: earlier tests' events are its own too.
  rmSync(join(root, 'ingest', 'logdrop', 'ward'), { recursive: true, force: true });
});
afterEach(async () => {
  for (const writer of writers) await writer.stop();
  writers = [];
  if (!ingest.running) await ingest.start();
});

function options(overrides: Partial<LogDropWriterOptions> = {}): LogDropWriterOptions {
  return {
    path: join(dir, 'alerts.jsonl'),
    maxBytes: 10 * 1024 * 1024,
    keep: 3,
    pollIntervalMs: 30_000,
    stateFile: join(dir, 'logdrop-state.json'),
    pageLimit: 10,
    ...overrides,
  };
}

function open(overrides: Partial<LogDropWriterOptions> = {}, logger = captureLogger()): LogDropWriter {
  const writer = LogDropWriter.open(options(overrides), {
    source: new HttpEventsClient({
      ingestUrl: ingest.ingestUrl,
      token: ingest.token,
      timeoutMs: 5_000,
      env: {},
      userAgent: 'pflow-agent/test',
    }),
    clock: time.clock,
    timers: time.timers,
    logger,
    random: () => 1,
  });
  writers.push(writer);
  return writer;
}

/** Polls until the writer has caught up. */
async function drain(writer: LogDropWriter): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    const result = await writer.pollOnce();
    if (result !== 'more') {
      expect(result).toBe('idle');
      return;
    }
  }
  throw new Error('never caught up');
}

function ids(file = join(dir, 'alerts.jsonl')): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

describe('the log drop writer', () => {
  it('appends each event once, in order, as the exact JSON line the log drop holds; then only new ones', async () => {
    const first = await ingest.addEvents(25);
    const writer = open();
    await drain(writer);
    expect(ids()).toEqual(first);
    // The same bytes as the runtime's own log drop file: the event JSON, one per line, no wrapper.
    const [serverFile] = readdirSync(join(root, 'ingest', 'logdrop', 'ward'));
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toBe(
      readFileSync(join(root, 'ingest', 'logdrop', 'ward', serverFile!), 'utf8'),
    );
    await drain(writer);
    expect(ids()).toEqual(first);
    const second = await ingest.addEvents(3);
    await drain(writer);
    expect(ids()).toEqual([...first, ...second]);
    expect(writer.counters).toMatchObject({ written: 28, duplicates: 0 });
  });

  it('reads only its token’s site', async () => {
    await ingest.addEvents(4, 'other');
    const own = await ingest.addEvents(2);
    const writer = open();
    await drain(writer);
    expect(ids()).toEqual(own);
  });

  it('a restart continues after the last event written', async () => {
    const first = await ingest.addEvents(15);
    const writer = open();
    await drain(writer);
    await writer.stop();
    const second = await ingest.addEvents(12);
    await drain(open());
    expect(ids()).toEqual([...first, ...second]);
  });

  it('a crash between the append and the state update: the events fetched again are skipped', async () => {
    const first = await ingest.addEvents(10);
    const writer = open();
    await drain(writer);
    const second = await ingest.addEvents(17);
    // The state as it was before the next pages were appended: exactly what a crash right after the
    // appends (before the state file was replaced) leaves.
    copyFileSync(join(dir, 'logdrop-state.json'), join(dir, 'state-before'));
    await drain(writer);
    await writer.stop();
    copyFileSync(join(dir, 'state-before'), join(dir, 'logdrop-state.json'));
    const restarted = open();
    await drain(restarted);
    expect(ids()).toEqual([...first, ...second]);
    expect(restarted.counters).toMatchObject({ written: 0, duplicates: 17 });
  });

  it('a crash in the middle of a write: the torn line is cut and its event written once', async () => {
    const all = await ingest.addEvents(12);
    const writer = open({ pageLimit: 5 });
    await writer.pollOnce();
    await writer.stop();
    // What a kill -9 halfway through the next write leaves: two whole lines and half of a third.
    const full = readFileSync(join(dir, 'alerts.jsonl'), 'utf8');
    const next = serverLines().slice(5, 8);
    writeFileSync(join(dir, 'alerts.jsonl'), full + next[0]! + next[1]! + next[2]!.slice(0, 20));
    const logger = captureLogger();
    const restarted = open({ pageLimit: 5 }, logger);
    expect(logger.text()).toMatch(/cut a torn last line/);
    await drain(restarted);
    expect(ids()).toEqual(all);
    expect(restarted.counters).toMatchObject({ written: 5, duplicates: 2 });
  });

  it('ingest down, then back: backoff with full jitter, then every event once', async () => {
    await ingest.stop();
    const logger = captureLogger();
    const writer = open({}, logger);
    writer.start();
    // random() = 1 shows the ceiling of each full-jitter wait: 1 s, 2 s, 4 s, …
    await time.advance(0);
    await settled(writer);
    expect(time.nextDueIn()).toBe(1_000);
    await time.advance(1_000);
    await settled(writer);
    expect(time.nextDueIn()).toBe(2_000);
    await time.advance(2_000);
    await settled(writer);
    expect(time.nextDueIn()).toBe(4_000);
    expect(writer.counters.failedPolls).toBe(3);
    expect(writer.failing).toBe(true);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    expect(logger.text()).toMatch(/ECONNREFUSED/);
    expect(logger.text()).not.toContain(ingest.token);
    await ingest.start();
    const events = await ingest.addEvents(23);
    await time.advance(4_000);
    await settled(writer);
    // Full pages are followed at once; the last, short one waits for poll_interval.
    for (let i = 0; i < 5 && time.nextDueIn() === 0; i++) {
      await time.advance(0);
      await settled(writer);
    }
    expect(time.nextDueIn()).toBe(30_000);
    expect(ids()).toEqual(events);
    expect(logger.text()).toMatch(/events are written again/);
    expect(writer.failing).toBe(false);
  });

  it('rotates by size to timestamped names next to the file and keeps the newest `keep`', async () => {
    const events = await ingest.addEvents(40);
    const lineBytes = Buffer.byteLength(serverLines()[0]!);
    // Five lines per file: 40 events make 8 files; 3 rotated are kept besides the current one.
    const writer = open({ maxBytes: lineBytes * 5, keep: 3 });
    await drain(writer);
    const names = readdirSync(dir)
      .filter((name) => name.startsWith('alerts'))
      .sort();
    expect(names).toEqual([
      'alerts-20261201T080000Z_004.jsonl',
      'alerts-20261201T080000Z_005.jsonl',
      'alerts-20261201T080000Z_006.jsonl',
      'alerts.jsonl',
    ]);
    const kept = [...names.filter((name) => name !== 'alerts.jsonl'), 'alerts.jsonl'].flatMap((name) =>
      ids(join(dir, name)),
    );
    expect(kept).toEqual(events.slice(20));
  });

  it('the reader moving the file away: later events go to a new file at the path, none twice', async () => {
    const first = await ingest.addEvents(6);
    const writer = open();
    await drain(writer);
    renameSync(join(dir, 'alerts.jsonl'), join(dir, 'taken.jsonl'));
    const second = await ingest.addEvents(4);
    await drain(writer);
    expect(ids(join(dir, 'taken.jsonl'))).toEqual(first);
    expect(ids()).toEqual(second);
    // And after a restart too.
    await writer.stop();
    renameSync(join(dir, 'alerts.jsonl'), join(dir, 'taken-2.jsonl'));
    const third = await ingest.addEvents(2);
    await drain(open());
    expect(ids()).toEqual(third);
  });

  it('a cursor the ingest does not know: an error saying what to do, nothing written', async () => {
    writeFileSync(join(dir, 'logdrop-state.json'), JSON.stringify({ version: 1, cursor: 'elsewhere#3', ids: [] }));
    await ingest.addEvents(2);
    const logger = captureLogger();
    const writer = open({}, logger);
    expect(await writer.pollOnce()).toBe('failed');
    expect(logger.entries[0]).toMatchObject({ level: 'error' });
    expect(logger.text()).toMatch(/HTTP 400: after: .*delete .*logdrop-state\.json/);
    expect(ids()).toEqual([]);
  });

  it('a bad path: an error naming log_drop.path, nothing created', () => {
    expect(() => open({ path: join(dir, 'missing', 'alerts.jsonl') })).toThrow(
      new LogDropPathError(
        join(dir, 'missing', 'alerts.jsonl'),
        `the directory ${join(dir, 'missing')} does not exist`,
      ),
    );
    expect(() => open({ path: join(dir, 'missing', 'alerts.jsonl') })).toThrow(/^log_drop\.path: cannot write /);
    mkdirSync(join(dir, 'a-directory'));
    expect(() => open({ path: join(dir, 'a-directory') })).toThrow(/^log_drop\.path: .* is a directory, not a file$/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(existsSync(join(dir, 'logdrop-state.json'))).toBe(false);
  });
});

describe('a full disk under log_drop.path', () => {
  // A 64 KiB tmpfs is a real full disk; mounting needs root, as in the buffer's fault tests.
  const mountPoint = mkdtempSync(join(tmpdir(), 'pflow-logdrop-fulldisk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it.skipIf(!mounted)(
    'a write that does not fit is cut back, retried, and then every event is written once',
    async () => {
      const path = join(mountPoint, 'alerts.jsonl');
      const events = await ingest.addEvents(40);
      // One 4 KiB page left: the first page of events (10 lines, ~6 KiB) is written in part, then ENOSPC.
      const filler = join(mountPoint, 'filler');
      writeFileSync(filler, Buffer.alloc(60 * 1024));
      const logger = captureLogger();
      const writer = open({ path }, logger);
      expect(await writer.pollOnce()).toBe('failed');
      expect(logger.text()).toMatch(/log_drop\.path .*alerts\.jsonl: ENOSPC/);
      // Nothing half written: the partial write was cut back.
      expect(readFileSync(path, 'utf8')).toBe('');
      expect(writer.failing).toBe(true);
      rmSync(filler);
      await drain(writer);
      expect(ids(path)).toEqual(events);
      expect(writer.failing).toBe(false);
    },
  );
});

describe('the agent with a log_drop: section', () => {
  function agentConfig(path: string): AgentConfig {
    return {
      agentId: 'ward-1',
      ingest: {
        url: ingest.ingestUrl,
        token: ingest.token,
        mode: 'push',
        batchMaxSamples: 100,
        batchMaxAgeMs: 60_000,
        timeoutMs: 5_000,
        gzipLevel: 1,
      },
      buffer: { dir: join(dir, 'buffer'), maxBytes: 64 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1_000 },
      scrapeConfigs: [],
      probes: [],
      logDrop: { path, maxBytes: 10 * 1024 * 1024, keep: 10, pollIntervalMs: 30_000 },
    };
  }

  it('polls from start to stop, its state next to the buffer', async () => {
    const events = await ingest.addEvents(3);
    const agent = new Agent(agentConfig(join(dir, 'alerts.jsonl')), {
      clock: time.clock,
      timers: time.timers,
      logger: captureLogger(),
      env: {},
      scrape: false,
    });
    await agent.start();
    await time.advance(0);
    await settled(agent.logDrop!);
    expect(ids()).toEqual(events);
    expect(agent.health().logDrop).toEqual({ events: 3, failing: false });
    await agent.stop();
    expect(existsSync(join(dir, 'buffer', 'logdrop-state.json'))).toBe(true);
    const later = await ingest.addEvents(1);
    await time.advance(30_000);
    expect(ids()).toEqual(events);
    expect(later).toHaveLength(1);
  });

  it('refuses to start with a path it cannot write, naming log_drop.path', () => {
    expect(
      () =>
        new Agent(agentConfig(join(dir, 'nope', 'alerts.jsonl')), {
          clock: time.clock,
          timers: time.timers,
          logger: captureLogger(),
          env: {},
          scrape: false,
        }),
    ).toThrow(/^log_drop\.path: cannot write .*nope.*does not exist$/);
  });
});

describe('pflow agent check with a log_drop: section', () => {
  async function check(path: string, token = ingest.token): Promise<{ code: number; text: string }> {
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      `agent: { id: ward-1 }
ingest: { url: '${ingest.ingestUrl}', token: '\${PFLOW_AGENT_TOKEN}' }
buffer: { dir: '${join(dir, 'buffer')}' }
log_drop: { path: '${path}' }
`,
    );
    let text = '';
    const code = await runAgentCheckCommand(
      file,
      { stdout: (t) => (text += t), stderr: (t) => (text += t) },
      { PFLOW_AGENT_TOKEN: token },
    );
    return { code, text };
  }

  it('checks that the path is writable and that GET /v1/events answers, and writes nothing', async () => {
    await ingest.addEvents(1);
    const { code, text } = await check(join(dir, 'alerts.jsonl'));
    expect(text).toContain(
      `log drop:\n  ok   log_drop.path ${join(dir, 'alerts.jsonl')}: writable\n  ok   GET /v1/events: answered; events are waiting to be written\n`,
    );
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'alerts.jsonl'))).toBe(false);
  });

  it('fails naming log_drop.path, and shows the endpoint refusing a token', async () => {
    const bad = await check(join(dir, 'nope', 'alerts.jsonl'), `pfa_${'x'.repeat(12)}_${'y'.repeat(43)}`);
    expect(bad.text).toContain(
      `  FAIL log_drop.path: cannot write ${join(dir, 'nope', 'alerts.jsonl')}: the directory ${join(dir, 'nope')} does not exist\n`,
    );
    expect(bad.text).toMatch(/ {2}FAIL GET \/v1\/events: HTTP 401: /);
    expect(bad.code).toBe(1);
  });
});

/** The lines of the runtime's log drop for site ward, oldest first. */
function serverLines(): string[] {
  const dirOf = join(root, 'ingest', 'logdrop', 'ward');
  return readdirSync(dirOf)
    .sort()
    .flatMap((name) => readFileSync(join(dirOf, name), 'utf8').split(/(?<=\n)/))
    .filter((line) => line !== '');
}

async function settled(writer: LogDropWriter): Promise<void> {
  await writer.settled();
}
