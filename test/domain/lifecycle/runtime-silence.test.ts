import { describe, expect, it } from 'vitest';
import {
  buildRuntimeSilence,
  silenceStatus,
  SilenceRequestError,
  toSilence,
} from '../../../src/domain/lifecycle/runtime-silence.js';
import { isMuted } from '../../../src/domain/silences.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const HOUR = 3_600_000;

describe('buildRuntimeSilence', () => {
  it('builds a silence from now for a duration, with author and comment', () => {
    const silence = buildRuntimeSilence(
      { matchers: ['probe="pfsw-login"'], author: ' ana ', comment: 'upgrade', duration: '2h' },
      'sil-1',
      T0,
    );
    expect(silence).toEqual({
      id: 'sil-1',
      matchers: ['probe="pfsw-login"'],
      startsAt: T0,
      endsAt: T0 + 2 * HOUR,
      author: 'ana',
      comment: 'upgrade',
      createdAt: T0,
    });
  });

  it.each([
    [
      {},
      [
        'matchers: at least one is needed',
        'author: who is silencing is required',
        'comment: why is required',
        'duration/until: give exactly one',
      ],
    ],
    [{ matchers: ['probe=x'], author: 'a', comment: 'c', duration: '1h' }, ['matchers[0]: not a label matcher']],
    [
      { matchers: ['a="b"'], author: 'a', comment: 'c', duration: '1h', until: '2026-12-01T12:00:00Z' },
      ['duration/until: give exactly one'],
    ],
    [
      { matchers: ['a="b"'], author: 'a', comment: 'c', until: '2026-12-01T09:00:00Z' },
      ['until: the end is already past'],
    ],
    [{ matchers: ['a="b"'], author: 'a', comment: 'c', duration: '40d' }, ['duration: at most 31 days']],
    [{ matchers: ['a="b"'], author: 'a', comment: 'c', duration: 'soon' }, ['duration: not a duration']],
    [{ matchers: ['a="b"'], author: 'a', comment: 'c', until: 'tomorrow' }, ['until: not an ISO 8601 time']],
  ])('refuses %j naming each bad field', (request, problems) => {
    let caught: unknown;
    try {
      buildRuntimeSilence(request, 'sil-x', T0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SilenceRequestError);
    const found = (caught as SilenceRequestError).problems;
    expect(found).toHaveLength(problems.length);
    problems.forEach((problem, index) => expect(found[index]).toContain(problem));
  });

  it('mutes while active, and no longer once expired early', () => {
    const silence = buildRuntimeSilence(
      { matchers: ['probe="pfsw-login"'], author: 'ana', comment: 'upgrade', duration: '2h' },
      'sil-1',
      T0,
    );
    const labels = { probe: 'pfsw-login' };
    expect(isMuted(labels, T0 + HOUR, [toSilence(silence)], [])).toBe(true);
    expect(silenceStatus(silence, T0 + HOUR)).toBe('active');
    const expired = { ...silence, expiredAt: T0 + HOUR, expiredBy: 'bo' };
    expect(isMuted(labels, T0 + HOUR, [toSilence(expired)], [])).toBe(false);
    expect(silenceStatus(expired, T0 + HOUR)).toBe('expired');
  });

  it('is pending before its start', () => {
    const silence = buildRuntimeSilence(
      { matchers: ['a="b"'], author: 'a', comment: 'c', startsAt: '2026-12-01T12:00:00Z', duration: '1h' },
      'sil-2',
      T0,
    );
    expect(silenceStatus(silence, T0)).toBe('pending');
    expect(isMuted({ a: 'b' }, T0, [toSilence(silence)], [])).toBe(false);
    expect(isMuted({ a: 'b' }, T0 + 2 * HOUR + 1, [toSilence(silence)], [])).toBe(true);
  });
});
