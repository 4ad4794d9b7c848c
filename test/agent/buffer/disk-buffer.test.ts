import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBuffer, type DiskBufferOptions } from '../../../src/agent/buffer/disk-buffer.js';
import { RECORD_HEADER_BYTES } from '../../../src/agent/buffer/record.js';
import { recordIndex, recordPayload } from './records.js';

let dir: string;
let logged: { level: string; message: string; fields?: Record<string, unknown> }[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-buffer-'));
  logged = [];
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
    maxBatchSamples: 3,
    maxBatchProbeResults: 100,
    now: () => (clock += 1000),
    log: {
      warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
      error: (message, fields) => logged.push({ level: 'error', message, fields }),
    },
    ...overrides,
  });
}

function appendRange(buffer: DiskBuffer, from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    const result = buffer.append(recordPayload(i), { samples: 1, probeResults: 0 });
    expect(result.ok).toBe(true);
  }
}

/** Every record of every sealed batch, in order, as the forwarder would read them. */
function replay(buffer: DiskBuffer): number[] {
  const out: number[] = [];
  for (const ref of buffer.sealed(1_000_000)) {
    for (const payload of buffer.read(ref.batch)?.payloads ?? []) out.push(recordIndex(payload));
  }
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

function segments(): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('seg-'))
    .sort();
}

describe('appending, sealing and reading', () => {
  it('groups records into batches by the sample limit and hands out only sealed batches', () => {
    const buffer = open();
    appendRange(buffer, 1, 7);
    // 3 samples per batch: 1-3 and 4-6 are sealed, 7 is the open batch.
    expect(buffer.sealed(10).map((ref) => [ref.batch, ref.samples])).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(buffer.openBatchSince()).toBeDefined();
    buffer.seal();
    expect(buffer.openBatchSince()).toBeUndefined();
    expect(replay(buffer)).toEqual(range(1, 7));
    const refs = buffer.sealed(10);
    expect(refs.map((ref) => ref.key)).toEqual(refs.map((ref) => `${buffer.id}-${String(ref.batch).padStart(9, '0')}`));
    expect(buffer.id).toMatch(/^[0-9a-f]{8}$/);
    buffer.close();
  });

  it('seals a batch before a record would take it past the byte limit', () => {
    const buffer = open({ maxBatchBytes: 2 * recordPayload(1).length, maxBatchSamples: 1000 });
    appendRange(buffer, 1, 5);
    buffer.seal();
    expect(buffer.sealed(10).map((ref) => buffer.read(ref.batch)?.payloads.map(recordIndex))).toEqual([
      [1],
      [2],
      [3],
      [4],
      [5],
    ]);
    buffer.close();
  });

  it('acknowledges by cursor, durably, and deletes segments holding only acknowledged batches', () => {
    let buffer = open();
    appendRange(buffer, 1, 90);
    buffer.seal();
    expect(segments().length).toBeGreaterThan(3);
    buffer.ack(20);
    const stats = buffer.stats();
    expect(stats.ackedBatch).toBe(20);
    expect(replay(buffer)).toEqual(range(61, 90));
    const left = segments();
    buffer.close();

    buffer = open();
    expect(replay(buffer)).toEqual(range(61, 90));
    expect(segments()).toEqual(left);
    buffer.ack(30);
    expect(replay(buffer)).toEqual([]);
    expect(buffer.stats().pendingBytes).toBe(0);
    buffer.close();
    buffer = open();
    // The last segment was closed by the restart and is fully acknowledged: nothing is left.
    expect(segments()).toEqual([]);
    appendRange(buffer, 91, 92);
    buffer.seal();
    expect(buffer.sealed(10).map((ref) => ref.batch)).toEqual([31]);
    buffer.close();
  });

  it('refuses to acknowledge a batch that is still open', () => {
    const buffer = open();
    appendRange(buffer, 1, 2);
    expect(() => buffer.ack(1)).toThrow(/not sealed/);
    buffer.close();
  });

  it('replays in order after a restart, seals what it recovered, keeps its id, continues the numbering', () => {
    let buffer = open();
    const id = buffer.id;
    appendRange(buffer, 1, 8); // batches 1, 2 sealed; 3 open with 7, 8
    buffer.close();
    buffer = open();
    expect(buffer.id).toBe(id);
    expect(buffer.sealed(10).map((ref) => ref.batch)).toEqual([1, 2, 3]);
    appendRange(buffer, 9, 9);
    buffer.seal();
    expect(buffer.sealed(10).map((ref) => ref.batch)).toEqual([1, 2, 3, 4]);
    expect(replay(buffer)).toEqual(range(1, 9));
    expect(logged).toEqual([]);
    buffer.close();
  });

  it('reports the age and size of what is held', () => {
    const buffer = open();
    appendRange(buffer, 1, 4);
    const stats = buffer.stats();
    expect(stats.pendingBatches).toBe(2);
    expect(stats.oldestTime).toBe(1_796_000_001_000);
    expect(stats.bytes).toBe(stats.pendingBytes);
    expect(stats.pendingBytes).toBe(
      range(1, 4).reduce((sum, i) => sum + RECORD_HEADER_BYTES + recordPayload(i).length, 0),
    );
    buffer.close();
  });
});

