import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { parseDuration } from '../../domain/duration.js';
import type { DeliveryOutcome } from '../../domain/notification/outcome.js';
import { redactorFor, type Redactor } from '../../domain/redact.js';
import type { EmailSmtpSettings } from './settings.js';
import type { OutgoingMail } from './mail.js';
import type { MailTransport } from './sender.js';

export type SmtpTransporter = Transporter<SMTPTransport.SentMessageInfo>;

/** The email channel's SMTP transport (sender.ts): a transporter per channel, and its password kept out of errors. */
export function smtpMailTransport(settings: EmailSmtpSettings): MailTransport {
  const transporter = createSmtpTransporter(settings, parseDuration(settings.timeout));
  return {
    send: (mail) => sendViaSmtp(transporter, mail),
    close: async () => transporter.close(),
    redact: smtpRedactor(settings),
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

/**
 * One nodemailer transport per channel. Not pooled: alert mail is sparse, and a fresh
 * connection per message means a relay restart never leaves a dead pooled socket behind.
 */
export function createSmtpTransporter(settings: EmailSmtpSettings, timeoutMs: number): SmtpTransporter {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port ?? (settings.secure ? 465 : 587),
    secure: settings.secure,
    requireTLS: settings.require_tls,
    tls: { rejectUnauthorized: settings.tls_verify },
    ...(settings.username !== undefined && settings.password !== undefined
      ? { auth: { user: settings.username, pass: settings.password } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Never let nodemailer log: its transaction log would carry the AUTH exchange.
    logger: false,
    debug: false,
  });
}

export async function sendViaSmtp(transporter: SmtpTransporter, mail: OutgoingMail): Promise<DeliveryOutcome> {
  try {
    const info = await transporter.sendMail({
      ...mail,
      to: [...mail.to],
      cc: [...mail.cc],
      headers: { ...mail.headers },
    });
    const rejected = info.rejected.length;
    const response = typeof info.response === 'string' ? info.response : '';
    // Some recipients accepted: the message went out, and sending again would repeat it for them.
    const partial = rejected > 0 ? `; ${rejected} recipient(s) refused: ${addressList(info.rejected)}` : '';
    return { status: 'delivered', detail: `${info.accepted.length} recipient(s) accepted (${response})${partial}` };
  } catch (error) {
    return classifySmtpError(error);
  }
}

/**
 * SMTP's own rule (RFC 5321 §4.2.1): 4yz is a transient failure, 5yz permanent. Without a reply
 * code, the failure happened on the way: connection, DNS, timeout and TLS problems are
 * retryable; an authentication method the server lacks, or a malformed message, is not.
 */
export function classifySmtpError(error: unknown): DeliveryOutcome {
  const smtp = error as {
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
    command?: unknown;
    message?: unknown;
  };
  const code = typeof smtp.code === 'string' ? smtp.code : undefined;
  const message = typeof smtp.message === 'string' ? smtp.message : String(error);
  const command = typeof smtp.command === 'string' ? ` after ${smtp.command}` : '';

  if (typeof smtp.responseCode === 'number') {
    const response = typeof smtp.response === 'string' ? smtp.response : message;
    const detail = `SMTP ${smtp.responseCode}${command}: ${response}`;
    const reason = `smtp_${smtp.responseCode}`;
    if (smtp.responseCode >= 400 && smtp.responseCode < 500) return { status: 'retryable', reason, detail };
    if (smtp.responseCode >= 500) return { status: 'permanent', reason, detail };
  }
  switch (code) {
    case 'ETIMEDOUT':
      return { status: 'retryable', reason: 'timeout', detail: `SMTP${command}: ${message}` };
    case 'ETLS':
      return { status: 'retryable', reason: 'tls', detail: `SMTP${command}: ${message}` };
    case 'EAUTH':
    case 'EENVELOPE':
    case 'EMESSAGE':
      return {
        status: 'permanent',
        reason: `smtp_${code.slice(1).toLowerCase()}`,
        detail: `SMTP${command}: ${message}`,
      };
    default:
      // ECONNECTION, ESOCKET (including certificate failures), EDNS, EPROTOCOL, or unknown.
      return {
        status: 'retryable',
        reason: /certificate|self[- ]signed|\bTLS\b|SSL/i.test(message) ? 'tls' : 'connection',
        detail: `SMTP${command}: ${message}`,
      };
  }
}

function addressList(addresses: readonly (string | { address: string })[]): string {
  return addresses.map((entry) => (typeof entry === 'string' ? entry : entry.address)).join(', ');
}
