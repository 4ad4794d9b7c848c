/**
 * The values the default rules alert on (config/example.yaml, config/aws-example.yaml,
 * config/reference-site.yaml), so a panel turns orange or red exactly where an alert would start.
 * `test/dashboards/thresholds.test.ts` reads those configs and fails when a rule's threshold is not
 * a step of the panels that chart its measure.
 */
export const RULE_THRESHOLDS = {
  /** `success < 1`: the probe failed. */
  probeSuccess: 1,
  /** `duration_ms > 1000` (example's demo-portal-slow) warns; `> 2000` (aws-example, reference site) is the SLO breach. */
  responseTimeMs: { warning: 1000, critical: 2000 },
  /** `node_filesystem_avail_bytes < 10 GB` (reference site, capacity). */
  filesystemAvailBytes: 10_000_000_000,
  /** `pflow_asset_last_seen_age_seconds > 1800`: asset missing. */
  assetLastSeenAgeSeconds: 1800,
  /** `pflow_asset_battery_percent < 15`: tag battery low. */
  batteryPercent: 15,
  /** `pflow_zone_par_shortfall > 0`: zone short of a type. */
  parShortfall: 0,
  /** `pflow_stage_wait_p90_seconds > 900`: patients wait long before a stage. */
  stageWaitP90Seconds: 900,
  /** `pflow_asset_left_building >= 1`. */
  assetLeftBuilding: 1,
} as const;

/** Not rules today, but what the Overview colours by: certificates within 30/14 days, agents silent 2 min. */
export const WATCH_LEVELS = {
  certDaysLeft: { warning: 30, critical: 14 },
  agentSilentSeconds: { warning: 120, critical: 600 },
} as const;

export const COLORS = { ok: 'green', warning: 'orange', critical: 'red', info: 'blue', muted: 'text' } as const;
