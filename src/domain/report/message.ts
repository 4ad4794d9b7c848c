import type { Notification } from '../notification/outcome.js';
import { DAILY_REPORT_SCHEMA, reportNotification, type DailyDigest } from './digest.js';

export const REPORT_MESSAGE_SCHEMA = 'performanceflow.report-message/v1';

/**
 * A daily report on the way to its channels in AWS: the report function publishes one per site and
 * day on the alert topic, and each channel's deliver function turns it into the same notification
 * the local scheduler dispatches (so the channel renders it the same, and the notification-log key
 * `<channel>|report:<id>/<site>/<day>` keeps a retried schedule from sending it twice).
 */
export interface ReportMessage {
  readonly schema: typeof REPORT_MESSAGE_SCHEMA;
  /** The config's report id. */
  readonly report: string;
  readonly digest: DailyDigest;
}

export function reportMessage(report: string, digest: DailyDigest): ReportMessage {
  return { schema: REPORT_MESSAGE_SCHEMA, report, digest };
}

/** True for a parsed queue message that claims to be a report (it may still be malformed). */
export function isReportMessage(value: Readonly<Record<string, unknown>>): boolean {
  return value.schema === REPORT_MESSAGE_SCHEMA;
}

/** The notification for one channel, or what is wrong with the message (never its content). */
export function reportMessageNotification(
  channel: string,
  value: Readonly<Record<string, unknown>>,
): Notification | string {
  if (value.schema !== REPORT_MESSAGE_SCHEMA) return `schema is not ${REPORT_MESSAGE_SCHEMA}`;
  if (typeof value.report !== 'string' || value.report === '') return 'report is missing';
  const digest = value.digest as Partial<DailyDigest> | null | undefined;
  if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) return 'digest is missing';
  if (digest.schema !== DAILY_REPORT_SCHEMA) return `digest.schema is not ${DAILY_REPORT_SCHEMA}`;
  if (typeof digest.site?.id !== 'string' || digest.site.id === '') return 'digest.site.id is missing';
  if (typeof digest.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(digest.day)) return 'digest.day is not YYYY-MM-DD';
  for (const list of ['availability', 'hourly', 'alerts', 'slowest', 'certificates'] as const) {
    if (!Array.isArray(digest[list])) return `digest.${list} is not a list`;
  }
  if (typeof digest.overall !== 'object' || digest.overall === null) return 'digest.overall is missing';
  if (typeof digest.agents !== 'object' || digest.agents === null) return 'digest.agents is missing';
  return reportNotification(channel, value.report, digest as DailyDigest);
}
