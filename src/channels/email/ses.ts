import { domainToASCII } from 'node:url';
import { SendEmailCommand, SESv2Client, type MessageHeader } from '@aws-sdk/client-sesv2';
import type { DeliveryOutcome } from '../../domain/notification/outcome.js';
import { classifyAwsError } from '../common/aws-errors.js';
import type { ChannelDeps } from '../types.js';
import type { OutgoingMail } from './mail.js';
import type { MailTransport } from './sender.js';
import type { EmailSesSettings } from './settings.js';

/** The subset of an SES v2 client the email channel uses, so an injected client can be narrowed safely. */
export interface SesSender {
  send(command: SendEmailCommand): Promise<{ MessageId?: string }>;
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
export function sesClientFor(settings: EmailSesSettings): SESv2Client {
  return new SESv2Client({
    maxAttempts: 1,
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  });
}

/**
 * SES v2 SendEmail with simple content: SES builds the MIME message (text and HTML alternatives,
 * UTF-8) from the subject and bodies, so this bundle needs no MIME composer of its own. Our
 * headers go in `Headers`, except Message-ID: SES replaces any given one with its own, so on SES
 * an alert's first message cannot carry the thread's id and later ones name that id in
 * In-Reply-To and References only.
 */
export async function sendViaSes(
  client: SesSender,
  settings: EmailSesSettings,
  mail: OutgoingMail,
): Promise<DeliveryOutcome> {
  try {
    const result = await client.send(
      new SendEmailCommand({
        FromEmailAddress: sesMailbox(settings.from),
        Destination: {
          ToAddresses: mail.to.map(asciiDomain),
          ...(mail.cc.length > 0 ? { CcAddresses: mail.cc.map(asciiDomain) } : {}),
        },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
            Headers: sesHeaders(mail),
          },
        },
        ...(settings.configuration_set ? { ConfigurationSetName: settings.configuration_set } : {}),
      }),
    );
    return { status: 'delivered', detail: `SES message ${result.MessageId ?? '(no id)'}` };
  } catch (error) {
    return classifyAwsError(error, 'SES');
  }
}

/** SES v2 takes a header value of at most 870 printable ASCII characters (API reference, MessageHeader). */
const MAX_HEADER_VALUE = 870;

/** The thread headers and ours (mail.headers), as SES v2 takes them: one entry each, printable ASCII. */
export function sesHeaders(mail: OutgoingMail): MessageHeader[] {
  const headers: Record<string, string> = {
    ...(mail.inReplyTo !== undefined && { 'In-Reply-To': mail.inReplyTo }),
    ...(mail.references !== undefined && { References: mail.references }),
    ...mail.headers,
  };
  return Object.entries(headers).map(([Name, Value]) => ({ Name, Value: printableAscii(Value) }));
}

/** Anything else (a site or rule name in another script, a control character) percent-encoded as UTF-8. */
function printableAscii(value: string): string {
  const encoded = Array.from(value, (char) =>
    /^[ -~]$/.test(char) ? char : Buffer.from(char, 'utf8').toString('hex').replace(/../g, '%$&').toUpperCase(),
  ).join('');
  return encoded.slice(0, MAX_HEADER_VALUE);
}

/**
 * The From mailbox as SES takes it, which nodemailer did for us before: SES reads 7-bit ASCII only
 * (no SMTPUTF8), so a display name with other characters goes as MIME encoded-words (RFC 2047),
 * one with RFC 5322 specials (`St. Anna, IT`) as a quoted string, and a domain in Punycode.
 * Written here rather than taken from a MIME library: nodemailer's encoders load its 80 KB MIME-type
 * table and libmime brings iconv-lite, either of which would put this bundle back over 500 KB for
 * the few lines a From header needs (Punycode is Node's own `domainToASCII`).
 */
export function sesMailbox(mailbox: string): string {
  const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(mailbox);
  if (match === null) return asciiDomain(mailbox.trim());
  const [, name = '', address = ''] = match;
  return name === '' ? asciiDomain(address) : `${displayName(name)} <${asciiDomain(address)}>`;
}

/** `user@bücher.example` → `user@xn--bcher-kva.example`; the local part must be ASCII already. */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || /^[\x21-\x7e]*$/.test(domain)) return address;
  return `${address.slice(0, at + 1)}${domainToASCII(domain) || domain}`;
}

function displayName(raw: string): string {
  const name = /^".*"$/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  if (/[^ -~]/.test(name)) return encodedWords(name);
  if (/[()<>[\]:;@\\,."]/.test(name)) return `"${name.replace(/["\\]/g, '\\$&')}"`;
  return name;
}

/** RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, never splitting a character. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    // 45 bytes of UTF-8 are 60 characters of base64; with `=?UTF-8?B?` and `?=`, 72.
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(' ');
}
