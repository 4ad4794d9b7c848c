import type { Logger } from '../../src/domain/ports.js';

export interface CapturedLog {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every entry, so tests can assert on what was reported (and what was not leaked). */
export function captureLogger(): Logger & { entries: CapturedLog[]; text(): string } {
  const entries: CapturedLog[] = [];
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      entries.push({ level, message, fields });
    };
  return {
    entries,
    text: () => entries.map((e) => `${e.level} ${e.message} ${JSON.stringify(e.fields)}`).join('\n'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}
