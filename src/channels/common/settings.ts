import * as z from 'zod';
import { parseDuration } from '../../domain/duration.js';

/**
 * Setting pieces shared by the HTTP channels. Durations stay strings in the settings (`10s`) so
 * the schema keeps a plain JSON Schema for editor completion; factories parse them once.
 */
export function durationSetting(defaultValue: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const ms = durationMs(text);
      if (ms === undefined || ms === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 500ms, 10s or 1m' });
      } else if (ms > MAX_CHANNEL_TIMEOUT_MS) {
        // A send that waits longer holds up every notification queued behind it.
        ctx.addIssue({ code: 'custom', message: 'longer than anything sensible: at most 5m' });
      }
    })
    .default(defaultValue);
}

const MAX_CHANNEL_TIMEOUT_MS = 5 * 60_000;

function durationMs(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
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
