import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  readSecrets,
  SECRET_MAX_AGE_SECONDS,
  secretsManagerReader,
} from '../../../src/adapters/aws/secrets-manager.js';
import { DEFAULT_ASSUMPTIONS } from '../../../src/domain/cost/assumptions.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => {
  sm.reset();
  vi.useRealTimers();
});

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

  it('uses a value put with put-secret-value once the 15-minute cache age has passed, not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-02T08:00:00Z') });
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SMTP_PASSWORD' }).resolvesOnce({ SecretString: 'old' }).resolves({
      SecretString: 'new',
    });
    const reader = secretsManagerReader('pflow/', new SecretsManagerClient({ region: 'eu-west-1' }));
    expect(await reader.get('SMTP_PASSWORD')).toBe('old');
    vi.setSystemTime(new Date('2026-12-02T08:14:59Z'));
    expect(await reader.get('SMTP_PASSWORD')).toBe('old');
    vi.setSystemTime(new Date('2026-12-02T08:15:01Z'));
    expect(await reader.get('SMTP_PASSWORD')).toBe('new');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // pflow cost counts the reads at the same age.
    expect(SECRET_MAX_AGE_SECONDS).toBe(DEFAULT_ASSUMPTIONS.secretCacheMinutes.value * 60);
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
