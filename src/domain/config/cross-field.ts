import type * as z from 'zod';
import { probeKindSettings } from '../../probes/settings.js';
import { formatDuration } from '../duration.js';
import { PROBE_MEASURES } from '../probe-result.js';
import type { ProbeKindSettings } from '../../probes/types.js';
import type { LabelMatcher } from '../labels.js';
import { REDUCERS, type Reducer } from '../rules/types.js';
import { AGENT_PROBE_MIN_INTERVAL_MS } from '../agent/agent-probes.js';
import { AGENT_RULE_GROUP } from '../agent/default-rules.js';
import { checkCloudRules } from './cloud-checks.js';
import {
  probesReadBy,
  shortestWindowMs,
  slowestProbe,
  type ProbeCadence,
  type ProbeSeriesSource,
} from './rule-probes.js';

/**
 * Rules that span fields: references between sections, unique ids, and limits that depend on
 * another setting. They run even when some field elsewhere is invalid (one run lists every error),
 * so they read the half-parsed value defensively: a field that failed its own check is skipped.
 */

type Loose = Readonly<Record<string, unknown>>;
type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const probeKinds: Readonly<Record<string, ProbeKindSettings<unknown>>> = probeKindSettings;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Items of a list, keeping their indexes; a malformed item reads as an empty one. */
function itemsOf(value: unknown): Loose[] {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : {})) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function ms(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function quoteList(values: Iterable<string>): string {
  const list = [...values];
  return list.length === 0 ? 'none defined' : list.join(', ');
}

export function checkCrossFieldRules(value: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(value)) return;
  const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });

  const sites = itemsOf(value.sites);
  const probes = itemsOf(value.probes);
  const groups = itemsOf(value.rule_groups);
  const channels = itemsOf(value.channels);
  const defaults = isRecord(value.defaults) ? value.defaults : {};

  const siteIds = uniqueIds(sites, 'sites', 'id', 'site id', report);
  uniqueIds(probes, 'probes', 'id', 'probe id', report);
  const channelIds = uniqueIds(channels, 'channels', 'id', 'channel id', report);
  uniqueIds(itemsOf(value.silences), 'silences', 'id', 'silence id', report);
  const teams = uniqueIds(itemsOf(value.oncall), 'oncall', 'team', 'on-call team', report);
  itemsOf(value.oncall).forEach((schedule, index) => {
    const site = text(schedule.site);
    if (site !== undefined && !siteIds.has(site)) {
      report(['oncall', index, 'site'], `no site ${JSON.stringify(site)} (sites: ${quoteList(siteIds)})`);
    }
  });
  channels.forEach((channel, channelIndex) => {
    const email = isRecord(channel.email) ? channel.email : {};
    for (const field of ['to', 'cc'] as const) {
      const list = Array.isArray(email[field]) ? (email[field] as unknown[]) : [];
      list.forEach((recipient, index) => {
        const team = typeof recipient === 'string' ? /^oncall:(.+)$/.exec(recipient)?.[1] : undefined;
        if (team !== undefined && !teams.has(team)) {
          report(
            ['channels', channelIndex, 'email', field, index],
            `no on-call schedule for team ${JSON.stringify(team)} (oncall teams: ${quoteList(teams)})`,
          );
        }
      });
    }
    const slack = isRecord(channel.slack) ? channel.slack : {};
    const mentions = Array.isArray(slack.mention) ? (slack.mention as unknown[]) : [];
    mentions.forEach((mention, index) => {
      const team = typeof mention === 'string' ? /^oncall:(.+)$/.exec(mention)?.[1] : undefined;
      if (team !== undefined && !teams.has(team)) {
        report(
          ['channels', channelIndex, 'slack', 'mention', index],
          `no on-call schedule for team ${JSON.stringify(team)} (oncall teams: ${quoteList(teams)})`,
        );
      }
    });
  });
  uniqueIds(itemsOf(value.maintenance_windows), 'maintenance_windows', 'id', 'maintenance window id', report);
  uniqueIds(groups, 'rule_groups', 'name', 'rule group name', report);

  checkDefaults(defaults, report);
  probes.forEach((probe, index) => checkProbe(probe, ['probes', index], { siteIds, defaults }, report));
  checkAgentProbes(sites, probes, defaults, report);
  checkSiteAgents(sites, probes, groups, channelIds, value.aws, report);
  checkRules(groups, value.storage, report);
  checkRuleWindows(groups, probeCadences(probes, defaults), report);
  checkRoutes(itemsOf(value.routes), channelIds, report);
  checkDelivery(value.delivery, report);
  checkCloudRules(value, ctx);
}

