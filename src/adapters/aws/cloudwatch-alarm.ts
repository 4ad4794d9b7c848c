import {
  ALERT_EVENT_SCHEMA,
  eventId,
  type AlertEvent,
  type ComparisonOp,
  type EventState,
  type InstanceState,
} from '../../domain/alerts/event.js';
import { fingerprint } from '../../domain/labels.js';
import { DELIVERY_FAILED_RULE } from '../../domain/notification/delivery-failed.js';

/** The JSON CloudWatch publishes to SNS when an alarm changes state (the fields used here). */
export interface CloudWatchAlarmMessage {
  readonly AlarmName: string;
  readonly AlarmDescription?: string | null;
  readonly NewStateValue: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly NewStateReason?: string;
  readonly OldStateValue?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** e.g. `2026-12-01T08:00:00.000+0000`. */
  readonly StateChangeTime: string;
  readonly Region?: string;
  readonly AlarmArn?: string;
  readonly Trigger?: {
    readonly MetricName?: string;
    readonly Namespace?: string;
    readonly ComparisonOperator?: string;
    readonly Threshold?: number;
    readonly Dimensions?: readonly { readonly name: string; readonly value: string }[];
  };
}

/** The site meta-alerts carry: they are about the monitoring deployment, not a hospital site. */
export const META_SITE = 'pflow';
export const META_RULE_PREFIX = 'pflow-meta-';

const STATES: Record<CloudWatchAlarmMessage['NewStateValue'], InstanceState> = {
  ALARM: 'firing',
  OK: 'ok',
  INSUFFICIENT_DATA: 'nodata',
};

const OPERATORS: Record<string, ComparisonOp> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

export function isAlarmMessage(value: unknown): value is CloudWatchAlarmMessage {
  const message = value as Partial<CloudWatchAlarmMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof message.AlarmName === 'string' &&
    typeof message.StateChangeTime === 'string' &&
    ['ALARM', 'OK', 'INSUFFICIENT_DATA'].includes(message.NewStateValue as string)
  );
}

/**
 * An alarm state change as an ordinary alert event, so the hospital hears through its own channels
 * when the monitoring itself is broken: ALARM fires, OK resolves, INSUFFICIENT_DATA is ignored (an
 * alarm passes through it at creation). A dead-letter queue's depth alarm becomes the pipeline's
 * `pflow-delivery-failed` alert for that queue's channel. Undefined when nothing is to be said.
 */
export function alarmEvent(
  message: CloudWatchAlarmMessage,
  deadLetterQueues: Readonly<Record<string, string>>,
): AlertEvent | undefined {
  if (message.NewStateValue === 'INSUFFICIENT_DATA') return undefined;
  const state: EventState = message.NewStateValue === 'ALARM' ? 'firing' : 'resolved';
  const at = new Date(Date.parse(message.StateChangeTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).toISOString();
  const trigger = message.Trigger ?? {};
  const queueName = trigger.Dimensions?.find((dimension) => dimension.name === 'QueueName')?.value;
  const channel = queueName === undefined ? undefined : deadLetterQueues[queueName];
  const deadLetters =
    trigger.Namespace === 'AWS/SQS' &&
    trigger.MetricName === 'ApproximateNumberOfMessagesVisible' &&
    channel !== undefined;

  const rule = deadLetters
    ? DELIVERY_FAILED_RULE
    : { id: `${META_RULE_PREFIX}${slug(message.AlarmName)}`, name: message.AlarmName, severity: 'major' as const };
  const labels: Record<string, string> = deadLetters
    ? { channel: channel!, queue: queueName! }
    : { alarm: message.AlarmName };
  const threshold = {
    op: OPERATORS[trigger.ComparisonOperator ?? ''] ?? ('>=' as ComparisonOp),
    value: trigger.Threshold ?? 0,
  };
  const summary = deadLetters
    ? `Notifications for channel ${channel} are in its dead-letter queue`
    : `CloudWatch alarm ${message.AlarmName} is ${message.NewStateValue}`;
  const description = deadLetters
    ? `They could not be delivered after their retries. List them with \`pflow notify dead-letters --aws --queue-url <url of ${queueName}>\`; move them back with \`--retry\` once the channel works.`
    : (message.AlarmDescription ?? message.NewStateReason ?? '');
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({ site: META_SITE, ruleId: rule.id, fingerprint: fingerprint(labels), evaluatedAt: at, state }),
    site: META_SITE,
    rule,
    state,
    previousState: STATES[message.OldStateValue ?? 'OK'],
    value: firstDatapoint(message.NewStateReason),
    threshold,
    labels,
    annotations: {
      summary,
      ...(description ? { description } : {}),
      ...(message.NewStateReason ? { reason: message.NewStateReason } : {}),
    },
    startsAt: at,
    endsAt: state === 'resolved' ? at : null,
    evaluatedAt: at,
  };
}

/** `Threshold Crossed: 1 datapoint [3.0 (01/12/26 08:00:00)] was …` → 3. */
function firstDatapoint(reason: string | undefined): number | null {
  const match = reason === undefined ? null : /\[(-?\d+(?:\.\d+)?(?:E[+-]?\d+)?)/i.exec(reason);
  return match ? Number(match[1]) : null;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}
