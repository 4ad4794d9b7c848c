import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * A durable counter (the acknowledged-up-to cursor) that can be advanced on a full disk.
 *
 * The file is allocated once with two 32-byte slots; each update overwrites the older slot in place
 * with `[u64 sequence][u64 value][u32 CRC-32]` and fdatasyncs it. Overwriting allocated blocks needs
 * no free space, so acknowledging (which is what frees space) keeps working when the disk is full,
 * where a write-temp-then-rename would fail with ENOSPC. A write torn by a crash breaks only the slot
 * being written, whose checksum then fails, and the other slot still holds the previous value.
 */
const SLOT_BYTES = 32;

export class CursorFile {
  private readonly fd: number;
  private sequence: number;
  private current: number;

  private constructor(fd: number, sequence: number, value: number) {
    this.fd = fd;
    this.sequence = sequence;
    this.current = value;
  }

  static open(file: string): CursorFile {
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, existed ? 'r+' : 'w+');
    if (!existed) {
      fs.writeSync(fd, Buffer.alloc(2 * SLOT_BYTES));
      fs.fsyncSync(fd);
      const dirFd = fs.openSync(path.dirname(file), 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    }
    const data = Buffer.alloc(2 * SLOT_BYTES);
    fs.readSync(fd, data, 0, data.length, 0);
    let best = { sequence: 0, value: 0 };
    for (let slot = 0; slot < 2; slot++) {
      const at = slot * SLOT_BYTES;
      const sequence = Number(data.readBigUInt64LE(at));
      const value = Number(data.readBigUInt64LE(at + 8));
      const valid = sequence > 0 && crc32(data.subarray(at, at + 16)) === data.readUInt32LE(at + 16);
      if (valid && sequence > best.sequence) best = { sequence, value };
    }
    return new CursorFile(fd, best.sequence, best.value);
  }

  get value(): number {
    return this.current;
  }

  /** Stores a new value; durable when this returns. */
  set(value: number): void {
    const sequence = this.sequence + 1;
    const slot = Buffer.alloc(SLOT_BYTES);
    slot.writeBigUInt64LE(BigInt(sequence), 0);
    slot.writeBigUInt64LE(BigInt(value), 8);
    slot.writeUInt32LE(crc32(slot.subarray(0, 16)), 16);
    fs.writeSync(this.fd, slot, 0, SLOT_BYTES, (sequence % 2) * SLOT_BYTES);
    fs.fdatasyncSync(this.fd);
    this.sequence = sequence;
    this.current = value;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
