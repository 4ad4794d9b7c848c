import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../domain/ports.js';
import type { Redactor } from '../../domain/redact.js';

/**
 * The domain's Logger port on Powertools Logger (JSON lines with the Lambda context). Every message
 * and field goes through `redact()` first — it knows the secret values the config was resolved
 * with — so a secret that slipped into an error text never reaches CloudWatch Logs.
 */
export function powertoolsPortLogger(logger: PowertoolsLogger, redact: () => Redactor): Logger {
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      const scrub = redact();
      const safe = fields === undefined ? {} : (scrubValue(fields, scrub) as Record<string, unknown>);
      logger[level](scrub(message), safe);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function scrubValue(value: unknown, scrub: Redactor): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub));
  if (value instanceof Error) return { name: value.name, message: scrub(value.message) };
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, scrub)]));
  }
  return value;
}
