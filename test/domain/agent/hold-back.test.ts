import { describe, expect, it } from 'vitest';
import { agentProbeDefinitions } from '../../../src/domain/agent/agent-probes.js';
import { AGENT_SILENT_RULE_ID, agentHoldBacks } from '../../../src/domain/agent/hold-back.js';
import { probeDimensions } from '../../../src/domain/probe-result.js';
import type { AlertInstanceState } from '../../../src/domain/rules/types.js';
import { isMuted } from '../../../src/domain/silences.js';
import { Cycles, MINUTE, rule, sent, seriesAt, T0 } from '../rules/fixtures.js';

function silentState(site: string, state: AlertInstanceState['state'] = 'firing'): AlertInstanceState {
  return {
    key: `${AGENT_SILENT_RULE_ID}/${site}`,
    ruleId: AGENT_SILENT_RULE_ID,
    site,
    fingerprint: site,
    labels: { site },
    state,
    since: T0,
    lastValue: 0,
    lastEvaluatedAt: T0,
    version: 1,
  };
}

const routing = (labels: Record<string, string>, ruleId = 'node-down') => ({ ...labels, rule: ruleId });

describe('agentHoldBacks', () => {
  const probes = [
    { id: 'lab-analyser', site: 'lab' },
    { id: 'portal', site: 'hospital' },
  ];

  it('holds back the silent site’s agent series and agent-run probes, never the silent alert itself', () => {
    const silences = agentHoldBacks([silentState('lab')], probes, T0);
    const muted = (labels: Record<string, string>, ruleId?: string) =>
      isMuted(routing(labels, ruleId), T0, silences, []);
    expect(muted({ site: 'lab', agent: 'lab-01', job: 'node' })).toBe(true);
    expect(muted({ site: 'lab', probe: 'lab-analyser' })).toBe(true);
    expect(muted({ site: 'lab', agent: 'lab-01' }, AGENT_SILENT_RULE_ID)).toBe(false);
    // Not agent-sourced, or another site: untouched.
    expect(muted({ site: 'lab', probe: 'cloud-portal' })).toBe(false);
    expect(muted({ site: 'hospital', agent: 'ward-01' })).toBe(false);
    expect(muted({ site: 'hospital', probe: 'portal' })).toBe(false);
  });

  it('holds back while the silent alert is pending too (the heartbeat is already missing), for this cycle only', () => {
    expect(agentHoldBacks([silentState('lab', 'pending')], probes, T0)).toEqual(
      agentHoldBacks([silentState('lab')], probes, T0),
    );
    expect(agentHoldBacks([silentState('lab', 'ok'), silentState('lab', 'error')], probes, T0)).toEqual([]);
    const silences = agentHoldBacks([silentState('lab')], probes, T0);
    expect(isMuted(routing({ site: 'lab', agent: 'a' }), T0 + 1, silences, [])).toBe(false);
  });

  it('a silent alert naming its agent holds back that agent’s series and probes, not another agent’s at the site', () => {
    const state = {
      ...silentState('lab'),
      ruleId: `${AGENT_SILENT_RULE_ID}-lab-01`,
      labels: { site: 'lab', agent: 'lab-01' },
    };
    const agentProbes = [
      { id: 'lab-analyser', site: 'lab', agent: 'lab-01' },
      { id: 'lab-fridge', site: 'lab', agent: 'lab-02' },
    ];
    const silences = agentHoldBacks([state], agentProbes, T0);
    const muted = (labels: Record<string, string>) => isMuted(routing(labels), T0, silences, []);
    expect(muted({ site: 'lab', agent: 'lab-01', job: 'node' })).toBe(true);
    expect(muted({ site: 'lab', probe: 'lab-analyser' })).toBe(true);
    expect(muted({ site: 'lab', agent: 'lab-02', job: 'node' })).toBe(false);
    expect(muted({ site: 'lab', probe: 'lab-fridge' })).toBe(false);
    // Both agents silent: both held back; one silent alert without an agent: the whole site.
    const both = agentHoldBacks(
      [state, { ...state, key: 'x', labels: { site: 'lab', agent: 'lab-02' } }],
      agentProbes,
      T0,
    );
    expect(isMuted(routing({ site: 'lab', agent: 'lab-02' }), T0, both, [])).toBe(true);
    const site = agentHoldBacks([state, { ...silentState('lab'), key: 'y' }], agentProbes, T0);
    expect(isMuted(routing({ site: 'lab', agent: 'lab-03' }), T0, site, [])).toBe(true);
    expect(isMuted(routing({ site: 'lab', probe: 'lab-fridge' }), T0, site, [])).toBe(true);
  });
});

describe('hold-back over evaluation cycles (fake clock)', () => {
  it('sends one agent-offline alert, then the held alert once the agent is back and it still fires', () => {
    const analyser = { site: 'lab', probe: 'lab-analyser' };
    const down = rule({ id: 'analyser-down', match: ['probe="lab-analyser"'] });
    const cycles = new Cycles({ rules: [down] });
    const probes = [{ id: 'lab-analyser', site: 'lab' }];

    // Agent silent: the analyser's alert changes state but is held back.
    let now = T0;
    const held = cycles.run(now, [seriesAt(analyser, now, 0)], {
      silences: agentHoldBacks([silentState('lab')], probes, now),
    });
    expect(sent(held)).toEqual([]);
    expect([...cycles.states.values()].map((s) => s.state)).toEqual(['firing']);

    // A minute later the agent reports again (its silent alert resolved): the analyser is still down.
    now += MINUTE;
    const back = cycles.run(now, [seriesAt(analyser, now, 0)], {
      silences: agentHoldBacks([silentState('lab', 'ok' as AlertInstanceState['state'])], probes, now),
    });
    expect(sent(back)).toEqual(['firing']);
  });
});

describe('hold-back of probes the agent runs (agent.yaml probes: results carry the agent label)', () => {
  it('holds back their alerts by that label, even when the config lists no runs_on: agent probe', () => {
    const [pacs] = agentProbeDefinitions('lab-01', [
      { id: 'lab-pacs', kind: 'tcp', target: 'pacs.lab.local:104', interval: 5_000, labels: { service: 'pacs' } },
    ]);
    // What the ingest stores: the agent's result, bound to the token's site.
    const series = probeDimensions({ ...pacs!, probe: pacs!.id, site: 'lab' });
    expect(series).toMatchObject({ agent: 'lab-01', site: 'lab', probe: 'lab-pacs' });
    const down = rule({ id: 'pacs-down', match: ['probe="lab-pacs"'] });
    const cycles = new Cycles({ rules: [down] });

    let now = T0;
    const held = cycles.run(now, [seriesAt(series, now, 0)], {
      silences: agentHoldBacks([silentState('lab')], [], now),
    });
    expect(sent(held)).toEqual([]);
    expect([...cycles.states.values()].map((s) => s.state)).toEqual(['firing']);

    now += MINUTE;
    const back = cycles.run(now, [seriesAt(series, now, 0)], { silences: agentHoldBacks([], [], now) });
    expect(sent(back)).toEqual(['firing']);
  });
});
