import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configLoader, readingFunctionOf } from '../../../lambdas/shared/config.js';
import { ENV, SERVICES } from '../../../lambdas/shared/environment.js';
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
  acknowledge: { link_key: '${PFLOW_ACK_LINK_KEY}' },
  aws: { secrets_prefix: 'pflow/', secrets: { TEAMS_WEBHOOK_URL: { name: 'st-anna/teams-webhook' } } },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-config-loader-'));
  writeFileSync(join(dir, 'pflow-config.json'), bundleConfigDocument(DOCUMENT, 'doc', 'fp-1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => sm.reset());

const ACK_KEY = 'k'.repeat(32);

function loader(expectedSchema = 'fp-1', env: NodeJS.ProcessEnv = {}) {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  return configLoader({
    env: { LAMBDA_TASK_ROOT: dir, PFLOW_SECRETS_PREFIX: 'pflow/', ...env },
    secrets: (prefix, imported) => secretsManagerReader(prefix, client, imported),
    expectedSchema,
  });
}

function secretIds(): (string | undefined)[] {
  return sm
    .commandCalls(GetSecretValueCommand)
    .map((call) => call.args[0].input.SecretId)
    .sort();
}

describe('the config loader of the functions', () => {
  it('reads each secret from <prefix><NAME>, or from the existing secret the config imports, and fills it in', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' }).resolves({
      SecretString: 'https://hooks.slack.com/services/T0/B0/XYZ',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'st-anna/teams-webhook' }).resolves({
      SecretString: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=s3cr3t',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/PFLOW_ACK_LINK_KEY' }).resolves({ SecretString: ACK_KEY });
    // No POWERTOOLS_SERVICE_NAME (a test or a benchmark, not a deployed function): every secret.
    const { config, secretValues } = await loader()();
    expect(secretIds()).toEqual(['pflow/PFLOW_ACK_LINK_KEY', 'pflow/SLACK_WEBHOOK_URL', 'st-anna/teams-webhook']);
    expect(config.channels.map((channel) => channel.settings)).toMatchObject([
      { url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
      { url: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=s3cr3t' },
    ]);
    expect(secretValues).toHaveLength(3);
  });

  it("reads and fills in only the secrets of a deliver function's channel and the acknowledge key", async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' }).resolves({
      SecretString: 'https://hooks.slack.com/services/T0/B0/XYZ',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/PFLOW_ACK_LINK_KEY' }).resolves({ SecretString: ACK_KEY });
    const { config, secretValues } = await loader('fp-1', {
      POWERTOOLS_SERVICE_NAME: SERVICES.deliver,
      [ENV.channelId]: 'ops',
    })();
    expect(secretIds()).toEqual(['pflow/PFLOW_ACK_LINK_KEY', 'pflow/SLACK_WEBHOOK_URL']);
    expect(config.channels.map((channel) => channel.settings)).toMatchObject([
      { url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
      // The ward channel's deliver function alone reads (and may read) this one: left a reference.
      { url: '${TEAMS_WEBHOOK_URL}' },
    ]);
    expect(config.acknowledge?.linkKey).toBe(ACK_KEY);
    expect([...secretValues].sort()).toEqual(['https://hooks.slack.com/services/T0/B0/XYZ', ACK_KEY]);
  });

  it('reads no secret in a function whose part of the config holds none (the rule function)', async () => {
    const { config, secretValues } = await loader('fp-1', { POWERTOOLS_SERVICE_NAME: SERVICES.rule })();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(secretValues).toEqual([]);
    expect(config.channels.map((channel) => channel.settings)).toMatchObject([
      { url: '${SLACK_WEBHOOK_URL}' },
      { url: '${TEAMS_WEBHOOK_URL}' },
    ]);
  });

  it('finds the function it runs in from the environment the stack sets', () => {
    expect(readingFunctionOf({ POWERTOOLS_SERVICE_NAME: SERVICES.lifecycleApi })).toEqual({ fn: 'lifecycleApi' });
    expect(readingFunctionOf({ POWERTOOLS_SERVICE_NAME: SERVICES.deliver, [ENV.channelId]: 'ops' })).toEqual({
      fn: 'deliver',
      channel: 'ops',
    });
    expect(readingFunctionOf({})).toBeUndefined();
  });

  it('refuses a secret value of the wrong form without showing it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' }).resolves({ SecretString: 's3cr3t-token' });
    sm.on(GetSecretValueCommand, { SecretId: 'st-anna/teams-webhook' }).resolves({
      SecretString: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/invoke?sig=x',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'pflow/PFLOW_ACK_LINK_KEY' }).resolves({ SecretString: ACK_KEY });
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
