import { z } from 'zod';
import type { ProbeKindSettings } from '../types.js';

// Placeholder: the probe work fills in the full http settings (method, headers, body, status codes, …).
export const httpSettingsSchema = z.strictObject({});
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
