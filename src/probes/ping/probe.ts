import { spawn } from 'node:child_process';
import type { ProbeFailureReason, ProbeOutcome } from '../../domain/probe-result.js';
import { ms } from '../common/outcome.js';
import type { ProbeContext, Prober } from '../types.js';
import type { PingSettings } from './settings.js';

/** What one run of `ping` said, read from its C-locale output. */
export interface PingSummary {
  readonly transmitted: number;
  readonly received: number;
  /** ICMP errors the network sent back (Destination Host Unreachable…). */
  readonly errors: number;
  readonly rttMs: readonly number[];
  /** The first ICMP error line, e.g. `Destination Host Unreachable`. */
  readonly icmpError: string | undefined;
}

const REPLY = /^\d+ bytes from .*time[=<]([0-9.]+) ms/;
const ICMP_ERROR = /^From \S+(?: \([^)]*\))? icmp_seq=\d+ (.+)$/;
const STATISTICS = /^(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) errors)?/;

/** Reads iputils `ping` output (LC_ALL=C): replies, ICMP errors and the statistics line. */
export function parsePingOutput(stdout: string): PingSummary {
  const rttMs: number[] = [];
  let transmitted: number | undefined;
  let received: number | undefined;
  let errors = 0;
  let icmpError: string | undefined;
  for (const line of stdout.split('\n')) {
    const reply = REPLY.exec(line);
    if (reply) {
      rttMs.push(Number(reply[1]));
      continue;
    }
    const error = ICMP_ERROR.exec(line);
    if (error) {
      icmpError ??= error[1]!.trim();
      continue;
    }
    const statistics = STATISTICS.exec(line);
    if (statistics) {
      transmitted = Number(statistics[1]);
      received = Number(statistics[2]);
      errors = Number(statistics[3] ?? 0);
    }
  }
  // Cut short (killed at the deadline), ping prints no statistics: count what it printed.
  return {
    transmitted: transmitted ?? Math.max(rttMs.length, 0),
    received: received ?? rttMs.length,
    errors,
    rttMs,
    icmpError,
  };
}

/** The stderr lines of iputils that mean the name did not resolve. */
const DNS_FAILURE =
  /Name or service not known|Temporary failure in name resolution|No address associated|nodename nor servname/i;

export interface PingCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The `ping` command line for one probe. `-n` (no reverse lookups, which could outlast the probe),
 * `-c` requests `-i` apart, and `-W` so the wait for the last reply ends inside the probe's
 * timeout; `--` before the target, which settings validation has already limited to a host name or
 * an address. iputils reads `-W` and `-i` as seconds with a fraction.
 */
export function pingCommand(target: string, settings: PingSettings, timeoutMs: number): PingCommand {
  const sendingMs = (settings.count - 1) * settings.interval;
  const waitMs = Math.max(100, timeoutMs - sendingMs - 100);
  const seconds = (value: number): string => String(Math.round(value) / 1000);
  return {
    command: 'ping',
    args: [
      '-n',
      ...(settings.ip_protocol === 'ip4' ? ['-4'] : settings.ip_protocol === 'ip6' ? ['-6'] : []),
      '-c',
      String(settings.count),
      '-i',
      seconds(settings.interval),
      '-W',
      seconds(waitMs),
      '--',
      target,
    ],
  };
}

export const pingProber: Prober<PingSettings> = (target, settings, context) => probePing(target, settings, context);

/**
 * One ping probe: runs the system `ping` (iputils; no raw socket in this process) and reads its
 * output. The outcome's `durationMs` is the average round trip (what a rule on a ping probe
 * means by its duration); details carry min/avg/max RTT, sent, received and loss. A ping still
 * running at the probe's timeout is killed and what it printed so far is read.
 */
export function probePing(target: string, settings: PingSettings, context: ProbeContext): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    const started = performance.now();
    const { command, args } = pingCommand(target, settings, context.timeoutMs);
    let stdout = '';
    let stderr = '';
    let settled = false;
    let killedAt: 'timeout' | 'abort' | undefined;
    const child = spawn(command, args, {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = (why: 'timeout' | 'abort'): void => {
      killedAt ??= why;
      child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => kill('timeout'), context.timeoutMs);
    const onAbort = (): void => kill('abort');
    context.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: Omit<ProbeOutcome, 'phases'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      context.signal?.removeEventListener('abort', onAbort);
      resolve({ ...outcome, phases: {} });
    };
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2_000)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'ENOENT'
          ? 'the ping command is not installed (Debian: apt-get install iputils-ping)'
          : error.message;
      settle({ success: false, failure: { reason: 'error', message }, durationMs: ms(performance.now() - started) });
    });
    child.on('close', (code) => {
      const elapsed = ms(performance.now() - started);
      if (killedAt === 'abort') {
        settle({ success: false, failure: { reason: 'error', message: 'probe aborted' }, durationMs: elapsed });
        return;
      }
      const summary = parsePingOutput(stdout);
      const sent = killedAt === 'timeout' ? Math.max(summary.transmitted, settings.count) : summary.transmitted;
      const verdict = judge(summary, sent, code, stderr, settings, context.timeoutMs);
      settle({
        ...verdict,
        durationMs: verdict.success || summary.rttMs.length > 0 ? average(summary.rttMs) : elapsed,
        details: details(summary, sent),
      });
    });
  });
}

function judge(
  summary: PingSummary,
  sent: number,
  code: number | null,
  stderr: string,
  settings: PingSettings,
  timeoutMs: number,
): Pick<ProbeOutcome, 'success' | 'failure'> {
  const fail = (reason: ProbeFailureReason, message: string) => ({ success: false, failure: { reason, message } });
  const firstError = stderr
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.replace(/^ping: /, '')
    .trim();
  if (summary.received === 0) {
    if (firstError !== undefined && DNS_FAILURE.test(firstError)) return fail('dns', firstError);
    if (code === 2 && firstError !== undefined) return fail('connection', firstError);
    if (summary.icmpError !== undefined) return fail('connection', `no reply: ${summary.icmpError}`);
    return fail('timeout', `no reply to ${String(sent)} echo request(s) within ${String(timeoutMs)} ms`);
  }
  const loss = lossPercent(summary.received, sent);
  if (loss > settings.max_loss_percent) {
    return fail(
      'packet_loss',
      `${String(loss)}% packet loss (${String(summary.received)} of ${String(sent)} replies), over max_loss_percent ${String(settings.max_loss_percent)}`,
    );
  }
  return { success: true };
}

function lossPercent(received: number, sent: number): number {
  return sent === 0 ? 100 : Math.round(((sent - received) / sent) * 1000) / 10;
}

function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : ms(values.reduce((sum, value) => sum + value, 0) / values.length);
}

function details(summary: PingSummary, sent: number): Record<string, number> {
  const rtt = summary.rttMs;
  return {
    sent,
    received: summary.received,
    loss_percent: lossPercent(summary.received, sent),
    ...(rtt.length > 0 ? { rtt_min_ms: Math.min(...rtt), rtt_avg_ms: average(rtt), rtt_max_ms: Math.max(...rtt) } : {}),
  };
}
