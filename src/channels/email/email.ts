import { sesMailTransport } from './ses.js';
import { emailSenderWith } from './sender.js';
import { smtpMailTransport } from './smtp.js';

/**
 * The email channel with both transports: SMTP (local runtime, on-prem relays) and Amazon SES
 * (AWS). The AWS deliver functions build theirs with one transport each (lambdas/deliver/email-*.ts).
 */
export const createEmailSender = emailSenderWith({ smtp: smtpMailTransport, ses: sesMailTransport });
