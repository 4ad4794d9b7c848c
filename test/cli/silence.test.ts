import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSilenceAdd, runSilenceExpire, runSilenceList } from '../../src/cli/silence.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setUp() {
  dir = mkdtempSync(join(tmpdir(), 'pflow-silence-cli-'));
  const output = { stdout: '', stderr: '' };
  const out = { stdout: (text: string) => (output.stdout += text), stderr: (text: string) => (output.stderr += text) };
  let now = T0;
  return { output, out, clock: { now: () => now }, advance: (ms: number) => (now += ms), dataDir: join(dir, 'data') };
}

describe('pflow silence', () => {
  it('adds, lists and expires a silence in the data directory', () => {
    const { output, out, clock, advance, dataDir } = setUp();
    expect(
      runSilenceAdd(
        {
          dataDir,
          clock,
          match: ['probe="pfsw-login"', 'site="site-a"'],
          author: 'ana',
          comment: 'upgrade',
          for: '2h',
        },
        out,
      ),
    ).toBe(0);
    const id = output.stdout.trim();
    expect(id).toMatch(/^sil-[0-9a-f]{12}$/);

    output.stdout = '';
    expect(runSilenceList({ dataDir, clock, all: false, json: false }, out)).toBe(0);
    expect(output.stdout).toBe(
      `${id}  active  2026-12-01T10:00:00.000Z → 2026-12-01T12:00:00.000Z  probe="pfsw-login", site="site-a"  by ana: upgrade\n`,
    );

    advance(60_000);
    expect(runSilenceExpire({ dataDir, clock, id, by: 'bo' }, out)).toBe(0);
    expect(runSilenceExpire({ dataDir, clock, id, by: 'bo' }, out)).toBe(1);
    expect(output.stderr).toContain(`silence ${id} has already ended`);
    output.stdout = '';
    runSilenceList({ dataDir, clock, all: false, json: false }, out);
    expect(output.stdout).toBe('no active or pending run-time silences\n');
    output.stdout = '';
    runSilenceList({ dataDir, clock, all: true, json: false }, out);
    expect(output.stdout).toContain(
      'expired  2026-12-01T10:00:00.000Z → 2026-12-01T12:00:00.000Z (expired 2026-12-01T10:01:00.000Z by bo)',
    );
  });

  it('prints every problem and stores nothing', () => {
    const { output, out, clock, dataDir } = setUp();
    expect(runSilenceAdd({ dataDir, clock, match: ['probe=x'], comment: 'c' }, out)).toBe(1);
    expect(output.stderr).toBe(
      [
        'matchers[0]: not a label matcher: "probe=x" (expected name="value", name!="value", name=~"regex" or name!~"regex")',
        'author: who is silencing is required',
        'duration/until: give exactly one, e.g. duration "2h" or until "2026-12-02T06:00:00Z"',
        'nothing was silenced',
        '',
      ].join('\n'),
    );
    output.stdout = '';
    runSilenceList({ dataDir, clock, all: true, json: false }, out);
    expect(output.stdout).toBe('no run-time silences\n');
  });
});
