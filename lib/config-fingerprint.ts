import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The module that validates, normalises and writes the config the functions read. */
const WRITER = 'src/domain/config/deploy.ts';

let cached: string | undefined;

/**
 * A fingerprint of the code that turns a config file into the document the functions read: every
 * file esbuild reaches from src/domain/config/deploy.ts (the schema, its fields, normalisation, and
 * zod itself), hashed. Synth stamps it into the bundled config, and each bundle is built with it
 * (lib/function-bundling.ts), so a function refuses a config written by any other version of that
 * code instead of reading a changed shape wrong. Any edit there changes it — on purpose: the two
 * only ever meet in one synth, where they always agree.
 */
export function configSchemaFingerprint(): string {
  if (cached !== undefined) return cached;
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [WRITER],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const hash = createHash('sha256');
  for (const path of Object.keys(result.metafile.inputs).sort()) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  cached = hash.digest('hex').slice(0, 16);
  return cached;
}
