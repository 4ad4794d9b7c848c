import { describe, expect, it } from 'vitest';
import { runOnCallWho } from '../../src/cli/oncall.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';

const config = parseDeploymentConfig(
  `
version: 1
sites: [{ id: site-a, timezone: Europe/Amsterdam }]
oncall:
  - team: ward-it
    site: site-a
    rotation: daily
    handover: '09:00'
    start: 2026-03-27
    members: [{ name: Ana, email: ana@h.example }, { name: Bo, slack: U034BOBOBO }]
    overrides: [{ from: '2026-03-31T18:00', until: '2026-04-01T09:00', member: Ana }]
`,
  'site.yaml',
  {},
);

function run(args: { team: string; at?: string }) {
  const output = { stdout: '', stderr: '' };
  const out = { stdout: (t: string) => void (output.stdout += t), stderr: (t: string) => void (output.stderr += t) };
  const code = runOnCallWho(
    { config, clock: { now: () => Date.parse('2026-03-28T12:00:00Z') }, json: false, ...args },
    out,
  );
  return { code, ...output };
}

describe('pflow oncall who', () => {
  it('answers now, and at a local time across the DST change, in the team’s zone', () => {
    expect(run({ team: 'ward-it' })).toEqual({
      code: 0,
      stdout: 'Bo (slack U034BOBOBO) is on call for ward-it: 2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2\n',
      stderr: '',
    });
    expect(run({ team: 'ward-it', at: '2026-03-29T08:59' }).stdout).toMatch(/^Bo /);
    expect(run({ team: 'ward-it', at: '2026-03-29T09:00' }).stdout).toMatch(/^Ana \(ana@h\.example\) is on call/);
    expect(run({ team: 'ward-it', at: '2026-03-31T20:00' }).stdout).toContain('(override)');
  });

  it('says which teams exist, and what a bad time looks like', () => {
    expect(run({ team: 'nurses' })).toMatchObject({
      code: 2,
      stderr: 'no on-call schedule for team "nurses" (teams: ward-it)\n',
    });
    expect(run({ team: 'ward-it', at: 'tomorrow' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--at: not a date-time'),
    });
  });
});
