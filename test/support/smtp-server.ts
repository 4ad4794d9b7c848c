/**
 * A real SMTP server on 127.0.0.1 for tests (npm `smtp-server`), receiving mail parsed with
 * `mailparser`.
 *
 *   const smtp = await startSmtpServer({ auth: { username: 'pflow', password: 's3cret' } });
 *   smtp.port; smtp.messages          // parsed mail, with the SMTP envelope and the authenticated user
 *   smtp.refuse('rcpt', 550, '5.1.1 Mailbox unavailable')   // answer every RCPT TO (or 'mail', 'data') with this
 *   smtp.refuseRecipient('gone@example.org', 550, '…')      // refuse only that recipient
 *   await smtp.close()
 *
 * Options: `auth` requires AUTH (PLAIN/LOGIN) with those credentials; `secure` speaks TLS from
 * the first byte; `startTls` offers STARTTLS (refused otherwise). Both use smtp-server's built-in self-signed
 * certificate, so clients must turn verification off — or see it fail.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly parsed: ParsedMail;
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  readonly user?: string;
  readonly secure: boolean;
}

export type SmtpStage = 'mail' | 'rcpt' | 'data';

export interface SmtpTestServer {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Every AUTH attempt, as received (for leak checks in tests). */
  readonly authAttempts: { username: string; password: string }[];
  refuse(stage: SmtpStage, code: number, text: string): void;
  refuseRecipient(address: string, code: number, text: string): void;
  close(): Promise<void>;
}

export async function startSmtpServer(
  options: { auth?: { username: string; password: string }; secure?: boolean; startTls?: boolean } = {},
): Promise<SmtpTestServer> {
  const messages: ReceivedMail[] = [];
  const authAttempts: { username: string; password: string }[] = [];
  const refusals = new Map<SmtpStage, { code: number; text: string }>();
  const refusedRecipients = new Map<string, { code: number; text: string }>();

  const refusal = (stage: SmtpStage) => {
    const refused = refusals.get(stage);
    return refused ? Object.assign(new Error(refused.text), { responseCode: refused.code }) : undefined;
  };

  const server = new SMTPServer({
    secure: options.secure ?? false,
    // Off unless asked for: nodemailer upgrades whenever STARTTLS is offered, and the built-in
    // certificate would then fail verification in every plain-text test.
    hideSTARTTLS: !options.startTls,
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: [...(options.auth === undefined ? ['AUTH'] : []), ...(options.startTls ? [] : ['STARTTLS'])],
    logger: false,
    onAuth(auth, _session, callback) {
      authAttempts.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.username === options.auth?.username && auth.password === options.auth?.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      }
    },
    onMailFrom(_address, _session, callback) {
      callback(refusal('mail') ?? null);
    },
    onRcptTo(address, _session, callback) {
      const refused = refusedRecipients.get(address.address);
      if (refused) return callback(Object.assign(new Error(refused.text), { responseCode: refused.code }));
      callback(refusal('rcpt') ?? null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const refused = refusal('data');
          if (refused) return callback(refused);
          messages.push({
            parsed,
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            ...(typeof session.user === 'string' ? { user: session.user } : {}),
            secure: session.secure,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  // Clients that give up mid-handshake (a failed certificate check) are expected here, not errors.
  const errors: Error[] = [];
  server.on('error', (error) => errors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;

  return {
    port,
    messages,
    authAttempts,
    refuse: (stage, code, text) => refusals.set(stage, { code, text }),
    refuseRecipient: (address, code, text) => refusedRecipients.set(address, { code, text }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
