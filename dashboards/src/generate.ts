import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format } from 'prettier';
import { BACKENDS, DASHBOARDS } from './index.js';

/**
 * `npm run dashboards`: renders every dashboard for both metric stores into `dashboards/*.json`,
 * formatted as the repository's prettier config lays them out (the staleness test compares data,
 * so the layout is only for reviewers' diffs).
 */
export async function renderAll(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of DASHBOARDS) {
    for (const backend of BACKENDS) {
      const text = await format(JSON.stringify(entry.json(backend)), { parser: 'json', printWidth: 120 });
      files.set(entry.files[backend], text);
    }
  }
  return files;
}

const ROOT = join(import.meta.dirname, '..', '..');

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  for (const [path, text] of await renderAll()) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), text);
    console.log(`wrote ${path}`);
  }
}
