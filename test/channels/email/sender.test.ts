import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSenderWith } from '../../../src/channels/email/sender.js';
import { emailSettingsSchema } from '../../../src/channels/email/settings.js';
import { sesMailTransport } from '../../../src/channels/email/ses.js';
import { smtpMailTransport } from '../../../src/channels/email/smtp.js';
import { startSesLocal, type SesLocal } from '../../support/ses-local.js';
import { startSmtpServer, type SmtpTestServer } from '../../support/smtp-server.js';
import { firingNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps } from '../contract.js';

/**
 * The email channel built with one transport, as each AWS deliver function builds it
 * (lambdas/deliver/email-ses.ts, email-smtp.ts): it sends over that transport and refuses a
 * channel configured for the other, naming both.
 */
const sesSettings = emailSettingsSchema.parse({
  transport: 'ses',
  from: 'alerts@hospital.example',
  to: ['oncall@hospital.example'],
  region: 'eu-west-1',
});

let ses: SesLocal;
let smtp: SmtpTestServer;
beforeAll(async () => {
  [ses, smtp] = await Promise.all([startSesLocal(), startSmtpServer()]);
});
afterAll(async () => {
  await Promise.all([ses.close(), smtp.close()]);
});

const smtpSettings = () =>
  emailSettingsSchema.parse({
    transport: 'smtp',
    from: 'alerts@hospital.example',
    to: ['oncall@hospital.example'],
    host: '127.0.0.1',
    port: smtp.port,
    timeout: '2s',
  });

describe('email channel with one transport', () => {
  it('SES only: sends an SES channel through SES', async () => {
    const sender = emailSenderWith({ ses: sesMailTransport })('ses-mail', sesSettings, {
      ...contractDeps(captureLogger()),
      aws: { ses: ses.client() },
    });

    expect(await sender.send(firingNotification)).toMatchObject({ status: 'delivered' });
    expect(await ses.emails()).toHaveLength(1);
  });

  it('SMTP only: sends an SMTP channel through SMTP', async () => {
    const sender = emailSenderWith({ smtp: smtpMailTransport })(
      'relay-mail',
      smtpSettings(),
      contractDeps(captureLogger()),
    );

    expect(await sender.send(firingNotification)).toMatchObject({ status: 'delivered' });
    await sender.close?.();
    expect(smtp.messages).toHaveLength(1);
  });

  it('SES only: refuses an SMTP channel, naming the channel, its transport and the bundled one', () => {
    const build = () =>
      emailSenderWith({ ses: sesMailTransport })('relay-mail', smtpSettings(), contractDeps(captureLogger()));

    expect(build).toThrow('channel "relay-mail" sends email over smtp, but this function was bundled for ses');
  });

  it('SMTP only: refuses an SES channel the same way', () => {
    const build = () =>
      emailSenderWith({ smtp: smtpMailTransport })('ses-mail', sesSettings, contractDeps(captureLogger()));

    expect(build).toThrow('channel "ses-mail" sends email over ses, but this function was bundled for smtp');
  });
});
