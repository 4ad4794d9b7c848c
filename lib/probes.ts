import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ProbeScheduleInput } from '../lambdas/shared/environment.js';
import type { DeploymentConfig, ProbeDefinition } from '../src/domain/config/model.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Operations } from './operations.js';
import { everyInterval } from './schedules.js';

/** Probes per schedule: keeps each Scheduler input small and each invocation's work bounded. */
export const PROBES_PER_SCHEDULE = 50;

export interface ProbeGroup {
  readonly site: string;
  readonly intervalMs: number;
  readonly probeIds: readonly string[];
}

/** Cloud probes grouped by (site, interval), in config order, split into chunks of PROBES_PER_SCHEDULE. */
export function probeGroups(probes: readonly ProbeDefinition[]): ProbeGroup[] {
  const groups = new Map<string, { site: string; intervalMs: number; probeIds: string[] }>();
  for (const probe of probes) {
    if (probe.runsOn !== 'cloud') continue;
    const key = `${probe.site}\u0000${probe.intervalMs}`;
    const group = groups.get(key) ?? { site: probe.site, intervalMs: probe.intervalMs, probeIds: [] };
    group.probeIds.push(probe.id);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) => {
    const chunks: ProbeGroup[] = [];
    for (let i = 0; i < group.probeIds.length; i += PROBES_PER_SCHEDULE) {
      chunks.push({ ...group, probeIds: group.probeIds.slice(i, i + PROBES_PER_SCHEDULE) });
    }
    return chunks;
  });
}

export interface ProbesProps {
  readonly config: DeploymentConfig;
  readonly functions: FunctionDefaults;
  readonly metricStore: MetricStoreConstruct;
  readonly operations: Operations;
}

/**
 * The cloud probes: one probe function, and one schedule per (site, interval) group invoking it
 * with the group's probe ids. Probes on an agent are not scheduled here.
 */
export class Probes extends Construct {
  readonly fn: LambdaFunction;
  readonly schedules: readonly Schedule[];
  readonly groups: readonly ProbeGroup[];

  constructor(scope: Construct, id: string, props: ProbesProps) {
    super(scope, id);
    const cloudProbes = props.config.probes.filter((probe) => probe.runsOn === 'cloud');
    // Room for the longest probe timeout plus writing the results; never under a minute.
    const longest = Math.max(0, ...cloudProbes.map((probe) => probe.timeoutMs));
    this.fn = props.functions.create(this, 'Function', 'probe', {
      description: 'Runs a group of cloud probes and writes their results',
      timeout: Duration.seconds(Math.max(60, Math.ceil(longest / 1000) + 15)),
      memorySize: 512,
    });
    props.metricStore.grantProbeWriter(this.fn);

    this.groups = probeGroups(cloudProbes);
    this.schedules = this.groups.map((group, index) => {
      const input: ProbeScheduleInput = { site: group.site, probeIds: group.probeIds };
      return everyInterval(this, `Schedule${index}`, {
        fn: this.fn,
        intervalMs: group.intervalMs,
        input,
        operations: props.operations,
        description: `PerformanceFlow probes of site ${group.site} every ${group.intervalMs / 60_000} min`,
      });
    });
  }
}
