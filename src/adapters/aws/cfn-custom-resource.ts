import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * The CloudFormation custom-resource protocol without the Provider framework's extra function:
 * the handler answers on the pre-signed `ResponseURL` itself, always (an unanswered request leaves
 * the stack waiting for an hour).
 */
export interface CustomResourceAnswer {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalResourceId: string;
  readonly reason?: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** CloudFormation takes a response body of at most 4 KiB; the reason is what gets cut. */
const MAX_REASON = 1_000;

export async function answerCustomResource(
  event: CloudFormationCustomResourceEvent,
  answer: CustomResourceAnswer,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = JSON.stringify({
    Status: answer.status,
    Reason: (answer.reason ?? answer.status).slice(0, MAX_REASON),
    PhysicalResourceId: answer.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    ...(answer.data && { Data: answer.data }),
  });
  const response = await fetchImpl(event.ResponseURL, {
    method: 'PUT',
    // S3's pre-signed PUT is signed without a content type: sending one breaks the signature.
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`custom resource response: HTTP ${response.status}`);
  await response.arrayBuffer();
}

/** A resource property as CloudFormation passes it (every scalar a string). */
export function stringProperty(properties: Readonly<Record<string, unknown>>, name: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || value === '') throw new Error(`resource property ${name}: required (a string)`);
  return value;
}

export function stringListProperty(properties: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = properties[name] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new Error(`resource property ${name}: must be a list of strings`);
  }
  return value as string[];
}
