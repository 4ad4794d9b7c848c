/**
 * A real process appending to a disk buffer, for the kill -9 tests (run with `node --import tsx`).
 * argv: <dir> <mode> <fsync>
 * - `loop`: appends records 1, 2, 3, … and prints `ok N` once append N returned, until killed.
 * - `pause`: appends records 1-10, then starts record 11, prints `header` once its header is on
 *   disk and blocks before writing its payload, so the parent kills it exactly mid-record.
 */
import { writeSync } from 'node:fs';
import { DiskBuffer, type FsyncPolicy } from '../../../src/agent/buffer/disk-buffer.js';
import { recordPayload } from './records.js';

const [dir, mode, fsync] = process.argv.slice(2) as [string, 'loop' | 'pause', FsyncPolicy];
let pauseArmed = false;
const buffer = DiskBuffer.open({
  dir,
  fsync,
  maxBytes: 1024 * 1024 * 1024,
  segmentBytes: 64 * 1024,
  maxBatchBytes: 1024 * 1024,
  maxBatchSamples: 5,
  maxBatchProbeResults: 5,
  afterHeaderWrite: () => {
    if (!pauseArmed) return;
    writeSync(1, 'header\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  },
});

for (let i = 1; ; i++) {
  if (mode === 'pause' && i === 11) pauseArmed = true;
  const result = buffer.append(recordPayload(i), { samples: 1, probeResults: 0 });
  if (!result.ok) throw new Error(result.message);
  writeSync(1, `ok ${String(i)}\n`);
  if (mode === 'pause' && i > 11) break;
}
