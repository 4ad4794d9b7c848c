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
    if (typeof value === 'string') values.push(value);
    else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) if (typeof inner === 'string') values.push(inner);
    }
  }
  return values;
}
