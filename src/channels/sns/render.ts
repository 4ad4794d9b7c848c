import type { Notification } from '../../domain/notification/outcome.js';
import type { SummariseOptions } from '../common/message.js';
import { renderEmail } from '../email/render.js';

/** SNS's ceilings: a Subject of at most 100 printable ASCII characters, a message within 256 KiB. */
export const MAX_SUBJECT = 100;
export const MAX_MESSAGE_BYTES = 200_000;

export interface RenderedSnsMessage {
  readonly subject: string;
  readonly message: string;
}

/**
 * Pure: one notification as plain text for people reading an SNS email or SMS — the same words as
 * the email channel's text part (one summary model for every channel), with the subject reduced to
 * what SNS accepts.
 */
export function renderSnsMessage(notification: Notification, options: SummariseOptions = {}): RenderedSnsMessage {
  const email = renderEmail(notification, options);
  const ascii = email.subject
    .normalize('NFKD')
    .replace(/[·•]/g, '-')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const subject =
    ascii.length > MAX_SUBJECT ? `${ascii.slice(0, MAX_SUBJECT - 3)}...` : ascii || 'PerformanceFlow alert';
  let message = email.text;
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
    message = `${Buffer.from(message)
      .subarray(0, MAX_MESSAGE_BYTES)
      .toString('utf8')
      .replace(/\uFFFD$/, '')}\n… (cut to fit an SNS message)`;
  }
  return { subject, message };
}
