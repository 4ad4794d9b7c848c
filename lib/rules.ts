import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/shared/environment.js';
import type { RuleScheduleInput } from '../lambdas/shared/environment.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import { ruleGroupSites } from '../src/domain/rules/site-scope.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Notifications } from './notifications.js';
import type { Operations } from './operations.js';
import { everyInterval } from './schedules.js';
import type { Storage } from './storage.js';

export interface RuleCycle {
  readonly site: string;
  readonly group: string;
  readonly intervalMs: number;
}

/**
 * Every (site, rule group) pair: a group is evaluated per site, one query per table per site per
 * cycle. A group limited to some sites (the default agent rules: where agents are declared) runs
 * only there.
 */
export function ruleCycles(config: DeploymentConfig): RuleCycle[] {
  return config.sites.flatMap((site) =>
    config.ruleGroups
      .filter((group) => ruleGroupSites(group, config.sites).includes(site.id))
      .map((group) => ({ site: site.id, group: group.name, intervalMs: group.intervalMs })),
  );
}

export interface RulesProps {
  readonly config: DeploymentConfig;
  readonly functions: FunctionDefaults;
  readonly metricStore: MetricStoreConstruct;
  readonly storage: Storage;
  readonly notifications: Notifications;
  readonly operations: Operations;
}

/** The rule function and one schedule per (site, rule group) at the group's interval. */
export class Rules extends Construct {
  readonly fn: LambdaFunction;
  readonly schedules: readonly Schedule[];
  readonly cycles: readonly RuleCycle[];

  constructor(scope: Construct, id: string, props: RulesProps) {
    super(scope, id);
    this.fn = props.functions.create(this, 'Function', 'rule', {
      description: 'Evaluates one rule group at one site and publishes alert events',
      timeout: Duration.seconds(60),
      // Peak RSS of a 50-rule group, warm cycle after cycle: 122 MB on a probe group's small answers,
      // 199–220 MB on 10,000–20,000 agent series (bench/rule-memory.ts, README): not room enough for 256.
      memorySize: 512,
      environment: {
        [ENV.alertStateTable]: props.storage.alertStateTable.tableName,
        [ENV.alertTopicArn]: props.notifications.alertTopic.topicArn,
      },
    });
    props.metricStore.grantRuleEvaluator(this.fn);
    // Deletes go in BatchWriteItem requests (an instance back to ok is deleted, not stored).
    props.storage.alertStateTable.grant(this.fn, 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
    props.storage.tableKey.grantEncryptDecrypt(this.fn);
    props.notifications.grantPublish(this.fn);

    this.cycles = ruleCycles(props.config);
    this.schedules = this.cycles.map((cycle, index) => {
      const input: RuleScheduleInput = { site: cycle.site, group: cycle.group };
      return everyInterval(this, `Schedule${index}`, {
        fn: this.fn,
        intervalMs: cycle.intervalMs,
        input,
        operations: props.operations,
        description: `PerformanceFlow rule group ${cycle.group} at site ${cycle.site}`,
      });
    });
  }
}
