import { renderJsonLines } from '../../channels/logdrop/render.js';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { Clock, Logger, Timers } from '../../domain/ports.js';
import { readJsonFile, writeFileDurably } from '../buffer/durable-file.js';
import type { EventsSource } from './events-client.js';
import { LogFile, logDropPathProblem, sameFile, type FileId } from './log-file.js';

export interface LogDropWriterOptions {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  readonly pollIntervalMs: number;
  /** Where the cursor and the recent event ids are kept (`<buffer.dir>/logdrop-state.json`). */
  readonly stateFile: string;
  /** Events per GET (the endpoint allows 1–1000). */
  readonly pageLimit?: number;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface LogDropWriterDeps {
  readonly source: EventsSource;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** [0, 1); injected so tests see the exact backoff delays. */
  readonly random?: () => number;
  /** Test seams for the kill -9 tests: in the middle of a write, and between a write and the state's update. */
  readonly midWrite?: () => void;
  readonly afterAppend?: () => void;
}

/** A log_drop.path the agent cannot write: the message names the field, as config errors do. */
export class LogDropPathError extends Error {
  constructor(path: string, problem: string) {
    super(`log_drop.path: cannot write ${path}: ${problem}`);
    this.name = 'LogDropPathError';
  }
}

/**
 * The state file. `file` is the file last appended to and its size after that append, recorded
 * before a file is first written: a restart reads what lies past that size (a crash came between
 * the append and the state's update) and skips those events when they are fetched again.
 */
interface State {
  readonly version: 1;
  readonly cursor?: string;
  readonly ids: readonly string[];
  readonly file?: FileId & { readonly size: number };
}

export interface LogDropCounters {
  /** Event lines appended by this process. */
  readonly written: number;
  /** Events fetched again that were already in the file (a crash, or the log drop holding one twice). */
  readonly duplicates: number;
  readonly failedPolls: number;
}

const DEFAULT_PAGE_LIMIT = 100;
const DEFAULT_BASE_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
/** Ids remembered: many pages' worth, so an event fetched again is recognised however the crash fell. */
const RECENT_IDS = 1_000;
const NEEDS_A_HUMAN = new Set([400, 401, 403, 404]);

/**
 * Hands the site's alert events to the in-house system: polls `GET /v1/events` and appends each
 * event to log_drop.path as one JSON line, exactly once across restarts and crashes.
 *
 * Per page: the lines are appended in one fsynced write (split only where the file rotates), then
 * the state (cursor, ids, file and size) is replaced atomically. A crash between the two fetches
 * the page again; the restart has read the ids already in the file past the recorded size, and
 * skips them. A crash in the middle of a write leaves a torn line, which the restart cuts.
 */
export class LogDropWriter {
  private readonly file: LogFile;
  private readonly limit: number;
  private readonly base: number;
  private readonly max: number;
  private readonly random: () => number;
  private state: State;
  private readonly seen: Set<string>;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private attempt = 0;
  private stats = { written: 0, duplicates: 0, failedPolls: 0 };

  private constructor(
    private readonly opts: LogDropWriterOptions,
    private readonly deps: LogDropWriterDeps,
  ) {
    this.limit = opts.pageLimit ?? DEFAULT_PAGE_LIMIT;
    this.base = opts.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS;
    this.max = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.random = deps.random ?? Math.random;
    this.file = new LogFile({
      path: opts.path,
      maxBytes: opts.maxBytes,
      keep: opts.keep,
      now: () => deps.clock.now(),
      warn: (message, fields) => deps.logger.warn(message, fields),
      ...(deps.midWrite !== undefined ? { midWrite: deps.midWrite } : {}),
    });
    this.state = readJsonFile<State>(opts.stateFile) ?? { version: 1, ids: [] };
    this.seen = new Set(this.state.ids);
  }

  /**
   * Checks that log_drop.path can be written (a LogDropPathError naming the field otherwise), then
   * recovers from a crash: a torn last line is cut, and events written but never recorded are
   * remembered so they are not written again.
   */
  static open(opts: LogDropWriterOptions, deps: LogDropWriterDeps): LogDropWriter {
    const problem = logDropPathProblem(opts.path);
    if (problem !== undefined) throw new LogDropPathError(opts.path, problem);
    const writer = new LogDropWriter(opts, deps);
    writer.recover();
    return writer;
  }

  get counters(): LogDropCounters {
    return { ...this.stats };
  }

  /** Whether the last poll failed (a backoff runs): the heartbeat's pflow_agent_logdrop_failing. */
  get failing(): boolean {
    return this.attempt > 0;
  }

  /** The cursor of the last event written (undefined before the first page). */
  get cursor(): string | undefined {
    return this.state.cursor;
  }

