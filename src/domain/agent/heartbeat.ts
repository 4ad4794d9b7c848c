import type { MetricSample } from '../records.js';

/**
 * The agent's own health, sent every forward cycle with label `agent` (the ingest adds `site`).
 * The stack's default rules alert on `pflow_agent_up` going silent and the buffer growing.
 */
export interface AgentHealth {
  readonly agentId: string;
  readonly version: string;
  readonly bufferBytes: number;
  readonly bufferBatches: number;
  /** Append time of the oldest unacknowledged data, epoch ms. */
  readonly oldestTime: number | undefined;
  /** Batches that will never arrive: dropped by the buffer cap or refused by the ingest (4xx). */
  readonly droppedBatches: number;
  /** Samples that will never arrive: the cap, a full disk, or a refused batch. */
  readonly droppedSamples: number;
  readonly rejectedBatches: number;
  readonly scrapeErrors: number;
  /** Epoch ms of the last batch the ingest stored; undefined before the first. */
  readonly lastForwardTime: number | undefined;
  /** With a `log_drop:` section: events appended since the agent started, and whether the last poll failed. */
  readonly logDrop?: { readonly events: number; readonly failing: boolean };
  /** With an `rtls:` section: what each input took and refused, and the tag events that will never arrive. */
  readonly rtls?: RtlsHealth;
}

export interface RtlsHealth {
  /**
   * Tag events that will never arrive, per reason: `buffer` (its cap or a full disk), `rejected`
   * (in a batch the ingest refused), `not_kept` (left out of stored batches: the deployment has no
   * `assets:` section). Sent as pflow_agent_dropped_tag_events_total{reason}, every reason, 0 included.
   */
  readonly droppedTagEvents: Readonly<Record<DroppedTagEventsReason, number>>;
  readonly inputs: readonly RtlsInputHealth[];
}

export const DROPPED_TAG_EVENTS_REASONS = ['buffer', 'rejected', 'not_kept'] as const;
export type DroppedTagEventsReason = (typeof DROPPED_TAG_EVENTS_REASONS)[number];

export interface RtlsInputHealth {
  /** Position in `rtls.inputs`. */
  readonly input: number;
  readonly kind: 'http' | 'mqtt';
  /** MQTT only. */
  readonly connected?: boolean;
  readonly messages: number;
  readonly accepted: number;
  /** Refused, per reason (`bad_event`, `not_json` …); every reason the input knows, 0 included. */
  readonly rejected: Readonly<Record<string, number>>;
}

export const HEARTBEAT_SERIES = [
  'pflow_agent_up',
  'pflow_agent_info',
  'pflow_agent_buffer_bytes',
  'pflow_agent_buffer_batches',
  'pflow_agent_buffer_oldest_age_seconds',
  'pflow_agent_dropped_batches_total',
  'pflow_agent_dropped_samples_total',
  'pflow_agent_rejected_batches_total',
  'pflow_agent_scrape_errors_total',
  'pflow_agent_last_forward_timestamp_seconds',
] as const;

/** Sent too when agent.yaml has an `rtls:` section (`connected` for MQTT inputs only). */
export const RTLS_HEARTBEAT_SERIES = [
  'pflow_agent_dropped_tag_events_total',
  'pflow_agent_rtls_messages_total',
  'pflow_agent_rtls_events_total',
  'pflow_agent_rtls_rejected_total',
  'pflow_agent_rtls_connected',
] as const;

/** Sent too when agent.yaml has a `log_drop:` section. */
export const LOG_DROP_HEARTBEAT_SERIES = ['pflow_agent_logdrop_events_total', 'pflow_agent_logdrop_failing'] as const;

export function heartbeatSamples(health: AgentHealth, now: number): MetricSample[] {
  const labels = { agent: health.agentId };
  const sample = (
    name:
      | (typeof HEARTBEAT_SERIES)[number]
      | (typeof LOG_DROP_HEARTBEAT_SERIES)[number]
      | (typeof RTLS_HEARTBEAT_SERIES)[number],
    value: number,
    extra = {},
  ): MetricSample => ({
    name,
    labels: { ...labels, ...extra },
    time: now,
    value,
  });
  const out = [
    sample('pflow_agent_up', 1),
    sample('pflow_agent_info', 1, { version: health.version }),
    sample('pflow_agent_buffer_bytes', health.bufferBytes),
    sample('pflow_agent_buffer_batches', health.bufferBatches),
    sample(
      'pflow_agent_buffer_oldest_age_seconds',
      health.oldestTime === undefined ? 0 : Math.max(0, (now - health.oldestTime) / 1000),
    ),
    sample('pflow_agent_dropped_batches_total', health.droppedBatches),
    sample('pflow_agent_dropped_samples_total', health.droppedSamples),
    sample('pflow_agent_rejected_batches_total', health.rejectedBatches),
    sample('pflow_agent_scrape_errors_total', health.scrapeErrors),
  ];
  if (health.lastForwardTime !== undefined) {
    out.push(sample('pflow_agent_last_forward_timestamp_seconds', health.lastForwardTime / 1000));
  }
  if (health.logDrop !== undefined) {
    out.push(
      sample('pflow_agent_logdrop_events_total', health.logDrop.events),
      sample('pflow_agent_logdrop_failing', health.logDrop.failing ? 1 : 0),
    );
  }
  if (health.rtls !== undefined) {
    for (const reason of DROPPED_TAG_EVENTS_REASONS) {
      out.push(sample('pflow_agent_dropped_tag_events_total', health.rtls.droppedTagEvents[reason], { reason }));
    }
    for (const input of health.rtls.inputs) {
      const which = { input: String(input.input), kind: input.kind };
      out.push(
        sample('pflow_agent_rtls_messages_total', input.messages, which),
        sample('pflow_agent_rtls_events_total', input.accepted, which),
        ...Object.entries(input.rejected).map(([reason, count]) =>
          sample('pflow_agent_rtls_rejected_total', count, { ...which, reason }),
        ),
      );
      if (input.connected !== undefined) {
        out.push(sample('pflow_agent_rtls_connected', input.connected ? 1 : 0, which));
      }
    }
  }
  return out;
}
