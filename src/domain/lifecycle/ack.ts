import type { AlertEvent } from '../alerts/event.js';
import type { AlertInstanceState } from '../rules/types.js';

/** Where an acknowledgement came from: the command line, the API, or a signed link in a message. */
export type AckSource = 'cli' | 'api' | 'link';

/** One audit record: every ack and unack is kept, who, when, why and from where. */
export interface AckAuditRecord {
  readonly id: number;
  readonly action: 'ack' | 'unack';
  /** The alert instance key, `rule/fingerprint`. */
  readonly alertKey: string;
  /** Which firing of the instance (epoch ms its problem began): a later firing is a new alert. */
  readonly incarnation: number;
  readonly by: string;
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
  readonly source: AckSource;
  /** The address the request came from, when it came over HTTP. */
  readonly remote?: string;
  readonly expiresAt?: number;
}

/** The audit record a store keeps for a request once it has numbered it (both stores build it here). */
export function auditRecord(
  id: number,
  action: AckAuditRecord['action'],
  request: Omit<AckAuditRecord, 'id' | 'action'>,
): AckAuditRecord {
  return {
    id,
    action,
    alertKey: request.alertKey,
    incarnation: request.incarnation,
    by: request.by,
    reason: request.reason,
    at: request.at,
    source: request.source,
    ...(request.remote !== undefined && { remote: request.remote }),
    ...(request.expiresAt !== undefined && { expiresAt: request.expiresAt }),
  };
}

/** The acknowledgement that holds an alert now (the first one made; later ones are audited only). */
export interface ActiveAck {
  readonly alertKey: string;
  readonly incarnation: number;
  readonly by: string;
  readonly reason: string;
  readonly at: number;
  readonly expiresAt?: number;
}

/** What an ack asks the store for: the audit record's fields before the store numbers it. */
export interface AckRequest extends Omit<AckAuditRecord, 'id' | 'action'> {
  /** A signed link's nonce: the ack is refused (`replayed`) when it was used before. */
  readonly linkNonce?: string;
  /**
   * The "acknowledged by …" update to the channels told. The store commits it with the
   * acknowledgement when this is the first one of the firing (`acknowledged`), so a crash cannot
   * keep the acknowledgement and lose its update: pflow.db in its outbox table, DynamoDB on the
   * acknowledgement's own item. The caller publishes it after an `acknowledged` answer; what a
   * crash left unpublished is sent later from the store (the runtime's dispatcher, the AWS
   * escalation function).
   */
  readonly update?: AlertEvent;
}

/**
 * An acknowledgement's update committed with it and not yet marked sent (DynamoDB): `claimedAt`
 * is when its last sender took it on (the acknowledging request itself, at first).
 */
export interface PendingAckUpdate {
  readonly alertKey: string;
  readonly update: AlertEvent;
  readonly claimedAt: number;
}

/** An unack: links only acknowledge, and an unack has no expiry. */
export type UnackRequest = Omit<AckRequest, 'linkNonce' | 'expiresAt' | 'update'>;

export type AckResult =
  | { readonly outcome: 'acknowledged'; readonly audit: AckAuditRecord; readonly ack: ActiveAck }
  /** Audited, but an acknowledgement already held: no second update goes out. */
  | { readonly outcome: 'already_acknowledged'; readonly audit: AckAuditRecord; readonly ack: ActiveAck }
  | { readonly outcome: 'replayed' };

/** Epoch ms the current problem of an instance began: what an acknowledgement is bound to. */
export function incarnationOf(state: Pick<AlertInstanceState, 'since' | 'firingSince'>): number {
  return state.firingSince ?? state.since;
}

/**
 * Whether an acknowledgement holds for this instance at `now`: it was made for the instance's
 * current problem (not an earlier firing that resolved) and has not expired.
 */
export function ackHolds(
  ack: ActiveAck | undefined,
  state: Pick<AlertInstanceState, 'key' | 'since' | 'firingSince'>,
  now: number,
): boolean {
  if (ack === undefined || ack.alertKey !== state.key) return false;
  if (ack.incarnation !== incarnationOf(state)) return false;
  return ack.expiresAt === undefined || now < ack.expiresAt;
}

export const ACK_TEXT_MAX = 500;

/** Problems with who and why, for the API and the CLI alike. */
export function ackInputProblems(input: { by?: string; reason?: string }): string[] {
  const problems: string[] = [];
  const by = input.by?.trim() ?? '';
  const reason = input.reason?.trim() ?? '';
  if (by === '') problems.push('by: who acknowledges is required');
  else if (by.length > ACK_TEXT_MAX) problems.push(`by: at most ${ACK_TEXT_MAX} characters`);
  if (reason === '') problems.push('reason: why is required');
  else if (reason.length > ACK_TEXT_MAX) problems.push(`reason: at most ${ACK_TEXT_MAX} characters`);
  return problems;
}
