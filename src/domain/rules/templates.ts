import type { Labels } from '../labels.js';

const PLACEHOLDER = /\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

/**
 * Expands `{{ $value }}` and `{{ $labels.name }}` in an annotation. Deliberately tiny: a full Go
 * template engine would be a large dependency for two placeholders; anything else is left as written.
 * A missing label expands to the empty string, as in Prometheus. `encode` is applied to each value
 * (URL-encoding for the link annotations, so a value cannot add a parameter or a fragment).
 */
export function expandTemplate(
  text: string,
  value: number | null,
  labels: Labels,
  encode: (text: string) => string = (text) => text,
): string {
  if (!text.includes('{{')) return text;
  return text.replace(PLACEHOLDER, (_, what: string, labelName: string | undefined) =>
    encode(labelName === undefined ? formatValue(value) : (labels[labelName] ?? '')),
  );
}

/** Up to six significant digits, no exponent for everyday magnitudes; `n/a` when there is no value. */
export function formatValue(value: number | null): string {
  if (value === null) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}
