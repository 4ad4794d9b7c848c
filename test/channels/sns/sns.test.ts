import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { renderSnsMessage } from '../../../src/channels/sns/render.js';
import { snsSettingsSchema } from '../../../src/channels/sns/settings.js';
import { createSnsSender } from '../../../src/channels/sns/sns.js';
import { firingNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract, timezoneFor } from '../contract.js';

describeChannelContract({
  kind: 'sns',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    extension: 'txt',
    render: (notification) => {
      const { subject, message } = renderSnsMessage(notification, { timezoneFor });
      return `Subject: ${subject}\n\n${message}`;
    },
  },
});

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:pflow-oncall';

describe('sns channel', () => {
  it('publishes the text with an ASCII subject of at most 100 characters to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
    const client = new SNSClient({ region: 'eu-west-1' });
    const sender = createSnsSender(
      'oncall',
      { topic_arn: TOPIC },
      { ...contractDeps(captureLogger()), aws: { sns: client } },
    );
    const notification = firingNotification;
    expect(await sender.send(notification)).toEqual({ status: 'delivered', detail: 'SNS message msg-1' });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    const expected = renderSnsMessage(notification, { timezoneFor: contractDeps(captureLogger()).timezoneFor });
    expect(input).toEqual({ TopicArn: TOPIC, Subject: expected.subject, Message: expected.message });
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('classifies SNS errors: throttling retries, an authorization error is permanent', async () => {
    const client = new SNSClient({ region: 'eu-west-1' });
    const sender = createSnsSender(
      'oncall',
      { topic_arn: TOPIC },
      { ...contractDeps(captureLogger()), aws: { sns: client } },
    );
    sns
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );
    expect(await sender.send(firingNotification)).toMatchObject({ status: 'retryable', reason: 'rate_limited' });
    sns.reset();
    sns.on(PublishCommand).rejectsOnce(
      Object.assign(new Error('not authorized'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect(await sender.send(firingNotification)).toMatchObject({ status: 'permanent', reason: 'authorization_error' });
  });

  it('accepts only a topic ARN', () => {
    expect(snsSettingsSchema.safeParse({ topic_arn: TOPIC }).success).toBe(true);
    expect(snsSettingsSchema.safeParse({ topic_arn: 'https://sns.example/topic' }).success).toBe(false);
  });
});

describe('sns channel without topic_arn', () => {
  it('is valid only in an AWS deployment, where the stack makes the topic', () => {
    const base =
      'version: 1\nsites: [{ id: site-a }]\nprobes: [{ id: p, site: site-a, kind: http, target: "https://x.example", interval: 1m }]\nchannels: [{ id: pager, kind: sns, sns: {} }]\nroutes: [{ channels: [pager] }]\n';
    expect(() => parseDeploymentConfig(base, 'local.yaml', {})).toThrow(
      'channels[0].sns.topic_arn: required outside an AWS deployment (only the AWS stack creates a topic for an sns channel without one)',
    );
    const config = parseDeploymentConfig(`${base}aws: {}\n`, 'aws.yaml', {});
    expect(config.channels[0]!.settings).toEqual({});
  });

  it('refuses to build a sender with no topic rather than publish nowhere', () => {
    expect(() => createSnsSender('pager', {}, contractDeps(captureLogger()))).toThrow(
      'channel "pager": sns.topic_arn is not set',
    );
  });
});
