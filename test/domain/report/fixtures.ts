import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { AgentHeartbeats, ProbeBucket, ReportInput } from '../../../src/domain/report/digest.js';
import { reportWindow } from '../../../src/domain/report/window.js';
import { alertEvent } from '../../support/alert-event.js';

/**
 * A hand-checked site day: Sunday 29 March 2026 in Europe/Berlin, the spring-forward day of
 * 23 hours (local midnight is 2026-03-28T23:00Z, the next one 2026-03-29T22:00Z). The figures the
 * tests expect are worked out in comments beside the data.
 */

const HOUR = 3_600_000;
const MIN = 60_000;
const DAY = 24 * HOUR;

export const springWindow = reportWindow('2026-03-29', 'Europe/Berlin');
const { dayStart, dayEnd, weekStart } = springWindow;

/**
 * One bucket per hour over the week (6 × 24 + 23 = 167 hours), 60 results each.
 * api: every result 100 ms and ok, except the hour at dayStart + 5 h (local 06:00 CEST): 30 of
 *      60 failed, 1000 ms average, 5000 ms slowest.
 *   day: 23 × 60 = 1380 results, 30 failed → 1350/1380 = 97.826… % → "97.82%"
 *   week: 167 × 60 = 10020 results, 30 failed → 99.700… % → "99.70%"
 *   average over the day: (22 × 6000 + 60000) / 1380 = 139.13 ms
 * db:  every result 20 ms, 40 ms slowest, all ok: 100 %.
 * dns: no results: "no data".
 */
function hourly(probe: 'api' | 'db'): ProbeBucket[] {
  const out: ProbeBucket[] = [];
  for (let t = weekStart; t < dayEnd; t += HOUR) {
    if (probe === 'db') out.push({ t, n: 60, ok: 60, durationSum: 60 * 20, durationMax: 40 });
    else if (t === dayStart + 5 * HOUR) out.push({ t, n: 60, ok: 30, durationSum: 60 * 1000, durationMax: 5000 });
    else out.push({ t, n: 60, ok: 60, durationSum: 60 * 100, durationMax: 150 });
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

function event(
  rule: AlertEvent['rule'],
  fingerprint: string,
  state: 'firing' | 'resolved',
  startsAt: number,
  evaluatedAt: number,
  extra: Partial<AlertEvent> = {},
): AlertEvent {
  return alertEvent({
    id: `ward-a/${rule.id}/${fingerprint}/${iso(evaluatedAt)}/${state}`,
    site: 'ward-a',
    rule,
    state,
    previousState: state === 'firing' ? 'pending' : 'firing',
    labels: { probe: 'api', team: 'it' },
    annotations: { summary: `${rule.name} at ${fingerprint}` },
    startsAt: iso(startsAt),
    endsAt: state === 'resolved' ? iso(evaluatedAt - MIN) : null,
    evaluatedAt: iso(evaluatedAt),
    links: [],
    ...extra,
  });
}

const apiDown = { id: 'api-down', name: 'API down', severity: 'critical' } as const;
const certSoon = { id: 'cert-soon', name: 'Certificate expiring', severity: 'warning' } as const;

/**
 * api-down fired at dayStart + 5 h 02 min (started 5 h 01 min), resolved with endsAt 5 h 31 min:
 *   30 min. A reminder in between is not another alert. cert-soon fired at dayStart + 20 h and is
 *   still firing: 3 h to the end of the day, "so far". An alert of the day before (resolved during
 *   this one) is not listed.
 */
export const alertEvents: AlertEvent[] = [
  event(apiDown, 'f1', 'firing', dayStart - 3 * HOUR, dayStart - 3 * HOUR),
  event(apiDown, 'f1', 'resolved', dayStart - 3 * HOUR, dayStart + HOUR),
  event(apiDown, 'f2', 'firing', dayStart + 5 * HOUR + MIN, dayStart + 5 * HOUR + 2 * MIN),
  event(apiDown, 'f2', 'firing', dayStart + 5 * HOUR + MIN, dayStart + 5 * HOUR + 12 * MIN, { repeat: true }),
  {
    ...event(apiDown, 'f2', 'firing', dayStart + 5 * HOUR + MIN, dayStart + 5 * HOUR + 10 * MIN),
    id: `ward-a/api-down/f2/${iso(dayStart + 5 * HOUR + 10 * MIN)}/firing/ack`,
    acknowledgement: { by: 'c.jones', reason: 'on it', at: iso(dayStart + 5 * HOUR + 10 * MIN) },
  },
  event(apiDown, 'f2', 'resolved', dayStart + 5 * HOUR + MIN, dayStart + 5 * HOUR + 32 * MIN),
  event(certSoon, 'c1', 'firing', dayStart + 20 * HOUR, dayStart + 20 * HOUR),
];

function everyMinute(from: number, to: number, skip: (t: number) => boolean = () => false): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += MIN) if (!skip(t)) out.push(t);
  return out;
}

