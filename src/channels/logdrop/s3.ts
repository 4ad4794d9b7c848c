import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../../domain/ports.js';
import type { LogDropS3Settings } from './settings.js';
import { logDropObjectKey } from './render.js';

/** The subset of an S3 client the log drop uses, so an injected client can be narrowed safely. */
export interface S3Sender {
  send(command: PutObjectCommand): Promise<unknown>;
}

export function isS3Sender(value: unknown): value is S3Sender {
  return typeof value === 'object' && value !== null && typeof (value as S3Sender).send === 'function';
}

/**
 * A client for settings that name no injected one. `maxAttempts: 1` because the delivery
 * pipeline, not the SDK, decides when to try again.
 */
export function s3ClientFor(settings: LogDropS3Settings): S3Client {
  return new S3Client({
    maxAttempts: 1,
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
  });
}

/**
 * Writes one JSON-lines object per notification and site. The key carries the UTC write time
 * (so a sync that lists keys in order reads objects in order) and 16 random hex digits;
 * `If-None-Match: *` makes S3 refuse, rather than overwrite, should a key ever repeat.
 */
export class S3LogDrop {
  constructor(
    private readonly client: S3Sender,
    private readonly settings: LogDropS3Settings,
    private readonly clock: Clock,
    private readonly uniqueSuffix: () => string = () => randomBytes(8).toString('hex'),
  ) {}

  async put(site: string, body: Buffer): Promise<string> {
    const key = logDropObjectKey(this.settings.prefix, site, this.clock.now(), this.uniqueSuffix());
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
        IfNoneMatch: '*',
        ServerSideEncryption: this.settings.sse,
        ...(this.settings.kms_key_id ? { SSEKMSKeyId: this.settings.kms_key_id } : {}),
      }),
    );
    return key;
  }
}
