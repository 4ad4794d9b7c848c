import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import {
  isTransientStoreError,
  WriteBuffer,
  type WriteBufferOptions,
} from '../../../src/adapters/local/write-buffer.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { Logger } from '../../../src/domain/ports.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import type { MetricSample } from '../../../src/domain/records.js';
import { alertEvent as sampleAlertEvent } from '../../support/alert-event.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields && { fields }) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function probeResult(i: number): ProbeResult {
  return {
    site: 'site-a',
    probe: `probe-${i}`,
    kind: 'http',
    target: `http://127.0.0.1/${i}`,
    labels: {},
    time: T0 + i,
    success: true,
    durationMs: i,
    phases: {},
  };
}

function samples(count: number, name = 'up'): MetricSample[] {
  return Array.from({ length: count }, (_, i) => ({
    name,
    labels: { site: 'site-a', i: String(i) },
    time: T0,
    value: i,
  }));
}

function alertEvent(id: string, evaluatedAt = '2026-11-24T10:00:00Z'): AlertEvent {
  return sampleAlertEvent({ id, startsAt: evaluatedAt, evaluatedAt });
}

let dir: string;
let dbPath: string;
let store: SqliteStore;
let logger: ReturnType<typeof recordingLogger>;
let locker: Database.Database | undefined;

function buffer(options: Partial<WriteBufferOptions> = {}): WriteBuffer {
  return new WriteBuffer({
    store,
    logger,
    clock: { now: () => Date.now() },
    batchSize: 100,
    flushIntervalMs: 1_000,
    retryInitialMs: 100,
    retryMaxMs: 1_000,
    ...options,
  });
}

/** Another connection holding the write lock, as a second process (or a backup tool) would. */
function lockDatabase(): void {
  locker = new Database(dbPath, { timeout: 0 });
  locker.exec('BEGIN EXCLUSIVE');
}

function unlockDatabase(): void {
  locker?.exec('COMMIT');
}

async function storedSampleCount(): Promise<number> {
  return store.db.prepare('SELECT COUNT(*) FROM metrics').pluck().get() as number;
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  dir = mkdtempSync(join(tmpdir(), 'pflow-buffer-'));
  dbPath = join(dir, 'pflow.db');
  // No busy wait: it would block the event loop for real; the buffer retries on fake timers instead.
  store = new SqliteStore({
    database: dbPath,
    clock: { now: () => Date.now() },
    retentionMs: 3_600_000,
    busyTimeoutMs: 0,
  });
  logger = recordingLogger();
});

afterEach(() => {
  vi.useRealTimers();
  locker?.close();
  locker = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('batching', () => {
  it('flushes at once when a batch is full, and otherwise after the flush interval', async () => {
    const buf = buffer({ batchSize: 3 });

    await buf.writeMetricSamples(samples(7));
    expect(buf.stats().pending['metric samples']).toBe(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(await storedSampleCount()).toBe(7);

    await buf.writeMetricSamples(samples(2, 'other'));
    await vi.advanceTimersByTimeAsync(999);
    expect(await storedSampleCount()).toBe(7);
    await vi.advanceTimersByTimeAsync(1);
    expect(await storedSampleCount()).toBe(9);
    expect(buf.stats().written['metric samples']).toBe(9);
  });

  it('flushes before a window read, so a rule cycle sees every accepted result', async () => {
    const buf = buffer();
    await buf.writeProbeResults([probeResult(1), probeResult(2)]);

    const windows = await buf.fetchWindows({ table: 'probes', measures: ['success'], since: T0, until: T0 + 10 });

    expect(windows).toHaveLength(2);
  });
});

describe('a locked database', () => {
  it('is reported, retried with backoff, and loses nothing once the lock is released', async () => {
    const buf = buffer();
    lockDatabase();

    await buf.writeProbeResults([1, 2, 3, 4, 5].map(probeResult));
    await vi.advanceTimersByTimeAsync(1_000);

    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ code: 'SQLITE_BUSY', batch: 5 }) }),
    );
    expect(buf.stats()).toMatchObject({ pending: { 'probe results': 5 }, failingSince: T0 + 1_000 });

    await vi.advanceTimersByTimeAsync(100 + 200 + 400); // three retries, doubling
    expect(buf.stats().retries).toBe(4);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields?.retryInMs)).toEqual([200, 400, 800]);

    unlockDatabase();
    await vi.advanceTimersByTimeAsync(800);

    expect(buf.stats()).toMatchObject({ pending: { 'probe results': 0 }, written: { 'probe results': 5 } });
    expect(buf.stats().failingSince).toBeNull();
    expect(store.latestProbeResults().map((r) => r.probe)).toEqual([1, 2, 3, 4, 5].map((i) => `probe-${i}`));
    expect(logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'store: writes succeed again' });
  });
});

