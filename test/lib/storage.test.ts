import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { metricStoreFactory } from '../../lib/metric-stores/registry.js';
import { functionIdByPath, resourcesOf, stackFor, statementsOfFunction, timestreamExample } from './stack-support.js';

describe('Storage', { timeout: 120_000 }, () => {
  const timestream = timestreamExample('12h', '90d');
  const { template } = stackFor(timestream.replace('notification_log_ttl: 30d', 'notification_log_ttl: 7d'));

  it('creates a KMS-encrypted Timestream database with four tables, retention from config, magnetic writes on', () => {
    template.hasResourceProperties('AWS::Timestream::Database', { KmsKeyId: Match.anyValue() });
    const tables = resourcesOf(template, 'AWS::Timestream::Table');
    expect(tables.map(([, table]) => table.TableName).sort()).toEqual(['alerts', 'metrics', 'probes', 'tags']);
    for (const [, table] of tables) {
      expect(table).toMatchObject({
        RetentionProperties: { MemoryStoreRetentionPeriodInHours: '12', MagneticStoreRetentionPeriodInDays: '90' },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      });
    }
  });

  it('keeps alert state and the notification log in on-demand tables with PITR; the log expires by TTL', () => {
    // The ingest API's token and batch tables (an agent is configured) are the IngestApi construct's.
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table')
      .filter(([logicalId]) => logicalId.startsWith('Storage'))
      .map(([, table]) => table);
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
    expect(tables.map((table) => table.KeySchema)).toEqual(
      expect.arrayContaining([
        [
          // One partition per site and rule group (`<site>/<group>`): a rule cycle's one Query.
          { AttributeName: 'siteGroup', KeyType: 'HASH' },
          { AttributeName: 'instanceKey', KeyType: 'RANGE' },
        ],
        [{ AttributeName: 'key', KeyType: 'HASH' }],
      ]),
    );
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('retains data stores on delete by default and destroys them when asked', () => {
    template.hasResource('AWS::Timestream::Table', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    // A key change replaces a table (README: upgrading): the replaced one is kept too.
    template.hasResource('AWS::DynamoDB::Table', { UpdateReplacePolicy: 'Retain' });
    const disposable = stackFor(timestream, false).template;
    disposable.hasResource('AWS::Timestream::Table', { DeletionPolicy: 'Delete' });
    disposable.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('keeps the log drop private, TLS-only, expiring and access-logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'logdrop/' }),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
  });

  it('picks the metric store from a registry and says when a backend has no construct', () => {
    expect(typeof metricStoreFactory('timestream')).toBe('function');
    expect(typeof metricStoreFactory('amp')).toBe('function');
    expect(() => metricStoreFactory('prometheus')).toThrow(
      'storage.metrics.backend: prometheus has no AWS construct in this version (lib/metric-stores/registry.ts)',
    );
  });

  it('on Timestream: grants the probe function writes to `probes` and the rule function reads plus `alerts` writes', () => {
    const probe = statementsOfFunction(template, functionIdByPath(template, 'ProbesFunction'));
    const rule = statementsOfFunction(template, functionIdByPath(template, 'RulesFunction'));
    const tableArn = (name: string) => ({ 'Fn::GetAtt': [expect.stringMatching(`StorageMetricsTable${name}`), 'Arn'] });
    expect(probe).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'timestream:WriteRecords', Resource: tableArn('probes') }),
        expect.objectContaining({ Action: 'timestream:DescribeEndpoints', Resource: '*' }),
      ]),
    );
    expect(rule).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'timestream:Select', Resource: [tableArn('probes'), tableArn('metrics')] }),
        expect.objectContaining({ Action: 'timestream:WriteRecords', Resource: tableArn('alerts') }),
      ]),
    );
    expect(JSON.stringify([probe, rule])).not.toContain('aps:');
    expect(Object.keys(template.toJSON().Outputs as object)).toContain('MetricsDatabase');
  });
});