/** Reports every repeat of a key's value and returns the set of values seen. */
function uniqueIds(items: Loose[], collection: string, key: string, what: string, report: Report): Set<string> {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const id = text(item[key]);
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else
      report(
        [collection, index, key],
        `duplicate ${what} ${JSON.stringify(id)} (already used by ${collection}[${first}])`,
      );
  });
  return new Set(firstIndex.keys());
}

function checkDefaults(defaults: Loose, report: Report): void {
  const interval = ms(defaults.probe_interval);
  const timeout = ms(defaults.probe_timeout);
  if (interval !== undefined && timeout !== undefined && timeout >= interval) {
    report(
      ['defaults', 'probe_timeout'],
      `must be shorter than defaults.probe_interval (${formatDuration(timeout)} is not shorter than ${formatDuration(interval)})`,
    );
  }
}

function checkProbe(
  probe: Loose,
  path: Path,
  context: { siteIds: ReadonlySet<string>; defaults: Loose },
  report: Report,
): void {
  const site = text(probe.site);
  if (site !== undefined && !context.siteIds.has(site)) {
    report([...path, 'site'], `no site ${JSON.stringify(site)} (sites: ${quoteList(context.siteIds)})`);
  }

  const kind = text(probe.kind);
  const target = text(probe.target);
  const settings = kind === undefined ? undefined : probeKinds[kind];
  if (settings && target !== undefined && target.length > 0) {
    const problem = settings.validateTarget(target);
    if (problem !== undefined) report([...path, 'target'], problem);
  }

  // Only probes that set their own interval or timeout are checked here; the defaults are checked once.
  const ownInterval = probe.interval;
  const ownTimeout = probe.timeout;
  if (ownInterval === undefined && ownTimeout === undefined) return;
  const interval = ownInterval === undefined ? ms(context.defaults.probe_interval) : ms(ownInterval);
  const timeout = ownTimeout === undefined ? ms(context.defaults.probe_timeout) : ms(ownTimeout);
  if (interval === undefined || timeout === undefined || timeout < interval) return;
  if (ownTimeout !== undefined) {
    const from = ownInterval === undefined ? ' from defaults.probe_interval' : '';
    report(
      [...path, 'timeout'],
      `must be shorter than the interval (${formatDuration(timeout)} is not shorter than ${formatDuration(interval)}${from})`,
    );
  } else {
    report(
      [...path, 'interval'],
      `must be longer than the timeout (${formatDuration(interval)} is not longer than ${formatDuration(timeout)} from defaults.probe_timeout)`,
    );
  }
}

/**
 * Probes that run on an agent (`runs_on: agent:<id>`, their own or their site's). An agent's token
 * belongs to one site and the ingest files everything the agent sends under it, so one agent id
 * across two sites would put one site's results under the other. And an agent probes at most once
 * a second, as agent.yaml allows.
 */
function checkAgentProbes(sites: Loose[], probes: Loose[], defaults: Loose, report: Report): void {
  const agentOf = (runsOn: unknown) => text(runsOn)?.match(/^agent:(.+)$/)?.[1];
  const siteRunsOn = new Map(sites.map((site) => [text(site.id), site.runs_on]));
  const boundTo = new Map<string, { site: string; path: string }>();
  const bind = (agent: string | undefined, site: string | undefined, path: Path) => {
    if (agent === undefined || site === undefined) return;
    const first = boundTo.get(agent);
    if (first === undefined) boundTo.set(agent, { site, path: `${String(path[0])}[${String(path[1])}].runs_on` });
    else if (first.site !== site) {
      report(
        path,
        `agent ${JSON.stringify(agent)} already reports for site ${JSON.stringify(first.site)} (${first.path}); an agent's token belongs to one site, so it cannot send results for ${JSON.stringify(site)}: give this site an agent of its own`,
      );
    }
  };
  sites.forEach((site, index) => bind(agentOf(site.runs_on), text(site.id), ['sites', index, 'runs_on']));
  probes.forEach((probe, index) => {
    const own = agentOf(probe.runs_on);
    bind(own, text(probe.site), ['probes', index, 'runs_on']);
    const agent = own ?? (probe.runs_on === undefined ? agentOf(siteRunsOn.get(text(probe.site))) : undefined);
    if (agent === undefined) return;
    const interval = probe.interval === undefined ? ms(defaults.probe_interval) : ms(probe.interval);
    if (interval !== undefined && interval < AGENT_PROBE_MIN_INTERVAL_MS) {
      const from = probe.interval === undefined ? ' (from defaults.probe_interval)' : '';
      report(
        ['probes', index, 'interval'],
        `too short: an agent probe runs at most once a second (${formatDuration(interval)}${from} is under 1s)`,
      );
    }
  });
}

