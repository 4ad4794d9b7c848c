import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localOnCall, runOnCallWho, runOverrideAdd, runOverrideList, runOverrideRemove } from '../../src/cli/oncall.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pflow-oncall-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = parseDeploymentConfig(
  `
version: 1
local: { data_dir: ${JSON.stringify(dataDir)} }
sites: [{ id: site-a, timezone: Europe/Amsterdam }]
oncall:
  - team: ward-it
    site: site-a
    rotation: daily
    handover: '09:00'
    start: 2026-03-27
    members: [{ name: Ana, email: ana@h.example }, { name: Bo, slack: U034BOBOBO }, { name: Cas }]
    overrides: [{ from: '2026-03-31T18:00', until: '2026-04-01T09:00', member: Ana }]
`,
  'site.yaml',
  {},
);
/** The fake clock: Saturday 28 March 2026, 13:00 CET; the night after, Amsterdam springs forward. */
const now = { value: Date.parse('2026-03-28T12:00:00Z') };
const transport = localOnCall(config, { now: () => now.value });

function capture() {
  const output = { stdout: '', stderr: '' };
  const out = { stdout: (t: string) => void (output.stdout += t), stderr: (t: string) => void (output.stderr += t) };
  return { output, out };
}

async function who(args: { team: string; at?: string }) {
  const { output, out } = capture();
  const code = await runOnCallWho({ transport, json: false, ...args }, out);
  return { code, ...output };
}

async function add(args: Partial<Parameters<typeof runOverrideAdd>[0]>) {
  const { output, out } = capture();
  const code = await runOverrideAdd(
    { transport, team: 'ward-it', who: 'Ana', from: '2026-03-28T09:00', to: '2026-03-29T09:00', by: 'lead', ...args },
    out,
  );
  return { code, ...output };
}

async function list(args: { team?: string; all?: boolean } = {}) {
  const { output, out } = capture();
  const code = await runOverrideList({ transport, json: false, all: false, ...args }, out);
  return { code, ...output };
}

describe('pflow oncall who', () => {
  it('answers now, and at a local time across the DST change, in the team’s zone', async () => {
    expect(await who({ team: 'ward-it' })).toEqual({
      code: 0,
      stdout: 'Bo (slack U034BOBOBO) is on call for ward-it: 2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2\n',
      stderr: '',
    });
    expect((await who({ team: 'ward-it', at: '2026-03-29T08:59' })).stdout).toMatch(/^Bo /);
    expect((await who({ team: 'ward-it', at: '2026-03-29T09:00' })).stdout).toMatch(/^Cas is on call/);
    expect((await who({ team: 'ward-it', at: '2026-03-31T20:00' })).stdout).toContain('(override)');
  });

  it('says which teams exist, and what a bad time looks like', async () => {
    expect(await who({ team: 'nurses' })).toMatchObject({
      code: 2,
      stderr: 'no on-call schedule for team "nurses" (teams: ward-it)\n',
    });
    expect(await who({ team: 'ward-it', at: 'tomorrow' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--at: not a date-time'),
    });
  });
});

describe('pflow oncall override add|list|remove (pflow.db)', () => {
  it('an override across the DST hand-over takes effect for who at once, and hands back at 09:00 CEST', async () => {
    const made = await add({ who: 'Ana', reason: 'swap with Bo' });
    expect(made.code).toBe(0);
    const id = made.stdout.trim();
    expect(id).toMatch(/^ovr-[0-9a-f]{12}$/);
    expect(made.stderr).toBe(
      `${id}  ward-it  Ana  2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2  active  by lead: swap with Bo\n`,
    );
    expect((await who({ team: 'ward-it' })).stdout).toBe(
      'Ana (ana@h.example) is on call for ward-it: 2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2 (override)\n',
    );
    expect((await who({ team: 'ward-it', at: '2026-03-29T08:59' })).stdout).toMatch(/^Ana .*\(override\)\n$/);
    expect((await who({ team: 'ward-it', at: '2026-03-29T09:00' })).stdout).toMatch(/^Cas is on call.*[^)]\n$/);

    // A later override wins over the earlier one where they overlap.
    now.value += 60_000;
    const later = (await add({ who: 'Cas', from: '2026-03-28T20:00', to: '2026-03-28T22:00' })).stdout.trim();
    expect((await who({ team: 'ward-it', at: '2026-03-28T21:00' })).stdout).toMatch(
      /^Cas .*20:00 GMT\+1 → .*22:00 GMT\+1 \(override\)/,
    );
    expect(
      (await list()).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('  ')[0]),
    ).toEqual([id, later]);

    const { output, out } = capture();
    expect(await runOverrideRemove({ transport, team: 'ward-it', id, by: 'lead' }, out)).toBe(0);
    expect(output.stdout).toBe(`removed ${id}\n`);
    expect((await who({ team: 'ward-it', at: '2026-03-28T13:30' })).stdout).toMatch(/^Bo /);
    expect((await list()).stdout).not.toContain(id);
    expect((await list({ all: true })).stdout).toContain(
      `${id}  ward-it  Ana  2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2  ended  by lead: swap with Bo, removed by lead 2026-03-28 13:01 GMT+1`,
    );

    const again = capture();
    expect(await runOverrideRemove({ transport, team: 'ward-it', id, by: 'lead' }, again.out)).toBe(1);
    expect(again.output.stderr).toBe(`override ${id} has already ended\n`);
    const none = capture();
    expect(await runOverrideRemove({ transport, team: 'ward-it', id: 'ovr-none', by: 'lead' }, none.out)).toBe(1);
    expect(none.output.stderr).toBe('no override ovr-none for team ward-it\n');
  });

  it('names each bad option and stores nothing', async () => {
    const before = (await list({ all: true })).stdout;
    expect(await add({ team: 'nurses', who: '', from: 'soon', to: '2026-03-28T08:00', by: '' })).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        '--team: no on-call schedule for "nurses" (teams: ward-it)',
        '--who: the member on call instead is required',
        '--by: who makes the override is required',
        '--from: not a date-time: "soon" (e.g. 2026-12-24T18:00, local to the team, or 2026-12-24T17:00Z)',
        'no override was made',
        '',
      ].join('\n'),
    });
    expect((await add({ who: 'Dee' })).stderr).toBe(
      '--who: no member "Dee" in ward-it\'s schedule (members: Ana, Bo, Cas)\nno override was made\n',
    );
    expect((await add({ from: '2026-03-29T09:00', to: '2026-03-29T09:00' })).stderr).toBe(
      '--to: must be after from\nno override was made\n',
    );
    expect((await list({ all: true })).stdout).toBe(before);
    expect(await list({ team: 'nurses' })).toMatchObject({
      code: 2,
      stderr: 'no on-call schedule for team "nurses" (teams: ward-it)\n',
    });
  });
});
