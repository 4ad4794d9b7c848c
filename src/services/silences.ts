import {
  buildRuntimeSilence,
  silenceActive,
  toSilence,
  type RuntimeSilence,
  type SilenceRequest,
} from '../domain/lifecycle/runtime-silence.js';
import type { Clock } from '../domain/ports.js';
import type { Silence } from '../domain/silences.js';

/** Where run-time silences live: pflow.db locally (DynamoDB in AWS). */
export interface SilenceStore {
  addSilence(silence: RuntimeSilence): void;
  listSilences(since?: number): RuntimeSilence[];
  expireSilence(id: string, by: string, now: number): boolean;
  getSilence(id: string): RuntimeSilence | undefined;
}

/** Run-time silences: made, listed and expired by the CLI and the API, read by every evaluation. */
export class SilenceService {
  constructor(
    private readonly store: SilenceStore,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Throws SilenceRequestError naming each bad field; nothing is stored then. */
  add(request: SilenceRequest): RuntimeSilence {
    const silence = buildRuntimeSilence(request, this.newId(), this.clock.now());
    this.store.addSilence(silence);
    return silence;
  }

  /** Active and pending silences; with `all`, ended and expired ones too. */
  list(all = false): RuntimeSilence[] {
    return this.store.listSilences(all ? undefined : this.clock.now());
  }

  expire(id: string, by: string): 'expired' | 'not_found' | 'already_ended' {
    if (this.store.expireSilence(id, by, this.clock.now())) return 'expired';
    return this.store.getSilence(id) === undefined ? 'not_found' : 'already_ended';
  }

  /** What the evaluator matches now (pending ones start holding when their time comes). */
  active(): Silence[] {
    const now = this.clock.now();
    return this.store
      .listSilences(now)
      .filter((silence) => silenceActive(silence, now) || silence.startsAt > now)
      .map(toSilence);
  }
}
