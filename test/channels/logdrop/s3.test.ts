import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogDropSender } from '../../../src/channels/logdrop/logdrop.js';
import { logDropSettingsSchema } from '../../../src/channels/logdrop/settings.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { DeliveryOutcome } from '../../../src/domain/notification/outcome.js';
import { closedPort } from '../../support/closed-port.js';
import { startS3Local, type S3Local } from '../../support/s3-local.js';
import { firingNotification, groupedNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps } from '../contract.js';

const BUCKET = 'pflow-logdrop';
let s3: S3Local;
let now: number;

beforeAll(async () => {
  s3 = await startS3Local({ buckets: [BUCKET] });
});
afterAll(async () => {
  await s3.close();
});
beforeEach(() => {
  now = Date.parse('2026-11-24T10:31:05.042Z');
  s3.requests.length = 0;
});

function sender(settings: Record<string, unknown> = {}, client: unknown = s3.client()) {
  return createLogDropSender(
    's3-drop',
    logDropSettingsSchema.parse({ target: 's3', bucket: BUCKET, prefix: 'alerts', ...settings }),
    { ...contractDeps(captureLogger()), clock: { now: () => now }, aws: { s3: client } },
  );
}

async function listKeys(prefix = ''): Promise<string[]> {
  const listing = await s3.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!).sort();
}

async function readObject(key: string): Promise<string> {
  const object = await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return object.Body!.transformToString('utf8');
}

const KEY = /^alerts\/site=site-a\/2026\/11\/24\/10\/20261124T103105\.042Z-[0-9a-f]{16}\.jsonl$/;

describe('S3 log drop', () => {
  it('writes one JSON-lines object per notification under PREFIX/site=SITE/YYYY/MM/DD/HH/', async () => {
    const outcome = await sender().send(firingNotification);

    const keys = await listKeys('alerts/site=site-a/2026/11/24/10/');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(KEY);
    expect(outcome).toEqual({ status: 'delivered', detail: `1 event(s) to s3://${BUCKET}/${keys[0]}` });
    const text = await readObject(keys[0]!);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(firingNotification.events[0]);
  });

  it('writes each event of a grouped notification as its own line of one object', async () => {
    const outcome = await sender({ prefix: 'grouped' }).send(groupedNotification);

    const [key] = await listKeys('grouped/');
    const lines = (await readObject(key!)).trimEnd().split('\n');
    expect(outcome.status).toBe('delivered');
    expect(lines.map((line) => JSON.parse(line) as AlertEvent)).toEqual(groupedNotification.events);
  });

  it('never overwrites: two sends in the same millisecond make two objects, each PUT conditional', async () => {
    const drop = sender({ prefix: 'twice' });

    await drop.send(firingNotification);
    await drop.send(firingNotification);

    const keys = await listKeys('twice/');
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    const puts = s3.requests.filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(2);
    for (const put of puts) expect(put.headers['if-none-match']).toBe('*');
  });

  it('asks for SSE-S3 (AES256) by default', async () => {
    await sender({ prefix: 'sse' }).send(firingNotification);

    const [put] = s3.requests.filter((request) => request.method === 'PUT');
    expect(put!.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put!.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    expect(put!.headers['content-type']).toBe('application/x-ndjson');
  });

  it('asks for SSE-KMS with the configured key', async () => {
    const kmsKey = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    await sender({ prefix: 'kms', sse: 'aws:kms', kms_key_id: kmsKey }).send(firingNotification);

    const [put] = s3.requests.filter((request) => request.method === 'PUT');
    expect(put!.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put!.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(kmsKey);
  });

  it('writes one object per site when a notification spans sites', async () => {
    const events = [
      { ...firingNotification.events[0]!, id: 'a' },
      { ...firingNotification.events[0]!, id: 'b', site: 'site-b' },
    ];

    await sender({ prefix: 'sites' }).send({ key: 'k', channel: 's3-drop', events });

    const keys = await listKeys('sites/');
    expect(keys.map((key) => key.split('/')[1])).toEqual(['site=site-a', 'site=site-b']);
  });

  it('builds its own client from region and endpoint when none is injected', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    try {
      const outcome = await sender({ prefix: 'own', region: 'eu-central-1', endpoint: s3.endpoint }, undefined).send(
        firingNotification,
      );

      expect(outcome.status).toBe('delivered');
      expect(await listKeys('own/')).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('S3 log drop outcomes', () => {
  it.each<[string, { status: number; code: string; message?: string }, Partial<DeliveryOutcome>]>([
    ['503 SlowDown', { status: 503, code: 'SlowDown' }, { status: 'retryable', reason: 'rate_limited' }],
    ['500 InternalError', { status: 500, code: 'InternalError' }, { status: 'retryable', reason: 'internal_error' }],
    ['400 RequestTimeout', { status: 400, code: 'RequestTimeout' }, { status: 'retryable', reason: 'request_timeout' }],
    ['412 PreconditionFailed (key taken)', { status: 412, code: 'PreconditionFailed' }, { status: 'retryable' }],
    ['403 AccessDenied', { status: 403, code: 'AccessDenied' }, { status: 'permanent', reason: 'access_denied' }],
    ['400 KMS.NotFoundException', { status: 400, code: 'KMS.NotFoundException' }, { status: 'permanent' }],
  ])('%s → %o', async (_name, failure, expected) => {
    s3.failNext({ ...failure, message: `refused: ${failure.code}` });

    const outcome = await sender({ prefix: 'fail' }).send(firingNotification);

    expect(outcome).toMatchObject(expected);
    expect(outcome.detail).toContain(failure.code);
  });

  it('a bucket that does not exist → permanent no_such_bucket (from the real server)', async () => {
    const outcome = await createLogDropSender(
      'missing',
      logDropSettingsSchema.parse({ target: 's3', bucket: 'no-such-bucket-here' }),
      { ...contractDeps(captureLogger()), aws: { s3: s3.client() } },
    ).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'permanent', reason: 'no_such_bucket' });
  });

  it('connection refused → retryable connection', async () => {
    const port = await closedPort();
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-central-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });

    const outcome = await sender({}, client).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
  });
});
