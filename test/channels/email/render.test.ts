import { describe, expect, it } from 'vitest';
import { MAX_LISTED_ALERTS, escapeHtml, renderEmail } from '../../../src/channels/email/render.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import {
  alertEvent,
  firingNotification,
  groupedNotification,
  HOSTILE_RUNBOOK,
  hostileNotification,
  resolvedNotification,
} from '../common/fixtures.js';
import { describeChannelContract, timezoneFor } from '../contract.js';

describeChannelContract({
  kind: 'email (subject and plain text)',
  golden: {
    dir: new URL('./golden/text/', import.meta.url),
    extension: 'txt',
    render: (notification) => {
      const email = renderEmail(notification, { timezoneFor });
      return `Subject: ${email.subject}\n\n${email.text}`;
    },
  },
});

describeChannelContract({
  kind: 'email (HTML)',
  golden: {
    dir: new URL('./golden/html/', import.meta.url),
    extension: 'html',
    render: (notification) => renderEmail(notification, { timezoneFor }).html,
  },
});

describe('email rendering', () => {
  it('puts state, count, site and rule in the subject', () => {
    expect(renderEmail(firingNotification, { timezoneFor }).subject).toBe('[FIRING:1] site-a · PFSW login down');
    expect(renderEmail(groupedNotification, { timezoneFor }).subject).toBe('[FIRING:2] site-a · Disk space low');
    expect(renderEmail(resolvedNotification, { timezoneFor }).subject).toBe('[RESOLVED:1] site-a · PFSW login down');
  });

  it('shows value against threshold, labels, the start time in the site zone, runbook and dashboard links', () => {
    const { text, html } = renderEmail(firingNotification, { timezoneFor });

    for (const body of [text, html]) {
      expect(body).toContain('value');
      expect(body).toMatch(/threshold (&lt;|<) 1/);
      expect(body).toContain('2026-03-02 09:15:00 UTC+01:00');
      expect(body).toContain('Europe/Berlin');
      expect(body).toContain('https://wiki.example/runbooks/pfsw-login');
      expect(body).toContain('clinical-apps');
    }
    expect(html).toContain('href="https://grafana.example/d/pfsw?var-site=site-a"');
  });

  it('escapes everything that reaches the HTML', () => {
    const hostile: Notification = {
      key: 'k',
      channel: 'mail',
      events: [
        alertEvent({
          rule: { id: 'r<1>', name: '<script>alert(1)</script>', severity: 'critical' },
          labels: { 'x"y': `"><img src=x onerror=alert(1)>`, amp: 'a&b' },
          annotations: {
            summary: '<b>bold</b>',
            runbook: 'https://wiki.example/run?a=1&b="2"',
          },
          error: "it's <broken>",
          state: 'error',
          value: null,
        }),
      ],
    };

    const { html, subject } = renderEmail(hostile, { timezoneFor });

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="https://wiki.example/run?a=1&amp;b=&quot;2&quot;"');
    expect(html).toContain('it&#39;s &lt;broken&gt;');
    expect(html).toContain('a&amp;b');
    expect(subject).toBe('[ERROR:1] site-a · <script>alert(1)</script>');
  });

  it('makes only the runbook a link: no markup and no bare URL a mail client would link', () => {
    const { html, text } = renderEmail(hostileNotification, { timezoneFor });

    expect([...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((match) => match[1])).toEqual([HOSTILE_RUNBOOK]);
    expect(html).not.toMatch(
      /<(?!\/?(html|head|meta|body|div|h2|h3|p|table|tr|td|span|ul|li|strong|code|br|a)\b)[a-z]/i,
    );
    expect(html.replace(`href="${HOSTILE_RUNBOOK}"`, '')).not.toMatch(/:\/\/|www\./i);
    expect(html).toContain('&lt;a href=&quot;https:');
    expect(text.replace(`Runbook: ${HOSTILE_RUNBOOK}`, '')).not.toMatch(/:\/\/|www\./i);
    expect(text).toContain(`Runbook: ${HOSTILE_RUNBOOK}`);
  });

  it('keeps the subject on one line', () => {
    const notification: Notification = {
      key: 'k',
      channel: 'mail',
      events: [alertEvent({ rule: { id: 'r', name: 'line one\r\nBcc: victim@example.org', severity: 'info' } })],
    };

    expect(renderEmail(notification, { timezoneFor }).subject).toBe(
      '[FIRING:1] site-a · line one Bcc: victim@example.org',
    );
  });

  it(`lists at most ${MAX_LISTED_ALERTS} alerts and counts the rest`, () => {
    const events = Array.from({ length: MAX_LISTED_ALERTS + 7 }, (_, n) =>
      alertEvent({ id: `e${n}`, labels: { host: `h${n}` } }),
    );

    const { text, html, subject } = renderEmail({ key: 'k', channel: 'mail', events }, { timezoneFor });

    expect(subject).toContain(`[FIRING:${MAX_LISTED_ALERTS + 7}]`);
    expect(text).toContain('… and 7 more alert(s) not listed here.');
    expect(html).toContain('… and 7 more alert(s) not listed here.');
    expect(text).toContain(`host=h${MAX_LISTED_ALERTS - 1}`);
    expect(text).not.toContain(`host=h${MAX_LISTED_ALERTS}`);
  });

  it.each([
    ['<&>"\'', '&lt;&amp;&gt;&quot;&#39;'],
    ['plain', 'plain'],
    ['&amp;', '&amp;amp;'],
  ])('escapes %j as %j', (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });
});
