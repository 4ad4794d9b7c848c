import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runAwsDeadLetters } from '../../src/cli/dead-letters-aws.js';
import { alertEvent } from '../support/alert-event.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-hook-dlq';

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

describe('pflow notify dead-letters --aws', () => {
  it('lists each dead letter with its event, channel, attempts and reason, never a raw body', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'r1',
            Body: JSON.stringify(alertEvent()),
            MessageAttributes: {
              pflow_reason: { DataType: 'String', StringValue: 'http_404: HTTP 404: no such hook' },
              pflow_channel: { DataType: 'String', StringValue: 'hook' },
              pflow_attempts: { DataType: 'Number', StringValue: '1' },
            },
            Attributes: { SentTimestamp: String(Date.parse('2026-12-01T08:00:00Z')) },
          },
          {
            MessageId: 'm2',
            ReceiptHandle: 'r2',
            Body: 'password=hunter2-secret',
            Attributes: { ApproximateReceiveCount: '5' },
          },
        ],
      })
      .resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const { lines, out } = output();
    const code = await runAwsDeadLetters({
      queueUrls: [DLQ],
      retry: false,
      out,
      client: new SQSClient({ region: 'eu-west-1' }),
    });
    expect(code).toBe(1);
    expect(lines.stdout).toBe(
      `${DLQ}: 2 dead letter(s)\n` +
        '  site-a/pfsw-login/0123456789abcdef/2026-03-02T08:15:00.000Z/firing [pfsw-login firing]\n' +
        '    channel hook, 1 attempt(s), at 2026-12-01T08:00:00.000Z: http_404: HTTP 404: no such hook\n' +
        '  malformed message (not JSON (23 bytes))\n' +
        '    channel (from the queue), 5 attempt(s), at unknown time: retries exhausted (moved by the queue’s redrive policy)\n',
    );
    expect(lines.stdout).not.toContain('hunter2');
  });

  it('--retry starts SQS’s redrive back to the source queue', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{}' }] })
      .resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-7' });
    const { lines, out } = output();
    expect(
      await runAwsDeadLetters({ queueUrls: [DLQ], retry: true, out, client: new SQSClient({ region: 'eu-west-1' }) }),
    ).toBe(0);
    expect(lines.stdout).toContain('redrive to the source queue started (task task-7)');
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:pflow-hook-dlq',
    });
  });

  it('asks for a queue URL', async () => {
    const { lines, out } = output();
    expect(await runAwsDeadLetters({ queueUrls: [], retry: false, out })).toBe(2);
    expect(lines.stderr).toMatch(/--aws needs --queue-url/);
  });
});
