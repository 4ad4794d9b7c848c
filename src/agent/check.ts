import type { ScrapeConfig } from '../domain/agent/scrape-config.js';
import { resolveTargets } from '../domain/agent/scrape-target.js';
import type { Labels } from '../domain/labels.js';
import type { Clock } from '../domain/ports.js';
import type { ProbeOutcome } from '../domain/probe-result.js';
import { displayTarget } from '../domain/probe-result.js';
import { agentProbeDefinitions } from '../domain/agent/agent-probes.js';
import { proberFor } from '../probes/registry.js';
import { runProbe } from '../services/run-probe.js';
import type { ProbeKindName } from '../probes/settings.js';
import type { EventsOutcome, EventsSource } from './logdrop/events-client.js';
import { logDropPathProblem } from './logdrop/log-file.js';
import type { RtlsInputSettings } from '../domain/assets/input-settings.js';
import { checkRtlsInput, type RtlsInputCheck } from './rtls-check.js';
import { scrapeTarget, type ScrapeResult } from './scrape/scraper.js';

/** A probe of agent.yaml as the config loader gives it: the site config's shape, its settings under `[kind]`. */
export interface CheckProbe {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly timeout?: number | undefined;
  readonly labels: Labels;
  readonly [block: string]: unknown;
}

export interface AgentCheckInput {
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly probes: readonly CheckProbe[];
  /** With a `log_drop:` section: its path, the events endpoint, and the cursor the agent keeps (if any). */
  readonly logDrop?: { readonly path: string; readonly events: EventsSource; readonly cursor: string | undefined };
  /** agent.yaml `rtls.inputs`, each checked once (HTTP: bind and release; MQTT: CONNECT and DISCONNECT). */
  readonly rtlsInputs?: readonly RtlsInputSettings[];
  /** How long an MQTT broker has to answer CONNECT. */
  readonly rtlsTimeoutMs?: number;
}

export interface LogDropCheck {
  readonly path: string;
  /** Why the path cannot be written, if it cannot. */
  readonly pathProblem: string | undefined;
  /** One event asked for after the agent's cursor: the endpoint's answer. */
  readonly events: EventsOutcome;
}

export interface JobCheck {
  readonly job: string;
  readonly results: readonly ScrapeResult[];
  readonly dropped: readonly string[];
  readonly problems: readonly string[];
}

export interface ProbeCheck {
  readonly probe: CheckProbe;
  readonly outcome: ProbeOutcome;
}

export interface AgentCheckReport {
  readonly jobs: readonly JobCheck[];
  readonly probes: readonly ProbeCheck[];
  readonly logDrop?: LogDropCheck;
  readonly rtls?: readonly RtlsInputCheck[];
}

/**
 * `pflow agent check`: every target of every job scraped once and every probe run once, all at
 * the same time (each bounded by its own timeout), nothing buffered and nothing sent.
 */
export async function runAgentCheck(
  input: AgentCheckInput,
  deps: { readonly clock: Clock; readonly userAgent: string },
): Promise<AgentCheckReport> {
  const jobs = Promise.all(
    input.scrapeConfigs.map(async (job): Promise<JobCheck> => {
      const set = resolveTargets(job);
      const results = await Promise.all(set.targets.map((target) => scrapeTarget(job, target, deps)));
      return { job: job.job_name, results, dropped: set.dropped, problems: set.problems };
    }),
  );
  // Run as the agent runs them (its defaults, runProbe's guard), only once and kept here.
  const definitions = agentProbeDefinitions('check', input.probes);
  const probes = Promise.all(
    input.probes.map(async (probe, index): Promise<ProbeCheck> => {
      const outcome = await runProbe(definitions[index]!, proberFor(probe.kind as ProbeKindName), deps.clock);
      return { probe, outcome };
    }),
  );
  const logDrop = input.logDrop === undefined ? undefined : checkLogDrop(input.logDrop);
  const rtls =
    input.rtlsInputs === undefined
      ? undefined
      : Promise.all(
          input.rtlsInputs.map((settings, index) => checkRtlsInput(settings, index, input.rtlsTimeoutMs ?? 10_000)),
        );
  return {
    jobs: await jobs,
    probes: await probes,
    ...(logDrop !== undefined ? { logDrop: await logDrop } : {}),
    ...(rtls !== undefined ? { rtls: await rtls } : {}),
  };
}

/** log_drop.path writable (nothing is created) and GET /v1/events answering for one event; nothing is written. */
async function checkLogDrop(input: NonNullable<AgentCheckInput['logDrop']>): Promise<LogDropCheck> {
  try {
    const events = await input.events.fetch(input.cursor, 1);
    return { path: input.path, pathProblem: logDropPathProblem(input.path), events };
  } finally {
    await input.events.close();
  }
}

