import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { AWS_EXAMPLE, functionIdByPath, resourcesOf, stackFor, statementsOfFunction } from './stack-support.js';

/** Each function (logical id) that may read a config secret: the `${NAME}`s its role may read. */
function secretReadersIn(template: Template): Record<string, string[]> {
  const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret').map(
    ([id, secret]) => [id, String(secret.Name).replace(/^.*\//, '')] as const,
  );
  const readers: Record<string, string[]> = {};
  for (const [fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    const reads = statementsOfFunction(template, fn).filter((statement) =>
      JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    const names = secrets
      .filter(([id]) => reads.some((statement) => JSON.stringify(statement.Resource).includes(`"${id}"`)))
      .map(([, name]) => name)
      .sort();
    if (names.length > 0) readers[fn] = names;
  }
  return readers;
}

describe('Secrets', { timeout: 120_000 }, () => {
  it('creates one EMPTY, KMS-encrypted, retained secret per ${NAME}, readable by the Slack deliver function alone', () => {
    const { template } = stackFor();
    const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(secret.Name).toBe('pflow/st-anna/SLACK_WEBHOOK_URL');
    expect(secret.SecretString).toBeUndefined();
    expect(secret.GenerateSecretString).toBeUndefined();
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    // channels[0].slack.url is read by that channel's deliver function only (src/domain/config/secret-readers.ts).
    const readers = secretReadersIn(template);
    expect(readers).toEqual({ [functionIdByPath(template, 'opsslackDeliver')]: ['SLACK_WEBHOOK_URL'] });
    expect(readers[functionIdByPath(template, 'RulesFunction')]).toBeUndefined();
    expect(readers[functionIdByPath(template, 'oncallemailDeliver')]).toBeUndefined();
  });

  it('grants the acknowledge key to every deliver function and the lifecycle API, probe headers to the probe function, and a secret elsewhere to every function that loads the config', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8')
      .replace('\naws:\n', "\nacknowledge: { link_key: '${PFLOW_ACK_LINK_KEY}' }\naws:\n")
      .replace(
        'target: https://portal.st-anna.example/health\n',
        "target: https://portal.st-anna.example/health?key=${PORTAL_KEY}\n    http: { headers: { authorization: 'Bearer ${PORTAL_TOKEN}' } }\n",
      )
      .replace(
        'summary: The patient portal does not answer its health check',
        'summary: The patient portal does not answer its health check ${RUNBOOK_NOTE}',
      );
    const { template } = stackFor(text);
    const readers = secretReadersIn(template);
    const readersOf = (name: string) =>
      Object.keys(readers)
        .filter((id) => readers[id]!.includes(name))
        .sort();
    const functions = resourcesOf(template, 'AWS::Lambda::Function').map(([id]) => id);
    const delivers = functions.filter((id) => id.includes('Deliver'));
    expect(delivers).toHaveLength(4);
    expect(readersOf('PFLOW_ACK_LINK_KEY')).toEqual(
      [...delivers, functionIdByPath(template, 'LifecycleApiFunction')].sort(),
    );
    // A probe's headers: the probe function alone.
    expect(readersOf('PORTAL_TOKEN')).toEqual([functionIdByPath(template, 'ProbesFunction')]);
    // Not narrowed: every function but the two that load no config (the Grafana provisioner and the
    // ingest authorizer) reads these. A probe's target too, here: the normalised rule's absent
    // labels copy it into the rule groups.
    const everyone = functions
      .filter((id) => !id.startsWith('GrafanaProvision') && !id.startsWith('IngestApiAuthorizer'))
      .sort();
    expect(everyone).toHaveLength(functions.length - 2);
    expect(readersOf('RUNBOOK_NOTE')).toEqual(everyone);
    expect(readersOf('PORTAL_KEY')).toEqual(everyone);
    expect(readers[functionIdByPath(template, 'RulesFunction')]).toEqual(['PORTAL_KEY', 'RUNBOOK_NOTE']);
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
