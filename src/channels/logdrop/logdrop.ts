import { resolve } from 'node:path';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { DeliveryOutcome, Notification } from '../../domain/notification/outcome.js';
import type { ChannelSender } from '../../domain/ports.js';
import { classifyAwsError } from '../common/aws-errors.js';
import type { ChannelDeps, ChannelFactory } from '../types.js';
import { DirectoryLogDrop } from './directory.js';
import { renderJsonLines } from './render.js';
import { isS3Sender, S3LogDrop, s3ClientFor } from './s3.js';
import type { LogDropSettings } from './settings.js';

/**
 * The log drop channel: every alert event as one JSON line, for the hospital's proprietary
 * system. Events of a notification are grouped by site (each site has its own files or keys)
 * and each site's lines go out in one write or one object.
 */
export const createLogDropSender: ChannelFactory<LogDropSettings> = (id, settings, deps) => {
  const write = settings.target === 's3' ? s3Writer(settings, deps) : directoryWriter(settings, deps);
  return {
    id,
    kind: 'logdrop',
    async send(notification: Notification): Promise<DeliveryOutcome> {
      const written: string[] = [];
      for (const [site, events] of bySite(notification.events)) {
        const body = Buffer.from(renderJsonLines(events), 'utf8');
        const result = await write(site, body);
        if ('outcome' in result) {
          // Sites already written stay written; a retry may repeat their lines, which readers
          // drop by event id (the same id is the same event).
          return written.length === 0
            ? result.outcome
            : { ...result.outcome, detail: `${result.outcome.detail ?? ''} (already written: ${written.join(', ')})` };
        }
        written.push(result.location);
      }
      return { status: 'delivered', detail: `${notification.events.length} event(s) to ${written.join(', ')}` };
    },
  } satisfies ChannelSender;
};

type WriteResult = { readonly location: string } | { readonly outcome: DeliveryOutcome };
type SiteWriter = (site: string, body: Buffer) => Promise<WriteResult>;

/**
 * Where a directory log drop writes: `directory` if set — a relative one is taken from the
 * process's working directory, as paths given on a command line are — else `<dataDir>/logdrop`.
 */
export function logDropRoot(settings: Extract<LogDropSettings, { target: 'directory' }>, dataDir: string): string {
  return settings.directory ? resolve(settings.directory) : resolve(dataDir, 'logdrop');
}

function directoryWriter(settings: Extract<LogDropSettings, { target: 'directory' }>, deps: ChannelDeps): SiteWriter {
  const root = logDropRoot(settings, deps.dataDir);
  const drop = new DirectoryLogDrop({ root, maxBytes: settings.max_bytes, clock: deps.clock });
  return async (site, body) => {
    try {
      return { location: await drop.append(site, body) };
    } catch (error) {
      return { outcome: fileSystemOutcome(error) };
    }
  };
}

function s3Writer(settings: Extract<LogDropSettings, { target: 's3' }>, deps: ChannelDeps): SiteWriter {
  const client = isS3Sender(deps.aws?.s3) ? deps.aws.s3 : s3ClientFor(settings);
  const drop = new S3LogDrop(client, settings, deps.clock);
  return async (site, body) => {
    try {
      return { location: `s3://${settings.bucket}/${await drop.put(site, body)}` };
    } catch (error) {
      return { outcome: classifyAwsError(error, 'S3') };
    }
  };
}

/**
 * Every filesystem error is retryable: a full disk gets space, a permission gets fixed, and the
 * pipeline's bounded attempts and dead-letter store catch the ones that never do.
 */
export function fileSystemOutcome(error: unknown): DeliveryOutcome {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'retryable', reason: code ? `fs_${code.toLowerCase()}` : 'fs_error', detail: message };
}

function bySite(events: readonly AlertEvent[]): Map<string, AlertEvent[]> {
  const sites = new Map<string, AlertEvent[]>();
  for (const event of events) {
    const list = sites.get(event.site);
    if (list) list.push(event);
    else sites.set(event.site, [event]);
  }
  return sites;
}
