import { dnsSettings } from './dns/settings.js';
import { httpSettings } from './http/settings.js';
import { pingSettings } from './ping/settings.js';
import { tcpSettings } from './tcp/settings.js';
import type { ProbeKindSettings } from './types.js';

/**
 * The probe kinds: the single source of truth for their names. Pure (schemas only), so the
 * domain's config schema can derive its allowed kinds from it; `registry.ts` pairs each with its prober.
 */
export const probeKindSettings = {
  http: httpSettings,
  tcp: tcpSettings,
  dns: dnsSettings,
  ping: pingSettings,
} as const;

export type ProbeKindName = keyof typeof probeKindSettings;
export const PROBE_KINDS = Object.keys(probeKindSettings) as ProbeKindName[];

/** The validated settings type of a kind (what its prober receives). */
export type ProbeSettingsOf<Kind extends ProbeKindName> =
  (typeof probeKindSettings)[Kind] extends ProbeKindSettings<infer Settings> ? Settings : never;
