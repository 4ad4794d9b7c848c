import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsEventBus } from '../../../src/adapters/aws/sns-event-bus.js';
import type { RouteDefinition } from '../../../src/domain/config/model.js';
import { parseMatcher } from '../../../src/domain/labels.js';
import { alertEvent } from '../../support/alert-event.js';
import { captureLogger } from '../../support/logger.js';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts';
const routes: RouteDefinition[] = [
  {
    matchers: [parseMatcher('severity="critical"')],
    channels: ['oncall-slack', 'ops-mail'],
    continue: true,
    groupWaitMs: 0,
  },
  { matchers: [], channels: ['ops-mail', 'logdrop'], continue: false, groupWaitMs: 0 },
];
const channels = [
  { id: 'oncall-slack', sendResolved: false },
  { id: 'ops-mail', sendResolved: true },
  { id: 'logdrop', sendResolved: true },
];

function bus() {
  return new SnsEventBus({
    client: new SNSClient({ region: 'eu-west-1' }),
    topicArn: TOPIC,
    routes,
    channels,
    logger: captureLogger(),
  });
}

describe('SnsEventBus', () => {
  it('publishes each event with its routing attributes and the channels the domain chose', async () => {
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: 'e0' }], Failed: [] });
    const event = alertEvent();
    await bus().publish([event, alertEvent({ id: 'x/resolved', state: 'resolved' })]);
    expect(sns.commandCalls(PublishBatchCommand)[0]!.args[0].input).toEqual({
      TopicArn: TOPIC,
      PublishBatchRequestEntries: [
        {
          Id: 'e0',
          Message: JSON.stringify(event),
          MessageAttributes: {
            site: { DataType: 'String', StringValue: 'site-a' },
            severity: { DataType: 'String', StringValue: 'critical' },
            state: { DataType: 'String', StringValue: 'firing' },
            rule: { DataType: 'String', StringValue: 'pfsw-login' },
            channels: { DataType: 'String.Array', StringValue: '["oncall-slack","ops-mail","logdrop"]' },
          },
        },
        expect.objectContaining({
          Id: 'e1',
          // send_resolved: false keeps the resolved event from Slack, exactly as locally.
          MessageAttributes: expect.objectContaining({
            channels: { DataType: 'String.Array', StringValue: '["ops-mail","logdrop"]' },
          }),
        }),
      ],
    });
  });

  it('sends at most 10 entries per PublishBatch and keeps each batch within 256 KiB', async () => {
    sns.on(PublishBatchCommand).resolves({ Failed: [] });
    await bus().publish(Array.from({ length: 23 }, (_, i) => alertEvent({ id: `e-${i}` })));
    expect(
      sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries!.length),
    ).toEqual([10, 10, 3]);

    sns.reset();
    sns.on(PublishBatchCommand).resolves({ Failed: [] });
    const big = (i: number) => alertEvent({ id: `big-${i}`, annotations: { summary: 'x'.repeat(100_000) } });
    await bus().publish([big(1), big(2), big(3)]);
    const sizes = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries!.length);
    expect(sizes).toEqual([2, 1]);
  });

  it('refuses an event larger than an SNS message, naming it', async () => {
    await expect(
      bus().publish([alertEvent({ id: 'huge', annotations: { summary: 'x'.repeat(300_000) } })]),
    ).rejects.toThrow(/alert event huge is \d+ bytes as an SNS message; the topic accepts 262144/);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
  });

  it('retries entries SNS failed on its side, and fails loudly on the sender’s fault', async () => {
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{ Id: 'e0' }], Failed: [{ Id: 'e1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [{ Id: 'e1' }], Failed: [] });
    await bus().publish([alertEvent({ id: 'a' }), alertEvent({ id: 'b' })]);
    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls[1]!.args[0].input.PublishBatchRequestEntries!.map((e) => e.Id)).toEqual(['e1']);

    sns.reset();
    sns
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: 'e0', Code: 'KMSAccessDenied', Message: 'no key', SenderFault: true }] });
    await expect(bus().publish([alertEvent({ id: 'c' })])).rejects.toThrow(
      /SNS did not accept 1 alert event\(s\): c: KMSAccessDenied \(no key\)/,
    );
  });
});
