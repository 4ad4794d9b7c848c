import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** How requests to a Prometheus-compatible endpoint are authenticated. */
export type PrometheusAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** AMP: SigV4 for service `aps` with the caller's credentials (the Lambda's role, or a profile locally). */
  | { readonly kind: 'sigv4'; readonly region: string; readonly credentials?: AwsCredentialsProvider };

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

/** Returns the headers to send (the request's own plus authentication). */
export type RequestAuthenticator = (request: OutgoingRequest) => Promise<Record<string, string>>;

export const AMP_SIGNING_SERVICE = 'aps';

export function authenticator(auth: PrometheusAuth, options: { signingDate?: () => Date } = {}): RequestAuthenticator {
  switch (auth.kind) {
    case 'none':
      return async (request) => request.headers;
    case 'basic': {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      return async (request) => ({ ...request.headers, authorization: value });
    }
    case 'bearer':
      return async (request) => ({ ...request.headers, authorization: `Bearer ${auth.token}` });
    case 'sigv4': {
      const signer = new SignatureV4({
        service: AMP_SIGNING_SERVICE,
        region: auth.region,
        credentials: auth.credentials ?? defaultCredentials(),
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
  }
}

/**
 * The AWS SDK's default chain (environment, the Lambda role's variables, profiles, IMDS), loaded on
 * first use so that a runtime without AMP never imports it.
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
