import { describe, expect, it } from 'vitest';
import {
  BUNDLED_CONFIG_FORMAT,
  readBundledConfig,
  type BundledConfigDocument,
} from '../../../src/domain/config/bundled.js';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { secretNamesIn } from '../../../src/domain/config/env.js';
import type { DeploymentConfig } from '../../../src/domain/config/model.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { PROBE_MEASURES } from '../../../src/domain/probe-result.js';

const BASE = `version: 1
defaults: { probe_interval: 1m, evaluation_interval: 1m }
sites: [{ id: site-a }]
probes:
  - { id: portal, site: site-a, kind: http, target: 'https://portal.example/health?key=\${PORTAL_KEY}' }
channels:
  - { id: ops-slack, kind: slack, slack: { url: '\${SLACK_WEBHOOK_URL}' } }
  - id: mail
    kind: email
    email:
      from: 'alerts@st-anna.example'
      to: ['\${ONCALL_ADDRESS}']
      host: smtp.example
      username: pflow
      password: '\${SMTP_PASSWORD}'
routes: [{ channels: [ops-slack, mail] }]
`;

function refusal(text: string): string[] {
  try {
    parseConfigForDeployment(text, 'deploy.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('reading a config for cdk deploy (secrets not available)', () => {
  it('validates without the secret values and lists every ${NAME} once', () => {
    const deployment = parseConfigForDeployment(BASE, 'deploy.yaml');
    expect(deployment.secretNames).toEqual(['ONCALL_ADDRESS', 'PORTAL_KEY', 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD']);
    expect(deployment.config.channels.map((c) => c.id)).toEqual(['ops-slack', 'mail']);
    // Stand-ins of the form each field needs, never a real value.
    expect(deployment.config.channels[0]!.settings).toMatchObject({ url: 'https://secret.invalid/pflow' });
    expect(deployment.config.channels[1]!.settings).toMatchObject({
      to: ['pflow@secret.invalid'],
      password: 'pflow-secret-stand-in-for-a-value',
    });
  });

  it('bundles the config validated and normalised, references kept, with the aws section, for the functions to fill in', () => {
    const deployment = parseConfigForDeployment(BASE, 'deploy.yaml');
    const text = deployment.bundledConfig('fp-1');
    const bundled = JSON.parse(text) as BundledConfigDocument;
    expect(bundled).toMatchObject({
      format: BUNDLED_CONFIG_FORMAT,
      schema: 'fp-1',
      secrets: {
        ONCALL_ADDRESS: { form: 'email', fields: ['channels[1].email.to[0]'] },
        PORTAL_KEY: { form: 'text', fields: ['probes[0].target'] },
        SLACK_WEBHOOK_URL: { form: 'url', fields: ['channels[0].slack.url'] },
        SMTP_PASSWORD: { form: 'text', fields: ['channels[1].email.password'] },
      },
    });
    expect((bundled.config as DeploymentConfig).channels[0]!.settings).toMatchObject({ url: '${SLACK_WEBHOOK_URL}' });
    expect((bundled.config as DeploymentConfig).probes[0]!.target).toBe(
      'https://portal.example/health?key=${PORTAL_KEY}',
    );
    expect(text).not.toContain('secret.invalid');
    // What a function does at start: the secrets filled in give what pflow validate makes of the file.
    const secrets = {
      PORTAL_KEY: 'k',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/XYZ',
      ONCALL_ADDRESS: 'oncall@st-anna.example',
      SMTP_PASSWORD: 'pw',
    };
    const atRunTime = readBundledConfig(text, 'bundled', 'fp-1').resolve(secrets);
    expect(atRunTime).toStrictEqual(parseDeploymentConfig(`${BASE}aws: {}\n`, 'deploy.yaml', secrets));
    expect(atRunTime.aws).toEqual({ secretsPrefix: 'pflow/', secrets: {} });
  });

  it('keeps a secret inside a matcher as text, compiled with its value when a function fills it in', () => {
    const text = BASE.concat(
      "silences: [{ id: s, matchers: ['site=~\"${SITE_PATTERN}\"'], starts_at: '2026-01-01T00:00:00Z', ends_at: '2026-01-02T00:00:00Z' }]\n",
    );
    const deployment = parseConfigForDeployment(text, 'deploy.yaml');
    const bundled = JSON.parse(deployment.bundledConfig('fp')) as BundledConfigDocument;
    expect(JSON.stringify(bundled.config)).toContain('${SITE_PATTERN}');
    const secrets = {
      PORTAL_KEY: 'k',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/XYZ',
      ONCALL_ADDRESS: 'oncall@st-anna.example',
      SMTP_PASSWORD: 'pw',
      SITE_PATTERN: 'site-(a|b)',
    };
    const atRunTime = readBundledConfig(JSON.stringify(bundled), 'bundled', 'fp').resolve(secrets);
    expect(atRunTime.silences[0]!.matchers[0]!.regex!.test('site-b')).toBe(true);
    expect(atRunTime).toStrictEqual(parseDeploymentConfig(`${text}aws: {}\n`, 'deploy.yaml', secrets));
    expect(() =>
      readBundledConfig(JSON.stringify(bundled), 'bundled', 'fp').resolve({ ...secrets, SITE_PATTERN: '(s3cr3t' }),
    ).toThrow(
      /^bundled: 1 error\(s\)\n {2}\(root\): a label matcher holding a \$\{NAME\} secret is not a valid regex with its value$/,
    );
  });

  it('stops on every other error, as pflow validate lists them, and runs the AWS checks without an aws section', () => {
    const text = BASE.replace('evaluation_interval: 1m', 'evaluation_interval: 1m, probe_timeout: 2m').concat(
      "rule_groups: [{ name: g, interval: 30s, rules: [{ id: r, measure: nope, threshold: { op: '<', value: 1 } }] }]\n",
    );
    expect(refusal(text)).toEqual([
      'defaults.probe_timeout: must be shorter than defaults.probe_interval (2m is not shorter than 1m)',
      "rule_groups[0].interval: in AWS a rule group is evaluated on whole minutes (EventBridge Scheduler's floor): 30s is not; use 1m, 2m, …",
      `rule_groups[0].rules[0].measure: not a probe measure (use one of: ${PROBE_MEASURES.join(', ')})`,
    ]);
  });

  it('refuses a rule window too short for the cloud probes it reads, even when their target holds a secret', () => {
    const text = BASE.concat(
      "rule_groups: [{ name: g, rules: [{ id: portal-flaky, measure: success, matchers: ['probe=\"portal\"'], window: 2m, reducer: rate, threshold: { op: '>', value: 0 } }] }]\n",
    );
    expect(refusal(text)).toEqual([
      'rule_groups[0].rules[0].window: rule "portal-flaky": window 2m is shorter than 3× the 1m interval of probe "portal" (rate needs two results in its window), so it would raise nodata for a healthy target; use window: 3m or more',
    ]);
  });

  it('refuses a secret in the grafana section, which only synth reads', () => {
    const text = BASE.concat(
      [
        'grafana:',
        '  authentication: saml',
        '  admin_groups: [pflow-admins]',
        "  saml: { metadata_url: 'https://idp.example/${IDP_TENANT}/metadata' }",
        '',
      ].join('\n'),
    );
    expect(refusal(text)).toEqual([
      "grafana.saml.metadata_url: ${IDP_TENANT}: no secret can be used in the grafana section, which the stack turns into the workspace's settings at deploy time, where no secret is read; write the value itself",
    ]);
  });

  it('still reports a malformed reference', () => {
    expect(refusal(BASE.replace('${SMTP_PASSWORD}', '${SMTP_PASSWORD'))).toEqual([
      'channels[1].email.password: unterminated ${ (write $${ for a literal ${)',
    ]);
  });

  it('takes a secret in a field that asks for length (the acknowledge link key)', () => {
    const deployment = parseConfigForDeployment(
      `${BASE}acknowledge: { link_key: '\${PFLOW_ACK_LINK_KEY}' }\n`,
      'deploy.yaml',
    );
    expect(deployment.secretNames).toContain('PFLOW_ACK_LINK_KEY');
    const bundled = JSON.parse(deployment.bundledConfig('fp')) as BundledConfigDocument;
    // Read by whoever signs or checks acknowledge links (src/domain/config/secret-readers.ts).
    expect(bundled.secrets.PFLOW_ACK_LINK_KEY).toEqual({
      form: 'text',
      fields: ['acknowledge.link_key'],
      readers: ['deliver', 'lifecycleApi'],
    });
  });

  it('bundles a file without secrets with no secrets to read', () => {
    const deployment = parseConfigForDeployment(
      'version: 1\nsites: [{ id: site-a }]\naws: { secrets_prefix: x/ }\n',
      'plain',
    );
    expect(deployment.secretNames).toEqual([]);
    const bundled = readBundledConfig(deployment.bundledConfig('fp'), 'bundled', 'fp');
    expect(bundled.secrets).toEqual({});
    expect(bundled.resolve({})).toStrictEqual(deployment.config);
  });

  it('carries aws.detailed_metrics to the functions only when asked for (per-group and per-channel dimensions)', () => {
    const config = (aws: string) =>
      parseConfigForDeployment(`version: 1\nsites: [{ id: site-a }]\naws: ${aws}\n`, 'plain').config.aws;
    expect(config('{ detailed_metrics: true }')).toEqual({
      secretsPrefix: 'pflow/',
      secrets: {},
      detailedMetrics: true,
    });
    expect(config('{ detailed_metrics: false }')).toEqual({ secretsPrefix: 'pflow/', secrets: {} });
    expect(() => config('{ detailed_metrics: yes please }')).toThrow(/aws\.detailed_metrics/);
  });
});

describe('secretNamesIn', () => {
  it('finds references anywhere, not escaped ones or invalid names', () => {
    expect(secretNamesIn({ a: ['${B} and ${A}'], c: { d: '$${NOT} ${bad-name} ${A}' } })).toEqual(['A', 'B']);
  });
});
