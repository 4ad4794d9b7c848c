import { describe, expect, it } from 'vitest';
import { breakAutolinks, WORD_JOINER, withoutWordJoiners } from '../../../src/channels/common/markup.js';

describe('breakAutolinks', () => {
  it.each([
    'https://evil.example/x?a=b',
    'HTTP://EVIL.EXAMPLE',
    'ftp://files.evil.example',
    'www.evil.example/path',
    'see https://evil.example and www.evil.example.',
  ])('leaves no scheme separator or domain dot inside %s, and reads the same', (text) => {
    const broken = breakAutolinks(text);
    expect(broken).not.toMatch(/:\/\//);
    expect(broken).not.toMatch(/www\./i);
    expect(broken).not.toMatch(/[a-z]\.[a-z]/i);
    expect(withoutWordJoiners(broken)).toBe(text);
  });

  it('leaves text without URLs, and bare host names, untouched', () => {
    for (const text of ['pacs-01.klinikum.example', 'value 0 < 1', 'node_exporter', '']) {
      expect(breakAutolinks(text)).toBe(text);
    }
  });

  it('is idempotent', () => {
    const once = breakAutolinks('https://evil.example');
    expect(breakAutolinks(once)).toBe(once);
    expect(once).toBe(`https:${WORD_JOINER}//evil${WORD_JOINER}.example`);
  });
});
