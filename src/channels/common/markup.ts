/**
 * Event data (label values, annotations, probe errors) comes from scraped targets, which an
 * attacker on a monitored server may control. Every channel whose receiver interprets markup
 * escapes that data for its own syntax (see each channel's render.ts); this module holds what
 * they share: neutralising the links that clients create by themselves from bare URLs.
 */

/**
 * U+2060 WORD JOINER: invisible, not whitespace and not punctuation, so it splits a character
 * sequence a parser would act on (`](`, `://`) without changing what a reader sees.
 */
export const WORD_JOINER = '\u2060';

/** `scheme://…` or `www.…` up to the next space or angle bracket: what autolinkers look for. */
const URL_LIKE = /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s<>"]*/gi;

/**
 * Chat and mail clients turn `https://evil.example/x` and `www.evil.example` into links with
 * no markup at all, and some also link the bare domain left after a broken `://`. Inside such
 * URL-like tokens a word joiner goes after every `:` and before every `.`, so no client finds a
 * scheme or a domain there; the text still reads, and is still copied (minus the joiners), the
 * same. Bare host names (`pacs-01.klinikum.example`) are left alone: operators copy them, and a
 * client that links one shows exactly where the link goes.
 */
export function breakAutolinks(text: string): string {
  return text.replace(URL_LIKE, (token) => token.replace(/:/g, `:${WORD_JOINER}`).replace(/\./g, `${WORD_JOINER}.`));
}

/** Removes the word joiners breakAutolinks inserted: for tests and for logs that quote a payload. */
export function withoutWordJoiners(text: string): string {
  return text.split(WORD_JOINER).join('');
}
