import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { AssetsScheduleInput } from '../lambdas/shared/environment.js';
import { DAY_PART_EVERY_MS } from '../src/services/asset-answers.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Operations } from './operations.js';
import { everyInterval } from './schedules.js';
import type { TagLocations } from './tag-locations.js';

/** The answers from where tags are now: as often as Scheduler runs anything. */
export const ASSETS_NOW_INTERVAL = Duration.minutes(1);
/**
 * Patient flow and utilization read a day of tag history: every 15 minutes, since the day's
 * figures move slowly and each read is a query the metric store bills (Timestream by compute).
 */
// The same pace as the local runtime's day task (one constant for both).
export const ASSETS_DAY_INTERVAL = Duration.millis(DAY_PART_EVERY_MS);

export interface AssetAnswersProps {
  readonly functions: FunctionDefaults;
  readonly metricStore: MetricStoreConstruct;
  readonly tagLocations: TagLocations;
  readonly operations: Operations;
}

/**
 * The asset answers in AWS (a config with `assets:`): one function (lambdas/assets.ts) on two
 * schedules — `{part: "now"}` every minute (missing, left the building, battery, par levels,
 * occupancy, from the tag location table) and `{part: "day"}` every 15 minutes (patient flow and
 * utilization over the last day, from the metric store's tag history). It writes the answers to
 * the metric store as the same series the local runtime writes, so the rules and dashboards read
 * them there. It may Query the location table and nothing else on it, read the tag history and
 * write samples.
 */
export class AssetAnswers extends Construct {
  readonly fn: LambdaFunction;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: AssetAnswersProps) {
    super(scope, id);
    this.fn = props.functions.create(this, 'Function', 'assets', {
      description: 'Writes the asset answers (missing, par levels, batteries, patient flow) as series',
      // A day of a 1,000-tag site's history is about 1.5 million readings to sort into visits.
      timeout: Duration.minutes(2),
      memorySize: 1024,
    });
    props.tagLocations.grantRead(this.fn);
    props.tagLocations.grantImportsRead(this.fn);
    props.metricStore.grantAssetEvaluator(this.fn);
    const parts: { part: AssetsScheduleInput['part']; interval: Duration; what: string }[] = [
      { part: 'now', interval: ASSETS_NOW_INTERVAL, what: 'locations now' },
      { part: 'day', interval: ASSETS_DAY_INTERVAL, what: 'patient flow and utilization of the day' },
    ];
    this.schedules = parts.map(({ part, interval, what }) =>
      everyInterval(this, `Schedule-${part}`, {
        fn: this.fn,
        intervalMs: interval.toMilliseconds(),
        input: { part } satisfies Omit<AssetsScheduleInput, 'scheduledTime'>,
        operations: props.operations,
        description: `PerformanceFlow asset answers: ${what}`,
      }),
    );
  }
}
