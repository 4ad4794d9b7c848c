import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readSecrets, secretsManagerReader } from '../../../src/adapters/aws/secrets-manager.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('Secrets Manager reader', () => {
  it('reads <prefix><NAME> once and serves warm calls from the cache', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_URL' }).resolves({
      SecretString: 'https://hooks.slack.com/services/T/B/x',
    });
    const reader = secretsManagerReader('pflow/', new SecretsManagerClient({ region: 'eu-west-1' }));
    expect(await readSecrets(reader, ['SLACK_URL'])).toEqual({ SLACK_URL: 'https://hooks.slack.com/services/T/B/x' });
    await reader.get('SLACK_URL');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reports every unreadable secret by name, never by value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'p/A' }).resolves({ SecretString: 'value-a-secret' });
    sm.on(GetSecretValueCommand, { SecretId: 'p/B' }).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'p/C' }).resolves({});
    const reader = secretsManagerReader('p/', new SecretsManagerClient({ region: 'eu-west-1' }));
    const error = await readSecrets(reader, ['A', 'B', 'C']).catch((e: unknown) => e as Error);
    expect(error.message).toMatch(/could not read secret p\/B for \$\{B\}/);
    expect(error.message).toMatch(/secret p\/C for \$\{C\} has no string value/);
    expect(error.message).not.toContain('value-a-secret');
  });
});
