import { describe, expect, it } from 'vitest';
import { fingerprint, labelsKey, type Labels } from '../../../src/domain/labels.js';

/** The textbook FNV-1a 64 over UTF-16 code units, with BigInt: the reference the fast version must equal. */
function referenceFingerprint(labels: Labels): string {
  let hash = 0xcbf29ce484222325n;
  const key = labelsKey(labels);
  for (let i = 0; i < key.length; i++) {
    hash ^= BigInt(key.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it.each<[string, Labels]>([
    ['empty label set', {}],
    ['one label', { a: 'b' }],
    ['an empty value', { a: 'b', c: '' }],
    ['a probe series', { site: 'site-a', probe: 'pfsw-login', target: 'https://pfsw.example/login' }],
    ['non-ASCII values', { zone: 'OK-kamer 3 – vleugel Ω', asset: '中文-ÿ' }],
  ])('equals the BigInt FNV-1a 64 reference for %s', (_, labels) => {
    expect(fingerprint(labels)).toBe(referenceFingerprint(labels));
  });

  it('equals the reference across many generated label sets', () => {
    for (let i = 0; i < 500; i++) {
      const labels = { site: `s${i % 7}`, target: `https://host-${i * 7919}.example/\u00e9${i}`, n: String(i) };
      expect(fingerprint(labels)).toBe(referenceFingerprint(labels));
    }
  });

  it('does not depend on the order labels were written in', () => {
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
  });
});
