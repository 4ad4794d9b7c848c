import { readFileSync } from 'node:fs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AWS_EXAMPLE, nagFindings, resourcesOf, stackFor, timestreamExample } from './stack-support.js';

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('PerformanceFlowStack from config/aws-example.yaml', { timeout: 120_000 }, () => {
  const { stack, template } = stackFor();

  it('passes cdk-nag AwsSolutions and HIPAA Security with every kept finding acknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('passes cdk-nag on the Timestream backend too', () => {
    expect(nagFindings(stackFor(timestreamExample()).stack)).toEqual([]);
  });

  it('the cdk-nag check does catch a finding (a bucket without TLS enforcement or access logs)', () => {
    const careless = stackFor();
    new Bucket(careless.stack, 'Careless');
    expect(nagFindings(careless.stack)).toEqual(
      expect.arrayContaining([expect.stringMatching(/AwsSolutions-S1/), expect.stringMatching(/AwsSolutions-S10/)]),
    );
  });

  it('outputs the alert topic ARN, the alarm topic, the log drop and each channel dead-letter queue', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'AlertTopicArn',
        'AlarmTopicArn',
        'LogDropBucket',
        'NotificationLogTable',
        'MetricsWorkspaceUrl',
        'MetricsWorkspaceArn',
        'DeadLettersopsslack',
        'DeadLettersoncallemail',
        'DeadLettersproprietarylogdrop',
        'DeadLettersoncallsms',
        'ChannelTopiconcallsms',
      ]),
    );
  });

  it('runs every function on nodejs24.x arm64 with its own encrypted log group, config file and async dead-letter queue', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    // probe, rule, meta-alarm, the Grafana provisioner, one deliver function per channel, ingest + its
    // authorizer, the lifecycle API and the escalation function
    expect(functions).toHaveLength(4 + 4 + 2 + 2);
    for (const [, fn] of functions) {
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        DeadLetterConfig: { TargetArn: expect.anything() },
        LoggingConfig: { LogGroup: expect.anything() },
        Environment: {
          Variables: expect.objectContaining({
            PFLOW_CONFIG_FILE: 'pflow-config.json',
            PFLOW_SECRETS_PREFIX: 'pflow/st-anna/',
            PFLOW_METRICS_BACKEND: 'amp',
            PFLOW_AMP_WORKSPACE_URL: {
              'Fn::GetAtt': [expect.stringMatching(/^StorageMetricsWorkspace/), 'PrometheusEndpoint'],
            },
            POWERTOOLS_METRICS_NAMESPACE: 'PerformanceFlow',
          }),
        },
      });
    }
    for (const [, group] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
      expect(group).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: 90 });
    }
    expect(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).toEqual([]);
    for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('puts KMS on every topic, queue, table, log group and secret', () => {
    for (const [, topic] of resourcesOf(template, 'AWS::SNS::Topic')) expect(topic.KmsMasterKeyId).toBeDefined();
    for (const [, queue] of resourcesOf(template, 'AWS::SQS::Queue')) expect(queue.KmsMasterKeyId).toBeDefined();
    for (const [, table] of resourcesOf(template, 'AWS::DynamoDB::Table')) {
      expect(table.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    }
    for (const [, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret'))
      expect(secret.KmsKeyId).toBeDefined();
    for (const [, key] of resourcesOf(template, 'AWS::KMS::Key')) expect(key.EnableKeyRotation).toBe(true);
  });

  it('never puts a stand-in or secret value in the template', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain('secret.invalid');
    expect(text).not.toContain('pflow-secret');
    expect(readFileSync(AWS_EXAMPLE, 'utf8')).toContain('${SLACK_WEBHOOK_URL}');
  });
});
