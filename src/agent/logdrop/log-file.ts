import * as fs from 'node:fs';
import * as path from 'node:path';
import { compactUtc } from '../../channels/logdrop/render.js';

/** A file's identity, which survives renames: what the writer's state remembers of the file it appends to. */
export interface FileId {
  readonly dev: string;
  readonly ino: string;
}

/** The file the next lines go to, open for appending, and its size before them. */
export interface AppendTarget {
  readonly fd: number;
  readonly id: FileId;
  readonly size: number;
}

export interface LogFileOptions {
  /** log_drop.path */
  readonly path: string;
  readonly maxBytes: number;
  /** Rotated files kept; older ones are deleted. */
  readonly keep: number;
  readonly now: () => number;
  readonly warn: (message: string, fields: Record<string, unknown>) => void;
  /** Test seam for the kill -9 test: when set, a write is split in two and this runs in between. */
  readonly midWrite?: () => void;
}

/** What a restart found past the last write the state recorded. */
export interface Tail {
  /** Ids of the whole lines there: written, but the state never heard of them. */
  readonly ids: readonly string[];
  /** The file's size after a torn last line was cut. */
  readonly size: number;
  readonly cutBytes: number;
}

/**
 * Why the agent cannot write log_drop.path (the directory is missing or not writable, the path is
 * a directory), or undefined. Nothing is created: a typo in the path should be an error, not a
 * new directory nobody reads.
 */
export function logDropPathProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `the directory ${dir} does not exist`
      : `cannot read the directory ${dir} (${String(code)})`;
  }
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    return `the agent may not write in ${dir} (${String((error as NodeJS.ErrnoException).code)})`;
  }
  let fileStat: fs.Stats | undefined;
  try {
    fileStat = fs.statSync(file);
  } catch {
    return undefined; // created at the first event
  }
  if (fileStat.isDirectory()) return `${file} is a directory, not a file`;
  try {
    fs.accessSync(file, fs.constants.W_OK);
  } catch (error) {
    return `the agent may not write ${file} (${String((error as NodeJS.ErrnoException).code)})`;
  }
  return undefined;
}

/**
 * The in-house system's JSON-lines file: appended to (never rewritten), rotated by size to
 * `<name>-<UTC time rotated>.<ext>` next to it, the newest `keep` rotated files kept.
 *
 * The file is opened for every append rather than held open, so a reader that moves or deletes it
 * gets a fresh file at the path with the next event, and the moved file is never written again.
 */
export class LogFile {
  private readonly dir: string;
  private readonly stem: string;
  private readonly ext: string;
  private readonly rotatedPattern: RegExp;
  private rotateFailed = false;

  constructor(private readonly opts: LogFileOptions) {
    this.dir = path.dirname(path.resolve(opts.path));
    this.ext = path.extname(opts.path);
    this.stem = path.basename(opts.path, this.ext);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.rotatedPattern = new RegExp(`^${escape(this.stem)}-\\d{8}T\\d{6}Z(_\\d{3,})?${escape(this.ext)}$`);
  }

  /**
   * Opens the file for lines starting with one of `firstLineBytes`; rotates first when that line
   * would take a non-empty file past max_bytes.
   */
  open(firstLineBytes: number): AppendTarget {
    let target = this.openAppend();
    if (target.size > 0 && target.size + firstLineBytes > this.opts.maxBytes && this.rotate()) {
      fs.closeSync(target.fd);
      target = this.openAppend();
    }
    return target;
  }

  /**
   * Appends `data` (whole lines) in one write, fsynced. A write that fails part-way is cut back, so
   * the file never ends in half a line the writer did not mean to leave there.
   */
  write(target: AppendTarget, data: Buffer): number {
    let offset = 0;
    try {
      if (this.opts.midWrite !== undefined && data.length > 1) {
        // One byte past half, so lines of equal length still leave a torn one.
        offset += fs.writeSync(target.fd, data, 0, Math.floor(data.length / 2) + 1);
        this.opts.midWrite();
      }
      while (offset < data.length) offset += fs.writeSync(target.fd, data, offset, data.length - offset);
      fs.fsyncSync(target.fd);
    } catch (error) {
      if (offset > 0) {
        try {
          fs.ftruncateSync(target.fd, target.size);
        } catch {
          // the next restart's recovery cuts what is left
        }
      }
      throw error;
    }
    return target.size + data.length;
  }

