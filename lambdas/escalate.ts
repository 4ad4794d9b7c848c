import type { Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoAlertStateStore, ruleGroupOf } from '../src/adapters/aws/dynamodb-state.js';
import type { AlertEvent } from '../src/domain/alerts/event.js';
import type { CasWrite, Clock } from '../src/domain/ports.js';
import { systemClock } from '../src/domain/ports.js';
import { escalationOf } from '../src/domain/routing/route.js';
import { advanceEscalation } from '../src/domain/rules/evaluate.js';
import type { RuleDefinition } from '../src/domain/rules/types.js';
import { sendPendingAckUpdates } from '../src/services/ack-updates.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import { instanceKeyOf } from '../src/services/announcements.js';
import { alertBusFromEnv } from './shared/alert-bus.js';
import { requireEnv } from './shared/config.js';
import { ENV, type ScheduledInput } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { countWhenAny } from './shared/observability.js';
import { lifecycleHolds, lifecycleStoreFromEnv, oncallStoreFromEnv } from './shared/lifecycle.js';
import { checkInput } from './shared/event-input.js';

const INPUT = { scheduledTime: { type: 'text', optional: true } } as const;

export interface EscalateHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

export interface EscalateReport {
  /** Alert instances that had an escalation running. */
  readonly escalating: number;
  /** Tier messages published. */
  readonly told: number;
  /** Instances a rule cycle wrote first: the rule cycle's view counts, nothing is sent for them here. */
  readonly conflicts: number;
  /** Acknowledgements of alerts no longer stored, forgotten (their audit stays). */
  readonly acksDropped: number;
  /** "Acknowledged by" updates a crashed lifecycle API request left unsent, sent now. */
  readonly ackUpdatesSent: number;
  /** On-call schedules copied from the config into the lifecycle table because they changed. */
  readonly schedulesSeeded: number;
}

/**
 * The escalation function, every minute (EventBridge Scheduler): a rule group may run every 5 or 15
 * minutes, and a tier due at minute 10 should not wait for minute 15. It reads every stored alert
 * instance, tells the tiers that fell due and nobody acknowledged (`advanceEscalation`, the rule
 * cycle's own logic), and writes each instance conditionally on the version it read, so a tier is
 * told once even when a rule cycle runs at the same moment.
 *
 * It is also the acknowledgement outbox's sweep: an "acknowledged by" update is committed with its
 * acknowledgement and published by the request that made it; one still pending after that
 * request's claim went stale is sent here (claimed and marked sent conditionally, so once). The
 * sweep rides on the ack read this function makes anyway: no stream, no function of its own, and
 * a crash costs at most a minute and a half of delay.
 */
export function createEscalateHandler(options: EscalateHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('escalate', env);
  const { obs } = base;
  let ddb: DynamoDBClient | undefined;
  let sns: SNSClient | undefined;

  return wrap(base, async (event: ScheduledInput, _context: Context): Promise<EscalateReport> => {
    checkInput(event, INPUT, "escalate input must be {scheduledTime?} (the stack's schedule sends it)", true);
    const { config } = await base.config();
    ddb ??= new DynamoDBClient({});
    sns ??= new SNSClient({});
    const states = new DynamoAlertStateStore({
      client: ddb,
      table: requireEnv(env, ENV.alertStateTable),
      groupOf: ruleGroupOf(config.ruleGroups),
    });
    const lifecycle = lifecycleStoreFromEnv(env, ddb, config);
    const now = clock.now();
    const [stored, holds] = await Promise.all([states.scanStates(), lifecycleHolds(lifecycle, config, now)]);

    const rules = new Map<string, RuleDefinition>(
      config.ruleGroups.flatMap((group) => group.rules).map((rule) => [rule.id, rule]),
    );
    const writes: CasWrite[] = [];
    const notifications: AlertEvent[] = [];
    let escalating = 0;
    for (const state of stored) {
      const rule = rules.get(state.ruleId);
      if (rule === undefined || state.escalation === undefined) continue;
      escalating++;
      const due = advanceEscalation(rule, state, {
        now,
        silences: holds.silences,
        maintenanceWindows: config.maintenanceWindows,
        acks: holds.acks,
        escalationFor: (event) => escalationOf(event, config.routes),
      });
      if (due.write === undefined) continue;
      writes.push(due.write);
      notifications.push(...due.notifications);
    }

    const cas = await states.compareAndSet(writes);
    const lost = new Set(cas.conflicts);
    const owned = notifications.filter((event) => !lost.has(instanceKeyOf(event)));
    const bus = alertBusFromEnv(env, sns, config, obs.port);
    if (owned.length > 0) await bus.publish(owned);
    // Before dropping acknowledgements: an item is dropped only once its update is sent.
    const ackUpdatesSent = await sendPendingAckUpdates({
      outbox: lifecycle,
      pending: holds.pendingUpdates,
      publish: (events) => bus.publish(events),
      now: () => clock.now(),
      logger: obs.port,
    });
    const acksDropped = await lifecycle.dropAcksExcept(new Set(stored.map((state) => state.key)));
    const schedulesSeeded = await seedSchedules(config, now);
    if (owned.length > 0 || lost.size > 0) {
      obs.port.info('escalations advanced', {
        told: owned.map((event) => ({ alert: instanceKeyOf(event), tier: event.escalation?.tier })),
        conflicts: [...lost],
      });
    }
    // Only in the minutes they happen: the sweep runs every minute and most minutes tell nobody.
    countWhenAny(obs.metrics, 'EscalationsTold', owned.length);
    countWhenAny(obs.metrics, 'EscalationConflicts', lost.size);
    return { escalating, told: owned.length, conflicts: lost.size, acksDropped, ackUpdatesSent, schedulesSeeded };
  });

  /**
   * Keeps the table's copy of the on-call schedules as the deployed config has them (a read per
   * team, a write only after a change). A failure is logged, not thrown: answers come from the
   * config anyway, and escalation must not stop for a stale copy.
   */
  async function seedSchedules(config: DeploymentConfig, now: number): Promise<number> {
    const schedules = config.oncall ?? [];
    if (schedules.length === 0) return 0;
    try {
      return await oncallStoreFromEnv(env, ddb!, config).seedSchedules(schedules, now);
    } catch (error) {
      obs.port.warn('on-call schedules not seeded', { error: error instanceof Error ? error.message : String(error) });
      return 0;
    }
  }
}

export const handler = createEscalateHandler();
