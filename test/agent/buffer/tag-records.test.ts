import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBuffer, type DiskBufferOptions } from '../../../src/agent/buffer/disk-buffer.js';
import { RECORD_HEADER_BYTES, encodeHeader, readRecord } from '../../../src/agent/buffer/record.js';
import { recordIndex, recordPayload } from './records.js';

/** The `tags` record kind next to the `metrics` one: counted, limited, kept and read apart. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-tag-buffer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(overrides: Partial<DiskBufferOptions> = {}): DiskBuffer {
  let clock = 1_796_000_000_000;
  return DiskBuffer.open({
    dir,
    fsync: 'always',
    maxBytes: 64 * 1024 * 1024,
    segmentBytes: 4096,
    maxBatchBytes: 1024 * 1024,
    maxBatchSamples: 100,
    maxBatchProbeResults: 100,
    maxBatchTagEvents: 5,
    now: () => (clock += 1000),
    ...overrides,
  });
}

const tags = (i: number, n: number) => Buffer.from(JSON.stringify({ tags: i, n, pad: 'x'.repeat(200) }));

function appendTags(buffer: DiskBuffer, i: number, n: number): void {
  expect(buffer.append(tags(i, n), { samples: 0, probeResults: 0, tagEvents: n }).ok).toBe(true);
}

/** Every sealed batch as [samples record indexes, tag record indexes, counts]. */
function replay(buffer: DiskBuffer) {
  return buffer.sealed(1000).map((ref) => {
    const content = buffer.read(ref.batch)!;
    return {
      metrics: content.payloads.map(recordIndex),
      tags: content.tagPayloads.map((p) => (JSON.parse(p.toString()) as { tags: number }).tags),
      samples: ref.samples,
      tagEvents: ref.tagEvents,
    };
  });
}

describe('tag event records', () => {
  it('are kept apart from sample records in one batch, with their own count', () => {
    const buffer = open();
    expect(buffer.append(recordPayload(1), { samples: 2, probeResults: 0 }).ok).toBe(true);
    appendTags(buffer, 10, 3);
    expect(buffer.append(recordPayload(2), { samples: 1, probeResults: 0 }).ok).toBe(true);
    appendTags(buffer, 11, 1);
    buffer.seal();
    expect(replay(buffer)).toEqual([{ metrics: [1, 2], tags: [10, 11], samples: 3, tagEvents: 4 }]);
    buffer.close();
  });

  it('seal a batch before it would pass the tag event limit (the ingest refuses more)', () => {
    const buffer = open();
    appendTags(buffer, 1, 3);
    appendTags(buffer, 2, 2);
    appendTags(buffer, 3, 1);
    buffer.seal();
    expect(replay(buffer).map((batch) => [batch.tags, batch.tagEvents])).toEqual([
      [[1, 2], 5],
      [[3], 1],
    ]);
    buffer.close();
  });

  it('survive a restart with their kind and counts, and are dropped and counted by the cap like samples', () => {
    let buffer = open({ maxBatchTagEvents: 1000 });
    for (let i = 1; i <= 30; i++) {
      appendTags(buffer, i, 2);
      if (i % 3 === 0) buffer.seal();
    }
    buffer.close();
    buffer = open({ maxBatchTagEvents: 1000 });
    const recovered = replay(buffer);
    expect(recovered.flatMap((batch) => batch.tags)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(recovered.every((batch) => batch.tagEvents === 6 && batch.samples === 0)).toBe(true);
    buffer.close();

    expect(readdirSync(dir).filter((name) => name.startsWith('seg-')).length).toBeGreaterThan(1);
    buffer = open({ maxBatchTagEvents: 1000, maxBytes: 4096 });
    appendTags(buffer, 31, 2);
    const stats = buffer.stats();
    expect(stats.droppedTagEvents).toBeGreaterThan(0);
    expect(stats.droppedTagEvents % 6).toBe(0);
    expect(stats.droppedSamples).toBe(0);
    buffer.close();
  });

  it('refuse a record that holds both kinds', () => {
    const buffer = open();
    expect(() => buffer.append(recordPayload(1), { samples: 1, probeResults: 0, tagEvents: 1 })).toThrow(/not both/);
    buffer.close();
  });
});

describe('the record header', () => {
  it('of a samples record is what the buffer wrote before tag events existed (length alone in the first word)', () => {
    const payload = recordPayload(7);
    const header = encodeHeader(
      { length: payload.length, batch: 3, time: 42, kind: 'metrics', samples: 5, probeResults: 2, tagEvents: 0 },
      payload,
    );
    expect(header.readUInt32LE(0)).toBe(payload.length);
    expect(header.readUInt32LE(24)).toBe(5);
    expect(header.readUInt32LE(28)).toBe(2);
  });

  it('of a tags record reads back as that kind, and an unknown kind is corruption', () => {
    const payload = tags(1, 4);
    const header = encodeHeader(
      { length: payload.length, batch: 9, time: 42, kind: 'tags', samples: 0, probeResults: 0, tagEvents: 4 },
      payload,
    );
    const read = readRecord(Buffer.concat([header, payload]), 0);
    expect(read).toMatchObject({
      kind: 'record',
      header: { kind: 'tags', tagEvents: 4, samples: 0, length: payload.length, batch: 9 },
      end: RECORD_HEADER_BYTES + payload.length,
    });
    const unknown = Buffer.concat([header, payload]);
    unknown.writeUInt32LE((payload.length | (5 << 28)) >>> 0, 0);
    expect(readRecord(unknown, 0)).toEqual({ kind: 'corrupt', reason: 'unknown record kind 5' });
  });

  it('a segment written by the buffer reads back record by record', () => {
    const buffer = open();
    appendTags(buffer, 1, 2);
    buffer.append(recordPayload(2), { samples: 1, probeResults: 0 });
    buffer.close();
    const [segment] = readdirSync(dir).filter((name) => name.startsWith('seg-'));
    const data = readFileSync(join(dir, segment!));
    const first = readRecord(data, 0);
    if (first.kind !== 'record') throw new Error(first.reason);
    const second = readRecord(data, first.end);
    expect([first.header.kind, second.kind === 'record' && second.header.kind]).toEqual(['tags', 'metrics']);
  });
});
