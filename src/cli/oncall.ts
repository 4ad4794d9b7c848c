import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SqliteOnCallStore } from '../adapters/local/sqlite-oncall.js';
import { openDatabase } from '../adapters/local/sqlite.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { Clock } from '../domain/ports.js';
import { localTime, oncallApi } from '../runtime/oncall-routes.js';
import { OnCallService } from '../services/oncall.js';
import type { CliOutput } from './config.js';
import { LifecycleApiUnavailable, refusalLines, type LifecycleApiClient } from './lifecycle-api-client.js';

export interface OnCallReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The on-call API, answered in process over pflow.db or by the deployment's lifecycle API, and
 * how it explains a refusal (each `problems` entry names its field).
 */
export interface OnCallTransport {
  call(method: 'GET' | 'POST', path: string, body?: Record<string, string>): Promise<OnCallReply>;
  /** Lines saying why a call that was not 2xx failed. */
  refusal(reply: OnCallReply): string[];
}

/**
 * The deployment's side: the same routes in the lifecycle API function, signed with the caller's
 * AWS credentials. No config is read: the function validates against the deployed one.
 */
export function awsOnCall(client: LifecycleApiClient): OnCallTransport {
  return {
    async call(method, path, body) {
      try {
        return await client.call(method, path, body === undefined ? {} : { json: body });
      } catch (error) {
        if (!(error instanceof LifecycleApiUnavailable)) throw error;
        return { status: 0, body: { error: error.message } };
      }
    },
    refusal: (reply) =>
      reply.status === 400 || reply.status === 0 ? ownProblems(reply.body) : refusalLines(reply, client.target),
  };
}

/**
 * The local side: the same routes as the lifecycle API, called in process on the data directory's
 * pflow.db (the runtime need not run; it reads overrides at every send). The config's schedules
 * are seeded first, so the store holds what the config says now.
 */
export function localOnCall(config: DeploymentConfig, clock: Clock): OnCallTransport {
  return {
    call: (method, path, body) => localCall(config, clock, method, path, body),
    refusal: (reply) => ownProblems(reply.body),
  };
}

async function localCall(
  config: DeploymentConfig,
  clock: Clock,
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, string>,
): Promise<OnCallReply> {
  const db = openDatabase(join(resolve(config.local.dataDir), 'pflow.db'));
  try {
    const service = new OnCallService(
      new SqliteOnCallStore(db),
      config.oncall ?? [],
      clock,
      () => `ovr-${randomBytes(6).toString('hex')}`,
    );
    await service.seed();
    const url = new URL(path, 'http://pflow.local/');
    const reply = await oncallApi(
      service,
      clock,
    )({
      method,
      url,
      headers: {},
      body: body === undefined ? '' : JSON.stringify(body),
      remote: 'cli',
    });
    if (reply === undefined || !('body' in reply)) throw new Error(`no on-call route ${method} ${path}`);
    return { status: reply.status, body: reply.body as Record<string, unknown> };
  } finally {
    db.close();
  }
}

/** Command-line names of the API's fields, so a problem names the option to fix. */
const OPTION_OF: Record<string, string> = { author: '--by', by: '--by', at: '--at', id: '<id>' };

/** The API's own problems, each naming the command-line option to fix. */
function ownProblems(body: Record<string, unknown>): string[] {
  const problems = Array.isArray(body.problems) ? body.problems.map(String) : [];
  if (problems.length === 0) return [typeof body.error === 'string' ? body.error : 'failed'];
  return problems.map((problem) => {
    const field = /^([a-z]+):/.exec(problem)?.[1];
    return field === undefined ? problem : problem.replace(field, OPTION_OF[field] ?? `--${field}`);
  });
}

function report(transport: OnCallTransport, reply: OnCallReply, out: CliOutput): void {
  for (const line of transport.refusal(reply)) out.stderr(`${line}\n`);
}

interface WhoBody {
  team: string;
  timezone: string;
  member: { name: string; email?: string; slack?: string };
  since: string;
  until: string;
  override: boolean;
}

/**
 * `pflow oncall who --team X [--at TIME]`: who is on call, run-time overrides included. `--at` is an
 * instant with an offset, or a local date-time read in the team's zone. Exit 2 for an unknown team.
 */
