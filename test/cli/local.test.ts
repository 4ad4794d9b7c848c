import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLocal } from '../../src/cli/local.js';

describe('pflow local', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-local-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an invalid config whole: every error with its path, exit 1, nothing started or written', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'sites: [{ id: site-a }]',
        'probes:',
        '  - { id: p, site: site-b, kind: http, target: http://127.0.0.1:1/, interval: 5s, timeout: 10s }',
        `local: { data_dir: ${join(dir, 'data')} }`,
      ].join('\n'),
    );
    let stdout = '';
    let stderr = '';

    const code = await runLocal(
      { config: file, logLevel: 'info', logJson: false },
      { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) },
    );

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^probes\[0\]\.site: /m);
    expect(stderr).toMatch(/^probes\[0\]\.timeout: /m);
    expect(stderr).toMatch(/\n[^\n]*bad\.yaml: 2 errors, config not loaded\n$/);
    expect(() => rmSync(join(dir, 'data'))).toThrow(/ENOENT/);
  });
});
