import * as z from 'zod';
import { duration, id, BOUNDS } from '../config/fields.js';
import { DEFAULT_REPORT_SETTINGS } from './digest.js';

/**
 * The `reports:` section: which sites get a daily report, at what local time, on which channels.
 *
 *   reports:
 *     - id: morning
 *       at: "07:00"              # site-local wall clock, DST-correct
 *       sites: [ward-a]          # default: every site
 *       channels: [ops-email, ops-slack]
 *       slowest: 5
 *       cert_within_days: 30
 *       agent_silent_after: 5m
 */

/** Channel kinds that can carry a report; the others carry alert events only. */
export const REPORT_CHANNEL_KINDS = ['email', 'slack', 'teams', 'console'] as const;

const HH_MM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const reportSchema = z.strictObject({
  id,
  at: z
    .string()
    .regex(HH_MM, 'must be a time of day as HH:MM (00:00 to 23:59)')
    .default('07:00')
    .describe("Local time in each site's time zone at which the report for the day before is sent"),
  sites: z.array(z.string()).min(1).optional().describe('Site ids; default: every site'),
  channels: z
    .array(z.string())
    .min(1)
    .describe(`Channel ids (kinds: ${REPORT_CHANNEL_KINDS.join(', ')})`),
  slowest: z.number().int().min(1).max(50).default(DEFAULT_REPORT_SETTINGS.slowest).describe('Slowest probes listed'),
  cert_within_days: z
    .number()
    .int()
    .min(1)
    .max(365)
    .default(DEFAULT_REPORT_SETTINGS.certWithinDays)
    .describe('Certificates expiring within this many days are listed'),
  agent_silent_after: duration({ positive: true, atMost: BOUNDS.day })
    .prefault('5m')
    .describe('A gap between heartbeats of an agent longer than this counts as silence'),
});

export const reportsSchema = z.array(reportSchema).describe('Daily reports per site, sent each morning');

export type ReportShape = z.output<typeof reportSchema>;

export interface ReportDefinition {
  readonly id: string;
  /** HH:mm, site-local. */
  readonly at: string;
  /** Resolved: every site when the config leaves it out. */
  readonly sites: readonly string[];
  readonly channels: readonly string[];
  readonly settings: { readonly slowest: number; readonly certWithinDays: number; readonly agentSilentAfterMs: number };
}

export function normaliseReports(reports: readonly ReportShape[], siteIds: readonly string[]): ReportDefinition[] {
  return reports.map((report) => ({
    id: report.id,
    at: report.at,
    sites: report.sites ?? [...siteIds],
    channels: report.channels,
    settings: {
      slowest: report.slowest,
      certWithinDays: report.cert_within_days,
      agentSilentAfterMs: report.agent_silent_after,
    },
  }));
}

type Loose = Record<string, unknown>;
const objects = (value: unknown): Loose[] =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'object' && v !== null ? (v as Loose) : {})) : [];

/** Cross-field rules: report ids unique, sites and channels exist, channels of a kind that carries reports. */
export function checkReportsSection(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null) return;
  const root = value as Loose;
  if (root.reports === undefined) return;
  const siteIds = new Set(
    objects(root.sites)
      .map((s) => s.id)
      .filter((v): v is string => typeof v === 'string'),
  );
  const kinds = new Map(
    objects(root.channels).flatMap((c) => (typeof c.id === 'string' ? [[c.id, String(c.kind)] as const] : [])),
  );
  const seen = new Set<string>();
  objects(root.reports).forEach((report, i) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path: ['reports', i, ...path], message });
    if (typeof report.id === 'string') {
      if (seen.has(report.id)) issue(['id'], `duplicate report id ${JSON.stringify(report.id)}`);
      seen.add(report.id);
    }
    (Array.isArray(report.sites) ? report.sites : []).forEach((site: unknown, j) => {
      if (typeof site === 'string' && !siteIds.has(site))
        issue(['sites', j], `no site ${JSON.stringify(site)} (sites: ${[...siteIds].join(', ')})`);
    });
    (Array.isArray(report.channels) ? report.channels : []).forEach((channel: unknown, j) => {
      if (typeof channel !== 'string') return;
      const kind = kinds.get(channel);
      if (kind === undefined) {
        issue(['channels', j], `no channel ${JSON.stringify(channel)} (channels: ${[...kinds.keys()].join(', ')})`);
      } else if (!(REPORT_CHANNEL_KINDS as readonly string[]).includes(kind)) {
        issue(
          ['channels', j],
          `channel ${JSON.stringify(channel)} is a ${kind} channel, which cannot carry a report (use ${REPORT_CHANNEL_KINDS.join(', ')})`,
        );
      }
    });
  });
}
