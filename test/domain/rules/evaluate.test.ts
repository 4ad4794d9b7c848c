import { describe, expect, it } from 'vitest';
import { eventId } from '../../../src/domain/alerts/event.js';
import { fingerprint, parseMatcher } from '../../../src/domain/labels.js';
import { evaluate, type ErrorPolicy, type NoDataPolicy } from '../../../src/domain/rules/index.js';
import type { Silence } from '../../../src/domain/silences.js';
import { Cycles, LOGIN_A, LOGIN_B, MINUTE, SECOND, T0, recorded, rule, sent, series, seriesAt } from './fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();
const keyOf = (ruleId: string, labels: Record<string, string>) => `${ruleId}/${fingerprint(labels)}`;

describe('evaluate: for / pending', () => {
  it('goes ok → pending → firing after `for`, and announces only the firing', () => {
    const cycles = new Cycles({ rules: [rule({ forMs: 2 * MINUTE })] });

    const first = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    expect(first.writes.map((w) => w.next.state)).toEqual(['pending']);
    expect(first.notifications).toEqual([]);
    expect(first.history).toEqual([]);

    expect(cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 0)]).notifications).toEqual([]);

    const firing = cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 0)]);
    expect(firing.notifications).toHaveLength(1);
    const event = firing.notifications[0]!;
    expect(event).toMatchObject({
      schema: 'performanceflow.alert/v1',
      site: 'site-a',
      rule: { id: 'api-login-down', name: 'PFSW login down', severity: 'critical' },
      state: 'firing',
      previousState: 'pending',
      value: 0,
      threshold: { op: '<', value: 1 },
      labels: { probe: 'pfsw-login', target: 'https://a.example/login' },
      startsAt: iso(T0),
      endsAt: null,
      evaluatedAt: iso(T0 + 2 * MINUTE),
    });
    expect(event.id).toBe(
      eventId({
        site: 'site-a',
        ruleId: 'api-login-down',
        fingerprint: fingerprint(LOGIN_A),
        evaluatedAt: iso(T0 + 2 * MINUTE),
        state: 'firing',
      }),
    );
    expect(firing.history).toEqual([event]);
  });

  it('drops a pending instance silently when the condition clears before `for`', () => {
    const cycles = new Cycles({ rules: [rule({ forMs: 2 * MINUTE })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    const cleared = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    expect(cleared.notifications).toEqual([]);
    expect(cleared.history).toEqual([]);
    expect(cleared.deletes).toEqual([keyOf('api-login-down', LOGIN_A)]);
    expect(cycles.states.size).toBe(0);
  });

  it('fires at once with `for` 0', () => {
    const cycles = new Cycles({ rules: [rule({ forMs: 0 })] });
    const output = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    expect(sent(output)).toEqual(['firing']);
    expect(output.notifications[0]).toMatchObject({ previousState: 'ok', startsAt: iso(T0) });
  });

  it('keeps ok series out of the state store', () => {
    const cycles = new Cycles({ rules: [rule()] });
    const output = cycles.run(T0, [seriesAt(LOGIN_A, T0, 1), seriesAt(LOGIN_B, T0, 1)]);
    expect(output).toEqual({ writes: [], deletes: [], notifications: [], history: [] });
  });
});

describe('evaluate: keep_firing_for and resolved', () => {
  it('keeps firing for keep_firing_for after the condition stops holding, then resolves', () => {
    const cycles = new Cycles({ rules: [rule({ keepFiringForMs: 2 * MINUTE })] });
    expect(sent(cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]))).toEqual(['firing']);

    const held = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    expect(sent(held)).toEqual([]);
    expect(held.writes[0]!.next.state).toBe('firing');

    const resolved = cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 1)]);
    expect(sent(resolved)).toEqual(['resolved']);
    expect(resolved.notifications[0]).toMatchObject({
      previousState: 'firing',
      value: 1,
      startsAt: iso(T0),
      endsAt: iso(T0 + 2 * MINUTE),
    });
    expect(resolved.deletes).toEqual([keyOf('api-login-down', LOGIN_A)]);
  });

  it('restarts the keep_firing_for clock whenever the condition holds again', () => {
    const cycles = new Cycles({ rules: [rule({ keepFiringForMs: 2 * MINUTE })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 0)]);
    expect(sent(cycles.run(T0 + 3 * MINUTE, [seriesAt(LOGIN_A, T0 + 3 * MINUTE, 1)]))).toEqual([]);
    expect(sent(cycles.run(T0 + 4 * MINUTE, [seriesAt(LOGIN_A, T0 + 4 * MINUTE, 1)]))).toEqual(['resolved']);
  });

  it.each([
    [true, ['resolved']],
    [false, []],
  ])('send_resolved %s: history records the resolve, notifications get %j', (sendResolved, expected) => {
    const cycles = new Cycles({ rules: [rule({ sendResolved })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    const output = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    expect(sent(output)).toEqual(expected);
    expect(recorded(output)).toEqual(['resolved']);
    expect(cycles.states.size).toBe(0);
  });
});

describe('evaluate: no data', () => {
  /** Fires at T0, then the series is still returned but its only point is older than the window. */
  function staleAfterFiring(noData: NoDataPolicy) {
    const cycles = new Cycles({ rules: [rule({ noData })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    const now = T0 + 2 * MINUTE;
    return { cycles, output: cycles.run(now, [seriesAt(LOGIN_A, T0, 0)]) };
  }

  it.each<[NoDataPolicy, string[], string | undefined]>([
    ['nodata', ['nodata'], 'nodata'],
    ['alerting', [], 'firing'],
    ['ok', ['resolved'], undefined],
    ['keep_last', [], 'firing'],
  ])('policy %s on a firing series without points sends %j and leaves %s', (policy, expected, state) => {
    const { cycles, output } = staleAfterFiring(policy);
    expect(sent(output)).toEqual(expected);
    expect(cycles.states.get(keyOf('api-login-down', LOGIN_A))?.state).toBe(state);
  });

  it('treats rate and delta with fewer than two points as no data', () => {
    const cycles = new Cycles({ rules: [rule({ reducer: 'rate', threshold: { op: '>', value: 0 } })] });
    const output = cycles.run(T0, [seriesAt(LOGIN_A, T0, 5)]);
    expect(sent(output)).toEqual(['nodata']);
    expect(output.notifications[0]).toMatchObject({ value: null, labels: { target: 'https://a.example/login' } });
  });

  it.each<[NoDataPolicy, string[]]>([
    ['nodata', ['nodata']],
    ['alerting', ['firing']],
    ['ok', []],
    ['keep_last', []],
  ])('policy %s when no series matches at all: one rule-level instance sends %j', (policy, expected) => {
    const cycles = new Cycles({ rules: [rule({ noData: policy, match: ['probe="pfsw-login"', 'site="site-b"'] })] });
    const output = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    expect(sent(output)).toEqual(expected);
    for (const event of output.notifications) {
      expect(event).toMatchObject({ site: 'site-b', labels: { probe: 'pfsw-login' }, value: null });
    }
  });

  it('names the rule-level instance site "unknown" when the matchers name no site, and ends it when data returns', () => {
    const cycles = new Cycles({ rules: [rule()] });
    const missing = cycles.run(T0, []);
    expect(missing.notifications[0]).toMatchObject({ state: 'nodata', site: 'unknown', startsAt: iso(T0) });
    expect(sent(cycles.run(T0 + MINUTE, []))).toEqual([]);

    const back = cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 1)]);
    expect(sent(back)).toEqual(['resolved']);
    expect(back.notifications[0]).toMatchObject({ previousState: 'nodata', site: 'unknown', startsAt: iso(T0) });
    expect(cycles.states.size).toBe(0);
  });

  it("names the site and labels of the probe a rule reads when none of its series has data, and continues as that series' instance", () => {
    // Arrange: what config normalisation gives a rule that reads one probe.
    const absentLabels = { ...LOGIN_A, kind: 'http' };
    const cycles = new Cycles({ rules: [rule({ absentLabels })] });

    // Act: no series at all, then the probe's series with a failure.
    const missing = cycles.run(T0, []);
    const down = cycles.run(T0 + MINUTE, [seriesAt(absentLabels, T0 + MINUTE, 0)]);

    // Assert: the no-data alert says where; the series takes the same instance over.
    expect(missing.notifications).toHaveLength(1);
    expect(missing.notifications[0]).toMatchObject({
      state: 'nodata',
      site: 'site-a',
      labels: { probe: 'pfsw-login', kind: 'http', target: 'https://a.example/login' },
    });
    expect(missing.notifications[0]!.labels).not.toHaveProperty('site');
    expect(down.notifications.map((event) => [event.state, event.previousState])).toEqual([['firing', 'nodata']]);
    expect([...cycles.states.keys()]).toEqual([keyOf('api-login-down', absentLabels)]);
  });

  it('lets a site="…" matcher name the site when the probes read share none', () => {
    const cycles = new Cycles({ rules: [rule({ absentLabels: { kind: 'http' }, match: ['site="site-b"'] })] });
    expect(cycles.run(T0, []).notifications[0]).toMatchObject({
      state: 'nodata',
      site: 'site-b',
      labels: { kind: 'http' },
    });
  });

  it('gives a vanished firing series no data while its siblings still report', () => {
    const cycles = new Cycles({ rules: [rule({ noData: 'nodata' })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0), seriesAt(LOGIN_B, T0, 1)]);
    const output = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_B, T0 + MINUTE, 1)]);
    expect(output.notifications).toHaveLength(1);
    expect(output.notifications[0]).toMatchObject({
      state: 'nodata',
      previousState: 'firing',
      labels: { target: 'https://a.example/login' },
    });
  });

  it('deletes a vanished series once it is ok', () => {
    const cycles = new Cycles({ rules: [rule({ noData: 'ok' })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0), seriesAt(LOGIN_B, T0, 1)]);
    const output = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_B, T0 + MINUTE, 1)]);
    expect(sent(output)).toEqual(['resolved']);
    expect(output.deletes).toEqual([keyOf('api-login-down', LOGIN_A)]);
    expect(cycles.states.size).toBe(0);
  });
});

