import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PflowError } from '../../domain/errors.js';
import type { AlertEventFeed, AlertEventPage } from '../../ingest/ports.js';
import { logDropFilePattern, siteSegment } from './render.js';

/** Bytes read from a file per step: a page never needs more than its limit of lines. */
const READ_CHUNK = 256 * 1024;

/**
 * Reads a directory log drop back (what DirectoryLogDrop wrote), for `GET /v1/events`. Files are
 * named by the time they were opened, so name order is event order; the cursor is
 * `<file name>:<byte offset>` just past the last event handed out. Only whole lines are read: a
 * line being written is left for the next call.
 */
export class DirectoryLogDropReader implements AlertEventFeed {
  constructor(private readonly root: string) {}

  async read(site: string, after: string | undefined, limit: number): Promise<AlertEventPage> {
    const pattern = logDropFilePattern(site);
    let startFile: string | undefined;
    let startOffset = 0;
    if (after !== undefined) {
      const match = /^(.+):(\d{1,15})$/.exec(after);
      if (!match || !pattern.test(match[1]!)) {
        throw new PflowError('bad_cursor', 'not a cursor of this site’s events (use the "next" of an earlier answer)');
      }
      startFile = match[1]!;
      startOffset = Number(match[2]);
    }
    const dir = join(this.root, siteSegment(site));
    const files = (await listFiles(dir))
      .filter((name) => pattern.test(name) && (startFile === undefined || name >= startFile))
      .sort();
    const events: unknown[] = [];
    let next = after ?? '';
    for (const file of files) {
      const from = file === startFile ? startOffset : 0;
      const end = await readLines(join(dir, file), from, limit - events.length, (line) => {
        events.push(JSON.parse(line) as unknown);
      });
      if (end !== from || file !== startFile) next = `${file}:${String(end)}`;
      if (events.length >= limit) break;
    }
    return { events, next };
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Calls `take` for up to `max` whole lines from `offset`; returns the offset after the last one taken. */
async function readLines(path: string, offset: number, max: number, take: (line: string) => void): Promise<number> {
  const handle = await open(path, 'r');
  try {
    let position = offset;
    let carry = Buffer.alloc(0);
    let taken = 0;
    for (;;) {
      const chunk = Buffer.alloc(READ_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, position + carry.length);
      if (bytesRead === 0) return position;
      let buffer = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      let newline: number;
      while ((newline = buffer.indexOf(0x0a)) >= 0) {
        const line = buffer.subarray(0, newline).toString('utf8');
        buffer = buffer.subarray(newline + 1);
        position += newline + 1;
        if (line.trim() !== '') {
          take(line);
          taken += 1;
          if (taken >= max) return position;
        }
      }
      carry = buffer;
    }
  } finally {
    await handle.close();
  }
}
