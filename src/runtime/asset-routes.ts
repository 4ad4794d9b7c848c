import type { AssetLocation, AssetStatus, WhereIsQuery } from '../domain/assets/answers.js';
import type { Clock } from '../domain/ports.js';
import type { AssetService } from '../services/assets.js';
import type { ApiReply } from './api-server.js';

const STATUSES: readonly AssetStatus[] = ['present', 'missing', 'left_building', 'never_seen'];
const DAY_MS = 86_400_000;
const MAX_RANGE_MS = 31 * DAY_MS;

/**
 * The assets part of the local runtime's JSON API (read-only, like the rest):
 *
 * - `/api/assets?asset=&tag=&type=&floor=&site=&department=&status=&available=true&limit=` where is it; by type,
 *   available ones on the asked floor first ("nearest available infusion pump on floor 3")
 * - `/api/assets/<id>` one asset
 * - `/api/assets/missing` missing, left the building, never seen, low battery
 * - `/api/assets/par-levels` available count of a type in a zone against its minimum
 * - `/api/assets/utilization?site=&from=&to=` clinical vs storage share per asset and type, idle ones
 * - `/api/assets/flow?site=&from=&to=` patient flow per stage: stays, waits, throughput, occupancy
 * - `/api/assets/activity?site=&from=&to=` events and tags per hour (the tag panels)
 * - `/api/assets/inputs` what each RTLS input took and refused, and why
 *
 * Times are ISO 8601 UTC; `from`/`to` take ISO 8601 or epoch ms and default to the last 24 hours.
 */
export function assetRoutes(deps: {
  readonly service: AssetService;
  readonly clock: Clock;
  readonly inputs: () => unknown;
  readonly activity: (site: string, from: number, to: number) => unknown;
}): (url: URL) => ApiReply | undefined {
  const { service, clock } = deps;
  return (url) => {
    if (url.pathname !== '/api/assets' && !url.pathname.startsWith('/api/assets/')) return undefined;
    const q = url.searchParams;
    const bad = (error: string): ApiReply => ({ status: 400, body: { error } });
    const sub = url.pathname.slice('/api/assets'.length).replace(/^\//, '');
    const site = q.get('site') ?? undefined;
    const range = (): { from: number; to: number; site: string } | string => {
      const now = clock.now();
      const to = q.has('to') ? parseTime(q.get('to')!) : now;
      const from = q.has('from') ? parseTime(q.get('from')!) : (to ?? now) - DAY_MS;
      if (to === undefined) return 'to: expected ISO 8601 with an offset, or epoch ms';
      if (from === undefined) return 'from: expected ISO 8601 with an offset, or epoch ms';
      if (from >= to) return 'from: must be before to';
      if (to - from > MAX_RANGE_MS) return 'from: at most 31 days before to';
      const sites = [...new Set(service.assets.map((a) => a.site))];
      const chosen = site ?? (sites.length === 1 ? sites[0] : undefined);
      if (chosen === undefined) return `site: required when there are several (${sites.join(', ') || 'none'})`;
      return { from, to, site: chosen };
    };
    switch (sub) {
      case '': {
        const query = whereIsQueryOf(q);
        if (typeof query === 'string') return bad(query);
        return { status: 200, body: { assets: service.whereIs(query).map(presentLocation) } };
      }
      case 'missing': {
        const overview = service.overview(site);
        return {
          status: 200,
          body: {
            missing: overview.missing.map(presentLocation),
            leftBuilding: overview.leftBuilding.map(presentLocation),
            neverSeen: overview.neverSeen.map(presentLocation),
            lowBattery: overview.lowBattery.map(presentLocation),
          },
        };
      }
      case 'par-levels':
        return { status: 200, body: { parLevels: service.overview(site).parLevels } };
      case 'utilization':
      case 'flow':
      case 'activity': {
        const r = range();
        if (typeof r === 'string') return bad(r);
        if (sub === 'utilization') return { status: 200, body: service.utilization(r.site, r.from, r.to) };
        if (sub === 'flow') return { status: 200, body: service.flow(r.site, r.from, r.to) };
        return { status: 200, body: { site: r.site, perHour: deps.activity(r.site, r.from, r.to) } };
      }
      case 'inputs':
        return { status: 200, body: { ingest: service.stats(), inputs: deps.inputs() } };
      default: {
        const location = service.asset(decodeURIComponent(sub), site);
        return location
          ? { status: 200, body: presentLocation(location) }
          : { status: 404, body: { error: `no asset "${decodeURIComponent(sub)}"` } };
      }
    }
  };
}

function optional<K extends string>(key: K, value: string | null): Partial<Record<K, string>> {
  return value === null || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}

function parseTime(text: string): number | undefined {
  if (/^\d{10,13}$/.test(text)) return Number(text);
  if (!/(Z|[+-]\d\d:\d\d)$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The where-is query of `/api/assets` from its parameters (`asset`, `tag`, `type`, `floor`, `site`,
 * `department`, `status`, `available`, `limit`), or the problem naming the parameter. Shared with
 * the lifecycle API's `/api/assets` in AWS, so both read a question the same way.
 */
export function whereIsQueryOf(q: URLSearchParams): WhereIsQuery | string {
  const status = q.get('status') ?? undefined;
  if (status !== undefined && !STATUSES.includes(status as AssetStatus)) return `status: one of ${STATUSES.join(', ')}`;
  const limitText = q.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return 'limit: a whole number from 1';
  const available = q.get('available');
  if (available !== null && available !== 'true' && available !== 'false') return 'available: true or false';
  return {
    ...optional('site', q.get('site')),
    ...optional('asset', q.get('asset')),
    ...optional('type', q.get('type')),
    ...optional('floor', q.get('floor')),
    ...optional('department', q.get('department')),
    ...optional('tag', q.get('tag')),
    ...(status !== undefined && { status: status as AssetStatus }),
    ...(available === 'true' && { availableOnly: true }),
    ...(limit !== undefined && { limit }),
  };
}

/** A location as the JSON API answers it: times in ISO 8601 UTC. */
export function presentLocation(location: AssetLocation) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return { ...location, since: iso(location.since), lastSeen: iso(location.lastSeen) };
}
