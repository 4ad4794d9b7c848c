import type { ParsedPage } from '../exposition/index.js';
import type { Labels } from '../labels.js';
import type { MetricSample } from '../records.js';
import { relabel, type LabelBuilder } from './relabel.js';
import type { ScrapeConfig } from './scrape-config.js';
import { addTargetLabels } from './scrape-target.js';
import { windowsExporterRenamesFor } from './windows-exporter-names.js';

/** Why a scrape failed; every failure is an `up` 0 with one of these and a message. */
export type ScrapeFailureReason =
  'timeout' | 'connection' | 'http_status' | 'body_size_limit' | 'parse' | 'sample_limit' | 'error';

export interface ScrapeFailure {
  readonly reason: ScrapeFailureReason;
  readonly message: string;
}

export interface PageSamples {
  readonly samples: MetricSample[];
  /** Samples on the page (Prometheus's `scrape_samples_scraped`). */
  readonly scraped: number;
  /** Samples left after renames and metric relabelling (`scrape_samples_post_metric_relabeling`). */
  readonly postRelabel: number;
  /** Set when more samples than `sample_limit` were left: the scrape then keeps none. */
  readonly failure?: ScrapeFailure;
}

/**
 * Turns a parsed page into the samples a target's scrape keeps, as Prometheus does: each series
 * gets the target's labels (honor_labels decides clashes), windows_exporter's old names become the
 * v0.31 ones, `metric_relabel_configs` keep, drop and rewrite, and more than `sample_limit` samples
 * left fail the whole scrape. Samples without their own timestamp (or all, with honor_timestamps
 * false) get `scrapeTime`. Relabel decisions are made per distinct label set of the page, not per
 * sample: a label set repeats only across a histogram's buckets, but a name → new-name map does
 * not have to be rebuilt per sample either.
 */
export function samplesFromPage(page: ParsedPage, job: ScrapeConfig, target: Labels, scrapeTime: number): PageSamples {
  const renames =
    job.windows_exporter_names === 'v0.31' ? windowsExporterRenamesFor((name) => hasName(page, name)) : undefined;
  const samples: MetricSample[] = [];
  const seen = new Set<string>();
  const limit = job.sample_limit;
  let kept = 0;
  for (let i = 0; i < page.size; i++) {
    let name = page.symbols[page.nameIds[i]!]!;
    if (renames !== undefined && renames.size > 0 && renames.has(name)) {
      const renamed = renames.get(name);
      if (renamed === null || renamed === undefined) continue;
      name = renamed;
    }
    const series: LabelBuilder = new Map([['__name__', name]]);
    for (let j = page.labelStart[i]!; j < page.labelStart[i + 1]!; j += 2) {
      series.set(page.symbols[page.labelIds[j]!]!, page.symbols[page.labelIds[j + 1]!]!);
    }
    addTargetLabels(series, target, job.honor_labels);
    if (!relabel(series, job.metric_relabel_configs)) continue;
    const finalName = series.get('__name__');
    // A rule that removed __name__ leaves a sample nothing can store or query; Prometheus refuses it too.
    if (finalName === undefined) continue;
    series.delete('__name__');
    const labels = sortedLabels(series);
    // Relabelling can merge two series into one; the first one stays, as Prometheus keeps the first.
    const key = `${finalName}\u0000${JSON.stringify(labels)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept += 1;
    // Past the limit the scrape has failed; counting on tells `pflow agent check` by how much.
    if (limit > 0 && kept > limit) continue;
    const pageTime = page.timestamps[i]!;
    samples.push({
      name: finalName,
      labels,
      time: job.honor_timestamps && !Number.isNaN(pageTime) ? pageTime : scrapeTime,
      value: page.values[i]!,
    });
  }
  if (limit > 0 && kept > limit) {
    return {
      samples: [],
      scraped: page.size,
      postRelabel: kept,
      failure: {
        reason: 'sample_limit',
        message: `${String(kept)} samples after metric relabelling, over sample_limit (${String(limit)})`,
      },
    };
  }
  return { samples, scraped: page.size, postRelabel: kept };
}

function hasName(page: ParsedPage, name: string): boolean {
  return page.families.has(name) || page.symbols.includes(name);
}

function sortedLabels(series: LabelBuilder): Labels {
  const entries = [...series];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** What one scrape of one target reports about itself, as Prometheus records it. */
export interface ScrapeReport {
  readonly up: boolean;
  readonly durationSeconds: number;
  readonly scraped: number;
  readonly postRelabel: number;
}

/**
 * The per-target series Prometheus writes after every scrape (`up`, `scrape_duration_seconds`,
 * `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`), with the target's labels.
 */
export function scrapeReportSamples(report: ScrapeReport, target: Labels, scrapeTime: number): MetricSample[] {
  const labels = target;
  return [
    { name: 'up', labels, time: scrapeTime, value: report.up ? 1 : 0 },
    { name: 'scrape_duration_seconds', labels, time: scrapeTime, value: report.durationSeconds },
    { name: 'scrape_samples_scraped', labels, time: scrapeTime, value: report.scraped },
    { name: 'scrape_samples_post_metric_relabeling', labels, time: scrapeTime, value: report.postRelabel },
  ];
}
