import { WingSimulator } from '../domain/assets/simulator.js';
import { syntheticWing } from '../domain/assets/synthetic-wing.js';
import type { TagEvent } from '../domain/assets/tag-event.js';
import { parseDuration } from '../domain/duration.js';
import type { Clock } from '../domain/ports.js';
import { redactUrl } from '../rtls/redact-url.js';
import type { CliOutput } from './config.js';

/** The asset that the simulated wing carries out through the exit falls silent this long after the start. */
const MISSING_AFTER_MS = 90_000;
/** Batches leave at most this far apart, so a tag's report is never held back long. */
const MAX_POST_EVERY_MS = 1_000;

export interface SimulateRtlsOptions {
  readonly url?: string;
  readonly mqtt?: string;
  readonly topic?: string;
  readonly site: string;
  readonly tags: number;
  /** Events per second over all tags. */
  readonly rate: number;
  /** Absent: until stopped. */
  readonly durationMs?: number;
  readonly seed: number;
  readonly patientsPerHour: number;
}

export interface TrafficDeps {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Delivers one batch; throws when it was not taken. */
  readonly send: (events: readonly TagEvent[]) => Promise<void>;
  readonly stopped?: () => boolean;
  readonly onError?: (error: Error) => void;
}

export interface TrafficReport {
  sent: number;
  batches: number;
  failedBatches: number;
}

/** Reads the command's flags into options, or says which flag is wrong. */
/** The command's flags as commander hands them over (numbers still text). */
export interface SimulateFlags {
  url?: string;
  mqtt?: string;
  topic?: string;
  site: string;
  tags: string;
  rate?: string;
  duration?: string;
  seed: string;
  patientsPerHour: string;
}

