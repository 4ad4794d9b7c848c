import { describe, expect, it } from 'vitest';
import type { ProbeBucketRow } from '../../../src/domain/console/rows.js';
import {
  buildAlertsView,
  buildProbeDetailView,
  buildStatusView,
  parseRange,
  type RuleInfo,
} from '../../../src/domain/console/views.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import type { AlertInstanceState } from '../../../src/domain/rules/types.js';
import { alertEvent } from '../../support/alert-event.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-24T10:30:00Z');

function latest(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    site: 'site-a',
    probe: 'portal',
    kind: 'http',
    target: 'https://portal.example/',
    labels: {},
    time: NOW - 10_000,
    success: false,
    durationMs: 12.345,
    phases: {},
    statusCode: 503,
    failure: { reason: 'status_mismatch', message: 'status 503, expected 200' },
    ...overrides,
  };
}

const portal = {
  site: 'site-a',
  probe: 'portal',
  kind: 'http',
  target: 'https://portal.example/',
  intervalMs: 30_000,
  labels: {},
};

describe('parseRange', () => {
  it('knows 1h (raw), 24h and 7d (rollups) and names the parameter otherwise', () => {
    expect(parseRange('1h')).toEqual({ ok: true, value: { range: '1h', ms: HOUR, stepMs: null } });
    expect(parseRange(null)).toMatchObject({ ok: true, value: { range: '24h', stepMs: 300_000 } });
    expect(parseRange('7d')).toMatchObject({ ok: true, value: { ms: 7 * 24 * HOUR, stepMs: 1_800_000 } });
    expect(parseRange('30d')).toEqual({ ok: false, error: 'range: must be one of 1h, 24h, 7d, got "30d"' });
  });
});

describe('buildStatusView', () => {
  it('shows a down probe with its reason and since when, availability and a 24 h sparkline', () => {
    const view = buildStatusView({
      now: NOW,
      sites: [{ id: 'site-a', name: 'Demo hospital' }],
      probes: [portal, { ...portal, probe: 'never-ran' }],
      latest: [latest()],
      states: [{ site: 'site-a', probe: 'portal', up: false, since: NOW - 5 * 60_000, lastTime: NOW - 10_000 }],
      hourly: new Map([
        [
          'site-a\u0000portal',
          [
            { t: Date.parse('2026-11-24T09:00:00Z'), n: 120, ok: 120, durationSum: 1200 },
            { t: Date.parse('2026-11-24T10:00:00Z'), n: 60, ok: 30, durationSum: 900 },
          ],
        ],
      ]),
    });
    expect(view.summary).toEqual({ up: 0, down: 1, unknown: 1 });
    const [p, never] = view.sites[0]!.probes;
    expect(p).toMatchObject({
      status: 'down',
      since: '2026-11-24T10:25:00.000Z',
      lastCheck: '2026-11-24T10:29:50.000Z',
      stale: false,
      responseMs: 12.3,
      statusCode: 503,
      failure: { reason: 'status_mismatch', message: 'status 503, expected 200' },
      availability24h: 150 / 180,
    });
    // 25 hourly points from the hour holding now - 24 h to the current hour.
    expect(p!.sparkline).toHaveLength(25);
    expect(p!.sparkline[0]!.t).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(p!.sparkline.at(-2)).toEqual({ t: Date.parse('2026-11-24T09:00:00Z'), availability: 1, avgMs: 10 });
    expect(p!.sparkline.at(-1)).toEqual({ t: Date.parse('2026-11-24T10:00:00Z'), availability: 0.5, avgMs: 15 });
    expect(p!.sparkline[3]).toMatchObject({ availability: null, avgMs: null });
    expect(never).toMatchObject({ probe: 'never-ran', status: 'unknown', since: null, availability24h: null });
  });

  it('uses the newest result when the stored state is behind it, and marks a silent probe stale', () => {
    const view = buildStatusView({
      now: NOW,
      sites: [{ id: 'site-a', name: 'A' }],
      probes: [portal],
      latest: [latest({ success: true, failure: undefined, time: NOW - 2 * 60_000 })],
      // The store still says down: the success that ended it is held in memory (store locked).
      states: [{ site: 'site-a', probe: 'portal', up: false, since: NOW - HOUR, lastTime: NOW - 3 * 60_000 }],
      hourly: new Map(),
    });
    expect(view.sites[0]!.probes[0]).toMatchObject({
      status: 'up',
      since: new Date(NOW - 2 * 60_000).toISOString(),
      stale: true,
      failure: null,
    });
  });

  it('lists probes known only from results after the configured ones, under their site', () => {
    const view = buildStatusView({
      now: NOW,
      sites: [{ id: 'site-a', name: 'A' }],
      probes: [portal],
      latest: [latest({ site: 'site-b', probe: 'agent-ping', kind: 'icmp' }), latest()],
      states: [],
      hourly: new Map(),
    });
    expect(view.sites.map((s) => [s.site, s.name, s.probes.map((p) => p.probe)])).toEqual([
      ['site-a', 'A', ['portal']],
      ['site-b', 'site-b', ['agent-ping']],
    ]);
    expect(view.sites[1]!.probes[0]!.stale).toBe(false);
  });
});

