import * as z from 'zod';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

const MIB = 1024 * 1024;

/** JSON-lines files on the local filesystem, one folder per site, rotated by size. */
export const logDropDirectorySchema = z.strictObject({
  target: z.literal('directory').default('directory'),
  /** Absolute, or relative to the process's working directory; default `<data dir>/logdrop`. */
  directory: z.string().min(1).optional(),
  /** A file is rotated when appending the next notification would make it larger than this. */
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(10 * MIB),
});

// S3's bucket naming rules (general purpose buckets): 3–63 characters, lower case, digits, dots, hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** JSON-lines objects in S3, one per notification, keyed by site and UTC hour, never overwritten. */
export const logDropS3Schema = z
  .strictObject({
    target: z.literal('s3'),
    bucket: z.string().regex(BUCKET, 'must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)'),
    /** Key prefix without leading or trailing slash; objects go under `PREFIX/site=SITE/YYYY/MM/DD/HH/`. */
    prefix: z
      .string()
      .regex(/^[^/](.*[^/])?$/, 'must not start or end with "/"')
      .default('logdrop'),
    /** Defaults to the SDK's region resolution (AWS_REGION in Lambda). */
    region: z.string().min(1).optional(),
    /** An S3-compatible endpoint (MinIO, a local test server); implies path-style addressing. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    sse: z.enum(['AES256', 'aws:kms']).default('AES256'),
    kms_key_id: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.sse === 'aws:kms' && !value.kms_key_id) {
      ctx.addIssue({ code: 'custom', path: ['kms_key_id'], message: 'is required when sse is "aws:kms"' });
    }
    if (value.sse !== 'aws:kms' && value.kms_key_id) {
      ctx.addIssue({ code: 'custom', path: ['kms_key_id'], message: 'only applies when sse is "aws:kms"' });
    }
  });

export const logDropSettingsSchema = z.discriminatedUnion('target', [logDropDirectorySchema, logDropS3Schema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'must be "directory" or "s3"' : undefined),
});

export type LogDropDirectorySettings = z.infer<typeof logDropDirectorySchema>;
export type LogDropS3Settings = z.infer<typeof logDropS3Schema>;
export type LogDropSettings = z.infer<typeof logDropSettingsSchema>;

export const logDropSettings: ChannelKindSettings<LogDropSettings> = {
  schema: logDropSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.logdrop,
};
