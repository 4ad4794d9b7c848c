import type { ScrapeConfig } from '../../domain/agent/scrape-config.js';
import {
  samplesFromPage,
  scrapeReportSamples,
  type ScrapeFailure,
  type ScrapeReport,
} from '../../domain/agent/scrape-samples.js';
import type { ScrapeTarget } from '../../domain/agent/scrape-target.js';
import { parseExposition, type ExpositionProblem } from '../../domain/exposition/index.js';
import { monotonicNow, type Clock } from '../../domain/ports.js';
import type { MetricSample } from '../../domain/records.js';
import { fetchPage } from './fetch-page.js';

/** One scrape of one target: what it kept, what it reports about itself, and why it failed. */
export interface ScrapeResult {
  readonly job: string;
  readonly target: ScrapeTarget;
  /** Epoch ms when the scrape started: the timestamp of its samples that carry none. */
  readonly time: number;
  /** The page's samples after relabelling; empty when the scrape failed. */
  readonly samples: readonly MetricSample[];
  /** `up`, `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`. */
  readonly reportSamples: readonly MetricSample[];
  readonly report: ScrapeReport;
  readonly failure?: ScrapeFailure;
  /** What the parser noticed and Prometheus would accept anyway (a duplicate series…), with line numbers. */
  readonly warnings: readonly ExpositionProblem[];
}

export interface ScraperDeps {
  readonly clock: Clock;
  readonly userAgent: string;
  readonly signal?: AbortSignal;
}

/** Scrapes a target once: fetch with the job's caps, parse, relabel; it never throws. */
export async function scrapeTarget(job: ScrapeConfig, target: ScrapeTarget, deps: ScraperDeps): Promise<ScrapeResult> {
  const time = deps.clock.now();
  const started = monotonicNow(deps.clock);
  const outcome = await fetchAndRead(job, target, time, deps);
  const durationSeconds = Math.max(0, monotonicNow(deps.clock) - started) / 1000;
  const report: ScrapeReport = {
    up: outcome.failure === undefined,
    durationSeconds,
    scraped: outcome.scraped,
    postRelabel: outcome.postRelabel,
  };
  return {
    job: job.job_name,
    target,
    time,
    samples: outcome.failure === undefined ? outcome.samples : [],
    reportSamples: scrapeReportSamples(report, target.labels, time),
    report,
    ...(outcome.failure !== undefined ? { failure: outcome.failure } : {}),
    warnings: outcome.warnings,
  };
}

interface ReadOutcome {
  readonly samples: MetricSample[];
  readonly scraped: number;
  readonly postRelabel: number;
  readonly failure?: ScrapeFailure;
  readonly warnings: readonly ExpositionProblem[];
}

async function fetchAndRead(
  job: ScrapeConfig,
  target: ScrapeTarget,
  time: number,
  deps: ScraperDeps,
): Promise<ReadOutcome> {
  const page = await fetchPage({
    url: target.url,
    timeoutMs: job.scrape_timeout,
    bodySizeLimit: job.body_size_limit,
    userAgent: deps.userAgent,
    tls:
      job.tls_config === undefined
        ? undefined
        : {
            caFile: job.tls_config.ca_file,
            serverName: job.tls_config.server_name,
            insecureSkipVerify: job.tls_config.insecure_skip_verify,
          },
    signal: deps.signal,
  });
  if (!page.ok) return { samples: [], scraped: 0, postRelabel: 0, failure: page.failure, warnings: [] };
  const parsed = parseExposition(page.body, { contentType: page.contentType, maxProblems: 5 });
  if (!parsed.ok) {
    const [first] = parsed.errors;
    const more = parsed.errors.length - 1 + parsed.errorsOmitted;
    const message = first === undefined ? 'the page did not parse' : `line ${String(first.line)}: ${first.message}`;
    return {
      samples: [],
      scraped: 0,
      postRelabel: 0,
      failure: { reason: 'parse', message: more > 0 ? `${message} (and ${String(more)} more)` : message },
      warnings: parsed.warnings,
    };
  }
  const kept = samplesFromPage(parsed, job, target.labels, time);
  return { ...kept, warnings: parsed.warnings };
}
