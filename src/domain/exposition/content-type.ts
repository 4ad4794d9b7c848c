import type { ExpositionFormat } from './types.js';

/**
 * The Accept header a scraper sends: OpenMetrics 1.0 (and its 0.0.1 draft, the same text format)
 * first, then Prometheus text 0.0.4, then whatever the target has. Text 1.0.0 and `escaping=` are
 * not offered because the parser does not read quoted UTF-8 names.
 */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/**
 * `application/openmetrics-text` (any version or charset) is read as OpenMetrics; anything else,
 * including a missing header, as Prometheus text, the format every exporter can fall back to.
 */
export function formatForContentType(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined) return 'prometheus-text';
  const semicolon = contentType.indexOf(';');
  const media = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return media === 'application/openmetrics-text' ? 'openmetrics' : 'prometheus-text';
}
