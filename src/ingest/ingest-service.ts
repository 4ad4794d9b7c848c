import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { bindToSite, INGEST_LIMITS, parseBatchJson, TAG_EVENTS_NOT_KEPT } from '../domain/ingest/batch.js';
import type { Clock, Logger } from '../domain/ports.js';
import type { BatchLedger, IngestCounts, IngestSink } from './ports.js';

const gunzipAsync = promisify(gunzip);

export { authenticate, type AgentPrincipal, type Authentication, type IngestAnswer } from './authenticate.js';
import type { AgentPrincipal, IngestAnswer } from './authenticate.js';

export type DecodedBody =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly answer: IngestAnswer };

/**
 * The body as JSON text: gunzipped when it says so, never past INGEST_LIMITS.maxDecompressedBytes
 * (inflating stops there, so a zip bomb costs 16 MiB, not the machine).
 */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined): Promise<DecodedBody> {
  if (body.length > INGEST_LIMITS.maxBodyBytes)
    return tooLarge(`body over ${String(INGEST_LIMITS.maxBodyBytes)} bytes`);
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return { ok: true, text: body.toString('utf8') };
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    return { ok: false, answer: { status: 415, body: { error: 'Content-Encoding: only gzip (or none) is accepted' } } };
  }
  try {
    const inflated = await gunzipAsync(body, { maxOutputLength: INGEST_LIMITS.maxDecompressedBytes });
    return { ok: true, text: inflated.toString('utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return tooLarge(`body over ${String(INGEST_LIMITS.maxDecompressedBytes)} bytes once gunzipped`);
    }
    return {
      ok: false,
      answer: {
        status: 400,
        body: { error: 'invalid batch', problems: [`body: not valid gzip (${(error as Error).message})`] },
      },
    };
  }
}

function tooLarge(what: string): DecodedBody {
  return { ok: false, answer: { status: 413, body: { error: `${what}: send smaller batches` } } };
}

export interface IngestServiceDeps {
  readonly ledger: BatchLedger;
  readonly sink: IngestSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The ingest use case, shared by the local endpoint and the ingest Lambda: a decoded body from an
 * authenticated agent is validated whole, bound to the token's site, written, and only then
 * recorded as stored. So a retry of a stored batch writes nothing (200, duplicate), and a batch
 * the store refused is not recorded (503: the agent keeps it and sends it again). A batch that
 * failed part-way is written again whole on that retry; every store keeps one value per series
 * and time (and the tag store one event per tag and time), so nothing is doubled.
 */
export class IngestService {
  constructor(private readonly deps: IngestServiceDeps) {}

  async ingest(principal: AgentPrincipal, body: Buffer, contentEncoding: string | undefined): Promise<IngestAnswer> {
    const decoded = await decodeBody(body, contentEncoding);
    if (!decoded.ok) return decoded.answer;
    return this.ingestJson(principal, decoded.text);
  }

  /**
   * `withoutTagEvents` (the collect function, after a TAG_EVENTS_NOT_KEPT answer) stores the batch
   * without its tag events and says how many it left out (`droppedTagEvents`). The refusal records
   * nothing in the ledger, so the same batch id sent again without them is stored, not a duplicate.
   */
  async ingestJson(
    principal: AgentPrincipal,
    text: string,
    options: { readonly withoutTagEvents?: boolean } = {},
  ): Promise<IngestAnswer> {
    const { ledger, sink, clock, logger } = this.deps;
    const parsed = parseBatchJson(text);
    if (!parsed.ok) {
      logger.warn('ingest batch refused', { site: principal.site, tokenId: principal.tokenId, error: parsed.error });
      return { status: 400, body: { error: 'invalid batch', problems: parsed.problems } };
    }
    let batch = bindToSite(parsed.batch, principal.site);
    const droppedTagEvents = options.withoutTagEvents === true ? batch.tagEvents.length : 0;
    if (droppedTagEvents > 0) batch = { ...batch, tagEvents: [] };
    if (batch.tagEvents.length > 0 && sink.writeTagEvents === undefined) {
      return {
        status: 400,
        body: {
          error: 'invalid batch',
          code: TAG_EVENTS_NOT_KEPT,
          problems: ['tagEvents: this deployment keeps no tag events (its config has no assets: section)'],
        },
      };
    }
    const counts: IngestCounts = {
      samples: batch.samples.length,
      probeResults: batch.probeResults.length,
      tagEvents: batch.tagEvents.length,
    };
    try {
      const stored = await ledger.seen(batch.site, batch.batchId);
      if (stored !== undefined) return { status: 200, body: { batchId: batch.batchId, duplicate: true, ...stored } };
      if (batch.samples.length > 0) await sink.writeMetricSamples(batch.samples);
      if (batch.probeResults.length > 0) await sink.writeProbeResults(batch.probeResults);
      if (batch.tagEvents.length > 0) await sink.writeTagEvents!(batch.site, batch.tagEvents);
      await ledger.record(batch.site, batch.batchId, counts, clock.now());
    } catch (error) {
      logger.error('ingest store write failed; the agent keeps the batch and sends it again', {
        site: batch.site,
        agent: batch.agent.id,
        batchId: batch.batchId,
        error: error instanceof Error ? error.message : String(error),
      });
      return { status: 503, body: { error: 'store unavailable' } };
    }
    logger.debug('ingest batch stored', { site: batch.site, agent: batch.agent.id, batchId: batch.batchId, ...counts });
    return {
      status: 200,
      body: { batchId: batch.batchId, duplicate: false, ...counts, ...(droppedTagEvents > 0 && { droppedTagEvents }) },
    };
  }
}
