import { describe, expect, it } from 'vitest';
import { truncateEscaped, truncateText, TRUNCATED_MARKER } from '../../../src/channels/common/truncate.js';
import { escape as escapeSlack } from '../../../src/channels/slack/render.js';

describe('truncateText', () => {
  it('keeps short text and cuts long text to the limit, marker included', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    const cut = truncateText('x'.repeat(100), 20);
    expect(cut).toHaveLength(20);
    expect(cut.endsWith(TRUNCATED_MARKER)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateText(`${'a'.repeat(6)}😀${'b'.repeat(20)}`, 7 + TRUNCATED_MARKER.length);
    expect(cut).toBe(`${'a'.repeat(6)}${TRUNCATED_MARKER}`);
  });
});

describe('truncateEscaped', () => {
  // The reported case: Slack text of `&`s cut inside `&amp;` showed `…&amp;&a… (truncated)`.
  it.each(Array.from({ length: 6 }, (_, shift) => shift))(
    'never cuts inside an entity (cut shifted by %i)',
    (shift) => {
      const escaped = escapeSlack(`${'x'.repeat(shift)}${'&<>'.repeat(40)}`);
      const cut = truncateEscaped(escaped, 50);
      expect(cut.length).toBeLessThanOrEqual(50);
      expect(cut.endsWith(TRUNCATED_MARKER)).toBe(true);
      const body = cut.slice(0, -TRUNCATED_MARKER.length);
      expect(body.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      expect(escaped.startsWith(body)).toBe(true);
    },
  );

  it('never leaves a backslash that would escape the marker', () => {
    for (let length = 20; length < 30; length += 1) {
      const cut = truncateEscaped('\\*'.repeat(40), length);
      const body = cut.slice(0, -TRUNCATED_MARKER.length);
      expect(body.length % 2).toBe(0);
      expect(body).toBe('\\*'.repeat(body.length / 2));
    }
  });

  it('keeps text that fits and treats a lone `&` as text', () => {
    expect(truncateEscaped('a &amp; b', 9)).toBe('a &amp; b');
    expect(truncateEscaped(`${'a'.repeat(30)}& more text here`, 40).length).toBeLessThanOrEqual(40);
  });
});
