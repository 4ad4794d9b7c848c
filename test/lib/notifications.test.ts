import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { Notifications } from '../../lib/notifications.js';

function synth(props?: ConstructorParameters<typeof Notifications>[2]) {
  const stack = new Stack(new App(), 'Test');
  new Notifications(stack, 'Notifications', props);
  return Template.fromStack(stack);
}

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('Notifications', { timeout: 60_000 }, () => {
  it('publishes alert events on a KMS-encrypted topic that refuses plain HTTP', () => {
    const template = synth();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('retries deliveries through an encrypted queue that hands over to a dead-letter queue after maxReceiveCount', () => {
    const template = synth({ maxReceiveCount: 7 });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 7 },
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 86_400 });
  });
});
