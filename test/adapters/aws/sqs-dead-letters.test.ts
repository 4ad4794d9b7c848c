import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { queueArn, SqsDeadLetterQueue } from '../../../src/adapters/aws/sqs-dead-letters.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-slack-dlq';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-slack';

describe('SqsDeadLetterQueue', () => {
  it('dead-letters a message with why, for whom and after how many attempts', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    await new SqsDeadLetterQueue(new SQSClient({ region: 'eu-west-1' }), DLQ).add('{"bad json', {
      reason: 'malformed: not JSON',
      channel: 'slack',
      attempts: 1,
      failedAt: 1_700_000_000_000,
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: DLQ,
      MessageBody: '{"bad json',
      MessageAttributes: {
        pflow_reason: { DataType: 'String', StringValue: 'malformed: not JSON' },
        pflow_channel: { DataType: 'String', StringValue: 'slack' },
        pflow_attempts: { DataType: 'Number', StringValue: '1' },
        pflow_failed_at: { DataType: 'Number', StringValue: '1700000000000' },
      },
    });
  });

  it('lists without consuming: receives, then makes every message visible again', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'r1',
            Body: '{}',
            MessageAttributes: { pflow_reason: { DataType: 'String', StringValue: 'http_404' } },
            Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
          },
          { MessageId: 'm2', ReceiptHandle: 'r2', Body: '{"x":1}', Attributes: { ApproximateReceiveCount: '10' } },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const letters = await new SqsDeadLetterQueue(new SQSClient({ region: 'eu-west-1' }), DLQ).list();
    expect(letters).toEqual([
      { messageId: 'm1', receiptHandle: 'r1', body: '{}', reason: 'http_404', attempts: 2, sentAt: 1_700_000_000_000 },
      {
        messageId: 'm2',
        receiptHandle: 'r2',
        body: '{"x":1}',
        reason: 'retries exhausted (moved by the queue’s redrive policy)',
        attempts: 10,
      },
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: DLQ,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: DLQ,
      Entries: [
        { Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 },
        { Id: '1', ReceiptHandle: 'r2', VisibilityTimeout: 0 },
      ],
    });
  });

  it('redrives with SQS’s move task, or re-sends to a named queue and deletes', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    const dlq = new SqsDeadLetterQueue(new SQSClient({ region: 'eu-west-1' }), DLQ);
    expect(await dlq.redrive()).toEqual({ taskHandle: 'task-1' });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:pflow-slack-dlq',
    });

    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: 'b1' }] })
      .resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    expect(await dlq.redrive(QUEUE)).toEqual({ moved: 1 });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: QUEUE, MessageBody: 'b1' });
    expect(sqs.commandCalls(DeleteMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: DLQ, ReceiptHandle: 'r1' });
  });

  it('derives a queue ARN from its URL and refuses anything else', () => {
    expect(queueArn(QUEUE)).toBe('arn:aws:sqs:eu-west-1:123456789012:pflow-slack');
    expect(() => queueArn('https://example.com/x')).toThrow(/not an SQS queue URL/);
  });
});