describe('buildProbeDetailView', () => {
  it('turns buckets into chart columns with phase averages, and totals availability', () => {
    const bucket = (t: number, n: number, ok: number): ProbeBucketRow => ({
      t,
      n,
      ok,
      durationSum: 100 * n,
      durationMax: 250,
      phases: { dns: [0, 0], connect: [10 * n, n], tls: [0, 0], firstByte: [60 * n, n], transfer: [0, 0] },
    });
    const view = buildProbeDetailView({
      site: 'site-a',
      probe: 'portal',
      spec: { range: '24h', ms: 24 * HOUR, stepMs: 300_000 },
      now: NOW,
      status: null,
      buckets: [bucket(NOW - 600_000, 10, 10), bucket(NOW - 300_000, 10, 5)],
      statusCodes: [{ code: 200, count: 15 }],
      failureReasons: [{ reason: 'timeout', count: 5, last: NOW - 60_000 }],
      failures: [
        { time: NOW - 60_000, reason: 'timeout', message: 'no answer', statusCode: null, durationMs: 2000.04 },
      ],
    });
    expect(view).toMatchObject({
      from: '2026-11-23T10:30:00.000Z',
      to: '2026-11-24T10:30:00.000Z',
      availability: 0.75,
      results: 20,
      chart: {
        t: [NOW - 600_000, NOW - 300_000],
        avgMs: [100, 100],
        maxMs: [250, 250],
        dnsMs: [null, null],
        connectMs: [10, 10],
        firstByteMs: [60, 60],
        availability: [1, 0.5],
      },
      failureReasons: [{ reason: 'timeout', count: 5, last: '2026-11-24T10:29:00.000Z' }],
      failures: [{ time: '2026-11-24T10:29:00.000Z', durationMs: 2000, statusCode: null }],
    });
  });
});

describe('buildAlertsView', () => {
  const state = (overrides: Partial<AlertInstanceState>): AlertInstanceState => ({
    key: 'r/1',
    ruleId: 'portal-down',
    site: 'site-a',
    fingerprint: '1',
    labels: { probe: 'portal' },
    state: 'firing',
    since: NOW - 60_000,
    lastValue: 0,
    lastEvaluatedAt: NOW,
    version: 1,
    ...overrides,
  });
  const rules = new Map<string, RuleInfo>([
    [
      'portal-down',
      { id: 'portal-down', name: 'Portal down', severity: 'critical', threshold: { op: '<', value: 1 }, summary: 'S' },
    ],
  ]);

  it('lists firing before pending, says which are silenced, drops ok, and explains unknown rules by id', () => {
    const view = buildAlertsView({
      now: NOW,
      states: [
        state({ key: 'a', state: 'pending', labels: { probe: 'backup-1' } }),
        state({ key: 'b' }),
        state({ key: 'c', state: 'ok' }),
        state({ key: 'd', ruleId: 'pflow-store-unavailable', site: 'pflow', lastValue: 12 }),
      ],
      rules,
      muted: (labels) => labels.probe?.startsWith('backup-') === true && labels.alertname === 'Portal down',
      events: [],
      deliveries: [],
      channels: [],
    });
    expect(view.active.map((a) => [a.key, a.state, a.silenced])).toEqual([
      ['b', 'firing', false],
      ['d', 'firing', false],
      ['a', 'pending', true],
    ]);
    expect(view.summary).toEqual({ firing: 2, pending: 1, silenced: 1 });
    expect(view.active[0]).toMatchObject({ rule: { name: 'Portal down', severity: 'critical' }, threshold: '< 1' });
    expect(view.active[1]).toMatchObject({
      rule: { id: 'pflow-store-unavailable', name: 'pflow-store-unavailable', severity: null },
      threshold: null,
      value: 12,
    });
  });

  it('gives each history event its value against the threshold and its notifications per channel', () => {
    const event = alertEvent({ id: 'e1', value: 0.5, threshold: { op: 'outside_range', min: 1, max: 2 } });
    const view = buildAlertsView({
      now: NOW,
      states: [],
      rules,
      muted: () => false,
      events: [event],
      deliveries: [
        { eventId: 'e1', channel: 'teams', outcome: 'retrying', at: NOW, detail: '2 attempt(s); last: http_503' },
        { eventId: 'e1', channel: 'slack', outcome: 'delivered', at: NOW - 1000, detail: '' },
        { eventId: 'other', channel: 'slack', outcome: 'delivered', at: NOW, detail: '' },
      ],
      channels: [{ channel: 'slack', delivered: 2, retrying: 0, deadLetters: 0 }],
    });
    expect(view.history[0]).toMatchObject({
      id: 'e1',
      value: 0.5,
      threshold: 'outside 1..2',
      summary: 'PFSW login page is not answering',
      notifications: [
        { channel: 'slack', outcome: 'delivered', at: new Date(NOW - 1000).toISOString() },
        { channel: 'teams', outcome: 'retrying', detail: '2 attempt(s); last: http_503' },
      ],
    });
    expect(view.channels).toEqual([{ channel: 'slack', delivered: 2, retrying: 0, deadLetters: 0 }]);
  });
});
