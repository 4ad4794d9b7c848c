import { Duration, Fn } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, METRICS, SERVICES } from '../lambdas/shared/environment.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { Notifications } from './notifications.js';
import type { Operations } from './operations.js';
import type { ReportSlot } from './reports.js';
import type { RuleCycle } from './rules.js';

export interface MetaMonitoringProps {
  readonly functions: FunctionDefaults;
  readonly notifications: Notifications;
  readonly operations: Operations;
  /** The deployment key (DeploymentKey): the alarm topic is encrypted with it. */
  readonly key: IKey;
  readonly ruleCycles: readonly RuleCycle[];
  /** Each (report, site) the report function publishes daily. */
  readonly reportSlots?: readonly ReportSlot[];
}

/**
 * Monitoring of the monitoring: CloudWatch alarms on function errors and throttles, dead-letter
 * depth, schedule deliveries that failed, rule cycles that stopped completing, and rule cycles whose
 * metric store queries keep failing. Every alarm
 * notifies one topic whose subscriber, the meta-alarm function, turns each state change into an
 * ordinary alert event on the alert topic — so the hospital hears through its own channels.
 */
export class MetaMonitoring extends Construct {
  readonly topic: Topic;
  readonly fn: LambdaFunction;
  readonly alarms: Alarm[] = [];
  private readonly functions: FunctionDefaults;
  private readonly action: SnsAction;
  private watchedFunctions = 0;

  constructor(scope: Construct, id: string, props: MetaMonitoringProps) {
    super(scope, id);
    const { operations, notifications, key } = props;
    this.topic = new Topic(this, 'AlarmStateChanges', {
      displayName: 'PerformanceFlow alarm state changes',
      masterKey: key,
      enforceSSL: true,
    });
    // CloudWatch publishes to an encrypted topic only if the key lets it (a customer managed key).
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const deadLetterChannels = notifications.channels.map((pipeline) => ({
      queueName: pipeline.deadLetterQueue.queueName,
      channel: pipeline.channel.id,
    }));
    this.fn = props.functions.create(this, 'Function', 'metaAlarm', {
      description: 'Turns CloudWatch alarm state changes into PerformanceFlow alert events',
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: {
        [ENV.alertTopicArn]: notifications.alertTopic.topicArn,
        // Queue names are deploy-time tokens: the JSON object is joined by CloudFormation.
        [ENV.deadLetterQueues]: Fn.join('', [
          '{',
          ...deadLetterChannels.flatMap((entry, index) => [
            index === 0 ? '"' : ',"',
            entry.queueName,
            `":${JSON.stringify(entry.channel)}`,
          ]),
          '}',
        ]),
      },
    });
    this.topic.addSubscription(new LambdaSubscription(this.fn));
    notifications.grantPublish(this.fn);

    this.action = new SnsAction(this.topic);
    this.functions = props.functions;
    const alarm = this.alarm.bind(this);

    this.watchNewFunctions();
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };

    const depth = (queue: Queue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
    notifications.channels.forEach((pipeline) => {
      alarm(
        `DeadLetters-${pipeline.channel.id}`,
        depth(pipeline.deadLetterQueue),
        `Notifications to channel ${pipeline.channel.id} reached its dead-letter queue (pflow-delivery-failed)`,
      );
    });
    alarm(
      'FailedSchedules',
      depth(operations.failedSchedules),
      'Scheduled probe, rule or report invocations were given up',
    );
    alarm('FailedInvocations', depth(operations.failedInvocations), 'Asynchronous invocations failed every attempt');
    const group = operations.scheduleGroup;
    alarm(
      'SchedulesDropped',
      group.metricDropped(fiveMinutes),
      'EventBridge Scheduler dropped invocations after its retries',
    );
    alarm(
      'SchedulesNotDeadLettered',
      group.metricFailedToBeSentToDLQ(undefined, fiveMinutes),
      'Failed schedule invocations could not even be dead-lettered',
    );

    props.ruleCycles.forEach((cycle, index) => {
      const metric = new Metric({
        namespace: METRICS.namespace,
        metricName: METRICS.ruleGroupCompleted,
        dimensionsMap: { service: SERVICES.rule, site: cycle.site, group: cycle.group },
        period: Duration.millis(cycle.intervalMs),
        statistic: 'Sum',
      });
      alarm(
        `RuleGroupStalled${index}`,
        metric,
        `Rule group ${cycle.group} at site ${cycle.site} has not completed for 3 intervals`,
        {
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 3,
          // No datapoint is exactly what a stalled group looks like.
          treatMissingData: TreatMissingData.BREACHING,
        },
      );
    });

    // The cycle succeeds while the metric store is down (each rule applies its on_error policy), so
    // a group of keep_last rules would go quiet unnoticed: the failed queries themselves alarm. One
    // alarm for every group and site: the rule function counts them per service ({service}; the
    // group is a property of the log line), sent only in cycles that had one. Its period is the
    // shortest group interval and it fires on 3 periods with a failure within 3 intervals of the
    // slowest group: a 1-minute group's outage is told after 3 minutes, a slower group's after 3 of
    // its cycles, whichever groups share the alarm.
    const groups = [...new Set(props.ruleCycles.map((cycle) => cycle.group))];
    if (groups.length > 0) {
      const shortestMs = Math.min(...props.ruleCycles.map((cycle) => cycle.intervalMs));
      const longestMs = Math.max(...props.ruleCycles.map((cycle) => cycle.intervalMs));
      const evaluationPeriods = Math.min(
        3 * Math.ceil(longestMs / shortestMs),
        Math.max(1, Math.floor(maxAlarmWindowMs(shortestMs) / shortestMs)),
      );
      alarm(
        'RuleQueriesFailing',
        new Metric({
          namespace: METRICS.namespace,
          metricName: METRICS.ruleQueryFailures,
          dimensionsMap: { service: SERVICES.rule },
          period: Duration.millis(shortestMs),
          statistic: 'Sum',
        }),
        withinAlarmDescription(
          groups,
          (listed) =>
            `Metric store queries of rule groups failed in 3 periods of ${formatMinutes(shortestMs)} ` +
            `within ${formatMinutes(evaluationPeriods * shortestMs)} (groups: ${listed}); ` +
            'their rules are applying their on_error policy. ' +
            'Which group and site: the rule function log lines with RuleQueryFailures (README, Logs Insights)',
        ),
        // One failed cycle is a blip the next retry covers; three is an outage. No datapoint is a
        // period without a failed query (missing data is not breaching).
        { evaluationPeriods, datapointsToAlarm: Math.min(3, evaluationPeriods) },
      );
    }

    (props.reportSlots ?? []).forEach((slot, index) => {
      const metric = new Metric({
        namespace: METRICS.namespace,
        metricName: METRICS.reportPublished,
        dimensionsMap: { service: SERVICES.report, report: slot.report, site: slot.site },
        period: Duration.days(1),
        statistic: 'Sum',
      });
      // Two days of nothing, not one: today's period has no datapoint until the morning's report,
      // so a one-period alarm would go off every night; two consecutive empty days mean one was missed.
      alarm(
        `ReportNotPublished${index}`,
        metric,
        `Daily report ${slot.report} for site ${slot.site} was not published for a day`,
        {
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 2,
          treatMissingData: TreatMissingData.BREACHING,
        },
      );
    });
  }

