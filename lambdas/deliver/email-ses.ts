import { sesMailTransport } from '../../src/channels/email/ses.js';
import { emailSenderWith } from '../../src/channels/email/sender.js';
import { deliverHandler } from '../shared/deliver.js';
import { channelOnCall } from '../shared/deliver-oncall.js';

/**
 * The deliver function of `email` channels with `transport: ses` (deliverEntryFor): the SES v2
 * client, which has SES build the message, so no nodemailer at all; with the on-call lookup for
 * its `oncall:<team>` recipients.
 */
export const handler = deliverHandler({ email: emailSenderWith({ ses: sesMailTransport }) }, { onCall: channelOnCall });
