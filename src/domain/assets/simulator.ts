import type { AssetRegistry, Zone } from './registry.js';
import type { TagEvent } from './tag-event.js';

/**
 * A simulated hospital wing for the demo and the benchmarks: the registry's assets move between
 * storage, clinical, dirty and clean zones, batteries drain (one tag starts nearly flat), one asset
 * is carried out through an exit and stops reporting after `missingAfterMs`, and anonymous patient tags pass through the waiting room
 * and the clinical stages to an exit. Deterministic: the same seed and the same tick times give
 * the same events, so a demo or a test can be replayed.
 *
 * Times are compressed for a demo (stays of tens of seconds to minutes), not a model of a ward.
 */
export interface SimulationOptions {
  readonly site: string;
  readonly seed: number;
  /** How often each tag reports. */
  readonly everyMs: number;
  readonly patientsPerHour: number;
  /** When the chosen asset falls silent, after the start. */
  readonly missingAfterMs: number;
  readonly startAt: number;
}

interface SimTag {
  readonly tag: string;
  zone: string;
  until: number;
  battery: number;
  /** Per report, percent. */
  readonly drain: number;
  /** For patients: the stages still to visit, each preceded by a wait. */
  path?: string[];
}

export class WingSimulator {
  private readonly random: () => number;
  private readonly zones: {
    storage: Zone[];
    clinical: Zone[];
    dirty: Zone[];
    clean: Zone[];
    waiting: Zone[];
    exit: Zone[];
    stages: Zone[];
  };
  private readonly assets: SimTag[] = [];
  private readonly patients: SimTag[] = [];
  private readonly silentTag?: string;
  private nextPatientAt: number;
  private patientCount = 0;

  constructor(
    registry: AssetRegistry,
    private readonly options: SimulationOptions,
  ) {
    this.random = mulberry32(options.seed);
    const zones = registry.zones.filter((zone) => zone.site === options.site);
    const of = (predicate: (zone: Zone) => boolean) => zones.filter(predicate);
    const stages = of((z) => z.kind === 'clinical' && z.stage !== 'clinical');
    this.zones = {
      storage: of((z) => z.kind === 'storage'),
      // Assets go to ward-like clinical zones (no named patient stage) or, if none, to any clinical zone.
      clinical:
        of((z) => z.kind === 'clinical' && z.stage === 'clinical').length > 0
          ? of((z) => z.kind === 'clinical' && z.stage === 'clinical')
          : of((z) => z.kind === 'clinical'),
      dirty: of((z) => z.kind === 'dirty'),
      clean: of((z) => z.kind === 'clean'),
      waiting: of((z) => z.kind === 'waiting'),
      exit: of((z) => z.kind === 'exit'),
      stages: [...new Map(stages.map((z) => [z.stage, z])).values()],
    };
    const assets = registry.assets.filter((asset) => asset.site === options.site);
    const store = this.zones.storage[0] ?? this.zones.clean[0] ?? zones[0];
    for (const [index, asset] of assets.entries()) {
      const home = asset.homeZone ?? store?.id ?? 'unknown';
      this.assets.push({
        tag: asset.tag,
        zone: home,
        until: options.startAt + this.between(20_000, 180_000),
        // The first asset starts nearly flat so a low-battery alert shows within minutes.
        battery: index === 0 ? 16 : Math.round(this.between(40, 100)),
        drain: index === 0 ? 0.05 : 0.002,
      });
    }
    this.silentTag = assets[assets.length - 1]?.tag;
    this.nextPatientAt = options.startAt + this.patientGap();
  }

