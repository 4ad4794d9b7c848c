import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_KEY_LOGICAL_ID, QUEUE_DATA_KEY_REUSE } from '../../lib/deployment-key.js';
import { resourcesOf, stackFor, timestreamExample } from './stack-support.js';

const KEY_ARN = { 'Fn::GetAtt': [DEPLOYMENT_KEY_LOGICAL_ID, 'Arn'] };

interface Statement {
  Principal: { AWS?: unknown; Service?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('DeploymentKey', { timeout: 120_000 }, () => {
  const { template } = stackFor();
  const keys = resourcesOf(template, 'AWS::KMS::Key');

  it('is the one customer managed key of the stack: rotated, retained, with the metric store key’s old logical id', () => {
    expect(keys.map(([id]) => id)).toEqual([DEPLOYMENT_KEY_LOGICAL_ID]);
    expect(keys[0]![1]).toMatchObject({ EnableKeyRotation: true });
    expect(
      (template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>)[DEPLOYMENT_KEY_LOGICAL_ID],
    ).toMatchObject({ DeletionPolicy: 'Retain' });
    // Kept also when the stack's data is not (the secrets it encrypts always are).
    expect(resourcesOf(stackFor(undefined, false).template, 'AWS::KMS::Key').map(([id]) => id)).toEqual([
      DEPLOYMENT_KEY_LOGICAL_ID,
    ]);
  });

  it('has the logical id a key at Storage/Metrics/Key had, so upgrading keeps the AMP workspace (its key is create-only)', () => {
    const stack = new Stack(new App(), 'Old');
    const key = new Key(new Construct(new Construct(stack, 'Storage'), 'Metrics'), 'Key');
    expect(stack.getLogicalId(key.node.defaultChild as CfnElement)).toBe(DEPLOYMENT_KEY_LOGICAL_ID);
  });

  it('encrypts every topic, queue, table, log group, secret and the AMP workspace', () => {
    const uses = (type: string, property: (props: Record<string, unknown>) => unknown) => {
      const found = resourcesOf(template, type);
      expect({ type, found: found.length > 0 }).toEqual({ type, found: true });
      for (const [id, props] of found) expect({ id, key: property(props) }).toEqual({ id, key: KEY_ARN });
    };
    uses('AWS::SNS::Topic', (p) => p.KmsMasterKeyId);
    uses('AWS::SQS::Queue', (p) => p.KmsMasterKeyId);
    uses('AWS::DynamoDB::Table', (p) => (p.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId);
    uses('AWS::Logs::LogGroup', (p) => p.KmsKeyId);
    uses('AWS::SecretsManager::Secret', (p) => p.KmsKeyId);
    uses('AWS::APS::Workspace', (p) => p.KmsKeyArn);
  });

  it('encrypts the Timestream database on that backend, with still one key', () => {
    const timestream = stackFor(timestreamExample()).template;
    expect(resourcesOf(timestream, 'AWS::KMS::Key').map(([id]) => id)).toEqual([DEPLOYMENT_KEY_LOGICAL_ID]);
    const [[, database]] = resourcesOf(timestream, 'AWS::Timestream::Database') as [[string, { KmsKeyId: unknown }]];
    expect(database.KmsKeyId).toEqual(KEY_ARN);
  });

  it('lets SQS reuse a data key for an hour on every queue', () => {
    expect(QUEUE_DATA_KEY_REUSE.toSeconds()).toBe(3600);
    for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
      expect({ id, reuse: queue.KmsDataKeyReusePeriodSeconds }).toEqual({ id, reuse: 3600 });
    }
  });

  it('lets AWS services use it only as each needs: logs by encryption context, Secrets Manager on behalf of callers', () => {
    const statements = (keys[0]![1].KeyPolicy as { Statement: Statement[] }).Statement;
    const services = statements.filter((s) => s.Principal.Service !== undefined);
    const service = (s: Statement) => JSON.stringify(s.Principal.Service);
    expect(services.map(service).sort()).toEqual(
      [
        JSON.stringify({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }),
        '"cloudwatch.amazonaws.com"',
        '"sns.amazonaws.com"',
      ].sort(),
    );
    const logs = services.find((s) => service(s).includes('logs.'))!;
    expect(Object.keys(logs.Condition!.ArnLike!)).toEqual(['kms:EncryptionContext:aws:logs:arn']);
    // CloudWatch alarms publish to the alarm topic; SNS delivers alert events into the channel queues.
    expect(services.find((s) => service(s).includes('cloudwatch'))!.Action).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    ]);
    expect(services.find((s) => service(s).includes('sns'))!.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    // Every other statement but the account's own (IAM decides) is through Secrets Manager only.
    const others = statements.filter(
      (s) => s.Principal.Service === undefined && !(s.Action === 'kms:*' && s.Condition === undefined),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) expect(JSON.stringify(s.Condition)).toContain('"kms:ViaService"');
    for (const s of others) expect(JSON.stringify(s.Condition)).toContain('secretsmanager.');
  });

  it("the deployer's after-deploy permissions include the key for each encrypted thing they read or write", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('- **After the deploy**');
    const list = readme.slice(start, readme.indexOf('`test/lib/deploy-guide.test.ts`', start)).replace(/\s+/g, ' ');
    // The secrets, the alert topic and the dead-letter queues are encrypted with the key (above),
    // so putting a secret, publishing, and reading or redriving a dead letter each need its use.
    const clauses = list.split(';');
    for (const touches of ['secretsmanager:PutSecretValue', 'AlertTopicArn', 'dead-letter queues']) {
      const clause = clauses.find((text) => text.includes(touches)) ?? '';
      expect({ touches, decrypt: clause.includes('`kms:Decrypt`') }).toEqual({ touches, decrypt: true });
      expect({ touches, encrypt: clause.includes('`kms:GenerateDataKey`') }).toEqual({ touches, encrypt: true });
    }
  });
});
