import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SqliteLifecycleStore } from '../adapters/local/sqlite-lifecycle.js';
import { openDatabase } from '../adapters/local/sqlite.js';
import { SilenceRequestError, type RuntimeSilence } from '../domain/lifecycle/runtime-silence.js';
import type { Clock } from '../domain/ports.js';
import { presentSilence } from '../runtime/silence-routes.js';
import { SilenceService } from '../services/silences.js';
import type { CliOutput } from './config.js';

/**
 * `pflow silence add|list|expire` work on the data directory's pflow.db directly, so they need
 * neither the runtime running nor the channels' secrets; a running runtime reads the silences at
 * its next evaluation.
 */
function withService<T>(dataDir: string, clock: Clock, work: (service: SilenceService) => T): T {
  const db = openDatabase(join(resolve(dataDir), 'pflow.db'));
  try {
    const service = new SilenceService(
      new SqliteLifecycleStore(db),
      clock,
      () => `sil-${randomBytes(6).toString('hex')}`,
    );
    return work(service);
  } finally {
    db.close();
  }
}

export interface SilenceAddOptions {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly match: readonly string[];
  readonly author?: string;
  readonly comment?: string;
  readonly for?: string;
  readonly until?: string;
  readonly start?: string;
}

export function runSilenceAdd(options: SilenceAddOptions, out: CliOutput): number {
  return withService(options.dataDir, options.clock, (service) => {
    try {
      const silence = service.add({
        matchers: options.match,
        ...(options.author !== undefined && { author: options.author }),
        ...(options.comment !== undefined && { comment: options.comment }),
        ...(options.for !== undefined && { duration: options.for }),
        ...(options.until !== undefined && { until: options.until }),
        ...(options.start !== undefined && { startsAt: options.start }),
      });
      out.stdout(`${silence.id}\n`);
      out.stderr(`${describe(silence, options.clock.now())}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof SilenceRequestError)) throw error;
      for (const problem of error.problems) out.stderr(`${problem}\n`);
      out.stderr('nothing was silenced\n');
      return 1;
    }
  });
}

export function runSilenceList(
  options: { dataDir: string; clock: Clock; all: boolean; json: boolean },
  out: CliOutput,
): number {
  return withService(options.dataDir, options.clock, (service) => {
    const silences = service.list(options.all);
    const now = options.clock.now();
    if (options.json) {
      out.stdout(`${JSON.stringify(silences, null, 2)}\n`);
      return 0;
    }
    if (silences.length === 0) {
      out.stdout(options.all ? 'no run-time silences\n' : 'no active or pending run-time silences\n');
      return 0;
    }
    for (const silence of silences) out.stdout(`${describe(silence, now)}\n`);
    return 0;
  });
}

export function runSilenceExpire(
  options: { dataDir: string; clock: Clock; id: string; by?: string },
  out: CliOutput,
): number {
  const by = options.by?.trim() ?? '';
  if (by === '') {
    out.stderr('--by: who expires it is required\n');
    return 1;
  }
  return withService(options.dataDir, options.clock, (service) => {
    const outcome = service.expire(options.id, by);
    if (outcome === 'not_found') out.stderr(`no such silence: ${options.id}\n`);
    else if (outcome === 'already_ended') out.stderr(`silence ${options.id} has already ended\n`);
    else out.stdout(`expired ${options.id}\n`);
    return outcome === 'expired' ? 0 : 1;
  });
}

function describe(silence: RuntimeSilence, now: number): string {
  return describePresented(presentSilence(silence, now));
}

/** One line per silence, as the API presents it (ISO times, its status): the same locally and with --aws. */
export function describePresented(silence: ReturnType<typeof presentSilence>): string {
  const ended =
    silence.expiredAt !== undefined ? ` (expired ${silence.expiredAt} by ${String(silence.expiredBy)})` : '';
  return `${silence.id}  ${silence.status}  ${silence.startsAt} → ${silence.endsAt}${ended}  ${silence.matchers.join(', ')}  by ${silence.author}: ${silence.comment}`;
}
