import { describe, expect, it } from 'vitest';
import {
  INGEST_LIMITS,
  bindToSite,
  formatPath,
  fromWire,
  parseBatch,
  parseBatchJson,
  toWireSample,
  toWireValue,
} from '../../../src/domain/ingest/batch.js';

const probeResult = {
  probe: 'pacs-web',
  kind: 'http',
  target: 'https://pacs.local/',
  labels: { team: 'imaging' },
  time: 1_796_120_000_000,
  success: false,
  failure: { reason: 'timeout', message: 'no answer in 5000 ms' },
  durationMs: 5000,
  phases: { dnsMs: 1, connectMs: 2 },
};

function batch(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    batchId: 'lab-01-000042-000000001',
    agent: { id: 'lab-01', version: '0.1.0' },
    samples: [
      { name: 'node_load1', labels: { job: 'node', instance: '10.0.0.5:9100' }, t: 1_796_120_000_000, v: 0.42 },
    ],
    probeResults: [],
    tagEvents: [],
    ...extra,
  };
}

function refusal(body: unknown): string {
  const parsed = parseBatch(body);
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.error;
}

describe('parseBatch', () => {
  it('turns the contract example into domain samples', () => {
    const parsed = parseBatch(batch());
    expect(parsed).toEqual({
      ok: true,
      batch: {
        batchId: 'lab-01-000042-000000001',
        agent: { id: 'lab-01', version: '0.1.0' },
        samples: [
          {
            name: 'node_load1',
            labels: { job: 'node', instance: '10.0.0.5:9100' },
            time: 1_796_120_000_000,
            value: 0.42,
          },
        ],
        probeResults: [],
        tagEvents: [],
      },
    });
  });

  it('reads NaN and the infinities from their Prometheus spellings', () => {
    const samples = ['NaN', '+Inf', '-Inf', -3].map((v, i) => ({ name: 'x', labels: {}, t: i, v }));
    const parsed = parseBatch(batch({ samples }));
    expect(parsed.ok && parsed.batch.samples.map((s) => s.value)).toEqual([NaN, Infinity, -Infinity, -3]);
  });

  it('accepts a batch with only an id and an agent (a heartbeat-less empty flush)', () => {
    const parsed = parseBatch({ v: 1, batchId: 'a', agent: { id: 'a', version: '' } });
    expect(parsed.ok && parsed.batch).toMatchObject({ samples: [], probeResults: [], tagEvents: [] });
  });

  it('accepts probe results exactly as the domain defines them, site optional', () => {
    const parsed = parseBatch(batch({ probeResults: [probeResult, { ...probeResult, site: 'other', success: true }] }));
    expect(parsed.ok && parsed.batch.probeResults).toEqual([
      probeResult,
      { ...probeResult, site: 'other', success: true },
    ]);
  });

  it.each([
    ['a wrong version', { v: 2 }, 'v: must be 1 (the only batch format version)'],
    ['a batch id with a space', { batchId: 'a b' }, 'batchId: may hold only letters, digits and . _ : -'],
    ['an empty batch id', { batchId: '' }, 'batchId: Too small'],
    ['a batch id over 128 chars', { batchId: 'x'.repeat(129) }, 'batchId: Too big'],
    ['no agent', { agent: undefined }, 'agent: required'],
    ['an unknown top-level field', { site: 'b' }, 'site: unknown field'],
    [
      'a string value that is not NaN/Inf',
      { samples: [{ name: 'x', labels: {}, t: 1, v: 'inf' }] },
      'samples[0].v: must be a number or one of "NaN", "+Inf", "-Inf"',
    ],
    [
      'a fractional timestamp',
      { samples: [{ name: 'x', labels: {}, t: 1.5, v: 1 }] },
      'samples[0].t: must be whole epoch milliseconds',
    ],
    [
      'a negative timestamp',
      { samples: [{ name: 'x', labels: {}, t: -1, v: 1 }] },
      'samples[0].t: must be epoch milliseconds (not negative)',
    ],
    [
      'a bad metric name',
      { samples: [{ name: '1x', labels: {}, t: 1, v: 1 }] },
      'samples[0].name: is not a metric name',
    ],
    [
      'a bad label name',
      { samples: [{ name: 'x', labels: { 'a-b': '1' }, t: 1, v: 1 }] },
      'samples[0].labels["a-b"]: is not a label name',
    ],
    [
      'a reserved label name',
      { samples: [{ name: 'x', labels: { __name__: 'y' }, t: 1, v: 1 }] },
      'samples[0].labels.__name__: label names starting with __ are reserved',
    ],
    [
      'a numeric label value',
      { samples: [{ name: 'x', labels: { a: 1 }, t: 1, v: 1 }] },
      'samples[0].labels.a: expected string',
    ],
    ['a missing value', { samples: [{ name: 'x', labels: {}, t: 1 }] }, 'samples[0].v: must be a number'],
    ['a tag event without its time', { tagEvents: [{ tag: 'T-1' }] }, 'tagEvents[0].t: required'],
    [
      'a tag event with seconds for milliseconds',
      { tagEvents: [{ tag: 'T-1', t: 1_796_120_000, zone: 'icu' }] },
      'tagEvents[0].t: not an epoch time in milliseconds',
    ],
    [
      'an unknown failure reason',
      { probeResults: [{ ...probeResult, failure: { reason: 'boom', message: '' } }] },
      'probeResults[0].failure.reason: Invalid option',
    ],
    [
      'an unknown probe result field',
      { probeResults: [{ ...probeResult, ok: true }] },
      'probeResults[0].ok: unknown field',
    ],
  ])('refuses %s, naming where', (_, change, message) => {
    expect(refusal(batch(change))).toContain(message);
  });

  it('names the exact sample among many', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({ name: 'x', labels: {}, t: i, v: i === 12 ? null : i }));
    expect(refusal(batch({ samples }))).toMatch(/^samples\[12\]\.v: /);
  });

  it('reports at most five problems and counts the rest', () => {
    const samples = Array.from({ length: 8 }, () => ({ name: 'x', labels: {}, t: 1, v: 'bad' }));
    const error = refusal(batch({ samples }));
    expect(error.split('; ')).toHaveLength(6);
    expect(error).toMatch(/; and 3 more$/);
  });

  it('never echoes a value back', () => {
    const error = refusal(
      batch({ samples: [{ name: 'x', labels: { password: 's3cret', 'bad-name': 's3cret' }, t: 'now', v: 's3cret' }] }),
    );
    expect(error).not.toContain('s3cret');
  });

  it('refuses more samples than the limit', () => {
    const samples = Array.from({ length: INGEST_LIMITS.maxSamples + 1 }, () => ({ name: 'x', labels: {}, t: 1, v: 1 }));
    expect(refusal(batch({ samples }))).toBe(
      `samples: more than ${String(INGEST_LIMITS.maxSamples)} samples in one batch; send smaller batches`,
    );
  });

  it('refuses too many labels and too long values', () => {
    const many = Object.fromEntries(
      Array.from({ length: INGEST_LIMITS.maxLabelsPerSeries + 1 }, (_, i) => [`l${String(i)}`, 'x']),
    );
    expect(refusal(batch({ samples: [{ name: 'x', labels: many, t: 1, v: 1 }] }))).toBe(
      `samples[0].labels: at most ${String(INGEST_LIMITS.maxLabelsPerSeries)} labels`,
    );
    const long = 'x'.repeat(INGEST_LIMITS.maxLabelValueLength + 1);
    expect(refusal(batch({ samples: [{ name: 'x', labels: { a: long }, t: 1, v: 1 }] }))).toContain(
      'samples[0].labels.a: Too big',
    );
  });

  it('accepts tag events as the RTLS inputs check them, and binds them to the token site', () => {
    const events = [{ tag: 'T-1', t: 1_796_120_000_000, zone: 'icu-3', battery: 80 }];
    const parsed = parseBatch(batch({ tagEvents: events }));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.batch.tagEvents).toEqual(events);
    expect(bindToSite(parsed.batch, 'site-a').tagEvents).toEqual(events);
  });

  it('refuses more tag events than the limit', () => {
    const tagEvents = Array.from({ length: INGEST_LIMITS.maxTagEvents + 1 }, () => ({
      tag: 'T',
      t: 1_796_120_000_000,
    }));
    expect(refusal(batch({ tagEvents }))).toBe(
      `tagEvents: more than ${String(INGEST_LIMITS.maxTagEvents)} tag events in one batch; send smaller batches`,
    );
  });

  it('refuses a body that is not an object', () => {
    expect(refusal(null)).toBe('batch: expected object');
    expect(refusal([])).toBe('batch: expected object');
  });
});

