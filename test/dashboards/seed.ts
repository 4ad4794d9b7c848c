import type { AlertEvent } from '../../src/domain/alerts/event.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import type { MetricSample } from '../../src/domain/records.js';
import { alertEvent } from '../support/alert-event.js';

/**
 * What the dashboards are checked against: two hours of one site as the product writes it — probe
 * results (an HTTPS endpoint that is up, one that is down, a TCP port), alert state changes, the
 * agent heartbeat (one agent current, one silent for an hour), the exporters an agent scrapes
 * (node_exporter, cAdvisor, postgres/mysql exporters, windows_exporter v0.31 names, with `up` per
 * job), and the assets section's series. Written through the product's own adapters.
 */
export const SEED_END = Date.parse('2026-11-30T12:00:00.000Z');
export const SEED_START = SEED_END - 2 * 3_600_000;
export const SEED_STEP_MS = 60_000;

/** What a person would pick in the variables; substituted into every query the tests run. */
export const SEED_VARIABLES = { site: 'site-a', probe: 'portal', agent: 'ward-server-1', job: 'node' } as const;
/** What the where-is table's Search box holds in the query tests: a type and asset ids contain it, in another case. */
export const SEED_SEARCH = 'Pump';

const SITE = SEED_VARIABLES.site;
const AGENT = SEED_VARIABLES.agent;

function times(): number[] {
  const out: number[] = [];
  for (let t = SEED_START; t <= SEED_END; t += SEED_STEP_MS) out.push(t);
  return out;
}

export function seedProbeResults(): ProbeResult[][] {
  return times().map((time, i) => [
    {
      site: SITE,
      probe: 'portal',
      kind: 'http',
      target: 'https://portal.site-a.example/health',
      labels: { service: 'portal' },
      time,
      success: true,
      durationMs: 180 + (i % 7) * 40,
      phases: { dnsMs: 5, connectMs: 20, tlsMs: 40, firstByteMs: 90 + (i % 7) * 40, transferMs: 25 },
      statusCode: 200,
      tlsVersion: 'TLSv1.3',
      certNotAfter: SEED_END + 20 * 86_400_000,
      certDaysLeft: 20,
    },
    {
      site: SITE,
      probe: 'billing-api',
      kind: 'http',
      target: 'https://billing.site-a.example/api/ping',
      labels: { service: 'billing' },
      time,
      success: false,
      failure: { reason: 'status_mismatch', message: 'status 503 not in [200]' },
      durationMs: 2400,
      phases: { dnsMs: 4, connectMs: 15, tlsMs: 35, firstByteMs: 2300, transferMs: 46 },
      statusCode: 503,
      tlsVersion: 'TLSv1.2',
      certNotAfter: SEED_END + 9 * 86_400_000,
      certDaysLeft: 9,
    },
    {
      site: SITE,
      probe: 'db-port',
      kind: 'tcp',
      target: 'db01.site-a.local:5432',
      labels: { service: 'database' },
      time,
      success: true,
      durationMs: 3,
      phases: { dnsMs: 1, connectMs: 2 },
    },
  ]);
}

export function seedAlertEvents(): AlertEvent[] {
  const at = (ms: number) => new Date(ms).toISOString();
  const firing = SEED_END - 90 * 60_000;
  const labels = { probe: 'billing-api', target: 'https://billing.site-a.example/api/ping', service: 'billing' };
  const rule = { id: 'billing-down', name: 'Billing API down', severity: 'critical' as const };
  const fingerprint = '0123456789abcdef';
  const id = (state: string, when: number) => `${SITE}/${rule.id}/${fingerprint}/${at(when)}/${state}`;
  const slowRule = { id: 'portal-slow', name: 'Portal slow', severity: 'warning' as const };
  const slowLabels = { probe: 'portal', target: 'https://portal.site-a.example/health', service: 'portal' };
  return [
    alertEvent({
      id: id('firing', firing),
      site: SITE,
      rule,
      labels,
      state: 'firing',
      previousState: 'pending',
      value: 0,
      startsAt: at(firing - 120_000),
      evaluatedAt: at(firing),
    }),
    alertEvent({
      id: `${SITE}/${slowRule.id}/fedcba9876543210/${at(SEED_END - 60 * 60_000)}/firing`,
      site: SITE,
      rule: slowRule,
      labels: slowLabels,
      state: 'firing',
      previousState: 'ok',
      value: 1300,
      threshold: { op: '>', value: 1000 },
      startsAt: at(SEED_END - 60 * 60_000),
      evaluatedAt: at(SEED_END - 60 * 60_000),
    }),
    alertEvent({
      id: `${SITE}/${slowRule.id}/fedcba9876543210/${at(SEED_END - 30 * 60_000)}/resolved`,
      site: SITE,
      rule: slowRule,
      labels: slowLabels,
      state: 'resolved',
      previousState: 'firing',
      value: 400,
      threshold: { op: '>', value: 1000 },
      startsAt: at(SEED_END - 60 * 60_000),
      endsAt: at(SEED_END - 30 * 60_000),
      evaluatedAt: at(SEED_END - 30 * 60_000),
    }),
  ];
}

