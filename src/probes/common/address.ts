/*
 * Host and address parsing shared by the probe kinds' settings (config validation) and the probes
 * themselves. Kept apart from settings-fields.ts, which builds zod schemas, so that a probe does
 * not bring zod into the probe Lambda's bundle.
 */

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
