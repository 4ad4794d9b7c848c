import { redactorFor, type Redactor } from '../../domain/redact.js';

/**
 * The redactor for one configured channel: every value held in its secret fields (strings,
 * or the string values of a map such as custom headers) is scrubbed from outcomes and logs.
 */
export function channelRedactor(settings: unknown, secretFields: readonly string[]): Redactor {
  return redactorFor(secretValues(settings, secretFields));
}

export function secretValues(settings: unknown, secretFields: readonly string[]): string[] {
  if (!settings || typeof settings !== 'object') return [];
  const values: string[] = [];
  for (const field of secretFields) {
    const value = (settings as Record<string, unknown>)[field];
    if (typeof value === 'string') values.push(value, ...urlTokens(value));
    else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) if (typeof inner === 'string') values.push(inner);
    }
  }
  return values;
}

/**
 * Long path segments and query values of a URL (Slack's token, Teams' `sig=`): a receiver may
 * echo one of them alone, without the rest of the path the generic redactor knows.
 */
function urlTokens(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()]];
  return parts.filter((part) => part.length >= MIN_TOKEN_LENGTH);
}

/** Shorter segments are route words (`services`, `workflows`), not credentials. */
const MIN_TOKEN_LENGTH = 16;
