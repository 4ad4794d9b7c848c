import { describe, expect, it } from 'vitest';
import {
  AGENT_RULE_DEFAULTS,
  agentSuspectAfterMs,
  defaultAgentRules,
  type DeclaredAgent,
  type SiteAgents,
} from '../../../src/domain/agent/default-rules.js';
import { isAgentSilentRule } from '../../../src/domain/agent/hold-back.js';
import { routeChannelIds } from '../../../src/domain/routing/route.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function agent(id: string, overrides: Partial<DeclaredAgent> = {}): DeclaredAgent {
  return { id, ...AGENT_RULE_DEFAULTS, ...overrides };
}

const options = { configRuleIds: new Set<string>(), repeatIntervalMs: 4 * HOUR };

describe('defaultAgentRules', () => {
  it('gives each declared agent an offline and a buffer rule, pinned to its site and id, in one group', () => {
    const sites: SiteAgents[] = [
      { site: 'lab', agents: [agent('lab-01'), agent('lab-02')], defaultRules: true },
      { site: 'ward', agents: [agent('ward-1')], defaultRules: true },
    ];
    const { group, routes, replaced } = defaultAgentRules(sites, options);
    expect(group).toMatchObject({ name: 'pflow-agents', intervalMs: MINUTE, sites: ['lab', 'ward'] });
    expect(group!.rules.map((rule) => [rule.id, rule.name, rule.severity, rule.measure])).toEqual([
      ['pflow-agent-silent-lab-01', 'Agent offline', 'critical', 'pflow_agent_up'],
      ['pflow-agent-buffer-growing-lab-01', 'Agent buffer growing', 'warning', 'pflow_agent_buffer_oldest_age_seconds'],
      ['pflow-agent-silent-lab-02', 'Agent offline', 'critical', 'pflow_agent_up'],
      ['pflow-agent-buffer-growing-lab-02', 'Agent buffer growing', 'warning', 'pflow_agent_buffer_oldest_age_seconds'],
      ['pflow-agent-silent-ward-1', 'Agent offline', 'critical', 'pflow_agent_up'],
      ['pflow-agent-buffer-growing-ward-1', 'Agent buffer growing', 'warning', 'pflow_agent_buffer_oldest_age_seconds'],
    ]);
    for (const rule of group!.rules) {
      expect(rule.group).toBe('pflow-agents');
      expect(rule.table).toBe('metrics');
      expect(rule.repeatIntervalMs).toBe(4 * HOUR);
    }
    expect(group!.rules[4]!.matchers).toEqual([
      { name: 'site', op: '=', value: 'ward' },
      { name: 'agent', op: '=', value: 'ward-1' },
    ]);
    // The offline rules are what the hold-back looks for; the buffer rules are not.
    expect(group!.rules.filter((rule) => isAgentSilentRule(rule.id)).map((rule) => rule.id)).toEqual([
      'pflow-agent-silent-lab-01',
      'pflow-agent-silent-lab-02',
      'pflow-agent-silent-ward-1',
    ]);
    expect(routes).toEqual([]);
    expect(replaced).toEqual([]);
  });

  it('the offline rule: suspect (pending) after 2m without a heartbeat, firing at silent_after; no data is the alert', () => {
    const [silent, buffer] = defaultAgentRules(
      [{ site: 'lab', agents: [agent('lab-01')], defaultRules: true }],
      options,
    ).group!.rules;
    expect(silent).toMatchObject({
      windowMs: 2 * MINUTE,
      forMs: 3 * MINUTE,
      reducer: 'last',
      threshold: { op: '<', value: 1 },
      noData: 'alerting',
    });
    expect(silent!.annotations.summary).toBe('The on-prem agent lab-01 of site lab has sent nothing for 5m');
    // Buffer: the oldest unsent data older than 10m for the whole 10m; silence is the offline rule's.
    expect(buffer).toMatchObject({
      windowMs: 10 * MINUTE,
      forMs: 0,
      reducer: 'min',
      threshold: { op: '>', value: 600 },
      noData: 'ok',
    });
  });

  it('takes the overrides: silent_after, buffer age and duration', () => {
    const [silent, buffer] = defaultAgentRules(
      [
        {
          site: 'lab',
          agents: [agent('lab-01', { silentAfterMs: 15 * MINUTE, bufferAgeMs: 30 * MINUTE, bufferForMs: 5 * MINUTE })],
          defaultRules: true,
        },
      ],
      options,
    ).group!.rules;
    expect(silent).toMatchObject({ windowMs: 2 * MINUTE, forMs: 13 * MINUTE });
    expect(silent!.annotations.summary).toContain('has sent nothing for 15m');
    expect(buffer).toMatchObject({ windowMs: 5 * MINUTE, threshold: { op: '>', value: 1800 } });
  });

  it('suspects a pulled agent one pull interval later, and never after silent_after', () => {
    expect(agentSuspectAfterMs({ silentAfterMs: 5 * MINUTE })).toBe(2 * MINUTE);
    expect(agentSuspectAfterMs({ silentAfterMs: 10 * MINUTE, pullIntervalMs: 5 * MINUTE })).toBe(6 * MINUTE);
    expect(agentSuspectAfterMs({ silentAfterMs: MINUTE })).toBe(MINUTE);
    const [silent] = defaultAgentRules(
      [{ site: 'lab', agents: [agent('lab-01', { silentAfterMs: MINUTE })], defaultRules: true }],
      options,
    ).group!.rules;
    expect(silent).toMatchObject({ windowMs: MINUTE, forMs: 0 });
  });

  it('a site with default_rules: false gets none, and is not among the group’s sites', () => {
    const sites: SiteAgents[] = [
      { site: 'lab', agents: [agent('lab-01')], defaultRules: false },
      { site: 'ward', agents: [agent('ward-1')], defaultRules: true },
    ];
    const { group } = defaultAgentRules(sites, options);
    expect(group!.sites).toEqual(['ward']);
    expect(group!.rules.every((rule) => rule.id.endsWith('ward-1'))).toBe(true);
    expect(defaultAgentRules([sites[0]!], options)).toEqual({ routes: [], replaced: [] });
    expect(defaultAgentRules([], options)).toEqual({ routes: [], replaced: [] });
  });

  it('a config rule with a default rule’s id replaces it (theirs wins), and says which', () => {
    const { group, replaced } = defaultAgentRules(
      [{ site: 'lab', agents: [agent('lab-01'), agent('lab-02')], defaultRules: true }],
      { ...options, configRuleIds: new Set(['pflow-agent-silent-lab-01', 'unrelated']) },
    );
    expect(replaced).toEqual(['pflow-agent-silent-lab-01']);
    expect(group!.rules.map((rule) => rule.id)).toEqual([
      'pflow-agent-buffer-growing-lab-01',
      'pflow-agent-silent-lab-02',
      'pflow-agent-buffer-growing-lab-02',
    ]);
    // Both of a site's agents replaced entirely: the site runs no default group cycle.
    const all = defaultAgentRules([{ site: 'lab', agents: [agent('lab-01')], defaultRules: true }], {
      ...options,
      configRuleIds: new Set(['pflow-agent-silent-lab-01', 'pflow-agent-buffer-growing-lab-01']),
    });
    expect(all.group).toBeUndefined();
  });

  it('an agent with channels gets a route sending its two default alerts there only', () => {
    const { routes } = defaultAgentRules(
      [{ site: 'lab', agents: [agent('lab-01', { channels: ['lab-it'] }), agent('lab-02')], defaultRules: true }],
      options,
    );
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ channels: ['lab-it'], continue: false, groupWaitMs: 0 });
    const config = [...routes, { matchers: [], channels: ['ops'], continue: false, groupWaitMs: 0 }];
    const event = (rule: string) =>
      ({
        site: 'lab',
        state: 'firing',
        labels: { agent: 'lab-01' },
        rule: { id: rule, name: 'x', severity: 'critical' },
      }) as never;
    expect(routeChannelIds(event('pflow-agent-silent-lab-01'), config)).toEqual(['lab-it']);
    expect(routeChannelIds(event('pflow-agent-buffer-growing-lab-01'), config)).toEqual(['lab-it']);
    // Another agent's, and the agent's other alerts, follow the config's routes.
    expect(routeChannelIds(event('pflow-agent-silent-lab-02'), config)).toEqual(['ops']);
    expect(routeChannelIds(event('node-disk-low'), config)).toEqual(['ops']);
  });
});
