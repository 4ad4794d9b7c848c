import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticator } from '../../../src/adapters/prometheus/auth.js';
import {
  RemoteWriteConfigError,
  RemoteWriter,
  RemoteWriteUnavailableError,
} from '../../../src/adapters/prometheus/remote-write.js';
import { sortedLabelPairs, type OutSample } from '../../../src/adapters/prometheus/series-mapping.js';
import type { Timers } from '../../../src/domain/ports.js';
import { captureLogger } from '../../support/logger.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../../support/remote-write-receiver.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function sample(series: number, time: number, value = 1, extra: Record<string, string> = {}): OutSample {
  return { labels: sortedLabelPairs({ __name__: 'up', site: 's', instance: `i${series}`, ...extra }), time, value };
}

/** Timers that record each backoff delay and fire at once: retries are asserted without waiting. */
function recordingTimers(): Timers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      queueMicrotask(callback);
      return 0;
    },
    clearTimeout: () => {},
  };
}

let receiver: RemoteWriteReceiver;
beforeEach(async () => {
  receiver = await startRemoteWriteReceiver();
});
afterEach(async () => {
  await receiver.close();
});

function writer(overrides: Partial<ConstructorParameters<typeof RemoteWriter>[0]> = {}) {
  const timers = recordingTimers();
  const logger = captureLogger();
  const remote = new RemoteWriter({
    url: receiver.url,
    authenticate: authenticator({ kind: 'none' }),
    logger,
    timers,
    ...overrides,
  });
  return { remote, timers, logger };
}

describe('RemoteWriter', () => {
  it('encodes a WriteRequest that independent decoders read back exactly (labels sorted, samples in order, NaN/±Inf, UTF-8)', async () => {
    const { remote } = writer();
    await remote.write([
      sample(1, T0 + 2_000, Infinity),
      sample(1, T0, Number.NaN),
      sample(1, T0 + 1_000, -Infinity),
      sample(2, T0, 0.1, { ward: 'Kinder­station Süd 🏥' }),
      sample(3, T0, -42.5, { zone: 'x'.repeat(70_000) }), // one label longer than a snappy block
    ]);

    expect(receiver.writes).toHaveLength(1);
    const [write] = receiver.writes;
    expect(write!.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    const series = write!.series;
    expect(series.map((s) => Object.keys(s.labels))).toEqual([
      ['__name__', 'instance', 'site'],
      ['__name__', 'instance', 'site', 'ward'],
      ['__name__', 'instance', 'site', 'zone'],
    ]);
    expect(series[0]!.samples).toEqual([
      { value: Number.NaN, timestamp: T0 },
      { value: -Infinity, timestamp: T0 + 1_000 },
      { value: Infinity, timestamp: T0 + 2_000 },
    ]);
    expect(series[1]!.labels.ward).toBe('Kinder­station Süd 🏥');
    expect(series[2]!.labels.zone).toHaveLength(70_000);
    expect(series[2]!.samples).toEqual([{ value: -42.5, timestamp: T0 }]);
  });

  it('cuts batches by sample count and by bytes, each series’ samples in time order across requests', async () => {
    const { remote } = writer({ maxSamplesPerRequest: 3 });
    await remote.write(Array.from({ length: 7 }, (_, i) => sample(1, T0 + (7 - i) * 1_000)));
    expect(receiver.writes.map((w) => w.series.flatMap((s) => s.samples.map((x) => x.timestamp - T0)))).toEqual([
      [1_000, 2_000, 3_000],
      [4_000, 5_000, 6_000],
      [7_000],
    ]);

    const bySize = writer({ maxBytesPerRequest: 400 });
    await bySize.remote.write(Array.from({ length: 20 }, (_, i) => sample(i, T0)));
    expect(receiver.writes.length - 3).toBeGreaterThan(2);
    expect(bySize.remote.stats().samplesWritten).toBe(20);
  });

  it('keeps the last of several samples at one timestamp, as the SQLite store does', async () => {
    const { remote } = writer();
    expect(await remote.write([sample(1, T0 + 2, 5), sample(1, T0, 3), sample(1, T0 + 2, 6)])).toEqual({
      written: 2,
      rejected: 0,
    });
    expect(receiver.writes[0]!.series[0]!.samples).toEqual([
      { value: 3, timestamp: T0 },
      { value: 6, timestamp: T0 + 2 },
    ]);
  });

  it('retries 429 and 5xx with exponential backoff, honouring Retry-After', async () => {
    const replies = [
      { status: 503, body: 'overloaded' },
      { status: 429, body: 'slow down', headers: { 'retry-after': '3' } },
      { status: 500, body: 'x' },
      { status: 204 },
    ];
    receiver.reply((_, index) => replies[index]!);
    const { remote, timers } = writer({ retryInitialMs: 100, retryMaxMs: 5_000 });

    expect(await remote.write([sample(1, T0)])).toEqual({ written: 1, rejected: 0 });
    expect(timers.delays).toEqual([100, 3_000, 400]);
    expect(remote.stats()).toMatchObject({ requests: 4, retries: 3, samplesWritten: 1, samplesRejected: {} });
  });

  it('gives up after maxAttempts with a transient error, counting nothing as rejected', async () => {
    receiver.reply(() => ({ status: 502, body: 'bad gateway' }));
    const { remote } = writer({ maxAttempts: 3, retryInitialMs: 1 });

    const error = await remote.write([sample(1, T0)]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteWriteUnavailableError);
    expect((error as Error).message).toMatch(/failed after 3 attempts: 502 bad gateway/);
    expect(remote.stats().samplesRejected).toEqual({});
  });

  it('treats 401/403/404 as a configuration error, not as rejected data', async () => {
    receiver.reply(() => ({ status: 403, body: 'no access' }));
    const { remote } = writer();
    await expect(remote.write([sample(1, T0)])).rejects.toBeInstanceOf(RemoteWriteConfigError);
    expect(receiver.writes).toHaveLength(1);
  });

  it('isolates a permanently rejected sample by halving, within a bounded number of extra requests', async () => {
    // Like Prometheus, the receiver rolls back any request that holds the bad sample.
    receiver.reply((write) =>
      write.series.some((s) => s.labels.instance === 'i13')
        ? { status: 400, body: 'out of order sample' }
        : { status: 204 },
    );
    const { remote, logger } = writer();

    const report = await remote.write(Array.from({ length: 40 }, (_, i) => sample(i, T0)));

    expect(report).toEqual({ written: 39, rejected: 1 });
    expect(remote.stats().samplesRejected).toEqual({ out_of_order: 1 });
    expect(receiver.writes.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(40)));
    const accepted = receiver.writes.filter((w) => !w.series.some((s) => s.labels.instance === 'i13'));
    expect(new Set(accepted.flatMap((w) => w.series.map((s) => s.labels.instance))).size).toBe(39);
    expect(logger.text()).toMatch(/up\{instance=\\"i13\\", site=\\"s\\"\}/);

    const budgetless = writer({ isolationBudget: 0 });
    expect(await budgetless.remote.write(Array.from({ length: 40 }, (_, i) => sample(i, T0)))).toEqual({
      written: 0,
      rejected: 40,
    });
  });
});
