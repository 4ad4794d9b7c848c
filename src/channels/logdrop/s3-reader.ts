import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PflowError } from '../../domain/errors.js';
import type { Clock } from '../../domain/ports.js';
import type { AlertEventFeed, AlertEventPage } from '../../ingest/ports.js';
import { siteSegment } from './render.js';

/**
 * Objects whose key time is younger than this are left for the next call: keys carry the time the
 * writer chose before its PUT, so a slow PUT can land after a younger key was already listed. A
 * page never passes an object that could still be overtaken.
 */
export const S3_SETTLE_MS = 30_000;
const KEY_TIME = /\/(\d{8}T\d{6}\.\d{3}Z)-[^/]+\.jsonl$/;

/**
 * Reads an S3 log drop back (what S3LogDrop wrote), for `GET /v1/events` in AWS: the site's keys
 * in order (keys start with the write time), one object per notification. The cursor is
 * `<key>#<lines taken>`: the object the last page stopped in and how many of its lines it took.
 */
export class S3LogDropReader implements AlertEventFeed {
  constructor(
    private readonly client: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  async read(site: string, after: string | undefined, limit: number): Promise<AlertEventPage> {
    const sitePrefix = `${this.prefix === '' ? '' : `${this.prefix.replace(/^\/+|\/+$/g, '')}/`}site=${siteSegment(site)}/`;
    let startKey: string | undefined;
    let skip = 0;
    if (after !== undefined) {
      const match = /^(.+)#(\d{1,9})$/.exec(after);
      if (!match || !match[1]!.startsWith(sitePrefix) || !KEY_TIME.test(match[1]!)) {
        throw new PflowError('bad_cursor', 'not a cursor of this site’s events (use the "next" of an earlier answer)');
      }
      startKey = match[1]!;
      skip = Number(match[2]);
    }
    const settled = this.clock.now() - S3_SETTLE_MS;
    const events: unknown[] = [];
    let next = after ?? '';
    // The object the cursor stopped in comes first, then the keys after it.
    const pending: string[] = startKey === undefined ? [] : [startKey];
    const listFrom = startKey;
    let listed = false;
    let token: string | undefined;
    while (events.length < limit) {
      if (pending.length === 0) {
        if (listed && token === undefined) break;
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: sitePrefix,
            ...(token !== undefined
              ? { ContinuationToken: token }
              : listFrom !== undefined && { StartAfter: listFrom }),
          }),
        );
        listed = true;
        token = page.NextContinuationToken;
        for (const object of page.Contents ?? []) if (object.Key !== undefined) pending.push(object.Key);
        if (pending.length === 0) break;
      }
      const key = pending.shift()!;
      const time = Date.parse(toIso(KEY_TIME.exec(key)?.[1] ?? ''));
      if (!(time <= settled)) break;
      const lines = await this.lines(key);
      const from = key === startKey ? skip : 0;
      const take = lines.slice(from, from + (limit - events.length));
      for (const line of take) events.push(JSON.parse(line) as unknown);
      next = `${key}#${String(from + take.length)}`;
    }
    return { events, next };
  }

  private async lines(key: string): Promise<string[]> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = (await object.Body?.transformToString('utf-8')) ?? '';
    return text.split('\n').filter((line) => line.trim() !== '');
  }
}

/** `20261201T080000.123Z` → `2026-12-01T08:00:00.123Z`. */
function toIso(compact: string): string {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z$/.exec(compact);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : '';
}
