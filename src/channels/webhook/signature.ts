import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-PerformanceFlow-Signature';
export const TIMESTAMP_HEADER = 'X-PerformanceFlow-Timestamp';

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${rawBody}`). The timestamp (Unix
 * seconds, sent in its own header) is inside the signed text so a captured request cannot be
 * replayed later with a fresh timestamp; receivers reject timestamps older than a few minutes.
 */
export function signWebhookBody(secret: string, timestampSeconds: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;
}

/** The receiver's side, for in-house tools written in TypeScript (and for the tests). */
export function verifyWebhookSignature(input: {
  secret: string;
  rawBody: string;
  signature: string;
  timestampSeconds: number;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  if (Math.abs(input.nowSeconds - input.timestampSeconds) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookBody(input.secret, input.timestampSeconds, input.rawBody));
  const actual = Buffer.from(input.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
