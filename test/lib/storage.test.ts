import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { metricStoreFactory } from '../../lib/metric-stores/registry.js';
import { AWS_EXAMPLE, resourcesOf, stackFor } from './stack-support.js';

describe('Storage', { timeout: 120_000 }, () => {
  const { template } = stackFor(
    readFileSync(AWS_EXAMPLE, 'utf8')
      .replace('memory_retention: 24h', 'memory_retention: 12h')
      .replace('magnetic_retention: 400d', 'magnetic_retention: 90d')
      .replace('notification_log_ttl: 30d', 'notification_log_ttl: 7d'),
  );

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
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table').map(([, table]) => table);
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
          { AttributeName: 'ruleId', KeyType: 'HASH' },
          { AttributeName: 'fingerprint', KeyType: 'RANGE' },
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
    const disposable = stackFor(undefined, false).template;
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

  it('picks the metric store from a registry and says when a backend has no construct yet', () => {
    expect(typeof metricStoreFactory('timestream')).toBe('function');
    expect(() => metricStoreFactory('amp')).toThrow(/amp has no AWS construct/);
  });
});
