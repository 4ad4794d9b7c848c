import { describe, expect, it } from 'vitest';
import { logDropSettingsSchema } from '../../../src/channels/logdrop/settings.js';

function issues(input: unknown): string[] {
  const result = logDropSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('log drop settings', () => {
  it('defaults to the directory target with 10 MiB files', () => {
    expect(logDropSettingsSchema.parse({})).toEqual({ target: 'directory', max_bytes: 10 * 1024 * 1024 });
  });

  it('defaults S3 to SSE-S3 under the logdrop prefix', () => {
    expect(logDropSettingsSchema.parse({ target: 's3', bucket: 'pflow-drop' })).toEqual({
      target: 's3',
      bucket: 'pflow-drop',
      prefix: 'logdrop',
      sse: 'AES256',
    });
  });

  it.each([
    ['a zero max_bytes', { max_bytes: 0 }, ['max_bytes: Too small: expected number to be >0']],
    ['an S3 key on a directory', { bucket: 'b' }, [': Unrecognized key: "bucket"']],
    ['an unknown target', { target: 'ftp' }, ['target: must be "directory" or "s3"']],
    ['S3 without bucket', { target: 's3' }, ['bucket: Invalid input: expected string, received undefined']],
    [
      'an upper-case bucket',
      { target: 's3', bucket: 'Drops' },
      ['bucket: must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)'],
    ],
    [
      'a prefix with a slash',
      { target: 's3', bucket: 'drops', prefix: 'a/' },
      ['prefix: must not start or end with "/"'],
    ],
    [
      'KMS without key',
      { target: 's3', bucket: 'drops', sse: 'aws:kms' },
      ['kms_key_id: is required when sse is "aws:kms"'],
    ],
    [
      'a KMS key with AES256',
      { target: 's3', bucket: 'drops', kms_key_id: 'alias/x' },
      ['kms_key_id: only applies when sse is "aws:kms"'],
    ],
    [
      'an endpoint that is not http(s)',
      { target: 's3', bucket: 'drops', endpoint: 'ftp://x' },
      ['endpoint: must be an http:// or https:// URL'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(issues(input)).toEqual(expected);
  });
});
