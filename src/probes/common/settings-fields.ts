import * as z from 'zod';

export { isIpAddress, parseHostPort, type HostPort } from './address.js';

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
