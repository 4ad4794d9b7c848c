import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigForDeployment } from '../../src/domain/config/deploy.js';
import { DEFAULT_ASSUMPTIONS } from '../../src/domain/cost/assumptions.js';
import { estimateCost } from '../../src/domain/cost/estimate.js';
import {
  AWS_EXAMPLE,
  functionIdByPath,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
} from './stack-support.js';

/** config/aws-example.yaml with two agents in pull mode (the block its comments show). */
export function pullExample(securityGroups = ''): string {
  const text = readFileSync(AWS_EXAMPLE, 'utf8');
  const anchor = '  secrets_prefix: pflow/st-anna/\n';
  if (!text.includes(anchor)) throw new Error('config/aws-example.yaml has no aws.secrets_prefix line');
  return text.replace(
    anchor,
    `${anchor}  pull:
    vpc_id: vpc-0a1b2c3d4e5f60718
    subnet_ids: [subnet-0a1b2c3d4e5f60718, subnet-1a1b2c3d4e5f60718]
${securityGroups}    interval: 2m
    agents:
      - { id: lab-01, site: st-anna-lab, url: 'http://10.20.0.15:9465', token: '\${LAB01_PULL_TOKEN}' }
      - { id: ward-02, site: st-anna, url: 'http://10.20.1.7:9465', token: '\${WARD02_PULL_TOKEN}' }
`,
  );
}

type Statement = { Action: unknown; Resource: unknown };
const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? (s.Action as string[]) : [s.Action as string]));

// Synthesizing a second stack takes seconds on a busy 2-core machine: a roomier timeout.
describe('Collect (aws.pull: two agents in pull mode)', { timeout: 120_000 }, () => {
  const { stack, template } = stackFor(pullExample());
  const fnId = functionIdByPath(template, 'CollectFunction');
  const fn = Object.fromEntries(resourcesOf(template, 'AWS::Lambda::Function'))[fnId]!;

  it('runs one function in the configured subnets, with a security group of its own allowing outbound only', () => {
    expect(fn.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-1a1b2c3d4e5f60718'],
      SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringContaining('CollectSecurityGroup'), 'GroupId'] }],
    });
    const groups = resourcesOf(template, 'AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0]![1]).toMatchObject({
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
    });
    expect(groups[0]![1].SecurityGroupIngress).toBeUndefined();
    // Under the 2-minute interval: two runs never pull one agent at once.
    expect(fn.Timeout).toBe(115);
    // What pflow cost prices it at.
    expect(fn.MemorySize).toBe(DEFAULT_ASSUMPTIONS.collectMemoryMb.value);
  });

  it('is the only function inside a VPC', () => {
    const inVpc = resourcesOf(template, 'AWS::Lambda::Function').filter(([, props]) => props.VpcConfig !== undefined);
    expect(inVpc.map(([id]) => id)).toEqual([fnId]);
  });

  it('has one schedule per agent, every interval, with the agent id as input', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').filter(([id]) => id.startsWith('Collect'));
    expect(schedules).toHaveLength(2);
    const inputs = schedules.map(([, props]) => {
      const target = props.Target as { Input: string; Arn: unknown };
      expect(props.ScheduleExpression).toBe('rate(2 minutes)');
      return (JSON.parse(target.Input) as { agent: string }).agent;
    });
    expect(inputs.sort()).toEqual(['lab-01', 'ward-02']);
  });

  it('may touch only the batch ledger, the metric store writes, its secrets, its logs and its network interfaces', () => {
    const statements = statementsOfFunction(template, fnId) as Statement[];
    const actions = new Set(actionsOf(statements));
    expect([...actions].sort()).toEqual(
      [
        'aps:RemoteWrite',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:UnassignPrivateIpAddresses',
        'kms:Decrypt',
        'kms:Encrypt',
        // Its dead letters: SQS encrypts them as the sender (lib/dead-letter-grants.ts).
        'kms:GenerateDataKey',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        // The failed-invocations queue every function's asynchronous invocations end in.
        'sqs:SendMessage',
      ].sort(),
    );
    const create = statements.filter((s) => actionsOf([s]).includes('ec2:CreateNetworkInterface'));
    const resources = JSON.stringify(create.map((s) => s.Resource));
    expect(resources).toContain('subnet/subnet-0a1b2c3d4e5f60718');
    expect(resources).toContain('network-interface/*');
    expect(resources).toContain('security-group/');
  });

  it('alarms when an agent could not be collected for 3 intervals in a row', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm')
      .map(([, props]) => props)
      .filter((props) => props.MetricName === 'CollectFailed');
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'PerformanceFlow',
        Period: 120,
        EvaluationPeriods: 3,
        Threshold: 1,
        Statistic: 'Sum',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(
      alarms.map((a) => (a.Dimensions as { Name: string; Value: string }[]).map((d) => `${d.Name}=${d.Value}`)),
    ).toEqual([
      ['agent=lab-01', 'service=pflow-collect'],
      ['agent=ward-02', 'service=pflow-collect'],
    ]);
  });

  it('uses the given security groups instead of making one', () => {
    const { template: given } = stackFor(pullExample('    security_group_ids: [sg-0a1b2c3d4e5f60718]\n'));
    expect(resourcesOf(given, 'AWS::EC2::SecurityGroup')).toHaveLength(0);
    const [, props] = resourcesOf(given, 'AWS::Lambda::Function').find(([id]) => id.includes('CollectFunction'))!;
    expect((props.VpcConfig as { SecurityGroupIds: unknown }).SecurityGroupIds).toEqual(['sg-0a1b2c3d4e5f60718']);
  });

  it('is cdk-nag clean (AwsSolutions and HIPAA Security)', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('pflow cost counts its schedules, alarms and runs like the stack', () => {
    const deployment = parseConfigForDeployment(pullExample(), 'pull.yaml');
    const estimate = estimateCost(deployment.config, deployment.secretNames);
    const quantity = (id: string) => estimate.common.find((i) => i.priceId === id)!;
    const count = (type: string) => resourcesOf(template, type).length;
    expect(quantity('cloudwatch.alarm').quantity).toBe(count('AWS::CloudWatch::Alarm'));
    expect(quantity('secrets.secret').quantity).toBe(count('AWS::SecretsManager::Secret'));
    const requests = quantity('lambda.requests');
    // 2 agents × one run every 2 minutes over the 730-hour month.
    expect(requests.basis).toContain('collect 43,800');
    const before = estimateCost(
      parseConfigForDeployment(readFileSync(AWS_EXAMPLE, 'utf8'), 'aws-example.yaml').config,
      deployment.secretNames,
    );
    expect(estimate.totals.amp.usd).toBeGreaterThan(before.totals.amp.usd);
  });
});