const AGENT_RULE_MIN_MS = 60_000;

/**
 * The sites' `agents:` declarations. An agent belongs to one site (its token does), so it is
 * declared once, and whatever runs on it (a probe's or site's `runs_on`, an `aws.pull` agent) must
 * be at that site. A site that declares agents declares them all: an agent used there but not
 * declared would go unwatched by the default rules, which is what declaring is for. Thresholds
 * are at least a minute (the rules run every minute); `channels` name channels; and the group
 * name the default rules use is taken while any site gets them.
 */
function checkSiteAgents(
  sites: Loose[],
  probes: Loose[],
  groups: Loose[],
  channelIds: ReadonlySet<string>,
  aws: unknown,
  report: Report,
): void {
  const declaredAt = new Map<string, { site: string; path: string; at: Path; item: Loose }>();
  const declaring = new Map<string, string[]>();
  let generates = false;
  sites.forEach((site, siteIndex) => {
    const siteId = text(site.id);
    const agents = itemsOf(site.agents);
    if (siteId !== undefined && agents.length > 0) declaring.set(siteId, []);
    if (agents.length > 0 && site.default_rules !== false) generates = true;
    agents.forEach((agent, index) => {
      const path: Path = ['sites', siteIndex, 'agents', index];
      const agentId = text(agent.id);
      if (agentId !== undefined && siteId !== undefined) {
        const first = declaredAt.get(agentId);
        if (first === undefined) {
          declaredAt.set(agentId, {
            site: siteId,
            path: `sites[${siteIndex}].agents[${index}]`,
            at: path,
            item: agent,
          });
          declaring.get(siteId)?.push(agentId);
        } else {
          report(
            [...path, 'id'],
            `duplicate agent id ${JSON.stringify(agentId)} (already declared by ${first.path}); an agent's token belongs to one site`,
          );
        }
      }
      for (const field of ['silent_after', 'buffer_age', 'buffer_for'] as const) {
        const value = ms(agent[field]);
        if (value !== undefined && value < AGENT_RULE_MIN_MS) {
          report(
            [...path, field],
            `too short: the default agent rules run every minute, so ${field} must be at least 1m (${formatDuration(value)} is under it)`,
          );
        }
      }
      const names = Array.isArray(agent.channels) ? (agent.channels as unknown[]) : [];
      names.forEach((name, channelIndex) => {
        if (typeof name === 'string' && !channelIds.has(name)) {
          report(
            [...path, 'channels', channelIndex],
            `no channel ${JSON.stringify(name)} (channels: ${quoteList(channelIds)})`,
          );
        }
      });
    });
  });

  const used = (agentId: string | undefined, siteId: string | undefined, path: Path) => {
    if (agentId === undefined || siteId === undefined) return;
    const declared = declaredAt.get(agentId);
    if (declared !== undefined && declared.site !== siteId) {
      report(
        path,
        `agent ${JSON.stringify(agentId)} is declared under site ${JSON.stringify(declared.site)} (${declared.path}); an agent's token belongs to one site, so it cannot work for ${JSON.stringify(siteId)}`,
      );
    } else if (declared === undefined && declaring.has(siteId)) {
      report(
        path,
        `agent ${JSON.stringify(agentId)} is not among site ${JSON.stringify(siteId)}'s agents (${quoteList(declaring.get(siteId)!)}): declare it there, so the default agent rules watch it`,
      );
    }
  };
  const agentOf = (runsOn: unknown) => text(runsOn)?.match(/^agent:(.+)$/)?.[1];
  sites.forEach((site, index) => used(agentOf(site.runs_on), text(site.id), ['sites', index, 'runs_on']));
  probes.forEach((probe, index) => used(agentOf(probe.runs_on), text(probe.site), ['probes', index, 'runs_on']));
  const pull = isRecord(aws) && isRecord(aws.pull) ? aws.pull : {};
  const pullInterval = ms(pull.interval);
  itemsOf(pull.agents).forEach((agent, index) => {
    used(text(agent.id), text(agent.site), ['aws', 'pull', 'agents', index, 'id']);
    // A pulled agent's heartbeats arrive once per pull: a shorter silence is every wait for the next.
    const declared = declaredAt.get(text(agent.id) ?? '');
    const silentAfter = declared === undefined ? undefined : ms(declared.item.silent_after);
    if (declared !== undefined && silentAfter !== undefined && pullInterval !== undefined) {
      if (silentAfter < pullInterval + AGENT_RULE_MIN_MS) {
        report(
          [...declared.at, 'silent_after'],
          `too short for a pulled agent: its heartbeats arrive once per pull (aws.pull.interval ${formatDuration(pullInterval)}), so silent_after must be at least ${formatDuration(pullInterval + AGENT_RULE_MIN_MS)}`,
        );
      }
    }
  });

  if (!generates) return;
  groups.forEach((group, index) => {
    if (text(group.name) === AGENT_RULE_GROUP) {
      report(
        ['rule_groups', index, 'name'],
        `${JSON.stringify(AGENT_RULE_GROUP)} is the default agent rules' group (sites[].agents): give this group another name`,
      );
    }
  });
}

