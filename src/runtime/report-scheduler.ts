import type { DeploymentConfig } from '../domain/config/model.js';
import type { Notification } from '../domain/notification/outcome.js';
import type { NotificationLog } from '../domain/notification/ports.js';
import { systemTimers, type Clock, type Logger, type Timers } from '../domain/ports.js';
import type { ReportDefinition } from '../domain/report/config-schema.js';
import { reportNotification } from '../domain/report/digest.js';
import { nextLocalTime, previousLocalDay } from '../domain/report/window.js';
import type { DailyReportService } from '../services/daily-report.js';

export interface ReportSchedulerDeps {
  readonly config: DeploymentConfig;
  readonly service: Pick<DailyReportService, 'digest'>;
  /** The dispatcher's dispatchReports: log, retries, queue and dead letters, as for alerts. */
  readonly dispatch: (notifications: readonly Notification[]) => Promise<void>;
  readonly log: Pick<NotificationLog, 'has'>;
  readonly clock: Clock;
  readonly timers?: Timers;
  readonly logger: Logger;
}

interface Slot {
  readonly report: ReportDefinition;
  readonly site: string;
  readonly timezone: string;
}

/**
 * Sends each configured daily report at its local time in each site's zone. The next time is
 * worked out on the wall clock (luxon) after every firing, so 07:00 stays 07:00 across a DST
 * change; the wait itself is a plain timer. A report whose time passed while the runtime was down
 * is sent when it starts — once: the notification log remembers every channel it reached.
 */
export class ReportScheduler {
  private readonly timers: Timers;
  private readonly handles = new Map<Slot, unknown>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: ReportSchedulerDeps) {
    this.timers = deps.timers ?? systemTimers;
  }

  private slots(): Slot[] {
    const zones = new Map(this.deps.config.sites.map((s) => [s.id, s.timezone]));
    return (this.deps.config.reports ?? []).flatMap((report) =>
      report.sites.map((site) => ({ report, site, timezone: zones.get(site) ?? 'UTC' })),
    );
  }

  /** Sends reports missed while stopped, then schedules every report × site. */
  async start(): Promise<void> {
    const now = this.deps.clock.now();
    for (const slot of this.slots()) {
      // The latest time this slot was due: the next one after the same moment a day earlier.
      const lastDue = nextLocalTime(now - 86_400_000, slot.timezone, slot.report.at);
      const due = lastDue <= now ? lastDue : undefined;
      if (due !== undefined) {
        const day = previousLocalDay(due, slot.timezone);
        if (await this.missing(slot, day)) this.track(this.send(slot, day));
      }
      this.schedule(slot, now);
    }
  }

  /** Stops scheduling; reports being computed or sent finish (the dispatcher's shutdown covers sends). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const handle of this.handles.values()) this.timers.clearTimeout(handle);
    this.handles.clear();
    await Promise.allSettled([...this.running]);
  }

  /** Computes and sends one site's report for one day to the report's channels. */
  async send(slot: { report: ReportDefinition; site: string }, day: string): Promise<void> {
    const digest = await this.deps.service.digest(slot.site, day, slot.report);
    await this.deps.dispatch(
      slot.report.channels.map((channel) => reportNotification(channel, slot.report.id, digest)),
    );
    this.deps.logger.info('daily report sent', { report: slot.report.id, site: slot.site, day });
  }

  private async missing(slot: Slot, day: string): Promise<boolean> {
    for (const channel of slot.report.channels) {
      if (!(await this.deps.log.has(`${channel}|report:${slot.report.id}/${slot.site}/${day}`))) return true;
    }
    return false;
  }

  private schedule(slot: Slot, after: number): void {
    if (this.stopped) return;
    const at = nextLocalTime(after, slot.timezone, slot.report.at);
    const handle = this.timers.setTimeout(
      () => {
        this.handles.delete(slot);
        // The day is the one before the scheduled instant, not before "now": a late timer still reports the right day.
        this.track(this.send(slot, previousLocalDay(at, slot.timezone)));
        this.schedule(slot, at);
      },
      Math.max(0, at - this.deps.clock.now()),
    );
    this.handles.set(slot, handle);
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) =>
      this.deps.logger.error('daily report failed', { error: error instanceof Error ? error.message : String(error) }),
    );
    this.running.add(guarded);
    void guarded.finally(() => this.running.delete(guarded));
  }
}