describe('recovery from damage', () => {
  it('cuts a torn tail (a header with half its payload), counts and logs it, and never replays it', () => {
    let buffer = open();
    appendRange(buffer, 1, 5);
    buffer.close();
    const last = join(dir, segments().at(-1) as string);
    const size = statSync(last).size;
    // What a crash between the header and the payload write leaves.
    const full = readFileSync(last).subarray(0, RECORD_HEADER_BYTES + 20);
    appendFileSync(last, full);

    buffer = open();
    expect(replay(buffer)).toEqual(range(1, 5));
    expect(statSync(last).size).toBe(size);
    expect(buffer.stats()).toMatchObject({ cutBytes: RECORD_HEADER_BYTES + 20, cutSegments: 1 });
    expect(logged).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/torn tail/) as unknown }),
    ]);
    appendRange(buffer, 6, 6);
    buffer.close();
    buffer = open();
    expect(replay(buffer)).toEqual(range(1, 6));
    buffer.close();
  });

  it('cuts a tail of only part of a header', () => {
    let buffer = open();
    appendRange(buffer, 1, 2);
    buffer.close();
    appendFileSync(join(dir, segments().at(-1) as string), Buffer.alloc(7, 0xab));
    buffer = open();
    expect(replay(buffer)).toEqual([1, 2]);
    expect(buffer.stats().cutBytes).toBe(7);
    buffer.close();
  });

  it('cuts a damaged segment at a record whose checksum fails, and logs it as an error', () => {
    let buffer = open({ segmentBytes: 1_000_000 });
    appendRange(buffer, 1, 6);
    buffer.seal();
    buffer.close();
    buffer = open({ segmentBytes: 1_000_000 });
    appendRange(buffer, 7, 9); // a second segment, so the damaged one is not the newest
    buffer.close();
    const first = join(dir, segments()[0] as string);
    const data = readFileSync(first);
    // Flip one payload byte of record 4.
    let offset = 0;
    for (let i = 1; i < 4; i++) offset += RECORD_HEADER_BYTES + recordPayload(i).length;
    const at = offset + RECORD_HEADER_BYTES + 3;
    data.writeUInt8((data.readUInt8(at) ^ 0x01) & 0xff, at);
    writeFileSync(first, data);

    buffer = open({ segmentBytes: 1_000_000 });
    expect(replay(buffer)).toEqual([1, 2, 3, 7, 8, 9]);
    expect(logged.map((entry) => entry.level)).toEqual(['error']);
    expect(logged[0]?.fields).toMatchObject({ reason: 'corrupt: checksum mismatch', offset });
    buffer.close();
  });

  it('refuses a buffer directory written by an unknown format instead of guessing', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'buffer.json'), JSON.stringify({ format: 2, id: 'abcdef01' }));
    expect(() => open()).toThrow(/not a buffer this agent can read/);
  });
});

