import { sesMailTransport } from '../../src/channels/email/ses.js';
import { emailSenderWith } from '../../src/channels/email/sender.js';
import { deliverHandler } from '../shared/deliver.js';
import { channelOnCall } from '../shared/deliver-oncall.js';

/**
 * The deliver function of `email` channels with `transport: ses` (deliverEntryFor): the SES
 * client and nodemailer's MailComposer, but not its SMTP client; with the on-call lookup for its
 * `oncall:<team>` recipients.
 */
export const handler = deliverHandler({ email: emailSenderWith({ ses: sesMailTransport }) }, { onCall: channelOnCall });
