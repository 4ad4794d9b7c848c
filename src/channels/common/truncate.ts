/** Appended where a channel cut text to fit its receiver's limits, so readers know something is missing. */
export const TRUNCATED_MARKER = '… (truncated)';

/** Cuts `text` to at most `max` characters (UTF-16 units, as Slack and Teams count), marker included. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= TRUNCATED_MARKER.length) return TRUNCATED_MARKER.slice(0, max);
  let cut = max - TRUNCATED_MARKER.length;
  // Never split a surrogate pair: half an emoji renders as garbage.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + TRUNCATED_MARKER;
}