describe('parseBatchJson', () => {
  it('refuses text that is not JSON', () => {
    const parsed = parseBatchJson('{"v":1,');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^body: not JSON/);
  });

  it('parses a JSON body', () => {
    expect(parseBatchJson(JSON.stringify(batch())).ok).toBe(true);
  });
});

describe('bindToSite', () => {
  it('forces the token site onto every sample and probe result, whatever the payload said', () => {
    const parsed = parseBatch(
      batch({
        samples: [{ name: 'x', labels: { site: 'site-b', job: 'n' }, t: 1, v: 1 }],
        probeResults: [{ ...probeResult, site: 'site-b' }, probeResult],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const bound = bindToSite(parsed.batch, 'site-a');
    expect(bound.site).toBe('site-a');
    expect(bound.samples[0]!.labels).toEqual({ site: 'site-a', job: 'n' });
    expect(bound.probeResults.map((r) => r.site)).toEqual(['site-a', 'site-a']);
  });
});

describe('wire values', () => {
  it('round-trips every special value and ordinary numbers', () => {
    for (const value of [NaN, Infinity, -Infinity, 0, -0.5, 1e300]) {
      expect(fromWire(toWireValue(value))).toBe(value);
    }
    expect(toWireSample({ name: 'up', labels: { job: 'n' }, time: 5, value: NaN })).toEqual({
      name: 'up',
      labels: { job: 'n' },
      t: 5,
      v: 'NaN',
    });
  });

  it('survives JSON, which has no NaN', () => {
    const text = JSON.stringify(
      batch({ samples: [toWireSample({ name: 'up', labels: {}, time: 5, value: -Infinity })] }),
    );
    const parsed = parseBatchJson(text);
    expect(parsed.ok && parsed.batch.samples[0]!.value).toBe(-Infinity);
  });
});

describe('formatPath', () => {
  it('writes paths as a reader of the JSON would', () => {
    expect(formatPath([])).toBe('batch');
    expect(formatPath(['samples', 3, 'labels', 'job'])).toBe('samples[3].labels.job');
    expect(formatPath(['samples', 3, 'labels', 'a b'])).toBe('samples[3].labels["a b"]');
  });
});
