import { dnsProber } from './dns/probe.js';
import { httpProber } from './http/probe.js';
import { pingProber } from './ping/probe.js';
import type { ProbeKindName, ProbeSettingsOf } from './settings.js';
import { tcpProber } from './tcp/probe.js';
import type { Prober } from './types.js';

/**
 * Each probe kind's prober; `satisfies` keeps this in step with `settings.ts`, so a kind cannot have
 * settings without a prober or the other way round. Settings reach a prober already validated by its schema.
 */
export const probers = {
  http: httpProber,
  tcp: tcpProber,
  dns: dnsProber,
  ping: pingProber,
} satisfies { [Kind in ProbeKindName]: Prober<ProbeSettingsOf<Kind>> };

/** Runs a probe whose settings were validated by its kind's schema (what the config gives the runtime). */
export function proberFor(kind: ProbeKindName): Prober<unknown> {
  return probers[kind] as Prober<unknown>;
}
