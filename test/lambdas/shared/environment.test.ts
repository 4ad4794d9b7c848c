import { describe, expect, it } from 'vitest';
import { bundleEntries, deliverEntryFor } from '../../../lambdas/shared/environment.js';

describe('deliverEntryFor', () => {
  it("gives a channel its kind's deliver entry", () => {
    expect(deliverEntryFor({ kind: 'slack', settings: { webhook_url: 'https://hooks.example/x' } })).toBe(
      'lambdas/deliver/slack.ts',
    );
    expect(deliverEntryFor({ kind: 'logdrop', settings: {} })).toBe('lambdas/deliver/logdrop.ts');
  });

  it("gives an email channel its transport's: SES without the SMTP client, SMTP (the default) without SES", () => {
    expect(deliverEntryFor({ kind: 'email', settings: { transport: 'ses' } })).toBe('lambdas/deliver/email-ses.ts');
    expect(deliverEntryFor({ kind: 'email', settings: { transport: 'smtp' } })).toBe('lambdas/deliver/email-smtp.ts');
    expect(deliverEntryFor({ kind: 'email', settings: { host: 'relay.hospital.example' } })).toBe(
      'lambdas/deliver/email-smtp.ts',
    );
  });

  it('refuses a kind with no deliver function, naming it', () => {
    expect(() => deliverEntryFor({ kind: 'pager' })).toThrow('channel kind "pager" has no deliver function');
  });

  it('lists both email variants among the bundles, and no transport-less one', () => {
    const names = bundleEntries().map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['deliver-email-ses', 'deliver-email-smtp', 'deliver-slack']));
    expect(names).not.toContain('deliver-email');
  });
});