/**
 * ward-server-1: a heartbeat a minute all week, none from dayStart + 2 h (exclusive) to
 *   dayStart + 2 h 21 min: the gap between heartbeats is 21 min → silent 21 min.
 * ward-server-2: last heartbeat at dayEnd − 1 h → silent 60 min and still silent at the end.
 * old-agent: last heard ten days before: not one of the site's agents this week.
 */
export const agents: AgentHeartbeats[] = [
  {
    agent: 'ward-server-1',
    times: everyMinute(weekStart, dayEnd, (t) => t > dayStart + 2 * HOUR && t < dayStart + 2 * HOUR + 21 * MIN),
  },
  { agent: 'ward-server-2', times: everyMinute(weekStart, dayEnd - HOUR + 1) },
  { agent: 'old-agent', times: [dayStart - 10 * DAY] },
];

export const springInput: ReportInput = {
  site: { id: 'ward-a', name: 'Ward A' },
  window: springWindow,
  generatedAt: Date.parse('2026-03-30T05:00:00.000Z'),
  probes: [
    { id: 'api', kind: 'http', target: 'https://api.ward-a.example/health' },
    { id: 'db', kind: 'tcp', target: 'db.ward-a.example:5432' },
    { id: 'dns', kind: 'dns', target: 'ward-a.example' },
  ],
  buckets: new Map([
    ['api', hourly('api')],
    ['db', hourly('db')],
  ]),
  // api: read an hour before the end with 12.5 days left → 12 whole days after the day ends.
  // db: 90 days: not listed. dns: read 2 h before the end with −2.2 days → floor(−2.2 − 1/12) = −3.
  certs: [
    { probe: 'api', t: dayEnd - HOUR, daysLeft: 12.5 },
    { probe: 'db', t: dayEnd - HOUR, daysLeft: 90 },
    { probe: 'dns', t: dayEnd - 2 * HOUR, daysLeft: -2.2 },
  ],
  alertEvents,
  // api-down f2 was acknowledged 9 minutes after it fired (and again later: the first one counts);
  // an acknowledgement of another instance, or from before the alert began, is not its.
  acks: [
    { alertKey: 'api-down/f2', by: 'c.jones', at: dayStart + 5 * HOUR + 10 * MIN },
    { alertKey: 'api-down/f2', by: 'b.smith', at: dayStart + 5 * HOUR + 20 * MIN },
    { alertKey: 'api-down/f1', by: 'a.old', at: dayStart + 5 * HOUR + 10 * MIN },
    { alertKey: 'cert-soon/c1', by: 'early', at: dayStart + 19 * HOUR },
  ],
  agents,
  assets: {
    missing: [
      { asset: 'pump-07', type: 'infusion-pump', zone: 'Ward A store', lastSeen: iso(dayEnd - 30 * HOUR), battery: 80 },
    ],
    leftBuilding: [],
    lowBattery: [{ asset: 'pump-03', type: 'infusion-pump', zone: 'Room 12', lastSeen: iso(dayEnd - MIN), battery: 9 }],
    shortages: [{ zone: 'Ward A store', type: 'infusion-pump', min: 4, available: 2, shortBy: 2 }],
  },
};
