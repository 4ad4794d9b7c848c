import * as z from 'zod';

/**
 * Settings fields shared by the probe kinds. Pure (zod only): the domain's config schema imports
 * the kinds' settings, so nothing here may touch the network or the filesystem.
 */

/** A JavaScript regular expression source, checked to compile so a bad pattern fails config validation. */
export const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
  }
});

export const ipProtocol = z
  .enum(['ip4', 'ip6'])
  .optional()
  .describe('Resolve the target to IPv4 or IPv6 only; default: whatever the resolver returns first');

export const certExpiryWarningDays = z
  .number()
  .positive()
  .optional()
  .describe('Fail with cert_expiring when the leaf certificate expires in fewer days than this');

export const caFile = z
  .string()
  .min(1)
  .optional()
  .describe('PEM file of extra CA certificates to trust (added to the system ones) when verifying TLS');

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/;

/** Parses `host:port` or `[ipv6]:port`; undefined when malformed or the port is out of range. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// Loose on purpose (hex, dots and at least two colons): the resolver rejects a malformed IPv6 address itself;
// this only tells one apart from a name or an `ip:port`.
const IPV6 = /^(?=[^:]*:[^:]*:)[0-9A-Fa-f:.]+$/;

export function isIpAddress(text: string): boolean {
  return IPV4.test(text) || IPV6.test(text);
}
