import { describe, expect, it } from 'vitest';
import { formatForContentType } from '../../../src/domain/exposition/index.js';

describe('formatForContentType', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'prometheus-text'],
    ['text/plain', 'prometheus-text'],
    ['application/json', 'prometheus-text'],
    ['', 'prometheus-text'],
    [undefined, 'prometheus-text'],
  ])('%s → %s', (header, format) => {
    expect(formatForContentType(header)).toBe(format);
  });
});
