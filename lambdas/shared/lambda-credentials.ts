import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';

type AwsCredentialIdentityProvider = ReturnType<typeof fromEnv>;

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * `lib/function-bundling.ts`). Lambda hands the function role's credentials to the code in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so the SDK's default chain
 * (profiles, SSO, web identity, IMDS and the STS/SSO clients they carry) is dead weight there: about
 * 90 KB of every bundle and of its cold start. A container credentials endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI) is still honoured. The SDK clients call
 * `defaultProvider(init)`; so does the AMP signer.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider {
  const env = fromEnv(init);
  let http: AwsCredentialIdentityProvider | undefined;
  return async (options) => {
    if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return env(options);
    if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
      http ??= fromHttp(init);
      return http(options);
    }
    throw new Error(
      'no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (set by Lambda from the function role) are missing',
    );
  };
}
