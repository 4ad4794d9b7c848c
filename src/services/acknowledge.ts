import type { AlertEvent } from '../domain/alerts/event.js';
import {
  ackInputProblems,
  incarnationOf,
  type AckRequest,
  type AckResult,
  type AckSource,
  type ActiveAck,
  type UnackRequest,
} from '../domain/lifecycle/ack.js';
import type { Clock, Logger } from '../domain/ports.js';
import { lifecycleEvent } from '../domain/rules/evaluate.js';
import type { AlertInstanceState, RuleDefinition } from '../domain/rules/types.js';

/** The acknowledgement tables: pflow.db locally (synchronous), DynamoDB in AWS (a promise). */
export interface AckStore {
  acknowledge(request: AckRequest): AckResult | Promise<AckResult>;
  unacknowledge(request: UnackRequest): boolean | Promise<boolean>;
  currentAcks(): Map<string, ActiveAck> | Promise<Map<string, ActiveAck>>;
}

export interface AckServiceDeps {
  readonly store: AckStore;
  /** The current alert states (the authoritative copy). */
  readonly states: () => readonly AlertInstanceState[];
  readonly rules: ReadonlyMap<string, RuleDefinition>;
  /**
   * Where the "acknowledged by …" update goes once the store committed it (the same pipeline as
   * every event; the store's outbox holds it until it is delivered, queued or dead-lettered).
   */
  readonly publish: (events: readonly AlertEvent[]) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface AckInput {
  /** The alert key `rule/fingerprint`, or a rule id when exactly one of its alerts is active. */
  readonly alert: string;
  readonly by?: string;
  readonly reason?: string;
  readonly source: AckSource;
  readonly remote?: string;
  readonly expiresInMs?: number;
  /** From a signed link: the firing it was made for, and its nonce. */
  readonly link?: { readonly incarnation: number; readonly nonce: string };
}

export type AckAnswer =
  | {
      readonly outcome: 'acknowledged' | 'already_acknowledged';
      readonly alertKey: string;
      readonly ack: ActiveAck;
      readonly auditId: number;
    }
  | { readonly outcome: 'invalid'; readonly problems: readonly string[] }
  | { readonly outcome: 'not_found' | 'ambiguous' | 'not_firing' | 'replayed'; readonly message: string };

const ALERTING = new Set(['firing', 'nodata', 'error']);

/**
 * Acknowledging an alert: find the active instance, record the audit and (for the first
 * acknowledgement of this firing) tell the channels that were told, with a short update.
 */
export class AckService {
  constructor(private readonly deps: AckServiceDeps) {}

  /** The active alert a person means: its exact key, or the one active alert of a rule. */
  find(alert: string): { state: AlertInstanceState } | { outcome: 'not_found' | 'ambiguous'; message: string } {
    const active = this.deps.states().filter((state) => ALERTING.has(state.state));
    const exact = this.deps.states().find((state) => state.key === alert);
    if (exact) return { state: exact };
    const ofRule = active.filter((state) => state.ruleId === alert);
    if (ofRule.length === 1) return { state: ofRule[0]! };
    if (ofRule.length > 1) {
      return {
        outcome: 'ambiguous',
        message: `rule ${alert} has ${ofRule.length} active alerts; name one: ${ofRule.map((s) => s.key).join(', ')}`,
      };
    }
    // No API path in the message: the local runtime lists keys at /api/alerts, the AWS API does not.
    return {
      outcome: 'not_found',
      message: `no active alert ${alert}: name an alert key rule/fingerprint, or a rule id with one active alert`,
    };
  }

  async acknowledge(input: AckInput): Promise<AckAnswer> {
    const problems = ackInputProblems(input);
    if (input.expiresInMs !== undefined && !(input.expiresInMs > 0)) problems.push('expires: must be more than 0s');
    if (problems.length > 0) return { outcome: 'invalid', problems };
    const found = this.find(input.alert);
    if (!('state' in found)) return found;
    const { state } = found;
    const incarnation = incarnationOf(state);
    if (!ALERTING.has(state.state) || (input.link !== undefined && input.link.incarnation !== incarnation)) {
      return { outcome: 'not_firing', message: `alert ${state.key} is not the active alert the request is for` };
    }
    const now = this.deps.clock.now();
    const by = input.by!.trim();
    const reason = input.reason!.trim();
    const update = this.updateFor(state, by, reason, now);
    const result = await this.deps.store.acknowledge({
      alertKey: state.key,
      incarnation,
      by,
      reason,
      at: now,
      source: input.source,
      ...(input.remote !== undefined && { remote: input.remote }),
      ...(input.expiresInMs !== undefined && { expiresAt: now + input.expiresInMs }),
      ...(input.link !== undefined && { linkNonce: input.link.nonce }),
      ...(update !== undefined && { update }),
    });
    if (result.outcome === 'replayed')
      return { outcome: 'replayed', message: 'this acknowledge link was already used' };
    this.deps.logger.info('alert acknowledged', {
      alert: state.key,
      by: result.audit.by,
      source: input.source,
      first: result.outcome === 'acknowledged',
    });
    // Committed with the acknowledgement (the outbox): a crash from here on still delivers it.
    if (result.outcome === 'acknowledged' && update !== undefined) await this.deps.publish([update]);
    return { outcome: result.outcome, alertKey: state.key, ack: result.ack, auditId: result.audit.id };
  }

  /** Takes an acknowledgement back (audited): reminders and escalation resume. */
  async unacknowledge(
    input: Omit<AckInput, 'link' | 'expiresInMs'>,
  ): Promise<AckAnswer | { outcome: 'unacknowledged' | 'was_not_acknowledged'; alertKey: string }> {
    const problems = ackInputProblems(input);
    if (problems.length > 0) return { outcome: 'invalid', problems };
    const found = this.find(input.alert);
    if (!('state' in found)) return found;
    const removed = await this.deps.store.unacknowledge({
      alertKey: found.state.key,
      incarnation: incarnationOf(found.state),
      by: input.by!.trim(),
      reason: input.reason!.trim(),
      at: this.deps.clock.now(),
      source: input.source,
      ...(input.remote !== undefined && { remote: input.remote }),
    });
    return { outcome: removed ? 'unacknowledged' : 'was_not_acknowledged', alertKey: found.state.key };
  }

  /**
   * The short update to the channels that were told (the route's and every escalation tier told
   * so far). Its id ends in `/ack` after the instant of the acknowledgement, so it is the same
   * whenever it is made for that acknowledgement, and the notification log sends it once.
   */
  private updateFor(state: AlertInstanceState, by: string, reason: string, now: number): AlertEvent | undefined {
    const rule = this.deps.rules.get(state.ruleId);
    if (rule === undefined) return undefined;
    const told = state.escalation?.told ?? [];
    return lifecycleEvent(rule, state, now, 'ack', {
      acknowledgement: { by, reason, at: new Date(now).toISOString() },
      ...(told.length > 0 && { alsoNotify: told }),
    });
  }
}
