import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../src/cli/validate.js';

// Relative, as a user types it (`pflow validate config/example.yaml`); the summary line echoes it.
const EXAMPLE = relative(process.cwd(), join(import.meta.dirname, '../../config/example.yaml'));
const scratch = mkdtempSync(join(tmpdir(), 'pflow-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: { stdout: (s: string) => stdout.push(s), stderr: (s: string) => stderr.push(s) }, stdout, stderr };
}

describe('pflow validate FILE', () => {
  it('prints one summary line for a valid file and exits 0', async () => {
    const { out, stdout, stderr } = capture();
    const code = await runValidate(EXAMPLE, out, {});
    expect(code).toBe(0);
    expect(stderr).toEqual([]);
    expect(stdout.join('')).toBe(
      `${EXAMPLE}: OK — 1 site, 2 probes, 7 rules in 3 groups, 2 channels, 3 routes, 0 silences, 1 maintenance window\n`,
    );
  });

  it('says how many of the rules are the default agent rules generated from agents:', async () => {
    const file = join(scratch, 'agents.yaml');
    writeFileSync(file, 'version: 1\nsites: [{ id: lab, agents: [{ id: lab-01 }, { id: lab-02 }] }]\n');
    const { out, stdout } = capture();
    expect(await runValidate(file, out, {})).toBe(0);
    expect(stdout.join('')).toContain(': OK — 1 site, 0 probes, 4 rules in 1 group (4 of them default agent rules), ');
  });

  it('prints every error as `path: message` on its own line and exits 1', async () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'sites: [{ id: site-a }]',
        'rule_groups:',
        '  - name: g',
        '    rules:',
        "      - { id: r, measure: success, threshold: { op: '<', value: 1 }, for: 3d }",
        'routes: [{ channels: [pager] }]',
        '',
      ].join('\n'),
    );
    const { out, stdout, stderr } = capture();
    const code = await runValidate(file, out, {});
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toBe(
      'rule_groups[0].rules[0].for: longer than anything sensible: at most 24h\n' +
        'routes[0].channels[0]: no channel "pager" (channels: none defined)\n' +
        `${file}: 2 errors, config not loaded\n`,
    );
  });

  it('names a missing file and exits 1', async () => {
    const file = join(scratch, 'missing.yaml');
    const { out, stderr } = capture();
    expect(await runValidate(file, out, {})).toBe(1);
    expect(stderr.join('')).toBe(`(file): no such file: ${file}\n${file}: 1 error, config not loaded\n`);
  });

  it('reads ${NAME} from the given environment', async () => {
    const file = join(scratch, 'env.yaml');
    writeFileSync(file, "version: 1\nsites: [{ id: '${SITE}' }]\n");
    const missing = capture();
    expect(await runValidate(file, missing.out, {})).toBe(1);
    expect(missing.stderr.join('')).toContain('sites[0].id: environment variable SITE is not set\n');
    const present = capture();
    expect(await runValidate(file, present.out, { SITE: 'site-a' })).toBe(0);
  });
});
