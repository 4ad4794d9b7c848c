import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Semaphore } from '../src/delivery/rate-limiter.js';
import { displayTarget, type ProbeResult } from '../src/domain/probe-result.js';
import { systemClock, type Clock, type MetricStore } from '../src/domain/ports.js';
import { proberFor } from '../src/probes/registry.js';
import type { ProbeKindName } from '../src/probes/settings.js';
import { runProbe, type ProbeAttempt } from '../src/services/run-probe.js';
import { ENV, type ProbeScheduleInput } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { countWhenAny } from './shared/observability.js';
import { metricStoreFromEnv } from './shared/metric-store.js';
import { checkInput } from './shared/event-input.js';

const INPUT = { site: { type: 'text' }, probeIds: { type: 'texts' } } as const;

export interface ProbeSummary {
  readonly site: string;
  readonly probes: number;
  readonly failed: number;
  /** Probes cut by the invocation's own deadline (still written, as timeouts). */
  readonly cut: number;
  readonly unknown: readonly string[];
}

export interface ProbeHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Stop waiting for probes this long before the Lambda's remaining time ends, to write the results. */
  readonly deadlineMarginMs?: number;
  readonly attemptFor?: (kind: string) => ProbeAttempt;
}

const DEFAULT_CONCURRENCY = 64;
const DEFAULT_MARGIN_MS = 5_000;

/**
 * The probe function: one (site, interval) group of probes per Scheduler invocation, run at once
 * within a bound, and ONE batched write of every result. A probe that has not answered when the
 * invocation must wrap up is recorded as a timeout: the write always happens, whatever the targets do.
 */
export function createProbeHandler(options: ProbeHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const margin = options.deadlineMarginMs ?? DEFAULT_MARGIN_MS;
  const attemptFor = options.attemptFor ?? ((kind: string) => proberFor(kind as ProbeKindName));
  const base = handlerBase('probe', env);
  const { obs } = base;
  let store: MetricStore | undefined;

  return wrap(base, async (event: ProbeScheduleInput, context: Context): Promise<ProbeSummary> => {
    const { site, probeIds } = checkInput<ProbeScheduleInput>(
      event,
      INPUT,
      'probe input must be {site, probeIds[]}',
      true,
    );
    const { config } = await base.config();
    store ??= metricStoreFromEnv(env, {
      logger: obs.port,
      onReport: (report) => countWhenAny(obs.metrics, 'RecordsRejected', report.rejected.length),
    });

    const wanted = new Set(probeIds);
    const probes = config.probes.filter((probe) => probe.site === site && wanted.has(probe.id));
    const unknown = probeIds.filter((id) => !probes.some((probe) => probe.id === id));
    if (unknown.length > 0) obs.port.warn('probe ids not in the config for this site; skipped', { site, unknown });

    const concurrency = Number(env[ENV.probeConcurrency] ?? DEFAULT_CONCURRENCY) || DEFAULT_CONCURRENCY;
    const semaphore = new Semaphore(concurrency);
    const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - margin);
    const startedAt = clock.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), budgetMs);
    });
    const settled = new Map<number, ProbeResult>();
    const runs = probes.map((probe, index) =>
      semaphore.run(async () => {
        if (clock.now() - startedAt >= budgetMs) return; // no time left to start it
        settled.set(index, await runProbe(probe, attemptFor(probe.kind), clock));
      }),
    );
    await Promise.race([Promise.all(runs), deadline]);
    clearTimeout(timer);

    const results = probes.map(
      (probe, index): ProbeResult =>
        settled.get(index) ?? {
          site: probe.site,
          probe: probe.id,
          kind: probe.kind,
          target: displayTarget(probe.target),
          labels: probe.labels,
          time: startedAt,
          success: false,
          durationMs: clock.now() - startedAt,
          phases: {},
          failure: {
            reason: 'timeout',
            message: `no answer before the probe function had to write its results (${budgetMs} ms)`,
          },
        },
    );
    await store.writeProbeResults(results);

    const failed = results.filter((result) => !result.success).length;
    const cut = probes.length - settled.size;
    obs.metrics.addMetadata('site', site);
    obs.metrics.addMetric('ProbesRun', MetricUnit.Count, results.length);
    obs.metrics.addMetric('ProbesFailed', MetricUnit.Count, failed);
    countWhenAny(obs.metrics, 'ProbesCut', cut);
    if (cut > 0) {
      obs.port.warn('probes still running at the deadline were written as timeouts', { site, cut });
    }
    return { site, probes: results.length, failed, cut, unknown };
  });
}

export const handler = createProbeHandler();
