import { Duration, TimeZone } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV, SCHEDULED_TIME_PLACEHOLDER, type ReportScheduleInput } from '../lambdas/shared/environment.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { Lifecycle } from './lifecycle.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Notifications } from './notifications.js';
import type { Operations } from './operations.js';
import { DeadLetteringLambdaInvoke } from './dead-letter-grants.js';

/** One configured report at one site: what one schedule sends. */
export interface ReportSlot {
  readonly report: string;
  readonly site: string;
  readonly timezone: string;
  /** HH:mm, site-local. */
  readonly at: string;
}

/** Every (report, site) pair of the config's `reports:` section, in the site's time zone. */
export function reportSlots(config: DeploymentConfig): ReportSlot[] {
  const zones = new Map(config.sites.map((site) => [site.id, site.timezone]));
  return (config.reports ?? []).flatMap((report) =>
    report.sites.map((site) => ({ report: report.id, site, timezone: zones.get(site) ?? 'UTC', at: report.at })),
  );
}

/**
 * A late report is still worth sending the same morning; after this long the schedule gives up
 * and the delivery goes to the failed-schedules queue (alarmed on), where a person can run it by hand.
 */
export const REPORT_MAX_EVENT_AGE = Duration.hours(6);

export interface ReportsProps {
  readonly config: DeploymentConfig;
  readonly functions: FunctionDefaults;
  readonly metricStore: MetricStoreConstruct;
  readonly notifications: Notifications;
  readonly operations: Operations;
  /** Alerts fired and who acknowledged them: its alert history and acknowledgement audit. */
  readonly lifecycle: Lifecycle;
}

/**
 * The daily reports in AWS: the report function and one EventBridge Scheduler cron schedule per
 * (report, site) at the report's local time in the site's IANA zone — Scheduler keeps 07:00 at
 * 07:00 across DST changes. The function reads the metric store (and the lifecycle table for the
 * alerts fired and their acknowledgements) and publishes the digest on the alert topic for the report's channels; the channels' deliver functions render and send it.
 * Only made when the config has reports.
 */
export class Reports extends Construct {
  readonly fn: LambdaFunction;
  readonly slots: readonly ReportSlot[];
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    this.fn = props.functions.create(this, 'Function', 'report', {
      description: 'Computes a daily report for one site and publishes it for its channels',
      // A week of raw results for every probe of a site is read and summed: minutes, not seconds, at scale.
      timeout: Duration.minutes(5),
      memorySize: 1024,
      environment: { [ENV.alertTopicArn]: props.notifications.alertTopic.topicArn },
    });
    props.metricStore.grantReportReader(this.fn);
    props.lifecycle.grantReportReader(this.fn);
    props.notifications.grantPublish(this.fn);

    this.slots = reportSlots(props.config);
    this.schedules = this.slots.map((slot, index) => {
      const [hour, minute] = slot.at.split(':').map(Number) as [number, number];
      const input: ReportScheduleInput = { report: slot.report, site: slot.site };
      return new Schedule(this, `Schedule${index}`, {
        schedule: ScheduleExpression.cron({
          minute: String(minute),
          hour: String(hour),
          timeZone: TimeZone.of(slot.timezone),
        }),
        scheduleGroup: props.operations.scheduleGroup,
        description:
          `PerformanceFlow daily report ${slot.report} for site ${slot.site} at ${slot.at} ${slot.timezone}`.slice(
            0,
            512,
          ),
        target: new DeadLetteringLambdaInvoke(this.fn, {
          input: ScheduleTargetInput.fromObject({ ...input, scheduledTime: SCHEDULED_TIME_PLACEHOLDER }),
          deadLetterQueue: props.operations.failedSchedules,
          retryAttempts: 3,
          maxEventAge: REPORT_MAX_EVENT_AGE,
        }),
      });
    });
  }
}
