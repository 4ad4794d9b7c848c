import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Notification } from '../../domain/notification/outcome.js';
import type { RenderedEmail } from './render.js';

/** The message both transports send: nodemailer's mail options, built once. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function outgoingMail(
  notification: Notification,
  rendered: RenderedEmail,
  addresses: { readonly from: string; readonly to: readonly string[]; readonly cc: readonly string[] },
): OutgoingMail {
  const critical = notification.events.some((event) => event.state === 'firing' && event.rule.severity === 'critical');
  return {
    from: addresses.from,
    to: [...addresses.to],
    cc: [...addresses.cc],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: messageIdFor(notification.key, addresses.from),
    headers: {
      'X-PerformanceFlow-Notification': notification.key.replace(/[\r\n]/g, ' '),
      // Written out rather than nodemailer's `priority`, which its MailComposer (the SES path) ignores.
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
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'performanceflow.invalid';
  const digest = createHash('sha256').update(notificationKey).digest('hex').slice(0, 32);
  return `<${digest}@${domain}>`;
}

/** The full MIME message (multipart/alternative: text and HTML), as SES SendRawEmail wants it. */
export async function composeMime(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({ ...mail, to: [...mail.to], cc: [...mail.cc] });
  return new Promise((resolve, reject) => {
    composer.compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}
