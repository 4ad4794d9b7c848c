import { constants } from 'node:fs';
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../domain/ports.js';
import { logDropFileName, logDropFilePattern, siteSegment } from './render.js';

export interface DirectoryLogDropOptions {
  /** Absolute path of the log drop root; each site gets a folder below it. */
  readonly root: string;
  readonly maxBytes: number;
  readonly clock: Clock;
}

// A site that opens more files than this within one second has a max_bytes far too small.
const MAX_FILES_PER_SECOND = 1000;

/**
 * Appends JSON lines to `<root>/<site>/<site>-<UTC time opened>.jsonl`, opening a new file when
 * the next batch would push the current one past maxBytes. A batch goes out in one write (the
 * loop only continues a short write), so a reader never sees half a notification; if a write
 * fails part-way the file is cut back to where the batch began, so it never holds half a line.
 *
 * Assumes one writing process per root (the local runtime); concurrent sends for a site within
 * this process are serialised.
 */
export class DirectoryLogDrop {
  private readonly currentFile = new Map<string, string>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly options: DirectoryLogDropOptions) {}

  /** Appends `data` (whole lines) to the site's current file; resolves with that file's path. */
  append(site: string, data: Buffer): Promise<string> {
    const previous = this.tails.get(site) ?? Promise.resolve();
    const next = previous.then(
      () => this.appendNow(site, data),
      () => this.appendNow(site, data),
    );
    this.tails.set(site, next);
    return next;
  }

  private async appendNow(site: string, data: Buffer): Promise<string> {
    const dir = join(this.options.root, siteSegment(site));
    // mkdir only when there is no current file: the common case costs open, fstat, write, close.
    if (!this.currentFile.has(site)) await mkdir(dir, { recursive: true });
    let target = await this.openCurrent(site, dir, data.length);
    if (!target) {
      await mkdir(dir, { recursive: true });
      target = await this.openNew(site, dir);
    }
    const { handle, path, size } = target;
    try {
      await writeAll(handle, data, size);
    } finally {
      await handle.close();
    }
    this.currentFile.set(site, path);
    return path;
  }

  /** The file to continue, if it still exists and the batch fits (or the file is empty). */
  private async openCurrent(site: string, dir: string, incoming: number): Promise<OpenFile | undefined> {
    const path = this.currentFile.get(site) ?? (await newestFile(dir, logDropFilePattern(site)));
    if (!path) return undefined;
    // Without O_CREAT, so a file the reader removed is not recreated under its old name.
    const handle = await openExisting(path);
    if (!handle) return undefined;
    const { size } = await handle.stat();
    if (size > 0 && size + incoming > this.options.maxBytes) {
      await handle.close();
      return undefined;
    }
    return { handle, path, size };
  }

  private async openNew(site: string, dir: string): Promise<OpenFile> {
    const openedAt = this.options.clock.now();
    for (let sequence = 0; sequence < MAX_FILES_PER_SECOND; sequence++) {
      const path = join(dir, logDropFileName(site, openedAt, sequence));
      try {
        // 'ax': create exclusively, so a name is never reused, even within the same second.
        return { handle: await open(path, 'ax'), path, size: 0 };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw Object.assign(
      new Error(`more than ${MAX_FILES_PER_SECOND} log drop files opened within one second in ${dir}`),
      {
        code: 'EEXIST',
      },
    );
  }
}

interface OpenFile {
  readonly handle: FileHandle;
  readonly path: string;
  readonly size: number;
}

async function writeAll(handle: FileHandle, data: Buffer, sizeBefore: number): Promise<void> {
  let offset = 0;
  try {
    while (offset < data.length) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  } catch (error) {
    if (offset > 0) await handle.truncate(sizeBefore).catch(() => undefined);
    throw error;
  }
}

async function newestFile(dir: string, pattern: RegExp): Promise<string | undefined> {
  const names = (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  const newest = names.at(-1);
  return newest === undefined ? undefined : join(dir, newest);
}

/** Opens an existing file for appending, or resolves undefined when it is gone. */
async function openExisting(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