describe('the size cap', () => {
  it('drops the oldest segment first, whole, and counts every dropped batch and sample', () => {
    const payloadBytes = RECORD_HEADER_BYTES + recordPayload(1).length; // about 150 bytes
    const buffer = open({ maxBytes: 20 * payloadBytes, segmentBytes: 5 * payloadBytes, maxBatchSamples: 2 });
    appendRange(buffer, 1, 60);
    buffer.seal();
    const stats = buffer.stats();
    const held = replay(buffer);
    // What is held is exactly a suffix: the newest records, none missing in the middle.
    expect(held).toEqual(range(61 - held.length, 60));
    expect(stats.droppedSamples).toBe(60 - held.length);
    expect(stats.droppedBatches).toBe(Math.ceil((60 - held.length) / 2));
    expect(stats.bytes).toBeLessThanOrEqual(20 * payloadBytes + 6 * payloadBytes);
    const drops = logged.filter((entry) => /size cap/.test(entry.message));
    expect(drops.reduce((sum, entry) => sum + (entry.fields?.samples as number), 0)).toBe(stats.droppedSamples);
    buffer.close();
  });

  it('does not drop a batch that is being sent; the cap is enforced again when it is unpinned', () => {
    const payloadBytes = RECORD_HEADER_BYTES + recordPayload(1).length;
    const buffer = open({ maxBytes: 10 * payloadBytes, segmentBytes: 4 * payloadBytes, maxBatchSamples: 2 });
    appendRange(buffer, 1, 2);
    buffer.seal();
    buffer.pin(1);
    appendRange(buffer, 3, 40);
    expect(buffer.has(1)).toBe(true);
    expect(buffer.stats().droppedSamples).toBe(0);
    buffer.ack(1); // delivered while pinned
    buffer.unpin(1);
    buffer.seal();
    const held = replay(buffer);
    expect(held.length).toBeGreaterThan(0);
    expect(held).toEqual(range(41 - held.length, 40));
    expect(buffer.stats().droppedSamples).toBe(40 - 2 - held.length);
    buffer.close();
  });
});

describe('kill -9 of a real writer process', () => {
  function runChild(mode: 'loop' | 'pause', fsync: string, killWhen: (line: string) => boolean): Promise<number> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'writer-child.ts'), dir, mode, fsync],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let lastOk = 0;
    let stderr = '';
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const ok = /^ok (\d+)$/.exec(line);
          if (ok) lastOk = Number(ok[1]);
          if (killWhen(line) && child.signalCode === null) child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve(lastOk);
        else reject(new Error(`writer exited ${String(code)} without being killed: ${stderr}`));
      });
    });
  }

  it('killed between a record header and its payload: the torn record is cut, the 10 before it survive', async () => {
    const lastOk = await runChild('pause', 'always', (line) => line === 'header');
    expect(lastOk).toBe(10);
    const buffer = open();
    expect(replay(buffer)).toEqual(range(1, 10));
    expect(buffer.stats()).toMatchObject({ cutBytes: RECORD_HEADER_BYTES, cutSegments: 1 });
    expect(logged.map((entry) => entry.message)).toEqual([expect.stringMatching(/torn tail/)]);
    buffer.close();
  });

  it.each(['always', 'interval'])(
    'killed at an arbitrary moment of a write loop (fsync %s): every acknowledged append survives, in order, nothing garbled',
    async (fsync) => {
      const lastOk = await runChild('loop', fsync, (line) => line === 'ok 400');
      const buffer = open();
      const held = replay(buffer);
      // The process may have written one more record than it announced, never fewer, never a gap.
      expect(held.length === lastOk || held.length === lastOk + 1).toBe(true);
      expect(held).toEqual(range(1, held.length));
      buffer.close();
    },
  );
});

describe('a full disk', () => {
  // A 256 KiB tmpfs is a real full disk: writes fail with ENOSPC. Mounting needs root (CAP_SYS_ADMIN);
  // where the test runs unprivileged it is skipped and says why.
  const mountPoint = mkdtempSync(join(tmpdir(), 'pflow-fulldisk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0;
  afterEach(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it.skipIf(!mounted)('refuses a record it cannot write, whole, counts it, and keeps every record it accepted', () => {
    const opts = { dir: mountPoint, maxBytes: 64 * 1024 * 1024, segmentBytes: 32 * 1024, maxBatchSamples: 10 };
    let buffer = open(opts);
    const accepted: number[] = [];
    const refused: number[] = [];
    for (let i = 1; i <= 400; i++) {
      const result = buffer.append(recordPayload(i, 1500), { samples: 1, probeResults: 0 });
      if (result.ok) accepted.push(i);
      else {
        expect(result.reason).toBe('disk_full');
        refused.push(i);
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(buffer.stats()).toMatchObject({ refusedRecords: refused.length, refusedSamples: refused.length });
    expect(logged.filter((entry) => entry.level === 'error')).toHaveLength(refused.length);
    buffer.seal();
    expect(replay(buffer)).toEqual(accepted);
    // Acknowledging frees space: appends work again.
    buffer.ack(buffer.sealed(1000).at(-1)?.batch ?? 0);
    expect(buffer.append(recordPayload(401, 1500), { samples: 1, probeResults: 0 }).ok).toBe(true);
    buffer.close();
    buffer = open(opts);
    expect(replay(buffer)).toEqual([401]);
    expect(buffer.stats().cutBytes).toBe(0);
    buffer.close();
  });
});