describe('a full disk', () => {
  it('is reported (SQLITE_FULL), retried, and loses nothing once space is freed', async () => {
    const buf = buffer({ batchSize: 5_000 });
    store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);

    await buf.writeMetricSamples(samples(3_000));
    await vi.advanceTimersByTimeAsync(1_000 + 100 + 200);

    expect(logger.lines[0]).toMatchObject({ level: 'error', fields: { code: 'SQLITE_FULL', batch: 3_000 } });
    // The batch was split until what fits in the pages left was written; the rest waits in memory.
    const stored = await storedSampleCount();
    expect(stored).toBeGreaterThan(0);
    expect(buf.stats().pending['metric samples']).toBe(3_000 - stored);
    expect(buf.stats().failingSince).not.toBeNull();
    expect(buf.stats().lastError).toMatch(/^SQLITE_FULL/);
    expect(buf.stats().batchLimit).toBeLessThan(3_000);

    store.db.pragma('max_page_count = 1073741823');
    await vi.advanceTimersByTimeAsync(400);

    expect(await storedSampleCount()).toBe(3_000);
    expect(buf.stats().pending['metric samples']).toBe(0);
    const windows = await store.fetchWindows({ table: 'metrics', measures: ['up'], since: T0, until: T0 });
    expect(windows).toHaveLength(3_000);
  });
});

describe('overflow', () => {
  it('refuses new records when full, reports it once per episode, and counts every refusal', async () => {
    const buf = buffer({ capacity: 4 });
    lockDatabase();

    await buf.writeAlertEvents([alertEvent('a'), alertEvent('b'), alertEvent('c')]);
    await buf.writeAlertEvents([alertEvent('d'), alertEvent('e'), alertEvent('f')]);
    await buf.writeAlertEvents([alertEvent('g'), alertEvent('h')]);

    expect(buf.stats()).toMatchObject({ pending: { 'alert events': 4 }, refused: { 'alert events': 4 } });
    const full = logger.lines.filter((l) => l.message.includes('write buffer full'));
    expect(full).toEqual([expect.objectContaining({ level: 'error' })]);

    await vi.advanceTimersByTimeAsync(1_000);
    unlockDatabase();
    await vi.advanceTimersByTimeAsync(100);

    expect(store.recentAlertEvents(10).map((e) => e.id)).toEqual(['d', 'c', 'b', 'a']);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: { refusedWhileFull: 4 } }));
  });
});

describe('records the store rejects outright', () => {
  it('drops only the bad record, reports it, and writes the rest', async () => {
    const buf = buffer();

    await buf.writeAlertEvents([alertEvent('ok-1'), alertEvent('bad', 'not a time'), alertEvent('ok-2')]);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(
      store
        .recentAlertEvents(10)
        .map((e) => e.id)
        .sort(),
    ).toEqual(['ok-1', 'ok-2']);
    expect(buf.stats()).toMatchObject({ dropped: { 'alert events': 1 }, written: { 'alert events': 2 } });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'store: dropped 1 alert events that the store rejected' }),
    );
  });
});

describe('shutdown', () => {
  it('drains everything it holds', async () => {
    const buf = buffer();
    await buf.writeMetricSamples(samples(250));
    await buf.writeProbeResults([probeResult(1)]);

    const report = await buf.close();

    expect(report.unwritten).toEqual({ 'probe results': 0, 'metric samples': 0, 'alert events': 0 });
    expect(await storedSampleCount()).toBe(250);
    expect(store.latestProbeResults()).toHaveLength(1);
  });

  it('retries until its deadline, then reports what it could not write; later writes are refused loudly', async () => {
    const buf = buffer();
    lockDatabase();
    await buf.writeMetricSamples(samples(2));

    const closing = buf.close({ deadlineMs: 1_000 });
    await vi.advanceTimersByTimeAsync(2_000);
    const report = await closing;

    expect(report.unwritten).toEqual({ 'probe results': 0, 'metric samples': 2, 'alert events': 0 });
    expect(buf.stats().retries).toBeGreaterThan(1);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ unwritten: report.unwritten }) }),
    );

    await buf.writeMetricSamples(samples(1));
    expect(buf.stats().refused['metric samples']).toBe(1);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', message: expect.stringContaining('closed') });
  });
});

describe('isTransientStoreError', () => {
  it.each([
    ['SQLITE_BUSY', true],
    ['SQLITE_BUSY_SNAPSHOT', true],
    ['SQLITE_LOCKED', true],
    ['SQLITE_FULL', true],
    ['SQLITE_IOERR_WRITE', true],
    ['SQLITE_CONSTRAINT_NOTNULL', false],
    ['SQLITE_CORRUPT', false],
    ['SQLITE_BUSYNESS', false],
    [undefined, false],
  ])('%s → %s', (code, transient) => {
    expect(isTransientStoreError(Object.assign(new Error('x'), { code }))).toBe(transient);
  });
});
