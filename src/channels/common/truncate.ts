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

/** Longest escape a channel writes: `&amp;`, `&quot;`, `&#39;`; a longer `&…` run is text. */
const MAX_ENTITY = 8;

/**
 * truncateText for text already escaped for a channel's markup: the cut never lands inside an
 * entity (`&amp;` → `&a… (truncated)` would show garbage and leave a bare `&`) nor between a
 * backslash and the character it escapes (which would escape the marker instead).
 */
export function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= TRUNCATED_MARKER.length) return TRUNCATED_MARKER.slice(0, max);
  let cut = max - TRUNCATED_MARKER.length;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < MAX_ENTITY) {
    const end = text.indexOf(';', amp);
    // The entity ends at or after the cut: it does not fit whole, so it goes whole.
    if (end >= cut && end - amp < MAX_ENTITY) cut = amp;
  }
  let backslashes = 0;
  while (backslashes < cut && text.charCodeAt(cut - 1 - backslashes) === 0x5c) backslashes += 1;
  if (backslashes % 2 === 1) cut -= 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + TRUNCATED_MARKER;
}
