import { describe, expect, it } from 'vitest';
import { createConsoleSender } from '../../../src/channels/console/console.js';
import { renderConsoleLines } from '../../../src/channels/console/render.js';
import { consoleSettingsSchema } from '../../../src/channels/console/settings.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import { alertEvent, groupedNotification, hostileNotification, resolvedNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract, timezoneFor } from '../contract.js';

describeChannelContract({
  kind: 'console',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    extension: 'txt',
    render: (notification) => `${renderConsoleLines(notification.events, 'text', timezoneFor).join('\n')}\n`,
  },
});

function printingSender(format: 'text' | 'json') {
  const printed: string[] = [];
  const sender = createConsoleSender('terminal', consoleSettingsSchema.parse({ format }), {
    ...contractDeps(captureLogger()),
    stdout: (line) => printed.push(line),
  });
  return { sender, printed };
}

describe('console channel', () => {
  it('prints one text line per event and reports delivered', async () => {
    const { sender, printed } = printingSender('text');

    const outcome = await sender.send(groupedNotification);

    expect(outcome).toEqual({ status: 'delivered', detail: '2 line(s)' });
    expect(printed).toHaveLength(2);
    expect(printed[0]).toContain('FIRING warning site-a · Disk space low: value 4.25, threshold outside 10..95');
    expect(printed[1]).toContain('host="pacs-02"');
  });

  it('shows the time in the site zone', () => {
    const [berlin] = renderConsoleLines(resolvedNotification.events, 'text', timezoneFor);
    const [utc] = renderConsoleLines([{ ...resolvedNotification.events[0]!, site: 'site-b' }], 'text', timezoneFor);

    expect(berlin).toMatch(/^2026-03-02 09:42:00 UTC\+01:00 RESOLVED /);
    expect(utc).toMatch(/^2026-03-02 08:42:00 UTC\+00:00 RESOLVED /);
  });

  it('prints the exact event JSON in json format', async () => {
    const { sender, printed } = printingSender('json');

    await sender.send(groupedNotification);

    expect(printed.map((line) => JSON.parse(line))).toEqual(groupedNotification.events);
  });

  it.each([
    ['a newline in a label', { labels: { note: 'first\nsecond' } }],
    ['a carriage return in the rule name', { rule: { id: 'r', name: 'bad\r\nname', severity: 'info' as const } }],
    ['a line separator in an error', { state: 'error' as const, value: null, error: 'boom\u2028again' }],
  ])('keeps an event on one line despite %s', (_name, overrides) => {
    const lines = renderConsoleLines([alertEvent(overrides)], 'text', timezoneFor);

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\r\n\u2028\u2029]/);
  });

  it('passes no terminal escape sequence (OSC 8 hyperlink, CSI) to the terminal, in text or JSON', () => {
    for (const format of ['text', 'json'] as const) {
      const lines = renderConsoleLines(hostileNotification.events, format, timezoneFor);
      // eslint-disable-next-line no-control-regex -- the control characters are what is tested
      for (const line of lines) expect(line).not.toMatch(/[\u001b\u0080-\u009f]/);
      if (format === 'json') expect(lines.map((line) => JSON.parse(line))).toEqual(hostileNotification.events);
    }
  });

  it('marks test notifications and reminders', () => {
    const notification: Notification = {
      key: 'k',
      channel: 'terminal',
      events: [alertEvent({ test: true }), alertEvent({ repeat: true })],
    };

    const [test, reminder] = renderConsoleLines(notification.events, 'text', timezoneFor);

    expect(test).toContain(' [TEST] FIRING ');
    expect(reminder).toContain(' (reminder) FIRING ');
  });

  it('rejects unknown settings', () => {
    expect(consoleSettingsSchema.safeParse({ format: 'text', colour: true }).success).toBe(false);
    expect(consoleSettingsSchema.safeParse({ format: 'yaml' }).success).toBe(false);
  });
});