describe('evaluate: no data right after a start', () => {
  const grace = 20 * SECOND;
  const started = T0;

  it.each<NoDataPolicy>(['nodata', 'alerting', 'ok'])(
    'judges no lack of data (policy %s) until the grace since the start has passed',
    (noData) => {
      const cycles = new Cycles({ rules: [rule({ noData, noDataGraceMs: grace })], watchingSince: started });
      expect(cycles.run(started + SECOND, []).notifications).toEqual([]);
      expect(cycles.run(started + grace - 1, []).notifications).toEqual([]);
      expect(cycles.states.size).toBe(0);
      const judged = cycles.run(started + grace, []);
      expect(sent(judged)).toEqual(noData === 'nodata' ? ['nodata'] : noData === 'alerting' ? ['firing'] : []);
    },
  );

  it('keeps a state found at the start instead of judging it on a window the runtime did not watch', () => {
    // Arrange: a series was firing before a restart; its points are not in the window yet.
    const cycles = new Cycles({ rules: [rule({ noDataGraceMs: grace })] });
    cycles.run(T0 - MINUTE, [seriesAt(LOGIN_A, T0 - MINUTE, 0)]);

    // Act
    const early = cycles.run(T0 + SECOND, [seriesAt(LOGIN_A, T0 - 2 * MINUTE, 0)], { watchingSince: started });

    // Assert: kept until the grace has passed, then judged.
    expect(early.notifications).toEqual([]);
    expect(early.writes.map((write) => write.next.state)).toEqual(['firing']);
    const later = cycles.run(T0 + grace, [seriesAt(LOGIN_A, T0 - 2 * MINUTE, 0)], { watchingSince: started });
    expect(sent(later)).toEqual(['nodata']);
  });

  it("waits a whole window when the rule's probes are unknown", () => {
    const cycles = new Cycles({ rules: [rule({ windowMs: MINUTE })], watchingSince: started });
    expect(cycles.run(started + MINUTE - 1, []).notifications).toEqual([]);
    expect(sent(cycles.run(started + MINUTE, []))).toEqual(['nodata']);
  });

  it('still evaluates data and fetch errors during the grace', () => {
    const cycles = new Cycles({ rules: [rule({ noDataGraceMs: grace })], watchingSince: started });
    expect(sent(cycles.run(started + SECOND, [seriesAt(LOGIN_A, started + SECOND, 0)]))).toEqual(['firing']);
    const failed = cycles.run(started + 2 * SECOND, [], { fetchErrors: new Map([['api-login-down', 'locked']]) });
    // The series' instance and the rule-level one both say so.
    expect([...new Set(sent(failed))]).toEqual(['error']);
  });

  it('judges from the first cycle where nothing says when watching began (the AWS rule function)', () => {
    const cycles = new Cycles({ rules: [rule({ noDataGraceMs: grace })] });
    expect(sent(cycles.run(started + SECOND, []))).toEqual(['nodata']);
  });
});

