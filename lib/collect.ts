import { Duration, Stack } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SecurityGroup, Subnet, Vpc, type ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV, METRICS, SERVICES, type CollectScheduleInput } from '../lambdas/shared/environment.js';
import type { PullSettings } from '../src/domain/config/cloud.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Operations } from './operations.js';
import { everyInterval } from './schedules.js';

export interface CollectProps {
  readonly pull: PullSettings;
  readonly functions: FunctionDefaults;
  readonly metricStore: MetricStoreConstruct;
  readonly operations: Operations;
  /** The ingest's batch ledger: a pulled batch and a pushed one are made idempotent alike. */
  readonly batchTable: ITable;
  readonly tableKey: IKey;
}

/**
 * Pull mode's cloud side: one collect function inside the configured VPC (its subnets route to the
 * hospitals' agents), and one schedule per agent in `aws.pull.agents`. The function gets its own
 * network interfaces in those subnets, the batch ledger and the metric store's ingest writes;
 * nothing else. `failedMetric(agent)` is what the meta-monitoring alarms on.
 */
export class Collect extends Construct {
  readonly fn: LambdaFunction;
  readonly schedules: readonly Schedule[];
  readonly securityGroups: readonly ISecurityGroup[];
  private readonly intervalMs: number;

  constructor(scope: Construct, id: string, props: CollectProps) {
    super(scope, id);
    const { pull } = props;
    this.intervalMs = pull.intervalMs;
    // Only the id is needed: the subnets are given explicitly, so their zones are never looked up.
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: pull.vpcId,
      availabilityZones: Stack.of(this).availabilityZones,
    });
    const subnets = pull.subnetIds.map((subnetId, index) => Subnet.fromSubnetId(this, `Subnet${index}`, subnetId));
    this.securityGroups =
      pull.securityGroupIds === undefined
        ? [
            new SecurityGroup(this, 'SecurityGroup', {
              vpc,
              description: 'PerformanceFlow collect function: outbound to the agents and AWS APIs only',
              allowAllOutbound: true,
            }),
          ]
        : pull.securityGroupIds.map((groupId, index) =>
            SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index}`, groupId, { mutable: false }),
          );

    this.fn = props.functions.create(this, 'Function', 'collect', {
      description: 'Pulls batches from on-prem agents in pull mode and stores them',
      // Under the interval, so two runs never pull the same agent at once.
      timeout: Duration.seconds(Math.min(300, pull.intervalMs / 1000 - 5)),
      memorySize: 512,
      environment: { [ENV.ingestBatchTable]: props.batchTable.tableName },
      network: { vpc, vpcSubnets: { subnets }, securityGroups: [...this.securityGroups] },
    });
    props.batchTable.grant(this.fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    props.tableKey.grantEncryptDecrypt(this.fn);
    props.metricStore.grantIngestWriter(this.fn);
    // Our own role has no AWSLambdaVPCAccessExecutionRole: the ENI actions Lambda needs, in this
    // account and region. Describe has no resource-level permission.
    const { account, region, partition } = Stack.of(this);
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces'],
        resources: ['*'],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: [`arn:${partition}:ec2:${region}:${account}:network-interface/*`],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          ...pull.subnetIds.map((subnetId) => `arn:${partition}:ec2:${region}:${account}:subnet/${subnetId}`),
          ...this.securityGroups.map(
            (group) => `arn:${partition}:ec2:${region}:${account}:security-group/${group.securityGroupId}`,
          ),
        ],
      }),
    );

    this.schedules = pull.agents.map((agent, index) => {
      const input: CollectScheduleInput = { agent: agent.id };
      return everyInterval(this, `Schedule${index}`, {
        fn: this.fn,
        intervalMs: pull.intervalMs,
        input,
        operations: props.operations,
        description: `PerformanceFlow pulls agent ${agent.id} (site ${agent.site}) every ${pull.intervalMs / 60_000} min`,
      });
    });
  }

  /** Runs of one agent that could not pull or store (the handler's CollectFailed), per interval. */
  failedMetric(agent: string): Metric {
    return new Metric({
      namespace: METRICS.namespace,
      metricName: METRICS.collectFailed,
      dimensionsMap: { service: SERVICES.collect, agent },
      period: Duration.millis(this.intervalMs),
      statistic: 'Sum',
    });
  }
}
