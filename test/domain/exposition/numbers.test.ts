import { describe, expect, it } from 'vitest';
import {
  parseFloatToken,
  parseMillisToken,
  parseSecondsTokenToMillis,
} from '../../../src/domain/exposition/numbers.js';

const float = (text: string) => parseFloatToken(text, 0, text.length);

describe('parseFloatToken', () => {
  it.each([
    ['0', 0],
    ['-0', -0],
    ['42', 42],
    ['+1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['-3.5e+2', -350],
    ['0.1', 0.1],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['5e-324', 5e-324],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['0.000000000000000000000000001', 1e-27],
    ['NaN', NaN],
    ['nan', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['Inf', Infinity],
    ['inf', Infinity],
    ['-infinity', -Infinity],
    ['+Infinity', Infinity],
  ])('%s → %d', (text, value) => {
    expect(float(text)).toBe(value);
  });

  it.each([
    '',
    '+',
    '-',
    '.',
    'e3',
    '1e',
    '1e+',
    '1.2.3',
    '0x10',
    '1_000',
    '+NaN',
    '-nan',
    'Infinit',
    'infinityy',
    '1 ',
    ' 1',
    '--1',
  ])('%j is not a float', (text) => {
    expect(float(text)).toBeUndefined();
  });

  it('rounds like the engine for long mantissas and edge exponents', () => {
    for (const text of [
      '9007199254740993',
      '0.30000000000000004',
      '123456.789e-30',
      '2.2250738585072011e-308',
      '1e23',
    ]) {
      expect(float(text)).toBe(Number(text));
    }
  });
});

describe('parseMillisToken (Prometheus text timestamps)', () => {
  it.each([
    ['1764580000123', 1764580000123],
    ['-3982045', -3982045],
    ['+5', 5],
    ['9007199254740991', 9007199254740991],
  ])('%s → %d', (text, value) => {
    expect(parseMillisToken(text, 0, text.length)).toBe(value);
  });

  it.each(['1.5', '1e3', '', '-', '9007199254740993', '12345678901234567', 'NaN'])('%j is refused', (text) => {
    expect(parseMillisToken(text, 0, text.length)).toBeUndefined();
  });
});

describe('parseSecondsTokenToMillis (OpenMetrics timestamps)', () => {
  it.each([
    ['1520879607.789', 1520879607789],
    ['1520879607', 1520879607000],
    ['1520879607.7', 1520879607700],
    ['1520879607.0005', 1520879607001],
    ['1520879607.0004999', 1520879607000],
    ['-1.5', -1500],
    ['.25', 250],
    ['1.5e3', 1500000],
  ])('%s → %d', (text, value) => {
    expect(parseSecondsTokenToMillis(text, 0, text.length)).toBe(value);
  });

  it.each(['', '.', '-', 'NaN', '+Inf', '1.2.3', '1x'])('%j is refused', (text) => {
    expect(parseSecondsTokenToMillis(text, 0, text.length)).toBeUndefined();
  });
});
