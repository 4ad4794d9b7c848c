import { describe, expect, it } from 'vitest';
import {
  logDropFileName,
  logDropFilePattern,
  logDropObjectKey,
  renderJsonLines,
  siteSegment,
} from '../../../src/channels/logdrop/render.js';
import { alertEvent } from '../common/fixtures.js';

describe('log drop rendering', () => {
  it('escapes U+2028/U+2029 so line readers that split on them still see one event per line', () => {
    const event = alertEvent({ annotations: { summary: 'one\u2028two\u2029three\nfour' } });

    const text = renderJsonLines([event]);

    expect(text).not.toMatch(/[\u2028\u2029]/);
    expect(text.split('\n')).toHaveLength(2);
    expect(JSON.parse(text)).toEqual(event);
  });

  it.each([
    ['site-a', 'site-a'],
    ['Site_B.2', 'Site_B.2'],
    ['a/b', 'a_b'],
    ['..', '_..'],
    ['', '_'],
    ['köln süd', 'k_ln_s_d'],
  ])('makes site %j the path segment %j', (site, segment) => {
    expect(siteSegment(site)).toBe(segment);
  });

  it.each([
    [0, 'site-a-20261124T103100Z.jsonl'],
    [1, 'site-a-20261124T103100Z_001.jsonl'],
    [12, 'site-a-20261124T103100Z_012.jsonl'],
  ])('names the file opened at 10:31:00.999 UTC with sequence %i %j', (sequence, name) => {
    const file = logDropFileName('site-a', Date.parse('2026-11-24T10:31:00.999Z'), sequence);

    expect(file).toBe(name);
    expect(logDropFilePattern('site-a').test(file)).toBe(true);
    expect(logDropFilePattern('site').test(file)).toBe(false);
  });

  it.each([
    ['logdrop', 'logdrop/site=site-a/2026/11/24/09/20261124T095905.007Z-00ff.jsonl'],
    ['hospital/alerts', 'hospital/alerts/site=site-a/2026/11/24/09/20261124T095905.007Z-00ff.jsonl'],
    ['', 'site=site-a/2026/11/24/09/20261124T095905.007Z-00ff.jsonl'],
  ])('keys an S3 object under prefix %j by site and UTC hour', (prefix, key) => {
    expect(logDropObjectKey(prefix, 'site-a', Date.parse('2026-11-24T09:59:05.007Z'), '00ff')).toBe(key);
  });
});
