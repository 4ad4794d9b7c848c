/**
 * /api/health as a person reads it: every instant — a field named `…At` or `…Since` holding epoch
 * milliseconds — becomes ISO 8601 UTC, as /api/probes and /api/alerts show theirs. Durations
 * (`…Ms`) and counters stay numbers. Done by name so new figures follow the rule by themselves.
 */
export function presentHealth(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(presentHealth);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      /(At|Since)$/.test(key) && typeof field === 'number' && Number.isFinite(field)
        ? new Date(field).toISOString()
        : presentHealth(field),
    ]),
  );
}
