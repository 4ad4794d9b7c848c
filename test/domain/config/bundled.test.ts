import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readBundledConfig, secretFormProblem } from '../../../src/domain/config/bundled.js';
import { bundleConfigDocument, parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';
import type { ConfigIssue } from '../../../src/domain/errors.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CONFIGS = join(import.meta.dirname, '../../../config');
const SECRETS = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
  SMTP_PASSWORD: 'smtp-pa55word',
  TEAMS_WEBHOOK_URL: 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t',
};

function issuesOf(read: () => unknown): readonly ConfigIssue[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const byPath = (issues: readonly ConfigIssue[]): string[] =>
  issues.map((issue) => `${issue.path}: ${issue.message}`).sort();

describe('the config the functions read, as synth writes it', () => {
  it.each(['valid-hospital.yaml'])('fills in to what pflow validate makes of %s', (name) => {
    const yaml = readFileSync(join(FIXTURES, name), 'utf8');
    const text = bundleConfigDocument(parse(yaml), name, 'fp');
    expect(text).not.toContain(SECRETS.SMTP_PASSWORD);
    expect(readBundledConfig(text, name, 'fp').resolve(SECRETS)).toStrictEqual(
      parseDeploymentConfig(yaml, name, SECRETS),
    );
  });

  it.each(['aws-example.yaml', 'reference-site.yaml'])('fills in to what pflow validate makes of config/%s', (name) => {
    const yaml = readFileSync(join(CONFIGS, name), 'utf8');
    const deployment = parseConfigForDeployment(yaml, name);
    const bundled = readBundledConfig(deployment.bundledConfig('fp'), name, 'fp');
    const values = Object.fromEntries(
      deployment.secretNames.map((secret) => [secret, SECRETS[secret as keyof typeof SECRETS]]),
    );
    expect(Object.keys(bundled.secrets).sort()).toEqual(deployment.secretNames);
    expect(bundled.resolve(values)).toStrictEqual(parseDeploymentConfig(yaml, name, values));
  });

  it('keeps a literal ${ literal and compiles regex matchers again', () => {
    const document = {
      version: 1,
      sites: [{ id: 'site-a', labels: { note: 'costs $${5} and $$${X}' } }],
      routes: [{ matchers: ['probe=~"pfsw-.*"'], channels: ['c'] }],
      channels: [{ id: 'c', kind: 'console' }],
    };
    const config = readBundledConfig(bundleConfigDocument(document, 'doc', 'fp'), 'doc', 'fp').resolve({});
    expect(config.sites[0]!.labels).toEqual({ note: 'costs ${5} and $${X}' });
    const [matcher] = config.routes[0]!.matchers;
    expect(matcher!.regex).toBeInstanceOf(RegExp);
    expect(matcher!.regex!.test('pfsw-01')).toBe(true);
    expect(matcher!.regex!.test('xpfsw-01')).toBe(false);
    expect(config).toStrictEqual(parseDeploymentConfig(JSON.stringify(document), 'doc', {}));
  });

  it.each(readdirSync(FIXTURES).filter((name) => name.startsWith('invalid-')))(
    'is not written for %s: synth refuses it with the errors pflow validate lists',
    (name) => {
      const yaml = readFileSync(join(FIXTURES, name), 'utf8');
      let document: unknown;
      try {
        document = parse(yaml);
      } catch {
        return; // a YAML syntax fixture has no document value
      }
      if (document === null || document === undefined) return; // an empty file: the YAML reader's own message
      const fromYaml = issuesOf(() => parseDeploymentConfig(yaml, name, SECRETS));
      if (fromYaml.some((issue) => issue.path.startsWith('line '))) return; // YAML-level, as above
      // Secrets are not known at synth: only the errors of fields without one are comparable.
      const withoutSecrets = (issues: readonly ConfigIssue[]) =>
        byPath(issues).filter((issue) => !/url|password|environment variable/.test(issue));
      expect(withoutSecrets(issuesOf(() => bundleConfigDocument(document, name, 'fp')))).toEqual(
        withoutSecrets(fromYaml),
      );
    },
  );
});

describe('reading it at cold start', () => {
  const document = {
    version: 1,
    sites: [{ id: 'site-a' }],
    channels: [
      { id: 'ops', kind: 'slack', slack: { url: '${SLACK_WEBHOOK_URL}' } },
      {
        id: 'mail',
        kind: 'email',
        email: {
          from: 'a@b.example',
          to: ['${ONCALL}'],
          host: 'smtp.example',
          username: 'pflow',
          password: '${SMTP_PASSWORD}',
        },
      },
    ],
  };
  const text = bundleConfigDocument(document, 'doc', 'fp-a');

  it('refuses a secret of the wrong form, naming the secret and its field, never the value', () => {
    const issues = issuesOf(() =>
      readBundledConfig(text, 'doc', 'fp-a').resolve({
        SLACK_WEBHOOK_URL: 'hooks.slack.com/s3cr3t',
        ONCALL: 'oncall-at-s3cr3t',
        SMTP_PASSWORD: '',
      }),
    );
    expect(byPath(issues)).toEqual([
      'channels[0].slack.url: secret SLACK_WEBHOOK_URL must be an absolute http(s) URL',
      'channels[1].email.password: secret SMTP_PASSWORD is empty',
      'channels[1].email.to[0]: secret ONCALL must be an email address',
    ]);
    expect(JSON.stringify(issues)).not.toContain('s3cr3t');
  });

  it('refuses a config stamped by another version of the schema', () => {
    expect(byPath(issuesOf(() => readBundledConfig(text, 'doc', 'fp-b')))).toEqual([
      'schema: written by another version of the config schema (fp-a, this function was built with fp-b): synthesize and deploy again',
    ]);
  });

  it('refuses the raw config document (what functions read before synth validated it), and text that is not JSON', () => {
    expect(byPath(issuesOf(() => readBundledConfig(JSON.stringify(document), 'doc', undefined)))).toEqual([
      'format: not a config written by cdk synth (expected format "pflow-bundled-config/1"): the functions read the config synth validated, never the YAML or its raw JSON',
    ]);
    const issues = issuesOf(() => readBundledConfig('{"token": "s3cr3t-value" oops}', 'doc', undefined));
    expect(byPath(issues)).toEqual(['(root): not valid JSON']);
  });

  it('refuses a secret without a value', () => {
    expect(
      byPath(
        issuesOf(() => readBundledConfig(text, 'doc', 'fp-a').resolve({ SLACK_WEBHOOK_URL: 'https://x.example/' })),
      ),
    ).toEqual([
      'channels[1].email.password: secret SMTP_PASSWORD has no value',
      'channels[1].email.to[0]: secret ONCALL has no value',
    ]);
  });

  it('fills in only the secrets asked for, checks only those, and leaves the others references', () => {
    const config = readBundledConfig(text, 'doc', 'fp-a').resolve({ SLACK_WEBHOOK_URL: 'https://x.example/hook' }, [
      'SLACK_WEBHOOK_URL',
    ]);
    expect(config.channels.map((channel) => channel.settings)).toMatchObject([
      { url: 'https://x.example/hook' },
      { to: ['${ONCALL}'], password: '${SMTP_PASSWORD}' },
    ]);
    expect(byPath(issuesOf(() => readBundledConfig(text, 'doc', 'fp-a').resolve({}, ['ONCALL'])))).toEqual([
      'channels[1].email.to[0]: secret ONCALL has no value',
    ]);
  });
});

describe('secretFormProblem', () => {
  it.each([
    ['text', 'anything at all', undefined],
    ['url', 'https://hooks.example/a', undefined],
    ['url', 'ftp://hooks.example/a', 'must be an absolute http(s) URL'],
    ['email', 'oncall@st-anna.example', undefined],
    ['email', 'oncall', 'must be an email address'],
    ['host-port', 'smtp.example:587', undefined],
    ['host-port', '[::1]:25', undefined],
    ['host-port', 'smtp.example:99999', 'must be host:port'],
  ] as const)('%s %j', (form, value, problem) => {
    expect(secretFormProblem(form, value)).toBe(problem);
  });
});
