import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import type { DeliveryOutcome } from '../../domain/notification/outcome.js';
import { classifyAwsError } from '../common/aws-errors.js';
import type { ChannelDeps } from '../types.js';
import { composeMime, type OutgoingMail } from './mail.js';
import type { MailTransport } from './sender.js';
import type { EmailSesSettings } from './settings.js';

/** The subset of an SES client the email channel uses, so an injected client can be narrowed safely. */
export interface SesSender {
  send(command: SendRawEmailCommand): Promise<{ MessageId?: string }>;
}

export function isSesSender(value: unknown): value is SesSender {
  return typeof value === 'object' && value !== null && typeof (value as SesSender).send === 'function';
}

/** The email channel's SES transport (sender.ts): the injected client (tests), else one of its own. */
export function sesMailTransport(settings: EmailSesSettings, deps: ChannelDeps): MailTransport {
  const client = isSesSender(deps.aws?.ses) ? deps.aws.ses : sesClientFor(settings);
  return {
    send: (mail) => sendViaSes(client, settings, mail),
    // An injected client belongs to whoever injected it.
    close: async () => undefined,
  };
}

/** A client for settings that name no injected one; the delivery pipeline owns retries, hence one attempt. */
export function sesClientFor(settings: EmailSesSettings): SESClient {
  return new SESClient({
    maxAttempts: 1,
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  });
}

/**
 * SES v1 SendRawEmail with the MIME message nodemailer composes: HTML and text alternatives and
 * our headers (Message-ID, priority) go out exactly as rendered, which SendEmail's simple form
 * cannot carry. Destinations are given explicitly, so Cc works without parsing the headers.
 */
export async function sendViaSes(
  client: SesSender,
  settings: EmailSesSettings,
  mail: OutgoingMail,
): Promise<DeliveryOutcome> {
  try {
    const raw = await composeMime(mail);
    const result = await client.send(
      new SendRawEmailCommand({
        Source: settings.from,
        Destinations: [...mail.to, ...mail.cc],
        RawMessage: { Data: raw },
        ...(settings.configuration_set ? { ConfigurationSetName: settings.configuration_set } : {}),
      }),
    );
    return { status: 'delivered', detail: `SES message ${result.MessageId ?? '(no id)'}` };
  } catch (error) {
    return classifyAwsError(error, 'SES');
  }
}
