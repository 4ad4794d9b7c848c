import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letters.js';
import { parseQueueMessage } from '../delivery/queue-consumer.js';
import type { CliOutput } from './validate.js';

export interface AwsDeadLettersOptions {
  /** The channels' dead-letter queue URLs (one per channel). */
  readonly queueUrls: readonly string[];
  readonly retry: boolean;
  /** With --retry: re-send here instead of SQS's redrive to the source queue. */
  readonly to?: string;
  readonly out: CliOutput;
  readonly client?: Pick<SQSClient, 'send'>;
}

/**
 * `pflow notify dead-letters --aws --queue-url URL…`: what sits in the deployed channels' dead-letter
 * queues — event, channel, attempts, reason — without consuming it; `--retry` moves it back. Only
 * event ids, rules and states are printed: never a body, which a malformed message could make anything.
 * Exit 0 when empty or redriven, 1 when dead letters wait, 2 on bad arguments.
 */
export async function runAwsDeadLetters(options: AwsDeadLettersOptions): Promise<number> {
  const { out } = options;
  if (options.queueUrls.length === 0) {
    out.stderr('--aws needs --queue-url <dead-letter queue URL> (the stack outputs one per channel)\n');
    return 2;
  }
  const client = options.client ?? new SQSClient({});
  let waiting = 0;
  for (const url of options.queueUrls) {
    const queue = new SqsDeadLetterQueue(client, url);
    const letters = await queue.list();
    out.stdout(`${url}: ${letters.length} dead letter(s)\n`);
    for (const letter of letters) {
      const parsed = parseQueueMessage(letter.channel ?? 'dead-letter', letter.body);
      const event = typeof parsed === 'string' ? undefined : parsed.notification.events[0];
      const what =
        typeof parsed === 'string'
          ? `malformed message (${parsed})`
          : event
            ? `${event.id} [${event.rule.id} ${event.state}]`
            : parsed.what;
      const when = letter.sentAt !== undefined ? new Date(letter.sentAt).toISOString() : 'unknown time';
      out.stdout(
        `  ${what}\n    channel ${letter.channel ?? '(from the queue)'}, ${letter.attempts ?? '?'} attempt(s), at ${when}: ${letter.reason}\n`,
      );
    }
    waiting += letters.length;
    if (options.retry && letters.length > 0) {
      const result = await queue.redrive(options.to);
      out.stdout(
        result.moved !== undefined
          ? `  moved ${result.moved} to ${options.to}\n`
          : `  redrive to the source queue started (task ${result.taskHandle ?? 'unknown'})\n`,
      );
    }
  }
  return waiting > 0 && !options.retry ? 1 : 0;
}