/** One scrape cycle of every exporter plus the agent heartbeat and the assets series, at `time`. */
function samplesAt(time: number, i: number): MetricSample[] {
  const out: MetricSample[] = [];
  const add = (name: string, labels: Record<string, string>, value: number) =>
    out.push({ name, labels: { site: SITE, ...labels }, time, value });
  const seconds = time / 1000;
  // Agent heartbeat (HELPERS.md, the agent contract): one agent current, one silent for an hour.
  for (const [agent, last] of [
    [AGENT, seconds],
    ['lab-server-2', (SEED_END - 3_600_000) / 1000],
  ] as const) {
    add('pflow_agent_up', { agent }, 1);
    add('pflow_agent_info', { agent, version: '0.1.0' }, 1);
    add('pflow_agent_buffer_bytes', { agent }, 4096 + i * 10);
    add('pflow_agent_buffer_batches', { agent }, 1);
    add('pflow_agent_buffer_oldest_age_seconds', { agent }, 12);
    add('pflow_agent_dropped_batches_total', { agent }, Math.floor(i / 30));
    add('pflow_agent_dropped_samples_total', { agent }, Math.floor(i / 30) * 100);
    add('pflow_agent_scrape_errors_total', { agent }, Math.floor(i / 20));
    add('pflow_agent_last_forward_timestamp_seconds', { agent }, Math.min(last, seconds));
  }
  const target = (job: string, instance: string) => ({ agent: AGENT, job, instance });
  // Per scrape target, as Prometheus writes them.
  for (const [job, instance] of [
    ['node', '127.0.0.1:9100'],
    ['cadvisor', '127.0.0.1:8080'],
    ['postgres', '127.0.0.1:9187'],
    ['mysql', '127.0.0.1:9104'],
    ['windows', 'ward-pc-1:9182'],
  ] as const) {
    add('up', target(job, instance), job === 'mysql' && i % 10 === 0 ? 0 : 1);
    add('scrape_duration_seconds', target(job, instance), 0.05);
    add('scrape_samples_scraped', target(job, instance), 500);
  }
  // node_exporter.
  const node = target('node', '127.0.0.1:9100');
  for (const cpu of ['0', '1']) {
    add('node_cpu_seconds_total', { ...node, cpu, mode: 'idle' }, 1000 + i * 45);
    add('node_cpu_seconds_total', { ...node, cpu, mode: 'user' }, 200 + i * 12);
    add('node_cpu_seconds_total', { ...node, cpu, mode: 'system' }, 100 + i * 3);
  }
  add('node_memory_MemTotal_bytes', node, 16e9);
  add('node_memory_MemAvailable_bytes', node, 6e9 - (i % 10) * 1e8);
  add('node_load1', node, 0.5 + (i % 5) / 10);
  add('node_filesystem_avail_bytes', { ...node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }, 12e9 - i * 1e7);
  add('node_filesystem_size_bytes', { ...node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }, 100e9);
  add('node_network_receive_bytes_total', { ...node, device: 'eth0' }, 1e6 + i * 5e5);
  add('node_network_transmit_bytes_total', { ...node, device: 'eth0' }, 1e6 + i * 2e5);
  // cAdvisor.
  const cadvisor = target('cadvisor', '127.0.0.1:8080');
  for (const [name, cpu, memory] of [
    ['pflow-portal', 0.3, 113e6],
    ['postgres', 0.05, 97e6],
    ['nginx', 0.01, 15e6],
  ] as const) {
    const labels = { ...cadvisor, name, image: `${name}:latest`, id: `/docker/${name}` };
    add('container_cpu_usage_seconds_total', { ...labels, cpu: 'total' }, i * 60 * cpu);
    add('container_memory_working_set_bytes', labels, memory);
    add('container_network_receive_bytes_total', { ...labels, interface: 'eth0' }, i * 1e5);
    add('container_network_transmit_bytes_total', { ...labels, interface: 'eth0' }, i * 5e4);
    add('container_last_seen', labels, seconds);
  }
  // Database exporters.
  add('pg_up', target('postgres', '127.0.0.1:9187'), 1);
  add('pg_stat_database_numbackends', { ...target('postgres', '127.0.0.1:9187'), datname: 'pflow' }, 12);
  add('mysql_up', target('mysql', '127.0.0.1:9104'), i % 10 === 0 ? 0 : 1);
  add('mysql_global_status_threads_connected', target('mysql', '127.0.0.1:9104'), 7);
  // windows_exporter (v0.31 names; the agent maps older ones).
  const windows = target('windows', 'ward-pc-1:9182');
  for (const state of ['running', 'stopped']) {
    add('windows_service_state', { ...windows, name: 'spooler', state }, state === 'running' ? 1 : 0);
    add('windows_service_state', { ...windows, name: 'rtlsbridge', state }, state === 'stopped' ? 1 : 0);
  }
  for (const [process, cpu, memory] of [
    ['rtlsbridge', 0.2, 220e6],
    ['sqlservr', 0.6, 1.2e9],
  ] as const) {
    add('windows_process_cpu_time_total', { ...windows, process, process_id: '4242', mode: 'user' }, i * 60 * cpu);
    add('windows_process_working_set_private_bytes', { ...windows, process, process_id: '4242' }, memory);
  }
  // The assets section (README "The JSON API, and the series the rules read").
  for (const [asset, type, zone, zoneName, age, battery] of [
    ['pump-301', 'infusion-pump', 'store-3', 'Equipment store 3', 20, 80],
    ['pump-306', 'infusion-pump', 'exit-main', 'Main entrance', 2400, 12],
    ['chair-01', 'wheelchair', 'room-301', 'Room 301', 5, 55],
  ] as const) {
    add('pflow_asset_last_seen_age_seconds', { asset, type, zone, zone_name: zoneName }, age + i * 0);
    add('pflow_asset_battery_percent', { asset, type }, battery);
    if (asset === 'pump-306') add('pflow_asset_left_building', { asset, type, zone, zone_name: zoneName }, 1);
  }
  for (const [zone, zoneName, type, available, min] of [
    ['store-3', 'Equipment store 3', 'infusion-pump', 2, 3],
    ['store-3', 'Equipment store 3', 'wheelchair', 1, 1],
  ] as const) {
    const labels = { zone, zone_name: zoneName, type };
    add('pflow_zone_available', labels, available);
    add('pflow_zone_par_min', labels, min);
    add('pflow_zone_par_shortfall', labels, Math.max(0, min - available));
  }
  for (const stage of ['waiting', 'triage', 'imaging', 'consult']) add('pflow_stage_occupancy', { stage }, 2);
  for (const stage of ['triage', 'imaging', 'consult']) {
    add('pflow_stage_wait_p50_seconds', { stage }, 300);
    add('pflow_stage_wait_p90_seconds', { stage }, stage === 'imaging' ? 1200 : 600);
    add('pflow_stage_visits', { stage }, 40 + i);
  }
  // Utilization over the last day (the asset function's day part in AWS).
  for (const [type, clinical, idle] of [
    ['infusion-pump', 0.62, 1],
    ['wheelchair', 0.08, 1],
  ] as const) {
    add('pflow_asset_type_clinical_share', { type }, clinical);
    add('pflow_asset_type_storage_share', { type }, 1 - clinical);
    add('pflow_asset_type_idle', { type }, idle);
  }
  add('pflow_asset_idle', { asset: 'chair-01', type: 'wheelchair' }, 1);
  return out;
}

export function seedMetricSamples(): MetricSample[][] {
  return times().map((time, i) => samplesAt(time, i));
}
