import { describe, expect, it } from 'vitest';
import { ProgressLog } from '../../src/delivery/progress-log.js';
import { captureLogger } from '../support/logger.js';

function setup() {
  let now = Date.UTC(2026, 11, 1, 9, 0, 0);
  const logger = captureLogger();
  const progress = new ProgressLog({ logger, clock: { now: () => now }, burst: 3, windowMs: 60_000 });
  return { logger, progress, advance: (ms: number) => (now += ms) };
}

describe('ProgressLog', () => {
  it('logs a burst per channel per window at info, then only counts, and says how many it left out', () => {
    const { logger, progress, advance } = setup();
    for (let i = 1; i <= 10; i++) progress.info('slack', 'delivery attempt failed; retrying', { attempt: i });
    progress.info('teams', 'delivery attempt failed; retrying', { attempt: 1 });

    expect(logger.entries.every((entry) => entry.level === 'info')).toBe(true);
    expect(logger.entries.map((entry) => [entry.fields.channel, entry.fields.attempt])).toEqual([
      ['slack', 1],
      ['slack', 2],
      ['slack', 3],
      ['teams', 1],
    ]);

    advance(59_999);
    progress.info('slack', 'delivery attempt failed; retrying', { attempt: 11 });
    expect(logger.entries).toHaveLength(4);

    advance(1);
    progress.info('slack', 'notification delivered after retrying', { attempts: 12 });
    expect(logger.entries.slice(4)).toEqual([
      {
        level: 'info',
        message: 'more delivery retry outcomes were not logged',
        fields: { channel: 'slack', notLogged: 8, windowSeconds: 60 },
      },
      { level: 'info', message: 'notification delivered after retrying', fields: { channel: 'slack', attempts: 12 } },
    ]);
  });

  it('writes no summary for a window that left nothing out', () => {
    const { logger, progress, advance } = setup();
    progress.info('slack', 'queued notification delivered', { attempts: 4 });
    advance(120_000);
    progress.info('slack', 'queued notification delivered', { attempts: 5 });
    expect(logger.entries.map((entry) => entry.message)).toEqual([
      'queued notification delivered',
      'queued notification delivered',
    ]);
  });
});
