import * as z from 'zod';
import type { ProbeKindSettings } from '../types.js';
import { caFile, certExpiryWarningDays, ipProtocol, regexSource } from '../common/settings-fields.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
import { MAX_REDIRECTS } from './limits.js';
export { MAX_REDIRECTS };

/** The `http:` block of a probe; it covers both http:// and https:// targets. */
export const httpSettingsSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: z.record(z.string().min(1), z.string()).default({}),
  body: z.string().optional().describe('Request body, sent as is'),
  valid_status_codes: z
    .array(z.int().min(100).max(599))
    .default([])
    .describe('Status codes that count as success; empty means any 2xx'),
  body_match: regexSource.optional().describe('Fail with body_mismatch unless the body matches this regex'),
  body_not_match: regexSource.optional().describe('Fail with body_mismatch when the body matches this regex'),
  follow_redirects: z.boolean().default(true).describe(`Follow up to ${MAX_REDIRECTS} redirects`),
  tls_verify: z.boolean().default(true).describe('Verify the server certificate chain and name'),
  ca_file: caFile,
  cert_expiry_warning_days: certExpiryWarningDays,
  ip_protocol: ipProtocol,
  max_body_bytes: z
    .int()
    .positive()
    .default(1_048_576)
    .describe('Read at most this many body bytes; body matching sees only these'),
});
export type HttpSettings = z.infer<typeof httpSettingsSchema>;

export const httpSettings: ProbeKindSettings<HttpSettings> = {
  schema: httpSettingsSchema,
  validateTarget(target) {
    try {
      const url = new URL(target);
      return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http:// or https:// URL';
    } catch {
      return 'must be an http:// or https:// URL';
    }
  },
};
