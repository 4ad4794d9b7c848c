import { DateTime } from 'luxon';
import type { DeploymentConfig } from '../domain/config/model.js';
import { whoIsOnCall } from '../domain/lifecycle/oncall.js';
import type { Clock } from '../domain/ports.js';
import type { CliOutput } from './config.js';

/**
 * `pflow oncall who --team X [--at TIME]`: who is on call, from the config alone. `--at` is an
 * instant with an offset, or a local date-time read in the team's zone.
 */
export function runOnCallWho(
  options: { config: DeploymentConfig; team: string; at?: string; clock: Clock; json: boolean },
  out: CliOutput,
): number {
  const schedules = options.config.oncall ?? [];
  const schedule = schedules.find((candidate) => candidate.team === options.team);
  if (schedule === undefined) {
    out.stderr(
      `no on-call schedule for team ${JSON.stringify(options.team)} (teams: ${schedules.map((s) => s.team).join(', ') || 'none'})\n`,
    );
    return 2;
  }
  let at = options.clock.now();
  if (options.at !== undefined) {
    const parsed = DateTime.fromISO(options.at, { zone: schedule.timezone });
    if (!parsed.isValid) {
      out.stderr(`--at: not a date-time: ${JSON.stringify(options.at)} (e.g. 2026-12-24T20:00 or 2026-12-24T19:00Z)\n`);
      return 1;
    }
    at = parsed.toMillis();
  }
  const answer = whoIsOnCall(schedule, at);
  const local = (ms: number) => DateTime.fromMillis(ms, { zone: schedule.timezone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
  if (options.json) {
    out.stdout(
      `${JSON.stringify({ team: schedule.team, at: new Date(at).toISOString(), ...answer, since: new Date(answer.since).toISOString(), until: new Date(answer.until).toISOString() }, null, 2)}\n`,
    );
    return 0;
  }
  const reach = [answer.member.email, answer.member.slack && `slack ${answer.member.slack}`].filter(Boolean).join(', ');
  out.stdout(
    `${answer.member.name}${reach ? ` (${reach})` : ''} is on call for ${schedule.team}: ${local(answer.since)} → ${local(answer.until)}${answer.override ? ' (override)' : ''}\n`,
  );
  return 0;
}
