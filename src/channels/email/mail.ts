import { createHash } from 'node:crypto';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { Notification } from '../../domain/notification/outcome.js';
import type { RenderedEmail } from './render.js';

/** The message both transports send, built once: nodemailer's mail options for SMTP, SendEmail's fields for SES. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Sent over SMTP only: SES replaces any Message-ID with its own (ses.ts). */
  readonly messageId: string;
  /** The alert's first message in this channel, when this one follows it (see threadOf). */
  readonly inReplyTo?: string;
  readonly references?: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function outgoingMail(
  notification: Notification,
  rendered: RenderedEmail,
  addresses: { readonly from: string; readonly to: readonly string[]; readonly cc: readonly string[] },
): OutgoingMail {
  const critical = notification.events.some((event) => event.state === 'firing' && event.rule.severity === 'critical');
  const thread = threadOf(notification, addresses.from);
  return {
    from: addresses.from,
    to: [...addresses.to],
    cc: [...addresses.cc],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: thread?.opens === true ? thread.id : messageIdFor(notification.key, addresses.from),
    ...(thread?.opens === false && { inReplyTo: thread.id, references: thread.id }),
    headers: {
      'X-PerformanceFlow-Notification': notification.key.replace(/[\r\n]/g, ' '),
      // Written out rather than nodemailer's `priority`, so that SES (ses.ts) gets the same headers.
      ...(critical ? HIGH_PRIORITY : {}),
    },
  };
}

/** What Outlook, Apple Mail and Thunderbird read as "high importance", for critical firing alerts. */
const HIGH_PRIORITY = { 'X-Priority': '1 (Highest)', 'X-MSMail-Priority': 'High', Importance: 'High' } as const;

/**
 * The same notification always gets the same Message-ID, so if a retry follows a send whose
 * answer was lost, mail clients and archives that deduplicate on Message-ID show it once.
 */
export function messageIdFor(notificationKey: string, from: string): string {
  const digest = createHash('sha256').update(notificationKey).digest('hex').slice(0, 32);
  return `<${digest}@${domainOf(from)}>`;
}

/**
 * The mail thread of one alert in one channel: an alert instance's one problem (its firing, or
 * its no-data or error), from the first message through reminders, escalation, the
 * acknowledgement update and the resolution. The first message's Message-ID is the thread's id,
 * made from the channel, the instance and when the problem began, so every later message can name
 * it in In-Reply-To and References without anything stored, also after a restart or from
 * another Lambda. Undefined for a message about several alerts (a group), a test or a report.
 * Over SES the first message gets SES's own Message-ID instead, so there the later messages name
 * a thread id that no message carries (ses.ts).
 */
export function threadOf(notification: Notification, from: string): { id: string; opens: boolean } | undefined {
  const [first, ...rest] = notification.events;
  if (first === undefined || notification.report !== undefined || first.test === true) return undefined;
  const instance = instanceOf(first);
  if (rest.some((event) => instanceOf(event) !== instance)) return undefined;
  const opens = notification.events.every(
    (event) =>
      event.state !== 'resolved' &&
      event.repeat !== true &&
      event.acknowledgement === undefined &&
      event.escalation === undefined,
  );
  const digest = createHash('sha256').update(`${notification.channel}\n${instance}`).digest('hex').slice(0, 32);
  return { id: `<${digest}.alert@${domainOf(from)}>`, opens };
}

/** `site/rule/fingerprint` from the event id, and when the problem began. */
function instanceOf(event: AlertEvent): string {
  return `${event.id.split('/').slice(0, 3).join('/')}\n${event.startsAt}`;
}

function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'performanceflow.invalid';
}
