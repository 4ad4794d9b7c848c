import type { DeliveryOutcome, Notification } from '../../domain/notification/outcome.js';
import type { ChannelSender } from '../../domain/ports.js';
import { PflowError } from '../../domain/errors.js';
import { ONCALL_RECIPIENT } from '../../domain/lifecycle/oncall.js';
import { renderReportEmail } from '../../domain/report/render-html.js';
import { redactOutcome } from '../common/http-post.js';
import type { ChannelDeps, ChannelFactory } from '../types.js';
import { outgoingMail, type OutgoingMail } from './mail.js';
import { renderEmail } from './render.js';
import type { EmailSettings } from './settings.js';

/** One way out for a channel's messages: SMTP (smtp.ts) or Amazon SES (ses.ts). */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<DeliveryOutcome>;
  close(): Promise<void>;
  /** Takes the transport's secrets out of a failure's detail before it is logged or stored. */
  readonly redact?: (text: string) => string;
}

type TransportName = EmailSettings['transport'];
type SettingsOf<Name extends TransportName> = Extract<EmailSettings, { transport: Name }>;

/** Builds a channel's transport from its settings; `email.ts` has both, a deliver bundle one. */
export type MailTransports = {
  readonly [Name in TransportName]?: (settings: SettingsOf<Name>, deps: ChannelDeps) => MailTransport;
};

/**
 * The email channel over the given transports: one message per notification, HTML and plain
 * text, to every `to` and `cc` address at once. Taking the transports as a parameter lets the
 * AWS deliver function for SES channels leave nodemailer's SMTP client out of its bundle (and the
 * SMTP one the SES client); a channel whose transport was not given is refused, naming both.
 */
export function emailSenderWith(transports: MailTransports): ChannelFactory<EmailSettings> {
  return (id, settings, deps) => {
    const transport = transportFor(transports, id, settings, deps);
    const redact = transport.redact ?? ((text: string) => text);
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
}

function transportFor(
  transports: MailTransports,
  id: string,
  settings: EmailSettings,
  deps: ChannelDeps,
): MailTransport {
  if (settings.transport === 'ses' && transports.ses) return transports.ses(settings, deps);
  if (settings.transport === 'smtp' && transports.smtp) return transports.smtp(settings, deps);
  throw new PflowError(
    'email_transport_not_bundled',
    `channel "${id}" sends email over ${settings.transport}, but this function was bundled for ${Object.keys(transports).join(', ')}`,
  );
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