describe('Collect with assets: (pulled batches carry tag events)', { timeout: 120_000 }, () => {
  // aws.pull plus a small assets: section, so the stack makes the tag location table.
  const withAssets = (text: string) => `${text}
assets:
  zones:
    - { id: store-3, site: st-anna-lab, floor: '3', kind: storage }
  items:
    - { id: pump-1, site: st-anna-lab, tag: T-1, type: infusion-pump }
`;
  const { stack, template } = stackFor(withAssets(pullExample()));
  const fnId = functionIdByPath(template, 'CollectFunction');
  const [tableId] = resourcesOf(template, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('TagLocations'))!;

  it('may get, batch-get and put items of the tag location table, as the ingest function may, and names it', () => {
    const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === fnId)!;
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables['PFLOW_TAG_LOCATION_TABLE']).toEqual({
      Ref: tableId,
    });
    const onTable = (statementsOfFunction(template, fnId) as Statement[]).filter((s) =>
      JSON.stringify(s.Resource).includes(`"${tableId}"`),
    );
    expect(actionsOf(onTable).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
  });

  it('is cdk-nag clean', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('with Timestream, may write the tags table (the tag history), as the ingest function may, and nothing more there', () => {
    const timestream = withAssets(pullExample()).replace(
      /\n {2}metrics:\n(?: {4}.*\n)+/,
      '\n  metrics:\n    backend: timestream\n    timestream: { memory_retention: 24h, magnetic_retention: 400d }\n',
    );
    const { template: ts } = stackFor(timestream);
    const [tagsId] = resourcesOf(ts, 'AWS::Timestream::Table').find(([, t]) => t.TableName === 'tags')!;
    const writers = resourcesOf(ts, 'AWS::Lambda::Function').flatMap(([id, fn]) =>
      (statementsOfFunction(ts, id) as Statement[])
        .filter((st) => JSON.stringify(st.Resource).includes(`"${tagsId}"`))
        .map((st) => ({ fn: String(fn.Description).slice(0, 20), actions: actionsOf([st]) })),
    );
    expect(writers).toEqual(
      expect.arrayContaining([
        { fn: 'Stores agent batches', actions: ['timestream:WriteRecords'] },
        { fn: 'Pulls batches from o', actions: ['timestream:WriteRecords'] },
      ]),
    );
    expect(writers.filter((w) => w.actions.includes('timestream:WriteRecords'))).toHaveLength(2);
  });
});