describe('evaluate: evaluation errors', () => {
  it.each<[ErrorPolicy, string[]]>([
    ['error', ['error']],
    ['alerting', ['firing']],
    ['ok', []],
    ['keep_last', []],
  ])('policy %s on a fetch error sends %j and never throws', (onError, expected) => {
    const cycles = new Cycles({ rules: [rule({ onError })] });
    const output = cycles.run(T0, [], { fetchErrors: new Map([['api-login-down', 'timeout']]) });
    expect(sent(output)).toEqual(expected);
    if (onError === 'error') expect(output.notifications[0]!.error).toBe('fetch failed: timeout');
  });

  it('applies a fetch error to every known instance, and keep_last keeps them firing', () => {
    const cycles = new Cycles({ rules: [rule({ onError: 'keep_last' })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    const output = cycles.run(T0 + MINUTE, [], { fetchError: 'store unreachable' });
    expect(sent(output)).toEqual([]);
    expect(cycles.states.get(keyOf('api-login-down', LOGIN_A))?.state).toBe('firing');
  });

  it('turns a non-finite reduction into an error event for that series only', () => {
    const cycles = new Cycles({ rules: [rule({ reducer: 'avg' })] });
    const output = cycles.run(T0, [series(LOGIN_A, [{ t: T0, v: Number.NaN }]), seriesAt(LOGIN_B, T0, 1)]);
    expect(sent(output)).toEqual(['error']);
    expect(output.notifications[0]).toMatchObject({
      labels: { target: 'https://a.example/login' },
      error: 'avg produced NaN',
      value: null,
    });
  });

  it('resolves the error when evaluation works again', () => {
    const cycles = new Cycles({ rules: [rule()] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 1)], { fetchError: 'boom' });
    const output = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    expect(sent(output)).toEqual(['resolved']);
    expect(output.notifications[0]!.previousState).toBe('error');
  });
});

describe('evaluate: repeat_interval', () => {
  it('reminds while firing each time repeat_interval has passed since the last notification', () => {
    const cycles = new Cycles({ rules: [rule({ repeatIntervalMs: 10 * MINUTE })] });
    const at = (minutes: number) =>
      sent(cycles.run(T0 + minutes * MINUTE, [seriesAt(LOGIN_A, T0 + minutes * MINUTE, 0)]));
    expect([0, 5, 9, 10, 15, 20].map(at)).toEqual([['firing'], [], [], ['firing+repeat'], [], ['firing+repeat']]);
  });

  it('keeps reminders out of the history and gives them their own ids', () => {
    const cycles = new Cycles({ rules: [rule({ repeatIntervalMs: MINUTE })] });
    const first = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    const reminder = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 0)]);
    expect(reminder.history).toEqual([]);
    expect(reminder.notifications[0]).toMatchObject({ repeat: true, previousState: 'firing', startsAt: iso(T0) });
    expect(reminder.notifications[0]!.id).not.toBe(first.notifications[0]!.id);
  });

  it('never reminds with repeat_interval 0', () => {
    const cycles = new Cycles({ rules: [rule({ repeatIntervalMs: 0 })] });
    cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    expect(sent(cycles.run(T0 + 24 * 60 * MINUTE, [seriesAt(LOGIN_A, T0 + 24 * 60 * MINUTE, 0)]))).toEqual([]);
  });
});

