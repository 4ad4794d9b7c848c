import * as z from 'zod';
import type { ProbeKindSettings } from '../types.js';
import { isIpAddress, parseHostPort, regexSource } from '../common/settings-fields.js';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** `ip`, `ip:port`, `[ipv6]:port` or a bare IPv6 address: what the resolver's setServers accepts. */
function isDnsServer(text: string): boolean {
  const hostPort = parseHostPort(text);
  return hostPort ? isIpAddress(hostPort.host) : isIpAddress(text);
}

/** The `dns:` block of a probe: resolve the target name against one server and check the answers. */
export const dnsSettingsSchema = z.strictObject({
  server: z
    .string()
    .refine(isDnsServer, 'must be an IP address with an optional port (10.0.0.53, 10.0.0.53:5353, [::1]:53)')
    .describe('The DNS server to ask'),
  record_type: z.enum(DNS_RECORD_TYPES).default('A'),
  valid_answers: z
    .array(regexSource)
    .default([])
    .describe('Each regex must match at least one answer (as text, e.g. "10 mail.example.org" for MX)'),
  invalid_answers: z.array(regexSource).default([]).describe('Fail when any answer matches any of these regexes'),
  fail_if_no_answer: z.boolean().default(false).describe('Fail with answer_mismatch when the name has no records'),
});
export type DnsSettings = z.infer<typeof dnsSettingsSchema>;

const DNS_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_*](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export const dnsSettings: ProbeKindSettings<DnsSettings> = {
  schema: dnsSettingsSchema,
  validateTarget(target) {
    return DNS_NAME.test(target) ? undefined : 'must be a DNS name (e.g. pfsw.example.org)';
  },
};