export async function runOnCallWho(
  options: { transport: OnCallTransport; team: string; at?: string; json: boolean },
  out: CliOutput,
): Promise<number> {
  const query = new URLSearchParams({ team: options.team, ...(options.at !== undefined && { at: options.at }) });
  const reply = await options.transport.call('GET', `api/oncall/who?${query.toString()}`);
  if (reply.status !== 200) {
    report(options.transport, reply, out);
    return reply.status === 404 ? 2 : 1;
  }
  if (options.json) {
    out.stdout(`${JSON.stringify(reply.body, null, 2)}\n`);
    return 0;
  }
  const who = reply.body as unknown as WhoBody;
  const local = (iso: string) => localTime(Date.parse(iso), who.timezone);
  const reach = [who.member.email, who.member.slack && `slack ${who.member.slack}`].filter(Boolean).join(', ');
  out.stdout(
    `${who.member.name}${reach ? ` (${reach})` : ''} is on call for ${who.team}: ${local(who.since)} → ${local(who.until)}${who.override ? ' (override)' : ''}\n`,
  );
  return 0;
}

interface OverrideBody {
  id: string;
  team: string;
  timezone: string;
  status: string;
  member: string;
  from: string;
  to: string;
  author: string;
  reason?: string;
  removedAt?: string;
  removedBy?: string;
}

function describe(override: OverrideBody): string {
  const local = (iso: string) => localTime(Date.parse(iso), override.timezone);
  const removed =
    override.removedAt === undefined ? '' : `, removed by ${override.removedBy} ${local(override.removedAt)}`;
  return `${override.id}  ${override.team}  ${override.member}  ${local(override.from)} → ${local(override.to)}  ${override.status}  by ${override.author}${override.reason === undefined ? '' : `: ${override.reason}`}${removed}`;
}

export interface OverrideAddOptions {
  readonly transport: OnCallTransport;
  readonly team: string;
  readonly who: string;
  readonly from: string;
  readonly to: string;
  readonly by?: string;
  readonly reason?: string;
}

/** `pflow oncall override add`: prints the new override's id; exit 1 naming each bad option. */
export async function runOverrideAdd(options: OverrideAddOptions, out: CliOutput): Promise<number> {
  const reply = await options.transport.call('POST', 'api/oncall/overrides', {
    team: options.team,
    who: options.who,
    from: options.from,
    to: options.to,
    ...(options.by !== undefined && { author: options.by }),
    ...(options.reason !== undefined && { reason: options.reason }),
  });
  if (reply.status !== 201) {
    report(options.transport, reply, out);
    out.stderr('no override was made\n');
    return 1;
  }
  const override = reply.body.override as OverrideBody;
  out.stdout(`${override.id}\n`);
  out.stderr(`${describe(override)}\n`);
  return 0;
}

export async function runOverrideList(
  options: {
    transport: OnCallTransport;
    team?: string;
    all: boolean;
    json: boolean;
  },
  out: CliOutput,
): Promise<number> {
  const query = new URLSearchParams({
    ...(options.team !== undefined && { team: options.team }),
    ...(options.all && { all: '1' }),
  }).toString();
  const reply = await options.transport.call('GET', `api/oncall/overrides${query === '' ? '' : `?${query}`}`);
  if (reply.status !== 200) {
    report(options.transport, reply, out);
    return reply.status === 404 ? 2 : 1;
  }
  const overrides = reply.body.overrides as OverrideBody[];
  if (options.json) {
    out.stdout(`${JSON.stringify(overrides, null, 2)}\n`);
    return 0;
  }
  if (overrides.length === 0) {
    out.stdout(options.all ? 'no run-time overrides\n' : 'no current or coming run-time overrides\n');
    return 0;
  }
  for (const override of overrides) out.stdout(`${describe(override)}\n`);
  return 0;
}

export async function runOverrideRemove(
  options: { transport: OnCallTransport; team: string; id: string; by?: string },
  out: CliOutput,
): Promise<number> {
  const reply = await options.transport.call('POST', `api/oncall/overrides/${encodeURIComponent(options.id)}/remove`, {
    team: options.team,
    by: options.by ?? '',
  });
  if (reply.status !== 200) {
    report(options.transport, reply, out);
    return 1;
  }
  out.stdout(`removed ${options.id}\n`);
  return 0;
}