describe('evaluate: silences and maintenance windows mute notifications, not state', () => {
  const silence = (startsAt: number, endsAt: number): Silence => ({
    id: 'upgrade',
    matchers: [parseMatcher('target="https://a.example/login"')],
    startsAt,
    endsAt,
  });

  it('records a muted firing, then announces it when the silence ends and it still fires', () => {
    const cycles = new Cycles({ rules: [rule()], silences: [silence(T0 - MINUTE, T0 + 2 * MINUTE)] });
    const muted = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]);
    expect(recorded(muted)).toEqual(['firing']);
    expect(sent(muted)).toEqual([]);
    expect(cycles.states.get(keyOf('api-login-down', LOGIN_A))?.state).toBe('firing');

    expect(sent(cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 0)]))).toEqual([]);
    const after = cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 0)]);
    expect(sent(after)).toEqual(['firing']);
    expect(after.notifications[0]).toMatchObject({ previousState: 'firing', startsAt: iso(T0) });
    expect(after.history).toEqual([]);
  });

  it('sends nothing for an alert that fired and resolved inside the silence', () => {
    const cycles = new Cycles({ rules: [rule()], silences: [silence(T0 - MINUTE, T0 + 5 * MINUTE)] });
    const outputs = [0, 1, 2, 6].map((m) =>
      cycles.run(T0 + m * MINUTE, [seriesAt(LOGIN_A, T0 + m * MINUTE, m === 0 ? 0 : 1)]),
    );
    expect(outputs.flatMap(sent)).toEqual([]);
    expect(outputs.flatMap(recorded)).toEqual(['firing', 'resolved']);
    expect(cycles.states.size).toBe(0);
  });

  it('sends the resolved of an alert announced before the silence when it resolves, silence or not', () => {
    const cycles = new Cycles({ rules: [rule()], silences: [silence(T0 + MINUTE, T0 + 30 * MINUTE)] });
    expect(sent(cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]))).toEqual(['firing']);
    // Silenced while still firing: no reminder, nothing.
    expect(sent(cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 0)]))).toEqual([]);
    const resolved = cycles.run(T0 + 2 * MINUTE, [seriesAt(LOGIN_A, T0 + 2 * MINUTE, 1)]);
    expect(sent(resolved)).toEqual(['resolved']);
    expect(resolved.notifications[0]).toMatchObject({ startsAt: iso(T0), endsAt: iso(T0 + 2 * MINUTE) });
    expect(cycles.states.size).toBe(0);
    // Nothing more when the silence ends.
    expect(sent(cycles.run(T0 + 31 * MINUTE, [seriesAt(LOGIN_A, T0 + 31 * MINUTE, 1)]))).toEqual([]);
  });

  it('still holds reminders of a silenced alert', () => {
    const cycles = new Cycles({
      rules: [rule({ repeatIntervalMs: MINUTE })],
      silences: [silence(T0 + MINUTE, T0 + 30 * MINUTE)],
    });
    expect(sent(cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]))).toEqual(['firing']);
    for (const m of [1, 2, 3]) {
      expect(sent(cycles.run(T0 + m * MINUTE, [seriesAt(LOGIN_A, T0 + m * MINUTE, 0)]))).toEqual([]);
    }
  });

  it('mutes only the series the silence matches', () => {
    const cycles = new Cycles({ rules: [rule()], silences: [silence(T0 - MINUTE, T0 + MINUTE)] });
    const output = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0), seriesAt(LOGIN_B, T0, 0)]);
    expect(output.notifications.map((e) => e.labels.target)).toEqual(['https://b.example/login']);
    expect(output.history).toHaveLength(2);
  });

  it('mutes during a weekly maintenance window in its time zone', () => {
    const cycles = new Cycles({
      rules: [rule()],
      maintenanceWindows: [
        {
          id: 'tuesday-patching',
          matchers: [parseMatcher('site="site-a"')],
          timezone: 'Europe/Amsterdam',
          // Tuesday 2026-11-24 11:00 CET = 10:00 UTC = T0.
          weekly: [{ weekdays: [2], startMinute: 11 * 60, durationMs: 30 * MINUTE }],
          ranges: [],
        },
      ],
    });
    expect(sent(cycles.run(T0, [seriesAt(LOGIN_A, T0, 0)]))).toEqual([]);
    expect(sent(cycles.run(T0 + 30 * MINUTE, [seriesAt(LOGIN_A, T0 + 30 * MINUTE, 0)]))).toEqual(['firing']);
  });
});

