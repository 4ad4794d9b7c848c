import { fingerprint } from '../labels.js';
import { ALERT_EVENT_SCHEMA, eventId, type AlertEvent } from './event.js';

export const STORE_UNAVAILABLE_RULE = {
  id: 'pflow-store-unavailable',
  name: 'Monitoring store unavailable',
  severity: 'critical',
} as const satisfies AlertEvent['rule'];

/** The site the pipeline's own alerts carry: they concern the monitor, not a hospital site. */
export const PIPELINE_SITE = 'pflow';

/**
 * The event the runtime raises when its own store cannot take writes (locked by another process,
 * disk full, I/O errors), and the one that resolves it. Rules go on evaluating from memory
 * meanwhile, but nothing is durable, so an operator must know. The id derives from when the outage
 * began, so one outage is one firing and one resolved event.
 */
export function storeUnavailableEvent(outage: {
  readonly state: 'firing' | 'resolved';
  /** Epoch ms the store began failing. */
  readonly since: number;
  /** Epoch ms of this evaluation. */
  readonly at: number;
  readonly reason: string;
  /** Records held in memory, waiting for the store. */
  readonly pending: number;
  /** Which store: the database file's name. */
  readonly store: string;
}): AlertEvent {
  const at = new Date(outage.at).toISOString();
  const since = new Date(outage.since).toISOString();
  const firing = outage.state === 'firing';
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({
      site: PIPELINE_SITE,
      ruleId: STORE_UNAVAILABLE_RULE.id,
      fingerprint: fingerprint({ store: outage.store, since }),
      evaluatedAt: at,
      state: outage.state,
    }),
    site: PIPELINE_SITE,
    rule: STORE_UNAVAILABLE_RULE,
    state: outage.state,
    previousState: firing ? 'ok' : 'firing',
    value: outage.pending,
    threshold: { op: '>=', value: 0 },
    labels: { component: 'store', store: outage.store },
    annotations: firing
      ? {
          summary: `The monitoring store ${outage.store} cannot take writes since ${since}`,
          description:
            `${outage.reason}. Probing and rule evaluation go on from memory; ${outage.pending} record(s) wait there ` +
            'and are written when the store recovers. Check for a process holding the database or a full disk.',
          reason: outage.reason,
        }
      : {
          summary: `The monitoring store ${outage.store} takes writes again (unavailable since ${since})`,
          description: 'Records held in memory during the outage are being written.',
        },
    startsAt: since,
    endsAt: firing ? null : at,
    evaluatedAt: at,
  };
}
