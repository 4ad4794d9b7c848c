import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Replaces a small file so that after a crash it holds either the old or the new content, never a
 * mix: write a temporary file, fsync it, rename it over the old one, fsync the directory.
 */
export function writeFileDurably(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Reads a JSON file written by writeFileDurably; undefined when it does not exist. */
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(
      `${file}: not valid JSON (${(error as Error).message}); it is written atomically, so this is damage`,
      {
        cause: error,
      },
    );
  }
}
