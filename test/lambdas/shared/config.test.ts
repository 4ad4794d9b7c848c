import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../lambdas/shared/config.js';
import { secretsManagerReader } from '../../../src/adapters/aws/secrets-manager.js';
import { bundleConfigDocument } from '../../../src/domain/config/deploy.js';

const sm = mockClient(SecretsManagerClient);
let dir: string;

const DOCUMENT = {
  version: 1,
  sites: [{ id: 'site-a' }],
  channels: [
    { id: 'ops', kind: 'slack', slack: { url: '${SLACK_WEBHOOK_URL}' } },
    { id: 'ward', kind: 'teams', teams: { url: '${TEAMS_WEBHOOK_URL}' } },
  ],
  aws: { secrets_prefix: 'pflow/', secrets: { TEAMS_WEBHOOK_URL: { name: 'st-anna/teams-webhook' } } },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-config-loader-'));
  writeFileSync(join(dir, 'pflow-config.json'), bundleConfigDocument(DOCUMENT, 'doc', 'fp-1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => sm.reset());

function loader(expectedSchema = 'fp-1') {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  return configLoader({
    env: { LAMBDA_TASK_ROOT: dir, PFLOW_SECRETS_PREFIX: 'pflow/' },
    secrets: (prefix, imported) => secretsManagerReader(prefix, client, imported),
    expectedSchema,
  });
}

describe('the config loader of the functions', () => {
  it('reads each secret from <prefix><NAME>, or from the existing secret the config imports, and fills it in', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' }).resolves({
      SecretString: 'https://hooks.slack.com/services/T0/B0/XYZ',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'st-anna/teams-webhook' }).resolves({
      SecretString: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=s3cr3t',
    });
    const { config, secretValues } = await loader()();
    expect(
      sm
        .commandCalls(GetSecretValueCommand)
        .map((call) => call.args[0].input.SecretId)
        .sort(),
    ).toEqual(['pflow/SLACK_WEBHOOK_URL', 'st-anna/teams-webhook']);
    expect(config.channels.map((channel) => channel.settings)).toMatchObject([
      { url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
      { url: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=s3cr3t' },
    ]);
    expect(secretValues).toHaveLength(2);
  });

  it('refuses a secret value of the wrong form without showing it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' }).resolves({ SecretString: 's3cr3t-token' });
    sm.on(GetSecretValueCommand, { SecretId: 'st-anna/teams-webhook' }).resolves({
      SecretString: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=x',
    });
    const error = (await loader()().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('channels[0].slack.url: secret SLACK_WEBHOOK_URL must be an absolute http(s) URL');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses a config written by another version of the schema before reading any secret', async () => {
    const error = (await loader('fp-2')().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(
      'written by another version of the config schema (fp-1, this function was built with fp-2)',
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
