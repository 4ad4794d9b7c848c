import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoNotificationLog } from '../../src/adapters/aws/dynamodb-notification-log.js';
import { SqsDeadLetterQueue } from '../../src/adapters/aws/sqs-dead-letters.js';
import type { ChannelKindName } from '../../src/channels/settings.js';
import type { ChannelDeps, ChannelFactory } from '../../src/channels/types.js';
import { keepAliveFetch } from '../../src/delivery/keep-alive-fetch.js';
import { QueueConsumer, RetryLater } from '../../src/delivery/queue-consumer.js';
import { RateLimiter } from '../../src/delivery/rate-limiter.js';
import { siteTimezones, type ChannelDefinition } from '../../src/domain/config/model.js';
import { PflowError } from '../../src/domain/errors.js';
import type { OnCallMember, OnCallSchedule } from '../../src/domain/lifecycle/oncall.js';
import type { ChannelSender, Logger } from '../../src/domain/ports.js';
import { systemClock, type Clock } from '../../src/domain/ports.js';
import { realTimers, type DeliveryTimers } from '../../src/delivery/timers.js';
import { requireEnv } from './config.js';
import { ENV, METRICS } from './environment.js';
import { handlerBase, wrap } from './handler.js';
import { addBreakdown, countWhenAny } from './observability.js';
import { linkSettings } from './lifecycle.js';
import { ackLinkMaker } from '../../src/runtime/ack-routes.js';

/**
 * The channel kinds a deliver bundle can send to. The stack deploys one bundle per kind
 * (lambdas/deliver/<kind>.ts), so a Slack function does not carry nodemailer or the S3, SES and
 * SNS clients; lambdas/deliver.ts has them all, for the tests.
 */
export type ChannelFactories = Readonly<Partial<Record<ChannelKindName, ChannelFactory<never>>>>;

export interface DeliverHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Clients for AWS-backed channel kinds (tests point them at local servers). */
  readonly channelClients?: ChannelDeps['aws'];
  readonly fetch?: typeof fetch;
  /** How the rate limiter waits (tests drive it with a manual clock). */
  readonly timers?: DeliveryTimers;
  /**
   * How `oncall:<team>` recipients are answered: `channelOnCall` (lambdas/shared/deliver-oncall.ts)
   * in the bundles of the kinds that page someone. Without it the senders get no `onCall` and no
   * team is looked up; the kinds left without it have no `oncall:` recipients.
   */
  readonly onCall?: OnCallLookup;
}

