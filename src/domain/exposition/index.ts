export { SCRAPE_ACCEPT, formatForContentType } from './content-type.js';
export { parseExposition } from './parse.js';
export type {
  ExpositionFormat,
  ExpositionProblem,
  FailedPage,
  MetricFamily,
  MetricType,
  ParseOptions,
  ParsedPage,
  ParseResult,
  ScrapedSample,
} from './types.js';
