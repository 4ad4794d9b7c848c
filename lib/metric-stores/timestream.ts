import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import { ENV, TIMESTREAM_TABLES, TIMESTREAM_TAGS_TABLE } from '../../lambdas/shared/environment.js';
import type { DashboardSource, MetricStoreConstruct, MetricStoreOutput, MetricStoreProps } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The tables: the handlers' three, and `tags`, the RF-ID tag events (written by ingest with `assets:`). */
export const TIMESTREAM_TABLE_NAMES = [...Object.values(TIMESTREAM_TABLES), TIMESTREAM_TAGS_TABLE] as const;

/**
 * Timestream for LiveAnalytics (only in accounts onboarded before 2025-06-20): one database
 * encrypted with the deployment key, a table per kind of record with the config's memory and
 * magnetic retention, and magnetic-store writes on so late data (an agent catching up) is kept.
 */
export class TimestreamStore extends Construct implements MetricStoreConstruct {
  readonly backend = 'timestream' as const;
  readonly database: CfnDatabase;
  readonly tables: Readonly<Record<string, CfnTable>>;
  readonly key: IKey;
  readonly environment: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, MetricStoreOutput>>;

  constructor(scope: Construct, id: string, props: MetricStoreProps) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const { memoryRetentionMs, magneticRetentionMs } = props.config.storage.metrics.timestream;

    this.key = props.key;
    this.database = new CfnDatabase(this, 'Database', { kmsKeyId: this.key.keyArn });
    this.database.applyRemovalPolicy(removalPolicy);

    const tables: Record<string, CfnTable> = {};
    for (const name of TIMESTREAM_TABLE_NAMES) {
      const table = new CfnTable(this, `Table-${name}`, {
        databaseName: this.database.ref,
        tableName: name,
        retentionProperties: {
          MemoryStoreRetentionPeriodInHours: String(memoryRetentionMs / HOUR_MS),
          MagneticStoreRetentionPeriodInDays: String(magneticRetentionMs / DAY_MS),
        },
        magneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      });
      table.applyRemovalPolicy(removalPolicy);
      tables[name] = table;
    }
    this.tables = tables;
    this.environment = { [ENV.metricsBackend]: 'timestream', [ENV.timestreamDatabase]: this.database.ref };
    this.outputs = {
      MetricsDatabase: {
        value: this.database.ref,
        description: 'Timestream database (tables probes, metrics, alerts, tags): the Grafana Timestream data source',
      },
    };
  }

  grantProbeWriter(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:WriteRecords'], [TIMESTREAM_TABLES.probes]);
  }

  grantIngestWriter(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:WriteRecords'], [TIMESTREAM_TABLES.probes, TIMESTREAM_TABLES.metrics]);
  }

  /** The ingest function with `assets:`: tag events into the `tags` table. */
  grantTagHistoryWriter(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:WriteRecords'], [TIMESTREAM_TAGS_TABLE]);
  }

  /** The asset function: reads the tag events, writes the answers as samples to `metrics`. */
  grantAssetEvaluator(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:Select'], [TIMESTREAM_TAGS_TABLE]);
    this.grant(grantee, ['timestream:WriteRecords'], [TIMESTREAM_TABLES.metrics]);
  }

  grantRuleEvaluator(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:Select'], [TIMESTREAM_TABLES.probes, TIMESTREAM_TABLES.metrics]);
    this.grant(grantee, ['timestream:WriteRecords'], [TIMESTREAM_TABLES.alerts]);
  }

  grantReportReader(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(grantee, ['timestream:Select'], [TIMESTREAM_TABLES.probes, TIMESTREAM_TABLES.metrics]);
  }

  get dashboardSource(): DashboardSource {
    return { backend: 'timestream', database: this.database.ref };
  }

  /** Every table a dashboard reads (probes, metrics, alerts, tags), read-only. */
  grantDashboardReader(grantee: IGrantable): void {
    this.grantEndpoints(grantee);
    this.grant(
      grantee,
      ['timestream:Select', 'timestream:DescribeTable', 'timestream:ListMeasures'],
      [...TIMESTREAM_TABLE_NAMES],
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['timestream:DescribeDatabase', 'timestream:ListTables'],
        resources: [this.database.attrArn],
      }),
    );
  }

  private grant(grantee: IGrantable, actions: string[], tableNames: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: tableNames.map((name) => this.tables[name]!.attrArn) }),
    );
  }

  /** DescribeEndpoints has no resource type: the SDK calls it before any read or write. */
  private grantEndpoints(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] }),
    );
  }
}
