import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { PflowError } from '../../domain/errors.js';

/**
 * How long a warm function reuses a secret value before asking Secrets Manager again: a value put
 * with `put-secret-value` is used by every function within 15 minutes (a cold start reads it at
 * once), so the old webhook URL or password must keep working that long. 15 rather than 5 minutes:
 * a third of the GetSecretValue calls and KMS decrypts, and credentials here change by hand and
 * rarely (README, step 4 of Deploying to AWS). pflow cost's `secretCacheMinutes` is this.
 */
export const SECRET_MAX_AGE_SECONDS = 900;

export interface SecretReader {
  /** The SecretString of `<prefix><name>`. */
  get(name: string): Promise<string>;
}

/**
 * Reads the config's `${NAME}` secrets from Secrets Manager through Powertools Parameters, which
 * caches each value for SECRET_MAX_AGE_SECONDS across warm invocations: secret `<prefix><NAME>`,
 * or the existing secret the config imports for it (`imported`: name → secret name). Errors name
 * the secret, never a value.
 */
export function secretsManagerReader(
  prefix: string,
  client?: SecretsManagerClient,
  imported: Readonly<Record<string, string>> = {},
): SecretReader {
  const provider = new SecretsProvider(client ? { awsSdkV3Client: client } : {});
  return {
    async get(name) {
      const secretId = Object.hasOwn(imported, name) ? imported[name]! : `${prefix}${name}`;
      let value: string | Uint8Array | undefined;
      try {
        value = await provider.get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
      } catch (error) {
        const cause = (error as { cause?: { name?: string } }).cause?.name ?? (error as Error).name;
        throw new PflowError('secret_unreadable', `could not read secret ${secretId} for \${${name}}: ${cause}`);
      }
      if (typeof value !== 'string') {
        throw new PflowError(
          'secret_unreadable',
          `secret ${secretId} for \${${name}} has no string value (fill it with aws secretsmanager put-secret-value --secret-string)`,
        );
      }
      return value;
    },
  };
}

/** Reads every named secret; all failures are reported together. */
export async function readSecrets(reader: SecretReader, names: readonly string[]): Promise<Record<string, string>> {
  const results = await Promise.allSettled(names.map((name) => reader.get(name)));
  const values: Record<string, string> = {};
  const problems: string[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') values[names[index]!] = result.value;
    else problems.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  });
  if (problems.length > 0) throw new PflowError('secret_unreadable', problems.join('; '));
  return values;
}
