import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDeploymentConfigJson } from '../../../src/domain/config/document.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';
import type { ConfigIssue } from '../../../src/domain/errors.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const ENV = {
  PORTAL_URL: 'not a url: s3cr3t-portal-token',
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

describe('the JSON config the functions read', () => {
  const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.yaml'));

  it('reads a valid config to the same model as the YAML reader', () => {
    const yaml = readFileSync(join(FIXTURES, 'valid-hospital.yaml'), 'utf8');
    const json = JSON.stringify(parse(yaml));
    expect(parseDeploymentConfigJson(json, 'cfg.json', ENV)).toEqual(parseDeploymentConfig(yaml, 'cfg.yaml', ENV));
  });

  it.each(fixtures.filter((name) => name.startsWith('invalid-')))(
    'refuses %s with the same errors as the YAML reader',
    (name) => {
      const yaml = readFileSync(join(FIXTURES, name), 'utf8');
      let document: unknown;
      try {
        document = parse(yaml);
      } catch {
        return; // a YAML syntax fixture has no JSON form
      }
      if (document === null || document === undefined) return; // an empty file: the YAML reader's own message
      const fromYaml = issuesOf(() => parseDeploymentConfig(yaml, 'cfg.yaml', ENV));
      if (fromYaml.some((issue) => issue.path.startsWith('line '))) return; // YAML-level, as above
      const fromJson = issuesOf(() => parseDeploymentConfigJson(JSON.stringify(document), 'cfg.json', ENV));
      expect(byPath(fromJson)).toEqual(byPath(fromYaml));
    },
  );

  it('refuses text that is not JSON without quoting it', () => {
    const issues = issuesOf(() => parseDeploymentConfigJson('{"token": "s3cr3t-value" oops}', 'cfg.json', {}));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/^not valid JSON/);
    expect(JSON.stringify(issues)).not.toContain('s3cr3t');
  });
});
