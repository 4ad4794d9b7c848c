import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { SCHEDULED_TIME_PLACEHOLDER } from '../lambdas/shared/environment.js';
import type { Operations } from './operations.js';
import { DeadLetteringLambdaInvoke } from './dead-letter-grants.js';

/**
 * One EventBridge Scheduler schedule invoking a function every `intervalMs` with `input`. A failed
 * delivery is retried twice, only while the cycle is still current (max event age = the interval),
 * then goes to the failed-schedules queue — a stale probe or rule cycle is worth nothing late.
 */
export function everyInterval(
  scope: Construct,
  id: string,
  options: { fn: IFunction; intervalMs: number; input: object; description: string; operations: Operations },
): Schedule {
  const minutes = options.intervalMs / 60_000;
  return new Schedule(scope, id, {
    schedule: ScheduleExpression.rate(Duration.minutes(minutes)),
    scheduleGroup: options.operations.scheduleGroup,
    description: options.description.slice(0, 512),
    target: new DeadLetteringLambdaInvoke(options.fn, {
      input: ScheduleTargetInput.fromObject({ ...options.input, scheduledTime: SCHEDULED_TIME_PLACEHOLDER }),
      deadLetterQueue: options.operations.failedSchedules,
      retryAttempts: 2,
      maxEventAge: Duration.minutes(Math.min(minutes, 24 * 60)),
    }),
  });
}
