import * as z from 'zod';
import { duration } from '../../domain/config/fields.js';
import type { ProbeKindSettings } from '../types.js';
import { ipProtocol, isIpAddress } from '../common/settings-fields.js';

/**
 * The `ping:` block of a probe: ICMP echo through the system `ping` (iputils), so the agent needs no
 * raw socket and no privilege of its own. It succeeds when at least one reply comes back and the
 * loss is within `max_loss_percent`.
 */
export const pingSettingsSchema = z.strictObject({
  count: z.number().int().min(1).max(20).default(3).describe('Echo requests sent per probe'),
  interval: duration({ positive: true, atMost: '10s' })
    .prefault('200ms')
    .describe('Between requests; 200ms is the shortest an unprivileged ping may use'),
  max_loss_percent: z
    .number()
    .min(0)
    .max(100)
    .default(100)
    .describe(
      'Fail with packet_loss when more than this share of requests gets no reply; default: only total loss fails',
    ),
  ip_protocol: ipProtocol,
});
export type PingSettings = z.infer<typeof pingSettingsSchema>;

const HOST_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export const pingSettings: ProbeKindSettings<PingSettings> = {
  schema: pingSettingsSchema,
  validateTarget(target) {
    // Checked strictly: the target becomes an argument of a system command.
    return isIpAddress(target) || HOST_NAME.test(target)
      ? undefined
      : 'must be a host name or an IP address (e.g. pacs-gw.ward.local or 10.1.2.3), without a port';
  },
};
