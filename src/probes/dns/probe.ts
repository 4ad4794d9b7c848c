import { Resolver } from 'node:dns/promises';
import type { ProbeFailureReason, ProbeOutcome } from '../../domain/probe-result.js';
import type { ProbeContext, Prober } from '../types.js';
import { ms } from '../common/outcome.js';
import type { DnsRecordType, DnsSettings } from './settings.js';

export interface PreparedDnsSettings {
  readonly server: string;
  readonly recordType: DnsRecordType;
  readonly validAnswers: readonly RegExp[];
  readonly invalidAnswers: readonly RegExp[];
  readonly failIfNoAnswer: boolean;
}

const preparedBySettings = new WeakMap<DnsSettings, PreparedDnsSettings>();

export function prepareDnsSettings(settings: DnsSettings): PreparedDnsSettings {
  let prepared = preparedBySettings.get(settings);
  if (prepared === undefined) {
    prepared = {
      server: settings.server,
      recordType: settings.record_type,
      validAnswers: settings.valid_answers.map((source) => new RegExp(source)),
      invalidAnswers: settings.invalid_answers.map((source) => new RegExp(source)),
      failIfNoAnswer: settings.fail_if_no_answer,
    };
    preparedBySettings.set(settings, prepared);
  }
  return prepared;
}

export const dnsProber: Prober<DnsSettings> = (target, settings, context) =>
  probeDns(target, prepareDnsSettings(settings), context);

/** Each record type's answers as text, the form `valid_answers` regexes are written against. */
const QUERIES: Record<DnsRecordType, (resolver: Resolver, name: string) => Promise<string[]>> = {
  A: (resolver, name) => resolver.resolve4(name),
  AAAA: (resolver, name) => resolver.resolve6(name),
  CNAME: (resolver, name) => resolver.resolveCname(name),
  NS: (resolver, name) => resolver.resolveNs(name),
  PTR: (resolver, name) => resolver.resolvePtr(name),
  MX: async (resolver, name) => (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${mx.exchange}`),
  TXT: async (resolver, name) => (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')),
  SRV: async (resolver, name) =>
    (await resolver.resolveSrv(name)).map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`),
};

// c-ares error codes, as node:dns exposes them.
const NO_ANSWER_CODES = new Set(['ENODATA']);
const REASON_BY_CODE: Readonly<Record<string, ProbeFailureReason>> = {
  ETIMEOUT: 'timeout',
  ECANCELLED: 'timeout',
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  ESERVFAIL: 'dns',
  EREFUSED: 'dns',
  EFORMERR: 'dns',
  ENOTIMP: 'dns',
  EBADRESP: 'dns',
};
const CODE_MEANING: Readonly<Record<string, string>> = {
  ENOTFOUND: 'NXDOMAIN',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
};

/**
 * One dns probe: ask the configured server for the target's records and check the answers.
 * A resolver per attempt, because cancelling one (at the deadline) cancels all its queries.
 */
export async function probeDns(
  target: string,
  prepared: PreparedDnsSettings,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  const startedAt = performance.now();
  const finish = (result: Omit<ProbeOutcome, 'durationMs' | 'phases'>): ProbeOutcome => {
    const elapsed = ms(performance.now() - startedAt);
    return { ...result, durationMs: elapsed, phases: { dnsMs: elapsed } };
  };
  const fail = (reason: ProbeFailureReason, message: string, details?: ProbeOutcome['details']): ProbeOutcome =>
    finish({ success: false, failure: { reason, message }, ...(details ? { details } : {}) });

  if (context.signal?.aborted) return fail('error', 'probe aborted');
  // One try with the whole budget: the deadline below is the real bound, c-ares' own retries would only blur it.
  const resolver = new Resolver({ timeout: Math.max(1, context.timeoutMs), tries: 1 });
  try {
    resolver.setServers([prepared.server]);
  } catch (error) {
    return fail('error', `invalid server: ${(error as Error).message}`);
  }

  let timedOut = false;
  let aborted = false;
  const cancel = (): void => resolver.cancel();
  const deadline = setTimeout(() => {
    timedOut = true;
    cancel();
  }, context.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    cancel();
  };
  context.signal?.addEventListener('abort', onAbort, { once: true });

  let answers: string[];
  try {
    answers = await QUERIES[prepared.recordType](resolver, target);
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? '');
    if (aborted) return fail('error', 'probe aborted');
    if (timedOut) return fail('timeout', `no answer from ${prepared.server} within ${context.timeoutMs} ms`);
    if (NO_ANSWER_CODES.has(code)) {
      answers = [];
    } else {
      const meaning = CODE_MEANING[code];
      return fail(
        REASON_BY_CODE[code] ?? 'dns',
        `${prepared.recordType} ${target} @${prepared.server}: ${meaning ?? code}`,
        meaning ? { rcode: meaning } : undefined,
      );
    }
  } finally {
    clearTimeout(deadline);
    context.signal?.removeEventListener('abort', onAbort);
  }

  const details = { answers: answers.length, answer: answers.slice(0, 5).join(', ') };
  if (answers.length === 0 && prepared.failIfNoAnswer) {
    return fail('answer_mismatch', `no ${prepared.recordType} records for ${target}`, details);
  }
  for (const pattern of prepared.validAnswers) {
    if (!answers.some((answer) => pattern.test(answer))) {
      return fail('answer_mismatch', `no answer matches /${pattern.source}/ (got ${describe(answers)})`, details);
    }
  }
  for (const pattern of prepared.invalidAnswers) {
    const bad = answers.find((answer) => pattern.test(answer));
    if (bad !== undefined) return fail('answer_mismatch', `answer ${bad} matches /${pattern.source}/`, details);
  }
  return finish({ success: true, details });
}

function describe(answers: readonly string[]): string {
  if (answers.length === 0) return 'no answers';
  const shown = answers.slice(0, 5).join(', ');
  return answers.length > 5 ? `${shown}, … ${answers.length} in all` : shown;
}