  /** Every tag's report at `now` (one per tag), after moving what is due to move. */
  tick(now: number): TagEvent[] {
    const events: TagEvent[] = [];
    for (const tag of this.assets) {
      if (tag.tag === this.silentTag) {
        const elapsed = now - this.options.startAt;
        if (elapsed >= this.options.missingAfterMs) continue;
        // It is carried out through an exit just before it falls silent: it left the building.
        if (elapsed >= this.options.missingAfterMs - 2 * this.options.everyMs && this.zones.exit.length > 0) {
          tag.zone = this.zones.exit[0]!.id;
          tag.until = Infinity;
        }
      }
      if (now >= tag.until) this.moveAsset(tag, now);
      tag.battery = Math.max(0, tag.battery - tag.drain);
      events.push({
        tag: tag.tag,
        t: now,
        zone: tag.zone,
        battery: Math.round(tag.battery * 10) / 10,
        motion: now - tag.until < this.options.everyMs,
      });
    }
    while (this.options.patientsPerHour > 0 && now >= this.nextPatientAt && this.zones.waiting.length > 0) {
      this.patientCount += 1;
      this.patients.push({
        tag: `P-${String(this.options.seed).padStart(2, '0')}${String(this.patientCount).padStart(5, '0')}`,
        zone: this.pick(this.zones.waiting).id,
        until: this.nextPatientAt + this.between(30_000, 240_000),
        battery: 100,
        drain: 0,
        path: this.zones.stages.filter(() => this.random() < 0.8).map((zone) => zone.id),
      });
      this.nextPatientAt += this.patientGap();
    }
    for (const patient of [...this.patients]) {
      if (now >= patient.until && !this.movePatient(patient, now)) {
        this.patients.splice(this.patients.indexOf(patient), 1);
        continue;
      }
      events.push({ tag: patient.tag, t: now, zone: patient.zone, battery: 100 });
    }
    return events;
  }

  private moveAsset(tag: SimTag, now: number): void {
    const kind = this.kindOf(tag.zone);
    const next =
      kind === 'clinical'
        ? (this.zones.dirty[0] ?? this.zones.storage[0])
        : kind === 'dirty'
          ? (this.zones.clean[0] ?? this.zones.storage[0])
          : this.random() < 0.5 && this.zones.clinical.length > 0
            ? this.pick(this.zones.clinical)
            : (this.zones.storage[0] ?? this.zones.clean[0]);
    if (next) tag.zone = next.id;
    tag.until = now + this.between(kind === 'clinical' ? 60_000 : 30_000, kind === 'clinical' ? 300_000 : 180_000);
  }

  /** Waiting room, then the next stage; false when the patient has left (after the exit). */
  private movePatient(patient: SimTag, now: number): boolean {
    const kind = this.kindOf(patient.zone);
    if (kind === 'exit') return false;
    if (kind === 'waiting') {
      const stage = patient.path!.shift();
      patient.zone = stage ?? this.pick(this.zones.exit.length > 0 ? this.zones.exit : this.zones.waiting).id;
      patient.until = now + (stage ? this.between(60_000, 240_000) : this.options.everyMs);
      return true;
    }
    if (patient.path!.length === 0) {
      if (this.zones.exit.length === 0) return false;
      patient.zone = this.pick(this.zones.exit).id;
      patient.until = now + this.options.everyMs;
      return true;
    }
    patient.zone = this.pick(this.zones.waiting).id;
    patient.until = now + this.between(30_000, 300_000);
    return true;
  }

  private kindOf(zoneId: string): string {
    for (const [kind, zones] of Object.entries(this.zones)) {
      if (kind !== 'stages' && zones.some((zone) => zone.id === zoneId)) return kind;
    }
    return this.zones.stages.some((zone) => zone.id === zoneId) ? 'clinical' : 'other';
  }

  private patientGap(): number {
    // Exponential gaps: arrivals as a Poisson process at patientsPerHour.
    return Math.max(
      1,
      Math.round((-Math.log(1 - this.random()) * 3_600_000) / Math.max(this.options.patientsPerHour, 1e-9)),
    );
  }

  private between(min: number, max: number): number {
    return min + this.random() * (max - min);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }
}

/** A small, well-known seeded generator (mulberry32): same seed, same sequence, on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
