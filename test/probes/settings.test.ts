import { describe, expect, it } from 'vitest';
import { probers } from '../../src/probes/registry.js';
import { PROBE_KINDS, probeKindSettings, type ProbeKindName } from '../../src/probes/settings.js';

const issuesOf = (kind: ProbeKindName, block: unknown): string[] => {
  const result = probeKindSettings[kind].schema.safeParse(block);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('probe kind registry', () => {
  it('pairs every kind that has settings with a prober, and nothing else', () => {
    expect(PROBE_KINDS).toEqual(['http', 'tcp', 'dns', 'ping']);
    expect(Object.keys(probers).sort()).toEqual([...PROBE_KINDS].sort());
  });
});

describe('probe settings schemas', () => {
  it.each([
    {
      kind: 'http' as const,
      block: {},
      parsed: {
        method: 'GET',
        headers: {},
        valid_status_codes: [],
        follow_redirects: true,
        tls_verify: true,
        max_body_bytes: 1_048_576,
      },
    },
    { kind: 'tcp' as const, block: {}, parsed: { tls: false, tls_verify: true } },
    {
      kind: 'dns' as const,
      block: { server: '10.0.0.53' },
      parsed: {
        server: '10.0.0.53',
        record_type: 'A',
        valid_answers: [],
        invalid_answers: [],
        fail_if_no_answer: false,
      },
    },
  ])('applies the $kind defaults', ({ kind, block, parsed }) => {
    expect(probeKindSettings[kind].schema.parse(block)).toEqual(parsed);
  });

  it.each([
    { kind: 'http' as const, block: { metod: 'GET' }, issue: /Unrecognized key: "metod"/ },
    { kind: 'http' as const, block: { method: 'FETCH' }, issue: /^method: Invalid option/ },
    { kind: 'http' as const, block: { body_match: '(unclosed' }, issue: /^body_match: invalid regular expression/ },
    { kind: 'http' as const, block: { body_not_match: '[z-a]' }, issue: /^body_not_match: invalid regular expression/ },
    { kind: 'http' as const, block: { valid_status_codes: [99] }, issue: /^valid_status_codes\.0: / },
    { kind: 'http' as const, block: { cert_expiry_warning_days: 0 }, issue: /^cert_expiry_warning_days: / },
    { kind: 'http' as const, block: { ip_protocol: 'ipv4' }, issue: /^ip_protocol: Invalid option/ },
    { kind: 'tcp' as const, block: { tls: 'yes' }, issue: /^tls: / },
    { kind: 'tcp' as const, block: { expect: '*bad' }, issue: /^expect: invalid regular expression/ },
    { kind: 'dns' as const, block: {}, issue: /^server: / },
    { kind: 'dns' as const, block: { server: 'dns.example.org' }, issue: /^server: must be an IP address/ },
    { kind: 'dns' as const, block: { server: '10.0.0.53:70000' }, issue: /^server: must be an IP address/ },
    { kind: 'dns' as const, block: { server: '10.0.0.53', record_type: 'SOA' }, issue: /^record_type: Invalid option/ },
    { kind: 'dns' as const, block: { server: '10.0.0.53', valid_answers: ['('] }, issue: /^valid_answers\.0: invalid/ },
  ])('rejects $kind $block', ({ kind, block, issue }) => {
    const issues = issuesOf(kind, block);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(issue);
  });

  it.each(['10.0.0.53', '10.0.0.53:5353', '[::1]:53', '::1', 'fd00::53'])('accepts the DNS server %s', (server) => {
    expect(issuesOf('dns', { server })).toEqual([]);
  });
});

describe('probe targets', () => {
  it.each([
    { kind: 'http' as const, target: 'https://pfsw.example.org/login', valid: true },
    { kind: 'http' as const, target: 'http://10.0.0.5:8080/health', valid: true },
    { kind: 'http' as const, target: 'ftp://files.example.org/', valid: false },
    { kind: 'http' as const, target: 'pfsw.example.org', valid: false },
    { kind: 'tcp' as const, target: 'db.example.org:5432', valid: true },
    { kind: 'tcp' as const, target: '10.0.0.5:1433', valid: true },
    { kind: 'tcp' as const, target: '[fd00::5]:443', valid: true },
    { kind: 'tcp' as const, target: 'db.example.org', valid: false },
    { kind: 'tcp' as const, target: 'db.example.org:0', valid: false },
    { kind: 'tcp' as const, target: 'db.example.org:65536', valid: false },
    { kind: 'tcp' as const, target: 'fd00::5:443', valid: false },
    { kind: 'dns' as const, target: 'pfsw.example.org', valid: true },
    { kind: 'dns' as const, target: '_ldap._tcp.example.org.', valid: true },
    { kind: 'dns' as const, target: '4.3.2.10.in-addr.arpa', valid: true },
    { kind: 'dns' as const, target: 'has space.example.org', valid: false },
    { kind: 'dns' as const, target: '', valid: false },
    { kind: 'dns' as const, target: `${'a'.repeat(64)}.example.org`, valid: false },
  ])('$kind target $target is valid: $valid', ({ kind, target, valid }) => {
    const error = probeKindSettings[kind].validateTarget(target);

    expect(error === undefined).toBe(valid);
  });
});
