import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AWS_EXAMPLE, resourcesOf, stackFor } from './stack-support.js';

describe('Secrets', { timeout: 120_000 }, () => {
  it('creates one EMPTY, KMS-encrypted, retained secret per ${NAME} and lets every function read it', () => {
    const { template } = stackFor();
    const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(secret.Name).toBe('pflow/st-anna/SLACK_WEBHOOK_URL');
    expect(secret.SecretString).toBeUndefined();
    expect(secret.GenerateSecretString).toBeUndefined();
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    const readers = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy).includes('secretsmanager:GetSecretValue'),
    );
    // Every function but the Grafana provisioner, which reads no config secret.
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    const provisioner = functions.filter(([id]) => id.startsWith('GrafanaProvision'));
    expect(provisioner).toHaveLength(1);
    const provisionerRole = JSON.stringify({
      Ref: (provisioner[0]![1].Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    });
    expect(readers).toHaveLength(functions.length - 1);
    expect(readers.some(([, policy]) => JSON.stringify(policy).includes(provisionerRole))).toBe(false);
  });

  it('imports an existing secret by name instead of creating one', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8').replace(
      '  secrets_prefix: pflow/st-anna/\n',
      '  secrets_prefix: pflow/st-anna/\n  secrets:\n    SLACK_WEBHOOK_URL: { name: shared/slack-webhook }\n',
    );
    const { template } = stackFor(text);
    expect(resourcesOf(template, 'AWS::SecretsManager::Secret')).toHaveLength(0);
    expect(JSON.stringify(template.toJSON())).toContain('secret:shared/slack-webhook-??????');
  });
});
