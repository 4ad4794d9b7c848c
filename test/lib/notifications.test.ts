import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_KEY_LOGICAL_ID } from '../../lib/deployment-key.js';
import { channelBatchSize } from '../../lib/notifications.js';
import {
  AWS_EXAMPLE,
  functionIdByPath,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
} from './stack-support.js';

describe('Notifications', { timeout: 120_000 }, () => {
  const { template } = stackFor();

  it('publishes alert events on one KMS-encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes one raw-delivery queue per channel, filtered on its id in the channels attribute', () => {
    const subscriptions = resourcesOf(template, 'AWS::SNS::Subscription').filter(([, s]) => s.Protocol === 'sqs');
    expect(subscriptions.map(([, s]) => s.FilterPolicy)).toEqual([
      { channels: ['ops-slack'] },
      { channels: ['oncall-email'] },
      { channels: ['oncall-sms'] },
      { channels: ['proprietary-logdrop'] },
    ]);
    for (const [, subscription] of subscriptions) expect(subscription.RawMessageDelivery).toBe(true);
  });

  it('hands a notification to the channel dead-letter queue after delivery.max_attempts receives', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('Notifications'));
    const withRedrive = queues.filter(([, queue]) => queue.RedrivePolicy !== undefined);
    expect(withRedrive).toHaveLength(4);
    for (const [, queue] of withRedrive) {
      expect(queue).toMatchObject({
        RedrivePolicy: { maxReceiveCount: 10 },
        VisibilityTimeout: 180,
        KmsMasterKeyId: expect.anything(),
      });
    }
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('feeds each deliver function from its queue with partial batch responses; Slack at concurrency 2', () => {
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m);
    expect(mappings).toHaveLength(4);
    for (const mapping of mappings)
      expect(mapping).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mappings.map((m) => (m.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency)).toEqual([
      2, 5, 5, 5,
    ]);
    // Slack's records wait for 2 s slots (1/s ÷ 2 invocations): 7 fit in half the 30 s timeout.
    expect(mappings.map((m) => m.BatchSize)).toEqual([7, 10, 10, 10]);
  });

  it('tells each deliver function its maximum concurrency, so its rate limiter takes its share of the channel rate', () => {
    const variables = (id: string) =>
      (
        (template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[id]!.Properties
          .Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(variables(functionIdByPath(template, 'opsslackDeliver'))).toMatchObject({
      PFLOW_CHANNEL_ID: 'ops-slack',
      PFLOW_CHANNEL_MAX_CONCURRENCY: '2',
    });
    expect(variables(functionIdByPath(template, 'oncallemailDeliver'))).toMatchObject({
      PFLOW_CHANNEL_MAX_CONCURRENCY: '5',
    });
  });

  it("builds each deliver function from its channel kind's entry (email: its transport's), which bundles that sender alone", () => {
    // Stub code names the entry NodejsFunction would bundle (lib/function-defaults.ts).
    const entry = (path: string) =>
      (
        (template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[
          functionIdByPath(template, path)
        ]!.Properties.Code as { ZipFile: string }
      ).ZipFile;
    expect(entry('opsslackDeliver')).toContain('"lambdas/deliver/slack.ts"');
    // An SES email channel's function: no SMTP client in its bundle.
    expect(entry('oncallemailDeliver')).toContain('"lambdas/deliver/email-ses.ts"');
    expect(entry('oncallsmsDeliver')).toContain('"lambdas/deliver/sns.ts"');
    expect(entry('proprietarylogdropDeliver')).toContain('"lambdas/deliver/logdrop.ts"');
  });

  it('sizes a paced channel’s batch to fit its slots in half the timeout', () => {
    expect(channelBatchSize(undefined, 5)).toBe(10);
    expect(channelBatchSize(1, 2)).toBe(7);
    expect(channelBatchSize(4, 5)).toBe(10);
    expect(channelBatchSize(0.1, 2)).toBe(1);
  });

  it('grants a deliver function only its log table, its dead-letter queue and what its kind reaches', () => {
    const email = statementsOfFunction(template, functionIdByPath(template, 'oncallemailDeliver'));
    const actions = email.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'ses:SendEmail']));
    // SES v2 SendEmail with simple content: no raw MIME is sent, so no ses:SendRawEmail.
    expect(actions.filter((a) => String(a).startsWith('ses:'))).toEqual(['ses:SendEmail']);
    expect(actions).not.toContain('sns:Publish');
    expect(actions).not.toContain('s3:PutObject');
    expect(actions.filter((a) => String(a).startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const ses = email.find((s) => [s.Action].flat().includes('ses:SendEmail'))!;
    expect(JSON.stringify(ses.Resource)).toContain('identity/alerts@st-anna.example');
    expect(JSON.stringify(ses.Resource)).toContain('identity/st-anna.example');

    const slack = statementsOfFunction(template, functionIdByPath(template, 'opsslackDeliver')).flatMap((s) =>
      [s.Action].flat(),
    );
    expect(slack.some((a) => String(a).startsWith('ses:') || String(a).startsWith('s3:'))).toBe(false);
    const logdrop = statementsOfFunction(template, functionIdByPath(template, 'proprietarylogdropDeliver')).flatMap(
      (s) => [s.Action].flat(),
    );
    expect(logdrop).toEqual(expect.arrayContaining(['s3:PutObject']));
  });

  it('gives an sns channel without topic_arn its own KMS-encrypted topic that only its deliver function may publish to', () => {
    const topics = resourcesOf(template, 'AWS::SNS::Topic').filter(([id]) => id.includes('oncallsmsTopic'));
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0]!;
    expect(topic).toMatchObject({
      DisplayName: 'PerformanceFlow alerts (oncall-sms)',
      KmsMasterKeyId: { 'Fn::GetAtt': [DEPLOYMENT_KEY_LOGICAL_ID, 'Arn'] },
    });
    const smsId = functionIdByPath(template, 'oncallsmsDeliver');
    const fn = (template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[smsId]!;
    expect(fn.Properties.Environment).toMatchObject({
      Variables: { PFLOW_CHANNEL_ID: 'oncall-sms', PFLOW_CHANNEL_TOPIC_ARN: { Ref: topicId } },
    });
    const publish = statementsOfFunction(template, smsId).filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish.map((s) => s.Resource)).toEqual([{ Ref: topicId }]);
    // No other function may publish to it.
    for (const [id] of resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id !== smsId)) {
      const resources = statementsOfFunction(template, id).flatMap((s) => [s.Resource].flat());
      expect(resources).not.toContainEqual({ Ref: topicId });
    }
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).ChannelTopiconcallsms!.Value).toEqual({
      Ref: topicId,
    });
  });

  it("grants an SES channel's sends on its configuration set too, when it names one, and still passes cdk-nag", () => {
    const withSet = stackFor(
      readFileSync(AWS_EXAMPLE, 'utf8').replace(
        'to: [oncall@st-anna.example]',
        'to: [oncall@st-anna.example]\n      configuration_set: pflow-alerts',
      ),
    );
    const statements = statementsOfFunction(withSet.template, functionIdByPath(withSet.template, 'oncallemailDeliver'));
    const ses = statements.find((s) => [s.Action].flat().includes('ses:SendEmail'))!;
    const resources = JSON.stringify(ses.Resource);
    expect(resources).toContain(':configuration-set/pflow-alerts');
    expect(resources).toContain(':identity/alerts@st-anna.example');
    expect(nagFindings(withSet.stack)).toEqual([]);
    // Without one (the example), only the identities.
    const plain = statementsOfFunction(template, functionIdByPath(template, 'oncallemailDeliver')).find((s) =>
      [s.Action].flat().includes('ses:SendEmail'),
    )!;
    expect(JSON.stringify(plain.Resource)).not.toContain('configuration-set');
  });

  it('makes no topic for an sns channel that names its own, and grants publishing on that ARN', () => {
    const arn = 'arn:aws:sns:eu-central-1:123456789012:hospital-pager';
    const own = stackFor(readFileSync(AWS_EXAMPLE, 'utf8').replace('sns: {}', `sns: { topic_arn: '${arn}' }`)).template;
    expect(resourcesOf(own, 'AWS::SNS::Topic').filter(([id]) => id.includes('oncallsms'))).toEqual([]);
    const smsId = functionIdByPath(own, 'oncallsmsDeliver');
    const publish = statementsOfFunction(own, smsId).filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish.map((s) => s.Resource)).toEqual([arn]);
    expect(Object.keys(own.toJSON().Outputs as object)).not.toContain('ChannelTopiconcallsms');
  });
});