  private recover(): void {
    const last = this.state.file;
    if (last === undefined) return;
    const file = this.file.locate(last);
    if (file === undefined) return; // moved away or deleted: whatever it held is the reader's
    const tail = this.file.readTail(file, last.size);
    if (tail.cutBytes > 0) {
      this.deps.logger.warn('log drop: cut a torn last line left by a crash; its event is written again', {
        file,
        cutBytes: tail.cutBytes,
      });
    }
    if (tail.ids.length === 0 && tail.cutBytes === 0) return;
    this.remember(tail.ids);
    this.save({ ...this.state, ids: [...this.seen], file: { ...last, size: tail.size } });
    if (tail.ids.length > 0) {
      this.deps.logger.info('log drop: events written before a crash are skipped when fetched again', {
        file,
        events: tail.ids.length,
      });
    }
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * One GET and its page written. 'more' when the page was full (the next one is fetched at once),
   * 'idle' when the agent has caught up, 'failed' when a backoff runs.
   */
  async pollOnce(): Promise<'more' | 'idle' | 'failed'> {
    this.abort = new AbortController();
    const outcome = await this.deps.source.fetch(this.state.cursor, this.limit, this.abort.signal);
    this.abort = undefined;
    if (outcome.kind === 'failed') {
      if (this.stopped) return 'failed';
      const hint =
        outcome.status === 400
          ? ` (the ingest does not know the cursor: to start again from the oldest event it keeps, stop the agent and delete ${this.opts.stateFile})`
          : '';
      return this.failed(`GET /v1/events: ${outcome.reason}${hint}`, outcome.status);
    }
    try {
      this.writePage(outcome.events, outcome.next);
    } catch (error) {
      return this.failed(`log_drop.path ${this.opts.path}: ${(error as Error).message}`);
    }
    if (this.attempt > 0) this.deps.logger.info('log drop: events are written again', { after: this.attempt });
    this.attempt = 0;
    return outcome.events.length >= this.limit ? 'more' : 'idle';
  }

  private writePage(events: readonly unknown[], next: string): void {
    const lines: { id: string | undefined; text: Buffer }[] = [];
    const inPage = new Set<string>();
    for (const event of events) {
      const id = (event as { id?: unknown } | null)?.id;
      const key = typeof id === 'string' ? id : undefined;
      if (key !== undefined && (this.seen.has(key) || inPage.has(key))) {
        this.stats.duplicates += 1;
        continue;
      }
      if (key !== undefined) inPage.add(key);
      lines.push({ id: key, text: Buffer.from(renderJsonLines([event as AlertEvent])) });
    }
    let at = 0;
    while (at < lines.length) {
      const target = this.file.open(lines[at]!.text.length);
      let chunk: typeof lines;
      let end: number;
      try {
        // Lines up to max_bytes go together; the rest go after a rotation.
        let bytes = 0;
        let stop = at;
        while (
          stop < lines.length &&
          (stop === at || target.size + bytes + lines[stop]!.text.length <= this.opts.maxBytes)
        ) {
          bytes += lines[stop]!.text.length;
          stop += 1;
        }
        chunk = lines.slice(at, stop);
        if (!sameFile(this.state.file, target.id) || this.state.file?.size !== target.size) {
          // Recorded before the write, so a crash during it is found at the restart.
          this.save({ ...this.state, file: { ...target.id, size: target.size } });
        }
        end = this.file.write(target, Buffer.concat(chunk.map((line) => line.text)));
      } finally {
        this.file.close(target);
      }
      at += chunk.length;
      this.deps.afterAppend?.();
      this.remember(chunk.flatMap((line) => (line.id === undefined ? [] : [line.id])));
      this.stats.written += chunk.length;
      const cursor = at >= lines.length ? next : this.state.cursor;
      this.save({
        version: 1,
        ids: [],
        file: { ...target.id, size: end },
        ...(cursor !== undefined ? { cursor } : {}),
      });
    }
    if (lines.length === 0 && next !== this.state.cursor) this.save({ ...this.state, cursor: next });
  }

  private remember(ids: readonly string[]): void {
    for (const id of ids) {
      this.seen.delete(id);
      this.seen.add(id);
    }
    for (const id of this.seen) {
      if (this.seen.size <= RECENT_IDS) break;
      this.seen.delete(id);
    }
  }

  /** Replaces the state file atomically; the ids are always the remembered ones. */
  private save(state: State): void {
    const next: State = { ...state, ids: [...this.seen] };
    writeFileDurably(this.opts.stateFile, `${JSON.stringify(next)}\n`);
    this.state = next;
  }

  private failed(reason: string, status?: number): 'failed' {
    this.stats.failedPolls += 1;
    this.attempt += 1;
    const level =
      this.attempt === 1 || this.attempt % 10 === 0
        ? status !== undefined && NEEDS_A_HUMAN.has(status)
          ? 'error'
          : 'warn'
        : 'debug';
    this.deps.logger[level]('log drop: fetching or writing events failed; retried after a backoff', {
      attempt: this.attempt,
      reason,
    });
    return 'failed';
  }

  /** Full jitter, as the forwarder: uniform in [0, min(max, base·2^(attempt−1))]. */
  private backoff(): number {
    const ceiling = Math.min(this.max, this.base * 2 ** Math.min(this.attempt - 1, 30));
    return this.random() * ceiling;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.pollOnce()
        .then(
          (result) => result,
          (error: unknown) => this.failed((error as Error).message),
        )
        .then((result) => {
          this.running = undefined;
          this.schedule(result === 'more' ? 0 : result === 'idle' ? this.opts.pollIntervalMs : this.backoff());
        });
    }, delayMs);
  }

  /** Resolves once no poll is running (tests, and stop). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Stops polling: a GET in flight is abandoned (its page is fetched again next time), a write finishes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.settled();
    await this.deps.source.close();
  }
}
