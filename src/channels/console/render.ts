import type { AlertEvent } from '../../domain/alerts/event.js';
import { formatNumber, formatThreshold, formatTime } from '../common/message.js';
import type { ConsoleSettings } from './settings.js';

/**
 * One line per event, so a terminal (or `journalctl`) shows each alert on its own line:
 *   `2026-03-02 09:15:00 UTC+01:00 FIRING critical site-a · PFSW login down: value 0, threshold < 1 {probe="…"}`
 * Time is when the event was evaluated, in the site's zone; control characters in names and
 * labels become spaces so an event can never span two lines, nor send a terminal escape
 * sequence (an OSC 8 hyperlink, a cursor move that overwrites an earlier line).
 */
export function renderConsoleLines(
  events: readonly AlertEvent[],
  format: ConsoleSettings['format'],
  timezoneFor: (site: string) => string,
): string[] {
  return events.map((event) => (format === 'json' ? jsonLine(event) : textLine(event, timezoneFor(event.site))));
}

function textLine(event: AlertEvent, zone: string): string {
  const markers = [event.test ? '[TEST]' : '', event.repeat ? '(reminder)' : ''].filter(Boolean);
  const value = event.value === null ? 'no value' : formatNumber(event.value);
  const labels = Object.keys(event.labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(event.labels[name])}`)
    .join(', ');
  const parts = [
    formatTime(event.evaluatedAt, zone),
    ...markers,
    event.state.toUpperCase(),
    event.rule.severity,
    `${event.site} · ${event.rule.name}:`,
    `value ${value}, threshold ${formatThreshold(event.threshold)}`,
    event.error ? `error ${JSON.stringify(event.error)}` : '',
    labels ? `{${labels}}` : '',
  ];
  return oneLine(parts.filter(Boolean).join(' '));
}

/** C0 and C1 controls: ESC (U+001B) and CSI (U+009B) start terminal escape sequences. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function oneLine(text: string): string {
  return text.replace(CONTROLS, ' ');
}

/** JSON.stringify escapes C0 controls but not DEL or C1: escape those too (still the same JSON value). */
function jsonLine(event: AlertEvent): string {
  return JSON.stringify(event).replace(CONTROLS, (run) =>
    [...run].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  );
}
