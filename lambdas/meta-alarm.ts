import type { Context, SNSEvent } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { alarmEvent, isAlarmMessage } from '../src/adapters/aws/cloudwatch-alarm.js';
import type { AlertEvent } from '../src/domain/alerts/event.js';
import { isDeliveryFailedEvent } from '../src/domain/notification/delivery-failed.js';
import { routeChannelIds } from '../src/domain/routing/route.js';
import { alertBusFromEnv } from './shared/alert-bus.js';
import { ENV } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';

export interface MetaAlarmHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The meta-monitoring function: CloudWatch alarm state changes (via SNS) become ordinary alert events
 * on the alert topic, routed like any other, so a broken probe, rule or channel function reaches
 * the hospital through its own channels. A delivery-failed alert never goes to the channel that is
 * failing; when no route names another channel, it goes to all the others.
 */
export function createMetaAlarmHandler(options: MetaAlarmHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const base = handlerBase('meta-alarm', env);
  const { obs } = base;
  let sns: SNSClient | undefined;

  return wrap(base, async (event: SNSEvent, _context: Context): Promise<{ published: number; ignored: number }> => {
    const { config } = await base.config();
    const queues = deadLetterQueues(env[ENV.deadLetterQueues]);
    const events: AlertEvent[] = [];
    let ignored = 0;
    for (const record of event.Records ?? []) {
      let message: unknown;
      try {
        message = JSON.parse(record.Sns.Message);
      } catch {
        message = undefined;
      }
      if (!isAlarmMessage(message)) {
        // Not ours to interpret (a subscription confirmation, a test publish): said, not retried.
        obs.port.warn('SNS message is not a CloudWatch alarm state change; ignored', {
          messageId: record.Sns.MessageId,
        });
        ignored++;
        continue;
      }
      const alert = alarmEvent(message, queues);
      if (alert) events.push(alert);
      else ignored++;
    }
    if (events.length === 0) return { published: 0, ignored };

    sns ??= new SNSClient({});
    const allChannels = config.channels.map((channel) => channel.id);
    const bus = alertBusFromEnv(env, sns, config, obs.port, (alert) => {
      const routed = routeChannelIds(alert, config.routes, config.channels);
      if (!isDeliveryFailedEvent(alert)) return routed;
      const failing = alert.labels.channel;
      const others = routed.filter((channel) => channel !== failing);
      return others.length > 0 ? others : allChannels.filter((channel) => channel !== failing);
    });
    await bus.publish(events);
    return { published: events.length, ignored };
  });
}

function deadLetterQueues(json: string | undefined): Record<string, string> {
  if (json === undefined || json === '') return {};
  const parsed = JSON.parse(json) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${ENV.deadLetterQueues} must be a JSON object of queue name → channel id`);
  }
  return parsed as Record<string, string>;
}

export const handler = createMetaAlarmHandler();
