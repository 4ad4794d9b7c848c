import type { AlertEvent } from '../domain/alerts/event.js';
import type { PendingAckUpdate } from '../domain/lifecycle/ack.js';
import type { Logger } from '../domain/ports.js';

/**
 * The "acknowledged by …" updates a store keeps with their acknowledgement until they are sent
 * (DynamoDB's lifecycle table; pflow.db has its own outbox and dispatcher). Claiming and marking
 * are conditional writes, so of two senders one claims an update and one marks it sent.
 */
export interface AckUpdateOutbox {
  /** Takes a pending update on, when nobody claimed or marked it since it was read. */
  claimAckUpdate(pending: PendingAckUpdate, now: number): Promise<boolean>;
  /** Marks it sent; false when it was already marked (or the acknowledgement is gone). */
  ackUpdateSent(alertKey: string, eventId: string, now: number): Promise<boolean>;
}

/**
 * How long the sender that claimed an update has to publish and mark it before another takes it
 * over: the acknowledging request claims it as it commits, and the lifecycle API function times
 * out after 10 s (lib/lifecycle.ts), so an update still pending after this was lost in a crash.
 */
export const ACK_UPDATE_CLAIM_MS = 30_000;

/** Publishes updates and marks each sent; a publish that throws leaves them pending for the sweep. */
export async function publishAckUpdates(
  outbox: AckUpdateOutbox,
  publish: (events: readonly AlertEvent[]) => Promise<void>,
  updates: readonly { readonly alertKey: string; readonly update: AlertEvent }[],
  now: () => number,
): Promise<number> {
  if (updates.length === 0) return 0;
  await publish(updates.map((pending) => pending.update));
  let marked = 0;
  for (const { alertKey, update } of updates) if (await outbox.ackUpdateSent(alertKey, update.id, now())) marked++;
  return marked;
}

/**
 * The sweep (the AWS escalation function, every minute): sends the updates whose sender's claim
 * went stale, i.e. whose acknowledging request died between committing and publishing. Each is
 * claimed first, so two sweeps at once send it once; if a stale sender did publish after all, the
 * event id is the same and the channels' notification log sends it once.
 */
export async function sendPendingAckUpdates(deps: {
  readonly outbox: AckUpdateOutbox;
  readonly pending: readonly PendingAckUpdate[];
  readonly publish: (events: readonly AlertEvent[]) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
}): Promise<number> {
  const now = deps.now();
  const claimed: PendingAckUpdate[] = [];
  for (const pending of deps.pending) {
    if (pending.claimedAt > now - ACK_UPDATE_CLAIM_MS) continue;
    if (await deps.outbox.claimAckUpdate(pending, now)) claimed.push(pending);
  }
  if (claimed.length === 0) return 0;
  deps.logger.warn('acknowledgement updates left unsent, sending them now', {
    alerts: claimed.map((pending) => pending.alertKey),
    pendingSinceMs: claimed.map((pending) => now - pending.claimedAt),
  });
  return publishAckUpdates(deps.outbox, deps.publish, claimed, deps.now);
}