  /**
   * Alarms on errors and throttles of every function made since the last call. The stack calls it
   * again once the constructs made after this one (ingest API, Grafana provisioner) exist, so no
   * function is left unwatched; the alarm ids keep their numbers, so adding one replaces none.
   */
  watchNewFunctions(): void {
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const all = this.functions.functions;
    for (; this.watchedFunctions < all.length; this.watchedFunctions++) {
      const fn = all[this.watchedFunctions]!;
      const index = this.watchedFunctions;
      this.alarm(`Errors${index}`, fn.metricErrors(fiveMinutes), `Function ${fn.node.path} fails`);
      this.alarm(`Throttles${index}`, fn.metricThrottles(fiveMinutes), `Function ${fn.node.path} is throttled`);
    }
  }

  /** An alarm another construct defines (the collect function's, per agent), on the same topic. */
  watch(alarmId: string, metric: IMetric, description: string, options: Partial<AlarmOptions> = {}): Alarm {
    return this.alarm(alarmId, metric, description, options);
  }

  private alarm(alarmId: string, metric: IMetric, description: string, options: Partial<AlarmOptions> = {}): Alarm {
    const created = new Alarm(this, alarmId, {
      metric,
      threshold: options.threshold ?? 1,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      ...(options.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: options.datapointsToAlarm }),
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      // A group, site or report name could make it longer than CloudWatch takes: cut, not refused.
      alarmDescription:
        description.length <= MAX_ALARM_DESCRIPTION
          ? description
          : `${description.slice(0, MAX_ALARM_DESCRIPTION - 1)}…`,
    });
    created.addAlarmAction(this.action);
    created.addOkAction(this.action);
    this.alarms.push(created);
    return created;
  }
}

export interface AlarmOptions {
  readonly threshold: number;
  readonly evaluationPeriods: number;
  /** M of the N evaluation periods that must breach; all N when not given. */
  readonly datapointsToAlarm: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData: TreatMissingData;
}

/**
 * CloudWatch's longest evaluation window (PutMetricAlarm: period × evaluation periods): 1 day for a
 * period under an hour, 7 days otherwise.
 */
function maxAlarmWindowMs(periodMs: number): number {
  return periodMs < 3_600_000 ? 86_400_000 : 7 * 86_400_000;
}

/** CloudWatch's longest alarm description (PutMetricAlarm); a longer one fails the deploy. */
export const MAX_ALARM_DESCRIPTION = 1024;

/**
 * The description `describe` makes with as many of `names` as fit in an alarm description, and how
 * many more there are: one alarm covers every rule group, and a config may have many.
 */
function withinAlarmDescription(names: readonly string[], describe: (listed: string) => string): string {
  for (let count = names.length; count > 0; count--) {
    const more = names.length - count;
    const text = describe(`${names.slice(0, count).join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
    if (text.length <= MAX_ALARM_DESCRIPTION) return text;
  }
  return describe(`${names.length} groups`);
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
