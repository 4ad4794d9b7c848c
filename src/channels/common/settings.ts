import { z } from 'zod';
import { parseDuration } from '../../domain/duration.js';

/**
 * Setting pieces shared by the HTTP channels. Durations stay strings in the settings (`10s`) so
 * the schema keeps a plain JSON Schema for editor completion; factories parse them once.
 */
export function durationSetting(defaultValue: string) {
  return z
    .string()
    .refine(isDuration, { message: 'must be a duration such as 500ms, 10s or 1m' })
    .default(defaultValue);
}

function isDuration(text: string): boolean {
  try {
    return parseDuration(text) > 0;
  } catch {
    return false;
  }
}

/** An absolute http(s) URL; the message never echoes the value, because webhook URLs are secrets. */
export const httpUrlSetting = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http(s) URL' },
);