describe('evaluate: instances, ids and versions', () => {
  it('keeps one independent alert per series', () => {
    const cycles = new Cycles({ rules: [rule({ labels: { team: 'web' } })] });
    const first = cycles.run(T0, [seriesAt(LOGIN_A, T0, 0), seriesAt(LOGIN_B, T0, 1)]);
    expect(first.notifications.map((e) => e.labels)).toEqual([
      { probe: 'pfsw-login', target: 'https://a.example/login', team: 'web' },
    ]);
    const second = cycles.run(T0 + MINUTE, [seriesAt(LOGIN_A, T0 + MINUTE, 0), seriesAt(LOGIN_B, T0 + MINUTE, 0)]);
    expect(second.notifications.map((e) => e.labels.target)).toEqual(['https://b.example/login']);
    expect([...cycles.states.keys()].sort()).toEqual(
      [keyOf('api-login-down', LOGIN_A), keyOf('api-login-down', LOGIN_B)].sort(),
    );
  });

  it('picks series by table, measure and matchers from a mixed set of windows', () => {
    const cycles = new Cycles({
      rules: [
        rule({
          measure: 'duration_ms',
          reducer: 'avg',
          threshold: { op: '>', value: 500 },
          match: ['target=~"https://a\\\\..*"'],
        }),
      ],
    });
    const output = cycles.run(T0, [
      seriesAt(LOGIN_A, T0, 900, 'duration_ms'),
      seriesAt(LOGIN_B, T0, 900, 'duration_ms'),
      seriesAt(LOGIN_A, T0, 0),
      { table: 'metrics', measure: 'duration_ms', labels: LOGIN_A, points: [{ t: T0, v: 9000 }] },
    ]);
    expect(output.notifications.map((e) => [e.labels.target, e.value])).toEqual([['https://a.example/login', 900]]);
  });

  it('gives the same output, ids included, when the same cycle is evaluated again', () => {
    const input = {
      rules: [rule({ forMs: MINUTE }), rule({ id: 'slow', measure: 'duration_ms', threshold: { op: '>', value: 1 } })],
      windows: [seriesAt(LOGIN_A, T0, 0), seriesAt(LOGIN_A, T0, 5, 'duration_ms')],
      states: new Map(),
      now: T0,
    };
    const once = evaluate(input);
    expect(once.notifications.length).toBeGreaterThan(0);
    expect(evaluate(input)).toEqual(once);
  });

  it('writes with the version it read and bumps it', () => {
    const cycles = new Cycles({ rules: [rule({ forMs: 2 * MINUTE })] });
    const key = keyOf('api-login-down', LOGIN_A);
    const versions = [0, 1, 2].map((m) => {
      const write = cycles.run(T0 + m * MINUTE, [seriesAt(LOGIN_A, T0 + m * MINUTE, 0)]).writes[0]!;
      expect(write.next.key).toBe(key);
      return [write.expectedVersion, write.next.version, write.next.state];
    });
    expect(versions).toEqual([
      [0, 1, 'pending'],
      [1, 2, 'pending'],
      [2, 3, 'firing'],
    ]);
    expect(cycles.states.get(key)).toMatchObject({
      ruleId: 'api-login-down',
      site: 'site-a',
      labels: LOGIN_A,
      since: T0 + 2 * MINUTE,
      firingSince: T0,
      lastValue: 0,
      notifiedState: 'firing',
      lastNotifiedAt: T0 + 2 * MINUTE,
      lastEvaluatedAt: T0 + 2 * MINUTE,
    });
  });

  it('expands annotation templates and passes links through', () => {
    const cycles = new Cycles({
      rules: [
        rule({
          annotations: {
            summary: '{{ $labels.target }} answered {{$value}} at {{ $labels.site }}',
            runbook: 'https://wiki.example/pfsw',
          },
          links: [{ title: 'Dashboard', url: 'https://grafana.example/d/pfsw' }],
        }),
      ],
    });
    const event = cycles.run(T0 + 30 * SECOND, [seriesAt(LOGIN_A, T0, 0.25)]).notifications[0]!;
    expect(event.annotations).toEqual({
      summary: 'https://a.example/login answered 0.25 at site-a',
      runbook: 'https://wiki.example/pfsw',
    });
    expect(event.links).toEqual([{ title: 'Dashboard', url: 'https://grafana.example/d/pfsw' }]);
  });
});
