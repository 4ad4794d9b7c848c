import { sigV4Signer, type AwsCredentialsProvider, type RequestSigner } from '../aws/sigv4.js';

export type { AwsCredentials, AwsCredentialsProvider, OutgoingRequest } from '../aws/sigv4.js';

/** How requests to a Prometheus-compatible endpoint are authenticated. */
export type PrometheusAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** AMP: SigV4 for service `aps` with the caller's credentials (the Lambda's role, or a profile locally). */
  | { readonly kind: 'sigv4'; readonly region: string; readonly credentials?: AwsCredentialsProvider };

/** Returns the headers to send (the request's own plus authentication). */
export type RequestAuthenticator = RequestSigner;

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
    case 'sigv4':
      return sigV4Signer({
        service: AMP_SIGNING_SERVICE,
        region: auth.region,
        ...(auth.credentials !== undefined && { credentials: auth.credentials }),
        ...(options.signingDate !== undefined && { signingDate: options.signingDate }),
      });
  }
}
