import type { Logger } from '../../domain/ports.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * The local runtime's logger: one line per entry on stderr (stdout carries console notifications),
 * human-readable by default or JSON for log shippers.
 */
export function consoleLogger(options: { level?: Level; json?: boolean; write?: (line: string) => void } = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log =
    (level: Level) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[level] < threshold) return;
      const time = new Date().toISOString();
      if (options.json) {
        write(JSON.stringify({ time, level, message, ...fields }));
        return;
      }
      const rendered = Object.entries(fields)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${rendered ? ` ${rendered}` : ''}`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
