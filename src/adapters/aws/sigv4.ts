import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** Returns the headers to send: the request's own plus the SigV4 ones (authorization, x-amz-*). */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface SigV4Options {
  /** The signing name: `aps` for AMP, `execute-api` for API Gateway. */
  readonly service: string;
  readonly region: string;
  /** Default: the AWS SDK's chain (environment, profile, SSO, the Lambda role, IMDS). */
  readonly credentials?: AwsCredentialsProvider;
  /** Tests pin the date so a signature can be recomputed. */
  readonly signingDate?: () => Date;
}

/**
 * Signs requests sent with fetch (AWS Signature Version 4, the SDK's own signer). Shared by the
 * AMP store and the CLI's lifecycle API calls, which talk to AWS over plain HTTP, not an SDK client.
 */
export function sigV4Signer(options: SigV4Options): RequestSigner {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials ?? defaultCredentials(),
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (request) => {
    const query: Record<string, string> = {};
    for (const [name, value] of request.url.searchParams) query[name] = value;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port === '' ? {} : { port: Number(request.url.port) }),
        path: request.url.pathname,
        query,
        // `host` must be signed; fetch sends the same host and content-length values.
        headers: {
          ...request.headers,
          host: request.url.host,
          ...(request.body.length > 0 && { 'content-length': String(request.body.length) }),
        },
        body: request.body,
      },
      options.signingDate === undefined ? {} : { signingDate: options.signingDate() },
    );
    // fetch sets host and content-length itself (and refuses to be given them).
    const { host: _host, 'content-length': _length, ...headers } = signed.headers as Record<string, string>;
    return headers;
  };
}

/**
 * The AWS SDK's default chain, loaded on first use so that a process that never signs (a local
 * runtime without AMP, a CLI command without --aws) never imports it.
 */
function defaultCredentials(): AwsCredentialsProvider {
  let provider: AwsCredentialsProvider | undefined;
  return async () => {
    if (provider === undefined) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      provider = defaultProvider();
    }
    return provider();
  };
}