function checkRules(groups: Loose[], storage: unknown, report: Report): void {
  const retention = isRecord(storage) ? ms(storage.retention) : undefined;
  const firstPath = new Map<string, string>();
  checkDependsOn(groups, report);
  groups.forEach((group, groupIndex) => {
    itemsOf(group.rules).forEach((rule, ruleIndex) => {
      const path: Path = ['rule_groups', groupIndex, 'rules', ruleIndex];
      const id = text(rule.id);
      if (id !== undefined) {
        const first = firstPath.get(id);
        if (first === undefined) firstPath.set(id, `rule_groups[${groupIndex}].rules[${ruleIndex}]`);
        else report([...path, 'id'], `duplicate rule id ${JSON.stringify(id)} (already used by ${first})`);
      }

      const measure = text(rule.measure);
      const table = text(rule.table);
      if (measure !== undefined && measure.length > 0) {
        if (table === 'probes' && !(PROBE_MEASURES as readonly string[]).includes(measure)) {
          report([...path, 'measure'], `not a probe measure (use one of: ${PROBE_MEASURES.join(', ')})`);
        } else if (table === 'metrics' && !METRIC_NAME.test(measure)) {
          report([...path, 'measure'], 'not a metric name (letters, digits, _ and :, not starting with a digit)');
        }
      }

      const window = ms(rule.window);
      if (window !== undefined && retention !== undefined && window > retention) {
        report(
          [...path, 'window'],
          `must not be longer than storage.retention (${formatDuration(window)} is longer than ${formatDuration(retention)})`,
        );
      }
    });
  });
}

type KnownProbe = ProbeSeriesSource & ProbeCadence;

/** The probes whose identity and interval parsed; others cannot be matched against rules. */
function probeCadences(probes: Loose[], defaults: Loose): KnownProbe[] {
  const known: KnownProbe[] = [];
  for (const probe of probes) {
    const [id, site, kind, target] = [text(probe.id), text(probe.site), text(probe.kind), text(probe.target)];
    const intervalMs = probe.interval === undefined ? ms(defaults.probe_interval) : ms(probe.interval);
    const timeoutMs = probe.timeout === undefined ? ms(defaults.probe_timeout) : ms(probe.timeout);
    const labels = isRecord(probe.labels) ? probe.labels : {};
    if (id === undefined || site === undefined || kind === undefined || target === undefined) continue;
    if (intervalMs === undefined || timeoutMs === undefined) continue;
    if (!Object.values(labels).every((value) => typeof value === 'string')) continue;
    known.push({ id, site, kind, target, labels: labels as Record<string, string>, intervalMs, timeoutMs });
  }
  return known;
}

function isMatcher(value: unknown): value is LabelMatcher {
  return isRecord(value) && typeof value.name === 'string' && typeof value.op === 'string';
}

