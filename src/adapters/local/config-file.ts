import { open, type FileHandle } from 'node:fs/promises';
import type { Env } from '../../domain/config/env.js';
import { parseDeploymentConfig } from '../../domain/config/load.js';
import type { DeploymentConfig } from '../../domain/config/model.js';
import { decodeConfigText, MAX_CONFIG_BYTES, tooLarge } from '../../domain/config/yaml-text.js';
import { ConfigError } from '../../domain/errors.js';

/**
 * Reads and validates a site config file; every failure, a missing file included, is a
 * ConfigError. A file over MAX_CONFIG_BYTES is refused before it is read, and bytes that are
 * not UTF-8 text are refused before YAML sees them (its errors about them would be noise).
 */
export async function loadConfigFile(path: string, env: Env = process.env): Promise<DeploymentConfig> {
  return parseDeploymentConfig(await readConfigText(path), path, env);
}

/** The file's text, with the same refusals as loadConfigFile (for readers that parse it otherwise). */
export async function readConfigText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    const file = await open(path, 'r');
    try {
      const { size, isFile } = await file.stat().then((stat) => ({ size: stat.size, isFile: stat.isFile() }));
      if (isFile && size > MAX_CONFIG_BYTES) throw new ConfigError(path, [{ path: '(file)', message: tooLarge(size) }]);
      // One byte past the limit is enough to know a pipe or device is too big.
      bytes = await readAtMost(file, MAX_CONFIG_BYTES + 1);
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `no such file: ${path}`
        : code === 'EISDIR'
          ? `is a directory, not a config file: ${path}`
          : `cannot read ${path}: ${code ?? (error as Error).message}`;
    throw new ConfigError(path, [{ path: '(file)', message }]);
  }
  const decoded = decodeConfigText(bytes);
  if ('issue' in decoded) throw new ConfigError(path, [decoded.issue]);
  return decoded.text;
}

async function readAtMost(file: FileHandle, limit: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await file.read(buffer, length, limit - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}