/** True when every target answered, every probe succeeded and every RTLS input would start (the command's exit status). */
export function checkPassed(report: AgentCheckReport): boolean {
  return (
    report.jobs.every(
      (job) => job.problems.length === 0 && job.results.every((result) => result.failure === undefined),
    ) &&
    report.probes.every((probe) => probe.outcome.success) &&
    (report.logDrop === undefined ||
      (report.logDrop.pathProblem === undefined && report.logDrop.events.kind === 'page')) &&
    (report.rtls ?? []).every((input) => input.problem === undefined)
  );
}

/** How many series names a job's summary lists, most frequent first. */
const TOP_NAMES = 5;

/** The report as text: per job its targets, series counts, errors and what would be sent; per probe its outcome. */
export function formatAgentCheck(report: AgentCheckReport): string {
  const lines: string[] = [];
  let totalSeries = 0;
  for (const job of report.jobs) {
    const series = job.results.reduce((sum, result) => sum + result.samples.length + result.reportSamples.length, 0);
    totalSeries += series;
    const failed = job.results.filter((result) => result.failure !== undefined).length;
    lines.push(
      `job ${job.job}: ${plural(job.results.length, 'target')}, ${plural(failed, 'error')}, ${plural(series, 'series', 'series')} would be sent`,
    );
    for (const result of job.results) {
      const instance = result.target.labels.instance ?? result.target.address;
      const head = `  ${result.failure === undefined ? 'up  ' : 'DOWN'} ${instance} (${result.target.url})`;
      const counts = `${String(result.report.scraped)} scraped, ${String(result.report.postRelabel)} after metric relabelling, ${result.report.durationSeconds.toFixed(3)} s`;
      lines.push(`${head}: ${counts}`);
      if (result.failure !== undefined)
        lines.push(`       error (${result.failure.reason}): ${result.failure.message}`);
      for (const warning of result.warnings.slice(0, 3))
        lines.push(`       warning: line ${String(warning.line)}: ${warning.message}`);
      if (result.warnings.length > 3) lines.push(`       … and ${String(result.warnings.length - 3)} more warnings`);
      if (result.samples.length > 0) {
        const byName = new Map<string, number>();
        for (const sample of result.samples) byName.set(sample.name, (byName.get(sample.name) ?? 0) + 1);
        const top = [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_NAMES);
        const rest = byName.size - top.length;
        lines.push(
          `       ${plural(byName.size, 'metric name')}: ${top.map(([name, n]) => `${name} ${String(n)}`).join(', ')}${rest > 0 ? `, … ${String(rest)} more` : ''}`,
        );
        const [first] = result.samples;
        lines.push(`       e.g. ${first!.name}${formatLabels(first!.labels)} ${String(first!.value)}`);
      }
    }
    for (const address of job.dropped) lines.push(`  dropped by relabel_configs: ${address}`);
    for (const problem of job.problems) lines.push(`  error: ${problem}`);
  }
  const failedProbes = report.probes.filter((probe) => !probe.outcome.success).length;
  if (report.probes.length > 0)
    lines.push(`probes: ${plural(report.probes.length, 'probe')}, ${plural(failedProbes, 'failure')}`);
  for (const { probe, outcome } of report.probes) {
    const verdict = outcome.success ? 'ok  ' : 'FAIL';
    const failure = outcome.failure === undefined ? '' : ` — ${outcome.failure.reason}: ${outcome.failure.message}`;
    lines.push(
      `  ${verdict} ${probe.id} (${probe.kind} ${displayTarget(probe.target)}): ${outcome.durationMs.toFixed(3)} ms${failure}`,
    );
  }
  if (report.logDrop !== undefined) lines.push(...formatLogDrop(report.logDrop));
  if (report.rtls !== undefined) lines.push(...formatRtls(report.rtls));
  lines.push(
    `would send ${plural(totalSeries, 'sample')} and ${plural(report.probes.length, 'probe result')} per round (nothing was sent)`,
  );
  return `${lines.join('\n')}\n`;
}

function formatLogDrop(check: LogDropCheck): string[] {
  const path =
    check.pathProblem === undefined
      ? `  ok   log_drop.path ${check.path}: writable`
      : `  FAIL log_drop.path: cannot write ${check.path}: ${check.pathProblem}`;
  const { events } = check;
  const answer =
    events.kind === 'page'
      ? `  ok   GET /v1/events: answered; ${events.events.length > 0 ? 'events are waiting to be written' : 'no new events'}`
      : `  FAIL GET /v1/events: ${events.reason}`;
  return ['log drop:', path, answer];
}

function formatRtls(inputs: readonly RtlsInputCheck[]): string[] {
  const failed = inputs.filter((input) => input.problem !== undefined).length;
  return [
    `rtls inputs: ${plural(inputs.length, 'input')}, ${plural(failed, 'failure')}`,
    ...inputs.map((input) =>
      input.problem === undefined
        ? `  ok   ${input.setting} (${input.kind} ${input.target}): ${input.kind === 'http' ? 'can listen (released again)' : 'the broker accepted CONNECT'}`
        : `  FAIL ${input.setting} (${input.kind} ${input.target}): ${input.problem}`,
    ),
  ];
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}
