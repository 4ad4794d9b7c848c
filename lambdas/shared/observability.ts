import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { powertoolsPortLogger } from '../../src/adapters/aws/powertools-logger.js';
import type { Logger as PortLogger } from '../../src/domain/ports.js';
import { redactorFor, type Redactor } from '../../src/domain/redact.js';

export const METRICS_NAMESPACE = 'PerformanceFlow';

/** One function's Powertools Logger and Metrics, and the domain Logger port over them. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly port: PortLogger;
  /** Called once the config's secrets are known, so the port scrubs them from every line. */
  setSecrets(values: readonly string[]): void;
}

export function observability(functionName: string): Observability {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? `pflow-${functionName}`;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  });
  let redact: Redactor = (text) => text;
  return {
    logger,
    metrics,
    port: powertoolsPortLogger(logger, () => redact),
    setSecrets(values) {
      redact = redactorFor(values);
    },
  };
}

/**
 * A count published only when it is not zero. CloudWatch bills a custom metric for each hour in
 * which it is published (prorated by the hour, metered only when sent), so a failure or rare count
 * sent as 0 on every invocation costs a full metric-month; sent only when it happens, it costs the
 * hours it happens in. Its alarms treat missing data as not breaching: no datapoint means none.
 */
export function countWhenAny(metrics: Metrics, name: string, value: number): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * The breakdown of an invocation's counts (a rule group, a channel). By default a property of the
 * EMF line, for Logs Insights: each value as a dimension would be one more billed metric. With the
 * config's `aws.detailed_metrics` it is a dimension as well, in a second dimension set beside
 * `{service}`, so the service-level metrics the alarms read are still sent.
 */
export function addBreakdown(metrics: Metrics, breakdown: Readonly<Record<string, string>>, detailed: boolean): void {
  if (detailed) {
    // An empty set is {service} alone (the default dimension); the second adds the breakdown.
    metrics.addDimensions({});
    metrics.addDimensions(breakdown);
  } else {
    for (const [key, value] of Object.entries(breakdown)) metrics.addMetadata(key, value);
  }
}
