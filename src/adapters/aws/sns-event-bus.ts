import {
  PublishBatchCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { eventAttributes, type AlertEvent } from '../../domain/alerts/event.js';
import type { ChannelDefinition, RouteDefinition } from '../../domain/config/model.js';
import { PflowError } from '../../domain/errors.js';
import type { EventBus, Logger } from '../../domain/ports.js';
import { routeChannelIds } from '../../domain/routing/route.js';

/** PublishBatch's ceilings: 10 entries, and the whole request (bodies + attributes) within the topic's 256 KiB. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_MESSAGE_BYTES = 262_144;
const FAILED_ENTRY_ATTEMPTS = 3;

export interface SnsEventBusOptions {
  readonly client: Pick<SNSClient, 'send'>;
  readonly topicArn: string;
  /** The config's routes and channels: the domain resolves them, SNS only filters on the result. */
  readonly routes: readonly RouteDefinition[];
  readonly channels: readonly Pick<ChannelDefinition, 'id' | 'sendResolved'>[];
  readonly logger: Logger;
  /** Overrides the routing (the meta-alarm function keeps a delivery-failed alert off its failing channel). */
  readonly channelsFor?: (event: AlertEvent) => readonly string[];
}

/**
 * The event bus on SNS. Each alert event is one message, its JSON the body, with the attributes
 * site/severity/state/rule and `channels` — the channel ids the config's routes choose, resolved
 * here by the same code the local dispatcher runs — as a String.Array, so a channel queue's
 * subscription filter policy is one line and routes are never re-expressed as SNS filters.
 */
export class SnsEventBus implements EventBus {
  constructor(private readonly options: SnsEventBusOptions) {}

  async publish(events: readonly AlertEvent[]): Promise<void> {
    const entries = events.map((event, index) => this.entry(event, index));
    for (const batch of batches(entries)) await this.publishBatch(batch);
  }

  private entry(event: AlertEvent, index: number): SizedEntry {
    const channels =
      this.options.channelsFor?.(event) ?? routeChannelIds(event, this.options.routes, this.options.channels);
    const entry = messageFor(event, channels, `e${index}`);
    const size = entrySize(entry);
    if (size > MAX_MESSAGE_BYTES) {
      throw new PflowError(
        'sns_message_too_large',
        `alert event ${event.id} is ${size} bytes as an SNS message; the topic accepts ${MAX_MESSAGE_BYTES} (shorten its annotations)`,
      );
    }
    return { entry, size, eventId: event.id };
  }

  private async publishBatch(batch: readonly SizedEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await this.options.client.send(
        new PublishBatchCommand({
          TopicArn: this.options.topicArn,
          PublishBatchRequestEntries: pending.map((item) => item.entry),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length === 0) return;
      const byId = new Map(pending.map((item) => [item.entry.Id, item]));
      const senderFaults = failed.filter((failure) => failure.SenderFault);
      if (senderFaults.length > 0 || attempt >= FAILED_ENTRY_ATTEMPTS) {
        const described = failed.map(
          (failure) =>
            `${byId.get(failure.Id)?.eventId ?? failure.Id}: ${failure.Code}${failure.Message ? ` (${failure.Message})` : ''}`,
        );
        throw new PflowError(
          'sns_publish_failed',
          `SNS did not accept ${failed.length} alert event(s): ${described.join('; ')}`,
        );
      }
      this.options.logger.warn('SNS failed some entries of a batch; retrying them', {
        failed: failed.map((failure) => failure.Code),
        attempt,
      });
      pending = failed.map((failure) => byId.get(failure.Id)).filter((item): item is SizedEntry => item !== undefined);
    }
  }
}

interface SizedEntry {
  readonly entry: PublishBatchRequestEntry;
  readonly size: number;
  readonly eventId: string;
}

/** One alert event as an SNS message: JSON body plus routing attributes (≤10, raw SQS delivery's ceiling). */
export function messageFor(event: AlertEvent, channels: readonly string[], id: string): PublishBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(eventAttributes(event))) {
    // SNS rejects an empty String attribute; an absent one simply matches no filter on it.
    if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
  }
  if (channels.length > 0) attributes.channels = { DataType: 'String.Array', StringValue: JSON.stringify(channels) };
  return { Id: id, Message: JSON.stringify(event), MessageAttributes: attributes };
}

/** Bytes SNS counts for a message: body plus each attribute's name, type and value. */
export function entrySize(entry: PublishBatchRequestEntry): number {
  let size = Buffer.byteLength(entry.Message ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

function* batches(entries: readonly SizedEntry[]): Generator<SizedEntry[]> {
  let batch: SizedEntry[] = [];
  let bytes = 0;
  for (const item of entries) {
    if (batch.length === MAX_BATCH_ENTRIES || (batch.length > 0 && bytes + item.size > MAX_MESSAGE_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += item.size;
  }
  if (batch.length > 0) yield batch;
}
