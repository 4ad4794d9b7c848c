import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { decodeConfigText, MAX_CONFIG_BYTES } from '../../../src/domain/config/yaml-text.js';
import { ConfigError, type ConfigIssue } from '../../../src/domain/errors.js';

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseDeploymentConfig(text, 'test.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

describe('decodeConfigText', () => {
  it('decodes UTF-8 and drops a byte order mark', () => {
    expect(decodeConfigText(bytes('version: 1\nname: Zürich\n'))).toEqual({ text: 'version: 1\nname: Zürich\n' });
    expect(decodeConfigText(bytes([0xef, 0xbb, 0xbf], 'version: 1\n'))).toEqual({ text: 'version: 1\n' });
  });

  it.each([
    [
      'a NUL byte',
      bytes('version: 1\nsites:\n', [0x00, 0x01, 0x02]),
      'line 3',
      /not a YAML text file: it contains a NUL byte/,
    ],
    [
      'UTF-16',
      bytes([0xff, 0xfe], [0x76, 0x00, 0x3a, 0x00]),
      'line 1',
      /not a YAML text file: it is UTF-16; save it as UTF-8/,
    ],
    [
      'invalid UTF-8',
      bytes('version: 1\n\n', [0xc3, 0x28], ' x\n'),
      'line 3',
      /not a YAML text file: it is not valid UTF-8/,
    ],
    ['a gzip file', bytes([0x1f, 0x8b, 0x08, 0x00, 0x00]), 'line 1', /not a YAML text file/],
  ])('refuses %s as not a YAML text file, with its line', (_name, input, path, message) => {
    const result = decodeConfigText(input);
    expect(result).toEqual({ issue: { path, message: expect.stringMatching(message) } });
  });

  it('refuses control characters YAML does not allow, naming the first and its line', () => {
    expect(decodeConfigText(bytes('version: 1\nsites:\n  - id: \u001b[2J\n'))).toEqual({
      issue: { path: 'line 3', message: 'not a YAML text file: it contains the control character U+001B' },
    });
    expect('text' in decodeConfigText(bytes('version: 1\r\n\tx: y\n'))).toBe(true);
  });

  it('is what the parser says about a control character, whatever loaded the text', () => {
    expect(issuesOf('version: 1\nsites: [{ id: "a\u0007" }]\n')).toEqual([
      { path: 'line 2', message: 'not a YAML text file: it contains the control character U+0007' },
    ]);
  });

  it(`refuses more than ${MAX_CONFIG_BYTES} bytes, naming the size and the limit`, () => {
    const result = decodeConfigText(new Uint8Array(MAX_CONFIG_BYTES + 1).fill(0x20));
    expect(result).toEqual({
      issue: { path: '(file)', message: expect.stringMatching(/^the file is 4\.0 MiB, over the 4\.0 MiB limit/) },
    });
    expect('text' in decodeConfigText(new Uint8Array(MAX_CONFIG_BYTES).fill(0x20))).toBe(true);
  });
});

describe('YAML problems', () => {
  it('lists duplicate keys at every depth, and syntax errors, in file order', () => {
    const text = [
      'version: 1', // 1
      'sites:', // 2
      '  - id: a', // 3
      '    labels: { x: "1", x: "2" }', // 4
      '    id: b', // 5
      'probes: [', // 6
      'version: 2', // 7
    ].join('\n');
    const issues = issuesOf(text);
    const lines = issues.map((issue) => Number(/^line (\d+):/.exec(issue.path)?.[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'line 4:23', message: 'duplicate key x' },
        { path: 'line 5:5', message: 'duplicate key id' },
      ]),
    );
    expect(issues.length).toBeGreaterThanOrEqual(3);
  });

  it('treats 1 and "1" as different keys and lets `<<` merge keys repeat, as YAML does', () => {
    const text = [
      'x-a: &a { interval: 5s }',
      'x-b: &b { timeout: 2s }',
      'version: 1',
      'sites: [{ id: site-a, labels: { 1: a, "1": b } }]',
      'probes:',
      '  - <<: *a',
      '    <<: *b',
      '    { id: p, site: site-a, kind: tcp, target: "127.0.0.1:1" }',
    ].join('\n');
    expect(issuesOf(text).filter((issue) => /duplicate/.test(issue.message))).toEqual([]);
  });

  it('places many schema errors in file order', () => {
    const labels = Array.from({ length: 300 }, (_, i) => `      l${i}: [${i}]`).join('\n');
    const text = `version: 1\nsites:\n  - id: site-a\n    labels:\n${labels}\n`;
    const issues = issuesOf(text);
    expect(issues).toHaveLength(300);
    expect(issues.map((issue) => issue.path)).toEqual(Array.from({ length: 300 }, (_, i) => `sites[0].labels.l${i}`));
  });
});
