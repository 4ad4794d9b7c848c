import type { DeliveryOutcome } from '../../domain/notification/outcome.js';
import { classifyNetworkError } from './http-post.js';

/**
 * Error codes that AWS services (SES, S3, KMS behind S3) answer with a 4xx status but that a
 * later attempt can get past: throttling, request timeouts, clock skew (the SDK corrects its
 * offset after the error), expiring credentials, and a key already written or being written
 * (the log drop picks a new random key on its next attempt).
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
  'KMS.ThrottlingException',
]);
const RETRYABLE_CLIENT_ERRORS = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'RequestTimeTooSkewed',
  'ExpiredToken',
  'ExpiredTokenException',
  'PreconditionFailed',
  'ConditionalRequestConflict',
  'OperationAborted',
]);

/**
 * Classifies what an AWS SDK v3 client threw: throttling, 5xx, timeouts and connection errors
 * are retryable; any other client error (access denied, no such bucket, message rejected,
 * validation) is permanent. The reason is the service's error code in snake case
 * (`no_such_bucket`, `message_rejected`), or `rate_limited`, `timeout`, `connection`.
 * Clients should be built with `maxAttempts: 1`: the delivery pipeline owns retries.
 */
export function classifyAwsError(error: unknown, service: string): DeliveryOutcome {
  const sdk = error as {
    name?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = typeof sdk.$metadata?.httpStatusCode === 'number' ? sdk.$metadata.httpStatusCode : undefined;
  const name = typeof sdk.name === 'string' ? sdk.name : 'Error';
  const message = typeof sdk.message === 'string' && sdk.message !== '' ? sdk.message : 'no message';
  if (status === undefined) {
    if (name === 'TimeoutError') return { status: 'retryable', reason: 'timeout', detail: `${service}: ${message}` };
    return classifyNetworkError(error, 0);
  }

  const detail = `${service} ${name} (HTTP ${status}): ${message}`;
  if (THROTTLING.has(name) || status === 429) return { status: 'retryable', reason: 'rate_limited', detail };
  if (status >= 500 || sdk.$fault === 'server' || RETRYABLE_CLIENT_ERRORS.has(name)) {
    return { status: 'retryable', reason: snakeCase(name, status), detail };
  }
  return { status: 'permanent', reason: snakeCase(name, status), detail };
}

function snakeCase(name: string, status: number): string {
  // Unmodelled errors come back named after their status (`Unknown`, `Error`): keep the status.
  if (name === 'Error' || name === 'Unknown' || name === 'UnknownError') return `aws_${status}`;
  return name
    .replace(/Exception$/, '')
    .replace(/[.]/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