/**
 * A probe rule's window must be long enough to always hold what its reducer needs from a healthy
 * probe (shortestWindowMs says why): a shorter one raises nodata and resolves it again every few
 * cycles. Refused rather than warned about, as a timeout longer than its interval is: the config
 * would make the monitor page about targets that are fine.
 */
function checkRuleWindows(groups: Loose[], probes: readonly KnownProbe[], report: Report): void {
  groups.forEach((group, groupIndex) => {
    itemsOf(group.rules).forEach((rule, ruleIndex) => {
      const window = ms(rule.window);
      const reducer = text(rule.reducer);
      const matchers: unknown[] = Array.isArray(rule.matchers) ? rule.matchers : [];
      if (text(rule.table) !== 'probes' || window === undefined) return;
      if (reducer === undefined || !(REDUCERS as readonly string[]).includes(reducer)) return;
      // A matcher that did not parse leaves unknown which probes the rule reads.
      if (!matchers.every(isMatcher)) return;
      const slowest = slowestProbe(probesReadBy(matchers, probes));
      if (slowest === undefined) return;
      const needed = shortestWindowMs(reducer as Reducer, slowest.intervalMs);
      if (window >= needed) return;
      const times = needed / slowest.intervalMs;
      const what = times === 2 ? '' : ` (${reducer} needs two results in its window)`;
      report(
        ['rule_groups', groupIndex, 'rules', ruleIndex, 'window'],
        `rule ${JSON.stringify(text(rule.id) ?? '?')}: window ${formatDuration(window)} is shorter than ${times}× the ${formatDuration(slowest.intervalMs)} interval of probe ${JSON.stringify(slowest.id)}${what}, so it would raise nodata for a healthy target; use window: ${formatDuration(needed)} or more`,
      );
    });
  });
}

function checkRoutes(routes: Loose[], channelIds: ReadonlySet<string>, report: Report): void {
  routes.forEach((route, routeIndex) => {
    const names = Array.isArray(route.channels) ? route.channels : [];
    names.forEach((name: unknown, index) => {
      if (typeof name === 'string' && !channelIds.has(name)) {
        report(
          ['routes', routeIndex, 'channels', index],
          `no channel ${JSON.stringify(name)} (channels: ${quoteList(channelIds)})`,
        );
      }
    });
    itemsOf(route.escalate).forEach((tier, tierIndex) => {
      const tierNames = Array.isArray(tier.channels) ? tier.channels : [];
      tierNames.forEach((name: unknown, index) => {
        if (typeof name === 'string' && !channelIds.has(name)) {
          report(
            ['routes', routeIndex, 'escalate', tierIndex, 'channels', index],
            `no channel ${JSON.stringify(name)} (channels: ${quoteList(channelIds)})`,
          );
        }
      });
    });
  });
}

function checkDelivery(delivery: unknown, report: Report): void {
  if (!isRecord(delivery)) return;
  const initial = ms(delivery.initial_backoff);
  const max = ms(delivery.max_backoff);
  if (initial !== undefined && max !== undefined && initial > max) {
    report(['delivery', 'initial_backoff'], 'must not be longer than delivery.max_backoff');
  }
  const immediate = delivery.immediate_attempts;
  const total = delivery.max_attempts;
  if (typeof immediate === 'number' && typeof total === 'number' && immediate > total) {
    report(['delivery', 'immediate_attempts'], 'must not be more than delivery.max_attempts');
  }
}

/** `depends_on` names rules of this config (or built-in `pflow-*` ones), never the rule itself. */
function checkDependsOn(groups: Loose[], report: Report): void {
  const ids = new Set<string>();
  for (const group of groups) for (const rule of itemsOf(group.rules)) if (text(rule.id)) ids.add(text(rule.id)!);
  groups.forEach((group, groupIndex) => {
    itemsOf(group.rules).forEach((rule, ruleIndex) => {
      const parents = Array.isArray(rule.depends_on) ? (rule.depends_on as unknown[]) : [];
      parents.forEach((parent, index) => {
        if (typeof parent !== 'string') return;
        const path: Path = ['rule_groups', groupIndex, 'rules', ruleIndex, 'depends_on', index];
        if (parent === text(rule.id)) report(path, 'a rule cannot depend on itself');
        else if (!ids.has(parent) && !parent.startsWith('pflow-')) {
          report(path, `no rule ${JSON.stringify(parent)} (rules: ${quoteList(ids)})`);
        }
      });
    });
  });
}