export function parseSimulateOptions(flags: SimulateFlags): SimulateRtlsOptions | { error: string } {
  if ((flags.url === undefined) === (flags.mqtt === undefined)) return { error: 'give either --url or --mqtt' };
  if (flags.url !== undefined && !/^https?:\/\//.test(flags.url))
    return { error: `--url: expected http:// or https://, got ${JSON.stringify(flags.url)}` };
  if (flags.mqtt !== undefined && !/^mqtts?:\/\//.test(flags.mqtt))
    return { error: `--mqtt: expected mqtt:// or mqtts://, got ${JSON.stringify(flags.mqtt)}` };
  if (flags.mqtt !== undefined && (flags.topic === undefined || /[+#]/.test(flags.topic)))
    return { error: '--topic: a topic without wildcards is needed with --mqtt' };
  const tags = Number(flags.tags);
  if (!Number.isInteger(tags) || tags < 1 || tags > 1_000_000)
    return { error: `--tags: expected a whole number 1-1000000, got ${flags.tags}` };
  // Default: every tag reports every 5 s, as the demo wing does.
  const rate = flags.rate === undefined ? tags / 5 : Number(flags.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000)
    return { error: `--rate: expected events per second, over 0 and at most 100000, got ${flags.rate}` };
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) return { error: `--seed: expected a whole number, got ${flags.seed}` };
  const patientsPerHour = Number(flags.patientsPerHour);
  if (!Number.isFinite(patientsPerHour) || patientsPerHour < 0 || patientsPerHour > 10_000)
    return { error: `--patients-per-hour: expected 0-10000, got ${flags.patientsPerHour}` };
  let durationMs: number | undefined;
  if (flags.duration !== undefined) {
    try {
      durationMs = parseDuration(flags.duration);
    } catch (error) {
      return { error: `--duration: ${(error as Error).message}` };
    }
  }
  return {
    ...(flags.url !== undefined && { url: flags.url }),
    ...(flags.mqtt !== undefined && { mqtt: flags.mqtt, topic: flags.topic! }),
    site: flags.site,
    tags,
    rate,
    ...(durationMs !== undefined && { durationMs }),
    seed,
    patientsPerHour,
  };
}

/**
 * Drives the simulated wing in time: every tag reports once per `tags / rate` seconds, its reports
 * spread over that period in batches at most a second apart. Times come from the clock, waits from
 * `sleep`, so a test runs it on a fake clock. A batch that is not taken is counted and the run goes on.
 */
export async function runRtlsTraffic(options: SimulateRtlsOptions, deps: TrafficDeps): Promise<TrafficReport> {
  const start = deps.clock.now();
  const everyMs = Math.max(1, Math.round((options.tags / options.rate) * 1000));
  const postEveryMs = Math.min(everyMs, MAX_POST_EVERY_MS);
  const slices = Math.max(1, Math.round(everyMs / postEveryMs));
  const simulator = new WingSimulator(syntheticWing(options.site, options.tags), {
    site: options.site,
    seed: options.seed,
    everyMs,
    patientsPerHour: options.patientsPerHour,
    missingAfterMs: MISSING_AFTER_MS,
    startAt: start,
  });
  const report: TrafficReport = { sent: 0, batches: 0, failedBatches: 0 };
  let pending: TagEvent[] = [];
  let perSlice = 0;
  for (let slot = 0; options.durationMs === undefined || slot * postEveryMs < options.durationMs; slot++) {
    if (deps.stopped?.()) break;
    const due = start + slot * postEveryMs;
    const wait = due - deps.clock.now();
    if (wait > 0) await deps.sleep(wait);
    if (deps.stopped?.()) break;
    if (slot % slices === 0) {
      pending = simulator.tick(due);
      perSlice = Math.ceil(pending.length / slices);
    }
    // Each tag reports at its own moment within the period: the time is when its batch leaves.
    const batch = pending.splice(0, perSlice).map((event) => ({ ...event, t: due }));
    if (batch.length === 0) continue;
    report.batches += 1;
    try {
      await deps.send(batch);
      report.sent += batch.length;
    } catch (error) {
      report.failedBatches += 1;
      deps.onError?.(error as Error);
    }
  }
  return report;
}

/** An HTTP sender for the RTLS HTTP input: 200 is taken, anything else is an error with its body. */
export function httpSender(url: string, bearer?: string): (events: readonly TagEvent[]) => Promise<void> {
  return async (events) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify(events),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  };
}

/** `pflow simulate rtls`: the simulated wing's traffic into an RTLS HTTP input or an MQTT broker. */
export async function runSimulateRtls(options: SimulateRtlsOptions, out: CliOutput, bearer?: string): Promise<number> {
  let stop = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let close = async () => {};
  let send: (events: readonly TagEvent[]) => Promise<void>;
  if (options.mqtt !== undefined) {
    const { connectAsync } = await import('mqtt');
    let client;
    try {
      client = await connectAsync(options.mqtt, { reconnectPeriod: 1_000, connectTimeout: 10_000 });
    } catch (error) {
      out.stderr(`--mqtt: cannot connect to ${redactUrl(options.mqtt)}: ${(error as Error).message}\n`);
      return 1;
    }
    const connected = client;
    send = async (events) => void (await connected.publishAsync(options.topic!, JSON.stringify(events), { qos: 1 }));
    close = async () => void (await connected.endAsync());
  } else send = httpSender(options.url!, bearer);
  const target =
    options.mqtt !== undefined ? `${redactUrl(options.mqtt)} topic ${options.topic}` : redactUrl(options.url!);
  out.stdout(
    `simulating a wing of ${options.tags} tags (seed ${options.seed}), ${options.rate} events/s into ${target}` +
      `${options.durationMs === undefined ? ' until stopped' : ` for ${options.durationMs / 1000} s`}\n`,
  );
  let errors = 0;
  const report = await runRtlsTraffic(options, {
    clock: { now: () => Date.now() },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    send,
    stopped: () => stop,
    onError: (error) => {
      // The first few say what is wrong; the count says how much.
      if (++errors <= 5) out.stderr(`batch not taken: ${error.message}\n`);
    },
  });
  await close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  out.stdout(`sent ${report.sent} events in ${report.batches} batches; ${report.failedBatches} batches not taken\n`);
  return report.failedBatches > 0 ? 1 : 0;
}
