import type { Labels } from '../labels.js';
import { formatDuration } from '../duration.js';
import { relabel, type LabelBuilder } from './relabel.js';
import type { ScrapeConfig } from './scrape-config.js';

/** One target of a job after target relabelling: where to scrape and the labels its series get. */
export interface ScrapeTarget {
  readonly job: string;
  /** The final `__address__`. */
  readonly address: string;
  readonly url: string;
  /** `job`, `instance`, static and relabelled labels; no `__` label. Sorted by name. */
  readonly labels: Labels;
}

export interface TargetSet {
  readonly targets: readonly ScrapeTarget[];
  /** Targets a relabel rule dropped, by their address as configured (for `pflow agent check`). */
  readonly dropped: readonly string[];
  /** Targets left without an address, or with one that makes no URL. */
  readonly problems: readonly string[];
}

/**
 * A job's static targets as Prometheus builds them: the static labels, then `job`,
 * `__address__`, `__scheme__`, `__metrics_path__`, `__scrape_interval__`, `__scrape_timeout__` and
 * `__param_<name>` where the static labels did not set them, then `relabel_configs`; `instance`
 * defaults to the final address, and the `__` labels decide the URL and are then removed.
 */
export function resolveTargets(job: ScrapeConfig): TargetSet {
  const targets: ScrapeTarget[] = [];
  const dropped: string[] = [];
  const problems: string[] = [];
  for (const group of job.static_configs) {
    for (const address of group.targets) {
      const labels: LabelBuilder = new Map(Object.entries(group.labels));
      const defaults: [string, string][] = [
        ['job', job.job_name],
        ['__address__', address],
        ['__scheme__', job.scheme],
        ['__metrics_path__', job.metrics_path],
        ['__scrape_interval__', formatDuration(job.scrape_interval)],
        ['__scrape_timeout__', formatDuration(job.scrape_timeout)],
        ...Object.entries(job.params)
          .filter(([, values]) => values.length > 0)
          .map(([name, values]): [string, string] => [`__param_${name}`, values[0]!]),
      ];
      for (const [name, value] of defaults) if (!labels.get(name)) labels.set(name, value);
      if (!relabel(labels, job.relabel_configs)) {
        dropped.push(address);
        continue;
      }
      const target = targetFrom(job, address, labels);
      if (typeof target === 'string') problems.push(target);
      else targets.push(target);
    }
  }
  return { targets, dropped, problems };
}

function targetFrom(job: ScrapeConfig, configured: string, labels: LabelBuilder): ScrapeTarget | string {
  const address = labels.get('__address__');
  if (address === undefined || address === '') return `target ${configured}: relabelling left no __address__`;
  if (address.includes('/') || /\s/.test(address)) {
    return `target ${configured}: __address__ ${JSON.stringify(address)} is not host:port (relabel it, e.g. into __param_target)`;
  }
  if (!labels.get('instance')) labels.set('instance', address);
  const scheme = labels.get('__scheme__') ?? job.scheme;
  if (scheme !== 'http' && scheme !== 'https')
    return `target ${configured}: scheme ${JSON.stringify(scheme)} is neither http nor https`;

  // The job's params, with each __param_<name> label replacing its first value (Prometheus's order).
  const params = new Map<string, string[]>(Object.entries(job.params).map(([name, values]) => [name, [...values]]));
  for (const [name, value] of labels) {
    if (!name.startsWith('__param_')) continue;
    const key = name.slice('__param_'.length);
    const values = params.get(key);
    if (values !== undefined && values.length > 0) values[0] = value;
    else params.set(key, [value]);
  }
  let url: URL;
  try {
    url = new URL(`${scheme}://${address}${labels.get('__metrics_path__') ?? job.metrics_path}`);
  } catch {
    return `target ${configured}: ${scheme}://${address} is not a valid URL`;
  }
  for (const key of [...params.keys()].sort())
    for (const value of params.get(key)!) url.searchParams.append(key, value);

  const kept = [...labels].filter(([name, value]) => !name.startsWith('__') && value !== '');
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { job: job.job_name, address, url: url.toString(), labels: Object.fromEntries(kept) };
}

/**
 * Adds the target's labels to one scraped series (`__name__` and the page's labels, in place), as
 * Prometheus does: with `honor_labels` the page's value wins a clash; without it the target's wins
 * and the page's value moves to `exported_<name>` (`exported_exported_<name>` if that is taken too).
 * Empty values are removed.
 */
export function addTargetLabels(series: LabelBuilder, target: Labels, honorLabels: boolean): void {
  if (honorLabels) {
    for (const name in target) if (!series.get(name)) series.set(name, target[name]!);
  } else {
    let clashes: [string, string][] | undefined;
    for (const name in target) {
      const scraped = series.get(name);
      if (scraped !== undefined && scraped !== '') (clashes ??= []).push([name, scraped]);
      series.set(name, target[name]!);
    }
    if (clashes !== undefined) {
      for (const [name, value] of clashes) {
        let exported = `exported_${name}`;
        while (series.has(exported) || exported in target) exported = `exported_${exported}`;
        series.set(exported, value);
      }
    }
  }
  for (const [name, value] of series) if (value === '') series.delete(name);
}
