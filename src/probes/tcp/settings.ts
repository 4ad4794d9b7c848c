import * as z from 'zod';
import type { ProbeKindSettings } from '../types.js';
import { caFile, certExpiryWarningDays, ipProtocol, parseHostPort, regexSource } from '../common/settings-fields.js';

/** The `tcp:` block of a probe: connect to `host:port`, optionally over TLS, optionally send a line and expect a reply. */
export const tcpSettingsSchema = z.strictObject({
  tls: z.boolean().default(false).describe('Start TLS right after connecting'),
  tls_verify: z.boolean().default(true).describe('Verify the server certificate chain and name'),
  server_name: z.string().min(1).optional().describe('TLS SNI and verified name; default: the target host'),
  ca_file: caFile,
  cert_expiry_warning_days: certExpiryWarningDays,
  ip_protocol: ipProtocol,
  send: z.string().optional().describe('Written once connected (e.g. "PING\\r\\n")'),
  expect: regexSource
    .optional()
    .describe('Fail with answer_mismatch unless what the server sends matches this regex before it closes'),
});
export type TcpSettings = z.infer<typeof tcpSettingsSchema>;

export const tcpSettings: ProbeKindSettings<TcpSettings> = {
  schema: tcpSettingsSchema,
  validateTarget(target) {
    return parseHostPort(target) ? undefined : 'must be host:port (or [ipv6]:port) with a port from 1 to 65535';
  },
};
