import type * as z from 'zod';
import { formatDuration } from '../duration.js';
import { DEFAULT_RUNS_ON, isWholeMinutes } from './cloud.js';

/**
 * Checks that apply only when the config is deployed to AWS (it has an `aws:` section): cloud
 * probes and rule groups run on EventBridge Scheduler, which fires at most once a minute on whole
 * minutes. (A probe's timeout is capped well inside a Lambda's 15 minutes for every runtime.) Like the other cross-field rules they read
 * the half-parsed value defensively.
 */

type Loose = Readonly<Record<string, unknown>>;
type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function itemsOf(value: unknown): Loose[] {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : {})) : [];
}
function ms(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function checkCloudRules(value: Loose, ctx: z.RefinementCtx): void {
  const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  if (value.aws === undefined) {
    checkOutsideAws(value, report);
    return;
  }
  const defaults = isRecord(value.defaults) ? value.defaults : {};
  const siteRunsOn = new Map(
    itemsOf(value.sites).map((site) => [site.id, typeof site.runs_on === 'string' ? site.runs_on : undefined]),
  );

  itemsOf(value.probes).forEach((probe, index) => {
    const runsOn =
      (typeof probe.runs_on === 'string' ? probe.runs_on : undefined) ?? siteRunsOn.get(probe.site) ?? DEFAULT_RUNS_ON;
    if (runsOn !== 'cloud') return;
    const path: Path = ['probes', index];
    if (probe.kind === 'ping') {
      report(
        [...path, 'runs_on'],
        'a ping probe sends ICMP, which a Lambda cannot: run it on an agent inside the network (runs_on: agent:<id>)',
      );
    }
    const own = ms(probe.interval);
    const interval = probe.interval === undefined ? ms(defaults.probe_interval) : own;
    if (interval !== undefined && !isWholeMinutes(interval)) {
      const from = probe.interval === undefined ? ' (from defaults.probe_interval)' : '';
      report(
        [...path, 'interval'],
        `a cloud probe runs on whole minutes (EventBridge Scheduler's floor): ${formatDuration(interval)}${from} is not; use 1m, 2m, … or run it on an agent (runs_on: agent:<id>) for shorter intervals`,
      );
    }
  });

  const storage = isRecord(value.storage) ? value.storage : {};
  const metrics = isRecord(storage.metrics) ? storage.metrics : {};
  if (metrics.backend === 'prometheus') {
    report(
      ['storage', 'metrics', 'backend'],
      'prometheus is for the local runtime; in AWS use amp (any account) or timestream (accounts onboarded before 2025-06-20)',
    );
  }

  checkPull(value, report);

  itemsOf(value.rule_groups).forEach((group, index) => {
    const interval = group.interval === undefined ? ms(defaults.evaluation_interval) : ms(group.interval);
    if (interval !== undefined && !isWholeMinutes(interval)) {
      const from = group.interval === undefined ? ' (from defaults.evaluation_interval)' : '';
      report(
        ['rule_groups', index, 'interval'],
        `in AWS a rule group is evaluated on whole minutes (EventBridge Scheduler's floor): ${formatDuration(interval)}${from} is not; use 1m, 2m, …`,
      );
    }
  });
}

/** `aws.pull`: known sites, one entry per agent, a schedulable interval. */
function checkPull(value: Loose, report: Report): void {
  const aws = isRecord(value.aws) ? value.aws : {};
  if (!isRecord(aws.pull)) return;
  const path: Path = ['aws', 'pull'];
  const interval = ms(aws.pull.interval);
  if (interval !== undefined && !isWholeMinutes(interval)) {
    report(
      [...path, 'interval'],
      `the collect function runs on whole minutes (EventBridge Scheduler's floor): ${formatDuration(interval)} is not`,
    );
  }
  const sites = new Set(itemsOf(value.sites).map((site) => site.id));
  const seen = new Set<unknown>();
  itemsOf(aws.pull.agents).forEach((agent, index) => {
    if (typeof agent.site === 'string' && !sites.has(agent.site)) {
      report([...path, 'agents', index, 'site'], `no site ${JSON.stringify(agent.site)}`);
    }
    if (seen.has(agent.id)) report([...path, 'agents', index, 'id'], `agent "${String(agent.id)}" is listed twice`);
    seen.add(agent.id);
  });
}

/** What only the AWS stack can fill in: an `sns` channel without a topic gets the stack's own. */
function checkOutsideAws(value: Loose, report: Report): void {
  itemsOf(value.channels).forEach((channel, index) => {
    if (channel.kind !== 'sns') return;
    const settings = isRecord(channel.sns) ? channel.sns : undefined;
    if (settings !== undefined && settings.topic_arn === undefined) {
      report(
        ['channels', index, 'sns', 'topic_arn'],
        'required outside an AWS deployment (only the AWS stack creates a topic for an sns channel without one)',
      );
    }
  });
}
