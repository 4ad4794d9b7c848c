import { describe, expect, it } from 'vitest';
import { emailSettings, emailSettingsSchema } from '../../../src/channels/email/settings.js';

function issues(input: unknown): string[] {
  const result = emailSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const smtp = { from: 'alerts@hospital.example', to: ['oncall@hospital.example'], host: 'relay.hospital.example' };
const ses = { transport: 'ses', from: 'alerts@hospital.example', to: ['oncall@hospital.example'] };

describe('email settings', () => {
  it('defaults to SMTP with STARTTLS opportunistic, verification on and a 10 s timeout', () => {
    expect(emailSettingsSchema.parse(smtp)).toEqual({
      transport: 'smtp',
      ...smtp,
      cc: [],
      secure: false,
      require_tls: false,
      tls_verify: true,
      timeout: '10s',
    });
  });

  it('marks the SMTP password as the secret field', () => {
    expect(emailSettings.secretFields).toEqual(['password']);
  });

  it.each([
    ['no recipient', { ...smtp, to: [] }, ['to: needs at least one recipient']],
    ['a bad address', { ...smtp, to: ['oncall'] }, ['to.0: must be an email address such as oncall@example.org']],
    ['a named from', { ...smtp, from: 'PerformanceFlow <alerts@hospital.example>' }, []],
    [
      'a bad from',
      { ...smtp, from: 'alerts at hospital' },
      ['from: must be an email address, optionally with a name: "PerformanceFlow <alerts@example.org>"'],
    ],
    ['a password without username', { ...smtp, password: 'x' }, ['username: username and password go together']],
    ['a username without password', { ...smtp, username: 'x' }, ['password: username and password go together']],
    [
      'secure with require_tls',
      { ...smtp, secure: true, require_tls: true },
      ['require_tls: applies to STARTTLS only; with secure: true the connection is TLS from the start'],
    ],
    ['a bad timeout', { ...smtp, timeout: 'soon' }, ['timeout: must be a duration such as 500ms, 10s or 1m']],
    ['an unknown key', { ...smtp, pasword: 'typo' }, [': Unrecognized key: "pasword"']],
    ['an SES key on SMTP', { ...smtp, region: 'eu-west-1' }, [': Unrecognized key: "region"']],
    ['an unknown transport', { ...smtp, transport: 'pigeon' }, ['transport: must be "smtp" or "ses"']],
    ['SES with a configuration set', { ...ses, configuration_set: 'alerts-prod' }, []],
    [
      'SES with a bad configuration set',
      { ...ses, configuration_set: 'alerts prod' },
      ['configuration_set: must be 1–64 letters, digits, "_" or "-"'],
    ],
    ['SES with an SMTP key', { ...ses, host: 'x' }, [': Unrecognized key: "host"']],
  ])('%s', (_name, input, expected) => {
    expect(issues(input)).toEqual(expected);
  });
});
