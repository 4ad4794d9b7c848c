import { existsSync } from 'node:fs';
import { SqliteDelivery } from '../adapters/local/sqlite-delivery.js';
import { channelFactories } from '../channels/registry.js';
import type { ChannelDeps, ChannelFactory } from '../channels/types.js';
import { ALERT_EVENT_SCHEMA, eventId, type AlertEvent } from '../domain/alerts/event.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import { buildNotification } from '../domain/notification/dedup.js';
import type { DeliveryOutcome } from '../domain/notification/outcome.js';
import type { CliOutput } from './validate.js';

export const TEST_RULE = { id: 'pflow-test', name: 'PerformanceFlow test notification', severity: 'info' } as const;
export const TEST_SUMMARY = 'This is a test notification from PerformanceFlow';

/** The clearly marked event `pflow notify test` sends; its id is unique per run so no log dedupes it. */
export function testNotificationEvent(channelId: string, site: string, now: number): AlertEvent {
  const at = new Date(now).toISOString();
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({ site, ruleId: TEST_RULE.id, fingerprint: channelId, evaluatedAt: at, state: 'firing' }),
    site,
    rule: TEST_RULE,
    state: 'firing',
    previousState: 'ok',
    value: 1,
    threshold: { op: '>=', value: 1 },
    labels: { channel: channelId, test: 'true' },
    annotations: {
      summary: TEST_SUMMARY,
      description: `Sent with \`pflow notify test --channel ${channelId}\` to check that this channel reaches you. No action is needed.`,
    },
    startsAt: at,
    endsAt: null,
    evaluatedAt: at,
    test: true,
  };
}

export interface NotifyTestOptions {
  readonly config: DeploymentConfig;
  readonly channelId: string;
  readonly deps: ChannelDeps;
  readonly out: CliOutput;
  /** The channel registry; injectable for tests of kinds that need clients. */
  readonly factories?: Readonly<Record<string, ChannelFactory<never>>>;
}

/**
 * `pflow notify test --config FILE --channel ID`: one send through the configured channel, no
 * retries, and the outcome printed as the channel classified it — like Grafana's contact-point
 * Test button. Exit 0 delivered, 1 failed, 2 no such channel.
 */
export async function runNotifyTest(options: NotifyTestOptions): Promise<number> {
  const { config, channelId, deps, out } = options;
  const channel = config.channels.find((candidate) => candidate.id === channelId);
  if (!channel) {
    const known = config.channels.map((candidate) => candidate.id);
    out.stderr(
      `no channel "${channelId}" in the config; ${known.length > 0 ? `configured: ${known.join(', ')}` : 'none are configured'}\n`,
    );
    return 2;
  }
  const factories = (options.factories ?? channelFactories) as Readonly<Record<string, ChannelFactory<unknown>>>;
  const factory = factories[channel.kind];
  if (!factory) {
    out.stderr(`channel "${channelId}" has kind "${channel.kind}", which this build does not know\n`);
    return 2;
  }
  const site = config.sites[0]?.id ?? 'pflow';
  const notification = buildNotification(channelId, [testNotificationEvent(channelId, site, deps.clock.now())]);
  out.stdout(`Sending a test notification through channel "${channelId}" (${channel.kind})…\n`);
  const sender = factory(channelId, channel.settings, deps);
  const started = deps.clock.now();
  let outcome: DeliveryOutcome;
  try {
    outcome = await sender.send(notification);
  } catch (error) {
    // Only the error's name: a channel's raw error message may carry its webhook URL.
    outcome = { status: 'retryable', reason: 'send_threw', detail: error instanceof Error ? error.name : 'unknown' };
  } finally {
    await sender.close?.();
  }
  const took = `${deps.clock.now() - started} ms`;
  out.stdout(`${describeOutcome(outcome)} (${took})\n`);
  return outcome.status === 'delivered' ? 0 : 1;
}

export function describeOutcome(outcome: DeliveryOutcome): string {
  switch (outcome.status) {
    case 'delivered':
      return `delivered${outcome.detail ? `: ${outcome.detail}` : ''}`;
    case 'retryable': {
      const wait =
        outcome.retryAfterMs !== undefined ? `, receiver asks to retry after ${outcome.retryAfterMs} ms` : '';
      return `FAILED, temporary (the pipeline would retry): ${outcome.reason}${outcome.detail ? ` — ${outcome.detail}` : ''}${wait}`;
    }
    case 'permanent':
      return `FAILED, permanent (fix the channel's settings): ${outcome.reason}${outcome.detail ? ` — ${outcome.detail}` : ''}`;
  }
}

export interface DeadLettersOptions {
  /** The delivery database (deliveryDatabasePath(config.local.dataDir)). */
  readonly dbPath: string;
  readonly retry: boolean;
  readonly out: CliOutput;
  readonly now?: () => number;
}

/**
 * `pflow notify dead-letters [--retry]`: lists what could not be delivered (time, channel, event
 * id, attempts, reason); with --retry moves all of it back to the retry queue with a fresh
 * attempt budget, which the running local runtime (or its next start) drains.
 */
export async function runDeadLetters(options: DeadLettersOptions): Promise<number> {
  const { dbPath, out } = options;
  if (!existsSync(dbPath)) {
    out.stdout(`No dead letters (no delivery database at ${dbPath} yet).\n`);
    return 0;
  }
  const store = SqliteDelivery.open(dbPath);
  try {
    const letters = await store.deadLetters.list();
    if (letters.length === 0) {
      out.stdout('No dead letters.\n');
      return 0;
    }
    const rows = letters.flatMap((letter) =>
      letter.notification.events.map((event, i) => [
        i === 0 ? letter.id : '',
        i === 0 ? new Date(letter.failedAt).toISOString() : '',
        letter.notification.channel,
        event.id,
        i === 0 ? String(letter.attempts) : '',
        i === 0 ? letter.reason : '',
      ]),
    );
    out.stdout(table(['ID', 'FAILED AT (UTC)', 'CHANNEL', 'EVENT ID', 'ATTEMPTS', 'REASON'], rows));
    const events = rows.length;
    out.stdout(`${letters.length} dead letter(s), ${events} event(s).\n`);
    if (options.retry) {
      const moved = await store.deadLetters.requeue((options.now ?? Date.now)());
      out.stdout(`Re-queued ${moved} notification(s); the local runtime delivers them on its next queue drain.\n`);
    } else {
      out.stdout('Re-queue them with --retry.\n');
    }
    return 0;
  } finally {
    store.close();
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
