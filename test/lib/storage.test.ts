import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Storage } from '../../lib/storage.js';

function synth(props?: ConstructorParameters<typeof Storage>[2]) {
  const stack = new Stack(new App(), 'Test');
  new Storage(stack, 'Storage', props);
  return Template.fromStack(stack);
}

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('Storage', { timeout: 60_000 }, () => {
  it('keeps alert state in an on-demand, encrypted table keyed by instance key, with point-in-time recovery', () => {
    const template = synth();
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('writes the log drop to a private, encrypted, TLS-only bucket that expires objects and logs access', () => {
    const template = synth({ logDropRetentionDays: 7 });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7, Status: 'Enabled' })] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'logdrop/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it.each([
    [undefined, 'Retain'],
    [false, 'Delete'],
  ])('retainOnDelete=%s keeps or removes the data with the stack', (retainOnDelete, deletionPolicy) => {
    const template = synth(retainOnDelete === undefined ? {} : { retainOnDelete });
    const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(tables.map((table) => table.DeletionPolicy)).toEqual([deletionPolicy]);
  });
});
