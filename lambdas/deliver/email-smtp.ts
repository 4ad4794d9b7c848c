import { emailSenderWith } from '../../src/channels/email/sender.js';
import { smtpMailTransport } from '../../src/channels/email/smtp.js';
import { deliverHandler } from '../shared/deliver.js';
import { channelOnCall } from '../shared/deliver-oncall.js';

/**
 * The deliver function of `email` channels with `transport: smtp` (deliverEntryFor), an on-prem
 * relay reached from AWS: nodemailer, but not the SES client; with the on-call lookup for its
 * `oncall:<team>` recipients.
 */
export const handler = deliverHandler(
  { email: emailSenderWith({ smtp: smtpMailTransport }) },
  { onCall: channelOnCall },
);
