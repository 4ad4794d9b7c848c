import type { DeliveryOutcome, Notification } from '../../domain/notification/outcome.js';
import type { ChannelSender } from '../../domain/ports.js';
import { redactorFor, type Redactor } from '../../domain/redact.js';
import { parseDuration } from '../../domain/duration.js';
import { ONCALL_RECIPIENT } from '../../domain/lifecycle/oncall.js';
import { redactOutcome } from '../common/http-post.js';
import type { ChannelDeps, ChannelFactory } from '../types.js';
import { outgoingMail, type OutgoingMail } from './mail.js';
import { renderReportEmail } from '../../domain/report/render-html.js';
import { renderEmail } from './render.js';
import { isSesSender, sendViaSes, sesClientFor } from './ses.js';
import type { EmailSettings, EmailSmtpSettings } from './settings.js';
import { createSmtpTransporter, sendViaSmtp } from './smtp.js';

/**
 * The email channel: one message per notification, HTML and plain text, to every `to` and `cc`
 * address at once, through SMTP (local runtime, on-prem relays) or Amazon SES (AWS).
 */
export const createEmailSender: ChannelFactory<EmailSettings> = (id, settings, deps) => {
  const transport = settings.transport === 'ses' ? sesTransport(settings, deps) : smtpTransport(settings);
  const redact = settings.transport === 'smtp' ? smtpRedactor(settings) : (text: string) => text;
  return {
    id,
    kind: 'email',
    async send(notification: Notification): Promise<DeliveryOutcome> {
      const rendered = notification.report
        ? renderReportEmail(notification.report)
        : renderEmail(notification, { timezoneFor: deps.timezoneFor, ackLinkFor: deps.ackLinkFor });
      const to = resolveRecipients(settings.to, deps);
      const cc = resolveRecipients(settings.cc, deps);
      if (to.unresolved.length > 0 && to.addresses.length === 0) {
        return {
          status: 'permanent',
          reason: 'oncall_unresolved',
          detail: `nobody with an email address is on call for ${to.unresolved.join(', ')}`,
        };
      }
      const mail = outgoingMail(notification, rendered, { from: settings.from, to: to.addresses, cc: cc.addresses });
      return redactOutcome(await transport.send(mail), redact);
    },
    close: () => transport.close(),
  } satisfies ChannelSender;
};

interface MailTransport {
  send(mail: OutgoingMail): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

function smtpTransport(settings: EmailSmtpSettings): MailTransport {
  const transporter = createSmtpTransporter(settings, parseDuration(settings.timeout));
  return {
    send: (mail) => sendViaSmtp(transporter, mail),
    close: async () => transporter.close(),
  };
}

function sesTransport(settings: Extract<EmailSettings, { transport: 'ses' }>, deps: ChannelDeps): MailTransport {
  const client = isSesSender(deps.aws?.ses) ? deps.aws.ses : sesClientFor(settings);
  return {
    send: (mail) => sendViaSes(client, settings, mail),
    // An injected client belongs to whoever injected it.
    close: async () => undefined,
  };
}

/**
 * The password, and the forms it travels in on the wire (AUTH PLAIN and AUTH LOGIN send it
 * base64-encoded), should a server or library ever echo one back in an error.
 */
function smtpRedactor(settings: EmailSmtpSettings): Redactor {
  const { username, password } = settings;
  if (password === undefined) return (text) => text;
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return redactorFor([password, base64(password), base64(`\u0000${username ?? ''}\u0000${password}`)]);
}

/** `oncall:<team>` becomes the address of whoever is on call for the team now; others stay as they are. */
function resolveRecipients(
  recipients: readonly string[],
  deps: ChannelDeps,
): { addresses: string[]; unresolved: string[] } {
  const addresses: string[] = [];
  const unresolved: string[] = [];
  for (const recipient of recipients) {
    const team = ONCALL_RECIPIENT.exec(recipient)?.[1];
    if (team === undefined) {
      addresses.push(recipient);
      continue;
    }
    const email = deps.onCall?.(team)?.email;
    if (email === undefined) unresolved.push(recipient);
    else if (!addresses.includes(email)) addresses.push(email);
  }
  return { addresses, unresolved };
}