  close(target: AppendTarget): void {
    fs.closeSync(target.fd);
  }

  /**
   * The file with this identity: the path itself, or a file next to it (a rotated one, or where a
   * reader moved it within the directory). Undefined when it is gone.
   */
  locate(id: FileId): string | undefined {
    if (sameFile(statId(this.opts.path), id)) return this.opts.path;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return undefined;
    }
    for (const name of names) {
      const candidate = path.join(this.dir, name);
      if (sameFile(statId(candidate), id)) return candidate;
    }
    return undefined;
  }

  /**
   * Reads `file` past `from` (where the state's last recorded write ended): the ids of the whole
   * lines there, and a torn last line (a crash mid-write) cut off.
   */
  readTail(file: string, from: number): Tail {
    const fd = fs.openSync(file, 'r+');
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= from) return { ids: [], size, cutBytes: 0 };
      const data = Buffer.alloc(size - from);
      let read = 0;
      while (read < data.length) {
        const n = fs.readSync(fd, data, read, data.length - read, from + read);
        if (n === 0) break;
        read += n;
      }
      const whole = data.lastIndexOf(0x0a) + 1;
      const cutBytes = read - whole;
      if (cutBytes > 0) {
        fs.ftruncateSync(fd, from + whole);
        fs.fsyncSync(fd);
      }
      const ids: string[] = [];
      for (const line of data.subarray(0, whole).toString('utf8').split('\n')) {
        const id = idOf(line);
        if (id !== undefined) ids.push(id);
      }
      return { ids, size: from + whole, cutBytes };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Rotated files, oldest first. */
  rotated(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((name) => this.rotatedPattern.test(name))
      .sort()
      .map((name) => path.join(this.dir, name));
  }

  private openAppend(): AppendTarget {
    const fd = fs.openSync(this.opts.path, 'a');
    try {
      const stat = fs.fstatSync(fd, { bigint: true });
      // A file just created needs its directory entry on disk too, or a power cut could lose it.
      if (stat.size === 0n) syncDir(this.dir);
      return { fd, id: { dev: String(stat.dev), ino: String(stat.ino) }, size: Number(stat.size) };
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /**
   * Renames the file to its rotated name (never over an existing file) and prunes past `keep`.
   * False when the rename failed (on Windows, a reader holding the file open without sharing
   * delete): the lines then go to the same file, past max_bytes, rather than nowhere.
   */
  private rotate(): boolean {
    const stamp = compactUtc(this.opts.now());
    // After the newest rotated name of the same second, never in a gap pruning left: names sort in order.
    const prefix = `${this.stem}-${stamp}`;
    const sameSecond = this.rotated()
      .map((file) => path.basename(file))
      .filter((name) => name.startsWith(prefix));
    const last = sameSecond.at(-1);
    const sequence = last === undefined ? 0 : Number(/_(\d+)/.exec(last.slice(prefix.length))?.[1] ?? 0) + 1;
    const suffix = sequence === 0 ? '' : `_${String(sequence).padStart(3, '0')}`;
    const target = path.join(this.dir, `${prefix}${suffix}${this.ext}`);
    try {
      if (fs.existsSync(target)) throw new Error(`${target} exists already`);
      fs.renameSync(this.opts.path, target);
      syncDir(this.dir);
      this.rotateFailed = false;
    } catch (error) {
      if (!this.rotateFailed) {
        this.opts.warn('log drop: rotating failed; lines go on into the same file', {
          path: this.opts.path,
          error: (error as Error).message,
        });
      }
      this.rotateFailed = true;
      return false;
    }
    for (const old of this.rotated().slice(0, -this.opts.keep)) {
      try {
        fs.unlinkSync(old);
      } catch (error) {
        this.opts.warn('log drop: deleting a rotated file failed', { file: old, error: (error as Error).message });
      }
    }
    return true;
  }
}

/** The `id` of one JSON line, if it is an alert event with one. */
export function idOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const id = (JSON.parse(line) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function statId(file: string): FileId | undefined {
  try {
    const stat = fs.statSync(file, { bigint: true });
    return stat.isFile() ? { dev: String(stat.dev), ino: String(stat.ino) } : undefined;
  } catch {
    return undefined;
  }
}

export function sameFile(a: FileId | undefined, b: FileId | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

function syncDir(dir: string): void {
  // Windows cannot open a directory for fsync; NTFS journals the entry itself.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
