import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECRET_MAX_AGE_SECONDS } from '../src/adapters/aws/secrets-manager.js';
import { parseDeploymentConfig } from '../src/domain/config/load.js';

/** The README's config examples are what newcomers copy: they must stay valid as the schema moves. */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function yamlBlockAfter(heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no yaml block after ${heading}`);
  return match[1]!;
}

const env = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX',
  TEAMS_WORKFLOW_URL:
    'https://prod-00.westeurope.logic.azure.example/workflows/abc/triggers/manual/paths/invoke?sig=0123456789abcdef',
  PFLOW_WEBHOOK_SECRET: 'a-signing-secret-of-32-characters',
  TOOLS_API_KEY: 'tools-api-key',
  SMTP_PASSWORD: 'smtp-password',
};

describe('README examples', () => {
  it('the site config example is a valid config', () => {
    const config = parseDeploymentConfig(yamlBlockAfter('## Site config'), 'README.md', env);
    expect(config.ruleGroups[0]!.rules.map((rule) => rule.id)).toEqual(['demo-portal-down']);
  });

  it('every channel in the channels example is valid', () => {
    const channels = yamlBlockAfter('## Notification channels');
    const config = parseDeploymentConfig(
      `version: 1\nsites: [{ id: site-a }]\n${channels}\nroutes: [{ channels: [terminal] }]\n`,
      'README.md',
      env,
    );
    expect(config.channels.map((channel) => channel.kind)).toEqual([
      'console',
      'logdrop',
      'logdrop',
      'slack',
      'teams',
      'webhook',
      'email',
      'email',
    ]);
  });

  it('the acknowledge and escalation examples are valid', () => {
    const acknowledge = yamlBlockAfter('### Acknowledging');
    const escalation = yamlBlockAfter('### Escalation');
    const config = parseDeploymentConfig(
      `version: 1\nsites: [{ id: site-a }]\nchannels:\n${['ward-email', 'oncall-slack', 'it-manager-email']
        .map((id) => `  - { id: ${id}, kind: console }`)
        .join('\n')}\n${escalation}\n${acknowledge}`,
      'README.md',
      { ...env, PFLOW_ACK_LINK_KEY: 'k'.repeat(40) },
    );
    expect(config.routes[0]!.escalate?.map((tier) => tier.afterMs)).toEqual([600_000, 1_800_000]);
    expect(config.acknowledge?.linkTtlMs).toBe(86_400_000);
  });

  it('the on-call example is valid', () => {
    const config = parseDeploymentConfig(
      `version: 1\nsites: [{ id: site-a, timezone: Europe/Amsterdam }]\n${yamlBlockAfter('### On-call')}`,
      'README.md',
      env,
    );
    expect(config.oncall?.[0]).toMatchObject({ team: 'ward-it', timezone: 'Europe/Amsterdam', handoverMinute: 540 });
  });

  it('gives the secret cache age the functions use, in both READMEs', () => {
    const lambdasReadme = readFileSync(new URL('../lambdas/README.md', import.meta.url), 'utf8');
    const ages = [readme, lambdasReadme].flatMap((text) =>
      [...text.matchAll(/Powertools Parameters[^.]*?(\d+)(?:-minute| min)/g)].map((match) => Number(match[1])),
    );
    expect(ages).toEqual([SECRET_MAX_AGE_SECONDS / 60, SECRET_MAX_AGE_SECONDS / 60]);
  });
});
