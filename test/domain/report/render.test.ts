import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeDigest } from '../../../src/domain/report/digest.js';
import { renderReportSlack, renderReportTeams } from '../../../src/domain/report/render-chat.js';
import { renderReportEmail } from '../../../src/domain/report/render-html.js';
import { renderReportText } from '../../../src/domain/report/render-text.js';
import { validateSlackPayload } from '../../support/http-receiver.js';
import { springInput } from './fixtures.js';

/** Golden renders of the hand-checked day; `UPDATE_GOLDEN=1 npx vitest run test/domain/report` rewrites them. */
const GOLDEN = new URL('./golden/', import.meta.url);

function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(name, GOLDEN));
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(fileURLToPath(GOLDEN), { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) throw new Error(`${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/domain/report`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const digest = computeDigest(springInput);
const quiet = computeDigest({
  ...springInput,
  buckets: new Map(),
  certs: [],
  alertEvents: [],
  acks: [],
  agents: [],
  assets: undefined,
});

describe('daily report renders', () => {
  it.each([
    ['spring', digest],
    ['quiet', quiet],
  ])('%s: text, HTML, Slack and Teams match their golden files', (name, d) => {
    const email = renderReportEmail(d);
    golden(`${name}.txt`, email.text);
    golden(`${name}.html`, email.html);
    golden(`${name}.slack.json`, `${JSON.stringify(renderReportSlack(d), null, 2)}\n`);
    golden(`${name}.teams.json`, `${JSON.stringify(renderReportTeams(d), null, 2)}\n`);
    expect(email.text).toBe(renderReportText(d));
  });

  it('says what a person needs: the 23-hour day, durations, the acknowledgement column, silent agents', () => {
    const text = renderReportText(digest);
    expect(text).toContain('Daily report: Ward A, Sunday 29 March 2026');
    expect(text).toContain('this day had 23 hours (clock change)');
    expect(text).toContain('06:01–06:31 (30 min) critical API down {probe=api, team=it} · c.jones at 06:10');
    expect(text).toContain('21:00–still firing (3 h 00 min so far)');
    expect(text).toContain('dns                      expired 3 days ago (2026-03-27)');
    expect(text).toContain(
      'ward-server-2: silent 1 h 00 min (longest 1 h 00 min), last heard 2026-03-29 23:00, still silent',
    );
    expect(text).toContain('Missing: 1, left the building: 0, low battery: 1, par levels short: 1');
    expect(renderReportText(quiet)).toContain('No agents reported to this site.');
  });

  it('HTML: one bar per local hour, no SVG, no images, no scripts; store text escaped', () => {
    const hostile = computeDigest({
      ...springInput,
      probes: [{ id: '<b>api</b>', kind: 'http', target: 'https://evil.example/<script>' }],
      buckets: new Map([['<b>api</b>', springInput.buckets.get('api')!]]),
    });
    const { html } = renderReportEmail(hostile);
    expect(html.match(/<td valign="bottom"/g)).toHaveLength(23);
    expect(html).not.toMatch(/<svg|<img|<script|data:/i);
    expect(html).toContain('&lt;b&gt;api&lt;/b&gt;');
    expect(html).not.toContain('https://evil');
  });

  it('Slack: a valid incoming-webhook body within its limits', () => {
    const payload = renderReportSlack(digest);
    const raw = JSON.stringify(payload);
    expect(validateSlackPayload(payload, raw, { 'content-type': 'application/json' })).toEqual([]);
  });

  it('Teams: under the 20,000-byte budget', () => {
    expect(Buffer.byteLength(JSON.stringify(renderReportTeams(digest)))).toBeLessThan(20_000);
  });
});
