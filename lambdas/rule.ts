import { agentHoldBackFor } from '../src/domain/agent/hold-back.js';
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoAlertStateStore, ruleGroupOf } from '../src/adapters/aws/dynamodb-state.js';
import { PflowError } from '../src/domain/errors.js';
import type { AlertStateStore, Clock, MetricStore } from '../src/domain/ports.js';
import { systemClock } from '../src/domain/ports.js';
import { escalationOf } from '../src/domain/routing/route.js';
import { dashboardLinkBase } from '../src/domain/rules/dashboard-links.js';
import { scopeGroupToSite } from '../src/domain/rules/site-scope.js';
import { runRuleGroup, type RuleGroupReport } from '../src/services/run-rule-group.js';
import { alertBusFromEnv } from './shared/alert-bus.js';
import { requireEnv } from './shared/config.js';
import { ENV, METRICS, type RuleScheduleInput } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { addBreakdown, countWhenAny } from './shared/observability.js';
import { alertHistoryFromEnv, lifecycleHolds, lifecycleStoreFromEnv } from './shared/lifecycle.js';
import { metricStoreFromEnv } from './shared/metric-store.js';
import { checkInput } from './shared/event-input.js';

const INPUT = { site: { type: 'text' }, group: { type: 'text' } } as const;

export interface RuleHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

/**
 * The rule function: one rule group at one site per Scheduler invocation — `runRuleGroup`, the very
 * cycle the local runtime runs, over Timestream (one query per table for the site), DynamoDB state
 * (conditional writes), the lifecycle table's run-time silences and acknowledgements, and the SNS
 * bus. It starts an alert's escalation clock; the escalation function tells the tiers as they fall due. The alert-history
 * writes (metric store, and the lifecycle table the daily report reads) are best effort: a Timestream
 * or DynamoDB outage must not stop the notifications that the states already committed to.
 */
export function createRuleHandler(options: RuleHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('rule', env);
  const { obs } = base;
  let ddb: DynamoDBClient | undefined;
  let sns: SNSClient | undefined;
  let store: MetricStore | undefined;
  let queries = 0;
  // Checked at init: a bad URL fails the function's start, not each alert.
  const grafanaUrl = env[ENV.grafanaUrl];
  const dashboardLinks = grafanaUrl ? dashboardLinkBase('grafana', grafanaUrl) : undefined;

  return wrap(
    base,
    async (event: RuleScheduleInput, _context: Context): Promise<RuleGroupReport & { site: string; group: string }> => {
      const { site, group: groupName } = checkInput<{ site: string; group: string }>(
        event,
        INPUT,
        'rule input must be {site, group}',
        true,
      );
      const { config } = await base.config();
      const group = config.ruleGroups.find((candidate) => candidate.name === groupName);
      if (!group) throw new PflowError('unknown_rule_group', `rule group "${groupName}" is not in the config`);

      store ??= metricStoreFromEnv(env, {
        logger: obs.port,
        onQuery: () => queries++,
        maxSamplesProcessed: config.storage.metrics.amp.maxSamplesProcessed,
      });
      const metrics = store;
      ddb ??= new DynamoDBClient({});
      sns ??= new SNSClient({});
      // The rule ids are shared by every site; this cycle owns only this site's instances, which are
      // the site's partition of each group: one Query reads the whole group.
      const states: AlertStateStore = new DynamoAlertStateStore({
        client: ddb,
        table: requireEnv(env, ENV.alertStateTable),
        groupOf: ruleGroupOf(config.ruleGroups),
      }).forSite(site);
      const bus = alertBusFromEnv(env, sns, config, obs.port);

      queries = 0;
      const startedAt = Date.now();
      const holdBack = agentHoldBackFor(config);
      // Run-time silences and acknowledgements, as the local runtime reads them every evaluation.
      const holds = await lifecycleHolds(lifecycleStoreFromEnv(env, ddb, config), config, clock.now());
      const history = alertHistoryFromEnv(env, ddb, config);
      const report = await runRuleGroup(scopeGroupToSite(group, site), {
        metrics: {
          fetchWindows: (query) => metrics.fetchWindows({ ...query, sites: [site] }),
          // Two histories, each best effort and neither waiting on the other: the metric store's for
          // the dashboards, the lifecycle table's for the daily report (alerts fired, durations, acks).
          writeAlertEvents: async (events) => {
            const outcomes = await Promise.allSettled([metrics.writeAlertEvents(events), history.write(events)]);
            outcomes.forEach((outcome, index) => {
              if (outcome.status === 'fulfilled') return;
              obs.metrics.addMetric('AlertHistoryWriteFailed', MetricUnit.Count, 1);
              obs.port.error('alert history not written; notifications go out regardless', {
                site,
                group: groupName,
                store: index === 0 ? 'metric store' : 'lifecycle table',
                events: events.length,
                error: outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason),
              });
            });
          },
        },
        states,
        bus,
        clock,
        logger: obs.port,
        silences: () => holds.silences,
        maintenanceWindows: () => config.maintenanceWindows,
        ...(dashboardLinks && { dashboardLinks: () => dashboardLinks }),
        acks: () => holds.acks,
        escalationFor: (event) => escalationOf(event, config.routes),
        ...(holdBack && { agentHoldBack: holdBack }),
      });
      // The stack's "rule group has not completed for 3 intervals" alarm reads this, in its own
      // dimension set {service, site, group}; flushed at once so it never waits for the invocation's end.
      const completed = obs.metrics.singleMetric();
      completed.addDimensions({ site, group: groupName });
      completed.addMetric(METRICS.ruleGroupCompleted, MetricUnit.Count, 1);
      // Per service; per group too only with aws.detailed_metrics (each group value is another
      // billed metric). The site rides along as a property of the log line, for Logs Insights (README).
      obs.metrics.addMetadata('site', site);
      addBreakdown(obs.metrics, { group: groupName }, config.aws?.detailedMetrics === true);
      obs.metrics.addMetric('RuleCycleDurationMs', MetricUnit.Milliseconds, Date.now() - startedAt);
      obs.metrics.addMetric('RuleQueries', MetricUnit.Count, queries);
      // The cycle itself succeeds while the store is down (each rule applied on_error); this is what alarms on it.
      countWhenAny(obs.metrics, METRICS.ruleQueryFailures, report.failedQueries);
      // The events the cycle published: a log line, not a metric, since the alert history (metric
      // store, Alert history dashboard) and the deliver functions' counts already chart them.
      if (report.notifications > 0) {
        obs.port.info('alert events published', { site, group: groupName, notifications: report.notifications });
      }
      countWhenAny(obs.metrics, 'RuleConflicts', report.conflicts);
      return { site, group: groupName, ...report };
    },
  );
}

export const handler = createRuleHandler();
