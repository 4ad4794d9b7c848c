import type { ProbeKindName } from './settings.js';
import type { Prober } from './types.js';

// Placeholder until the probers land; `satisfies` keeps it in step with settings.ts.
export const probers = {
  http: async () => ({
    success: false,
    durationMs: 0,
    phases: {},
    failure: { reason: 'error', message: 'not implemented' },
  }),
} satisfies Record<ProbeKindName, Prober<never>>;
