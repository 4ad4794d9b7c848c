import { TAG_EVENTS_NOT_KEPT } from '../domain/ingest/batch.js';
import type { Logger } from '../domain/ports.js';
import type { AgentPrincipal, IngestService } from './ingest-service.js';

/** One answer of an agent's `GET /v1/pull`: its next batches, each as the JSON text it sent. */
export interface PullPage {
  readonly batches: readonly string[];
  readonly cursor: string;
}

/** An agent's pull endpoint (src/agent/pull-server.ts), over HTTP in production. */
export interface PullSource {
  /** Acknowledges every batch up to `ack` (when given), then returns the next ones. */
  pull(ack: string | undefined): Promise<PullPage>;
}

export interface CollectOutcome {
  /** Batches the ingest stored now or had stored before (a redelivery after a lost acknowledgement). */
  readonly stored: number;
  /**
   * Batches the ingest refused whole (400): acknowledged, logged and counted, as the push forwarder
   * does. Not those refused for their tag events alone: they are stored without them (droppedTagEvents).
   */
  readonly refused: number;
  readonly samples: number;
  /** Tag events of the batches stored now (not of redeliveries). */
  readonly tagEvents: number;
  /**
   * Tag events left out of batches stored now because the deployment keeps none (no `assets:`):
   * their samples and probe results are stored, the tag events are counted here and logged once.
   */
  readonly droppedTagEvents: number;
  /** Whether the run stopped with everything it read acknowledged. */
  readonly drained: boolean;
  /** Set when the run stopped early: the agent unreachable or the store unavailable. */
  readonly failure?: string;
}

export interface CollectOptions {
  /** Stop starting new pulls once this returns true (the invocation's time is nearly up). */
  readonly outOfTime: () => boolean;
  readonly logger: Logger;
}

/**
 * Pulls one agent dry: each page's batches go through the same ingest use case as a pushed batch
 * (site from the config, idempotent by batch id), and the page is acknowledged with the next pull
 * only once every batch of it is stored or refused. A store failure stops the run without that
 * acknowledgement, so the agent keeps the page and hands it out again next time; batches of it that
 * were stored are then recognised by the batch ledger and written once.
 */
export async function collectFromAgent(
  source: PullSource,
  ingest: IngestService,
  principal: AgentPrincipal,
  options: CollectOptions,
): Promise<CollectOutcome> {
  let stored = 0;
  let refused = 0;
  let samples = 0;
  let tagEvents = 0;
  let droppedTagEvents = 0;
  let ack: string | undefined;
  const counts = () => ({ stored, refused, samples, tagEvents, droppedTagEvents });
  const stop = (failure: string): CollectOutcome => ({ ...counts(), drained: false, failure });
  for (;;) {
    let page: PullPage;
    try {
      page = await source.pull(ack);
    } catch (error) {
      return stop(`pull: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (page.batches.length === 0) return { ...counts(), drained: true };
    for (const batch of page.batches) {
      let answer = await ingest.ingestJson(principal, batch);
      if (answer.status === 400 && answer.body['code'] === TAG_EVENTS_NOT_KEPT) {
        // Only the tag events cannot be kept here: the rest of the batch is stored without them.
        answer = await ingest.ingestJson(principal, batch, { withoutTagEvents: true });
        const dropped = Number(answer.body['droppedTagEvents'] ?? 0);
        if (droppedTagEvents === 0 && dropped > 0) {
          options.logger.warn(
            'pulled batches carry tag events but this deployment keeps none (no assets: section); they are counted and dropped, the samples stored',
            { site: principal.site, agent: principal.tokenId },
          );
        }
        droppedTagEvents += dropped;
      }
      if (answer.status === 200) {
        stored += 1;
        if (answer.body['duplicate'] === false) {
          samples += Number(answer.body['samples']);
          tagEvents += Number(answer.body['tagEvents']);
        }
      } else if (answer.status === 400) {
        refused += 1;
        options.logger.error('pulled batch refused; acknowledged so it does not block the ones after it', {
          site: principal.site,
          agent: principal.tokenId,
          problems: answer.body['problems'],
        });
      } else {
        return stop(`store: ${String(answer.body['error'] ?? answer.status)}`);
      }
    }
    ack = page.cursor;
    // Out of time: this page stays unacknowledged; the next run gets it again and the ledger
    // answers "duplicate" for each of its batches.
    if (options.outOfTime()) return { ...counts(), drained: false };
  }
}