/** What an `OnCallLookup` is built from, once per channel configuration. */
export interface OnCallLookupInput {
  /** The channel's settings: its `oncall:<team>` recipients are found there. */
  readonly settings: unknown;
  readonly schedules: readonly OnCallSchedule[];
  /** The lifecycle table with the run-time overrides (PFLOW_LIFECYCLE_TABLE), if the stack gave one. */
  readonly table: string | undefined;
  readonly client: DynamoDBClient;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A channel's on-call answers: `refresh()` before each record is sent, then `member()` while it renders. */
export interface ChannelOnCall {
  refresh(): Promise<void>;
  member(team: string): OnCallMember | undefined;
}

export type OnCallLookup = (input: OnCallLookupInput) => ChannelOnCall;

/** A claim outlives the longest send (channels time out well within 30 s) and the function's timeout. */
const CLAIM_LEASE_MS = 60_000;

/**
 * The channel consumer: one function per channel (PFLOW_CHANNEL_ID), fed by that channel's SQS
 * queue. Each record is one alert event; Powertools Batch reports the records to retry, so one
 * failing event never re-sends the others. Malformed messages and permanent failures go straight to
 * the dead-letter queue with their reason; they are never retried forever.
 */
export function deliverHandler(factories: ChannelFactories, options: DeliverHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('deliver', env);
  const { obs } = base;
  const processor = new BatchProcessor(EventType.SQS);
  let consumer: QueueConsumer | undefined;
  let consumerKey: string | undefined;
  /** The channel's on-call answers, rebuilt with the consumer; undefined in bundles without on-call support. */
  let oncall: ChannelOnCall | undefined;
  let ddb: DynamoDBClient | undefined;
  let sqs: SQSClient | undefined;
  // One keep-alive HTTP client and one rate limiter per warm container: Slack's pace holds across invocations.
  const fetchClient = options.fetch ?? keepAliveFetch();
  let limiter: RateLimiter | undefined;
  /** The config's aws.detailed_metrics, as of the last config read. */
  let detailedMetrics = false;

  const consumerFor = async (): Promise<QueueConsumer> => {
    const { config } = await base.config();
    detailedMetrics = config.aws?.detailedMetrics === true;
    const channelId = requireEnv(env, ENV.channelId);
    const channel = config.channels.find((candidate) => candidate.id === channelId);
    if (!channel)
      throw new PflowError('unknown_channel', `channel "${channelId}" (${ENV.channelId}) is not in the config`);
    // Rebuilt only when the config changed (a rotated secret gives the sender a new URL or link key).
    const links = linkSettings(config, env);
    const key = JSON.stringify([channel.settings, links?.key]);
    if (consumer && consumerKey === key) return consumer;
    ddb ??= new DynamoDBClient({});
    sqs ??= new SQSClient({});
    const answers = options.onCall?.({
      settings: channel.settings,
      schedules: config.oncall ?? [],
      table: env[ENV.lifecycleTable],
      client: ddb,
      clock,
      logger: obs.port,
    });
    oncall = answers;
    limiter ??= new RateLimiter(
      perInvocationRate(channel.rateLimitPerSecond, env),
      clock,
      options.timers ?? realTimers,
    );
    const sender = senderOf(factories, withStackTopic(channel, env), {
      clock,
      logger: obs.port,
      dataDir: '/tmp',
      timezoneFor: siteTimezones(config.sites),
      fetch: fetchClient,
      ...(options.channelClients ? { aws: options.channelClients } : {}),
      ...(links !== undefined && { ackLinkFor: ackLinkMaker(links, clock) }),
      ...(answers !== undefined && { onCall: (team: string) => answers.member(team) }),
    });
    consumer = new QueueConsumer({
      channel: channelId,
      sender,
      log: new DynamoNotificationLog({ client: ddb, table: requireEnv(env, ENV.notificationLogTable) }),
      deadLetters: new SqsDeadLetterQueue(sqs, requireEnv(env, ENV.deadLetterQueueUrl)),
      limiter,
      clock,
      logger: obs.port,
      maxAttempts: config.delivery.maxAttempts,
      leaseMs: CLAIM_LEASE_MS,
    });
    consumerKey = key;
    return consumer;
  };

  /** Dead letters per channel (dimensions service, channel), in a document of their own. */
  const deadLettered = (value: number, channel: string) => {
    const metric = obs.metrics.singleMetric();
    metric.addDimension(METRICS.channelDimension, channel);
    metric.addMetric(METRICS.notificationsDeadLettered, MetricUnit.Count, value);
  };

  return wrap(base, async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const active = await consumerFor();
    const counts = { delivered: 0, duplicate: 0, deadLettered: 0, retried: 0 };
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      // Resolved at send time: the overrides as they are now, not when the container started.
      if (oncall !== undefined) await oncall.refresh();
      try {
        const result = await active.consume(record.body, receiveCount);
        if (result === 'delivered') counts.delivered++;
        else if (result === 'duplicate') counts.duplicate++;
        else counts.deadLettered++;
      } catch (error) {
        if (error instanceof RetryLater) counts.retried++;
        throw error;
      }
    };
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      // A whole batch failing (the channel is down) is still a partial response: each record retries on its own.
      throwOnFullBatchFailure: false,
    });
    const channel = requireEnv(env, ENV.channelId);
    // Dead letters per channel, only when there are some: which channel failed is the point, and
    // sent rarely they cost little. The Alert history dashboard charts them per channel
    // (dashboards/src/views/alert-history.ts), beside the channel's dead-letter depth alarm.
    if (counts.deadLettered > 0) deadLettered(counts.deadLettered, channel);
    // Delivered every invocation, retries and duplicates when not zero: per service, and per
    // channel too only with aws.detailed_metrics (each channel value is another billed metric);
    // else the channel is a property of the log line. Alert history charts the delivered count.
    addBreakdown(obs.metrics, { [METRICS.channelDimension]: channel }, detailedMetrics);
    obs.metrics.addMetric(METRICS.notificationsDelivered, MetricUnit.Count, counts.delivered);
    countWhenAny(obs.metrics, 'NotificationsRetried', counts.retried);
    countWhenAny(obs.metrics, 'NotificationsDuplicate', counts.duplicate);
    return response;
  });
}

/** The channel's sender, from the kinds this bundle carries; another kind is a deployment fault, said plainly. */
function senderOf(factories: ChannelFactories, channel: ChannelDefinition, deps: ChannelDeps): ChannelSender {
  const factory = factories[channel.kind as ChannelKindName] as ChannelFactory<unknown> | undefined;
  if (!factory) {
    throw new PflowError(
      'channel_kind_not_bundled',
      `channel "${channel.id}" has kind "${channel.kind}", but this function was bundled for ${Object.keys(factories).join(', ')}`,
    );
  }
  return factory(channel.id, channel.settings, deps);
}

/**
 * The channel's rate as one invocation may use it. The limiter lives in one container, and up to
 * PFLOW_CHANNEL_MAX_CONCURRENCY containers send at once (the event source's maximum concurrency),
 * so each gets its share: Slack's 1/s at concurrency 2 is one send every 2 s per invocation.
 */
export function perInvocationRate(perSecond: number | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[ENV.channelMaxConcurrency];
  if (perSecond === undefined || raw === undefined || raw === '') return perSecond;
  const concurrency = Number(raw);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`${ENV.channelMaxConcurrency} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  }
  return perSecond / concurrency;
}

/** An `sns` channel without `topic_arn` publishes to the topic the stack made for it (PFLOW_CHANNEL_TOPIC_ARN). */
export function withStackTopic(channel: ChannelDefinition, env: NodeJS.ProcessEnv): ChannelDefinition {
  if (channel.kind !== 'sns') return channel;
  const settings = (channel.settings ?? {}) as Readonly<Record<string, unknown>>;
  if (settings.topic_arn !== undefined) return channel;
  return { ...channel, settings: { ...settings, topic_arn: requireEnv(env, ENV.channelTopicArn) } };
}
