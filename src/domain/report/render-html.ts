import type { DailyDigest, HourPoint } from './digest.js';
import {
  ackText,
  agentsHeadline,
  alertLabels,
  alertSpan,
  availabilityText,
  certText,
  duration,
  localDate,
  localDateTime,
  localTime,
  ms,
  percent,
  title,
  worstHours,
  zoneNote,
} from './format.js';
import { renderReportText } from './render-text.js';

export interface RenderedReportEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const GOOD = '#2e7d32';
const WARN = '#ef6c00';
const BAD = '#c62828';
const NONE = '#bdbdbd';
const CHART_HEIGHT = 48;

function colourOf(ratio: number | null): string {
  if (ratio === null) return NONE;
  if (ratio >= 0.999) return GOOD;
  if (ratio >= 0.99) return WARN;
  return BAD;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const WORD_JOINER = '\u2060';

/**
 * Store data as HTML: escaped, and with `://`, `www.` and `@` broken by a word joiner, because
 * mail clients turn bare URLs and addresses into links by themselves.
 */
function h(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c)
    .replace(/:\/\//g, `:${WORD_JOINER}//`)
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}${WORD_JOINER}.`)
    .replace(/@/g, `${WORD_JOINER}@`);
}

/**
 * The hourly availability chart as table cells, one bar per local hour.
 *
 * Why not SVG or an image: Gmail and Outlook (desktop and web) drop inline `<svg>`; Gmail and
 * Outlook also refuse `data:` URIs in `<img src>`; a CID attachment would need a PNG encoder and
 * shows as a paperclip in many clients. Table cells with a height and a background colour render
 * in every mail client, need no image download (so nothing is blocked as "remote content"), and
 * stay sharp at any zoom. The bar heights are scaled from 90 % to 100 %, where a hospital's
 * services live; the colour and the text below carry the meaning for readers who cannot see them.
 */
export function htmlChart(digest: DailyDigest): string {
  const zone = digest.site.timezone;
  const cell = (p: HourPoint) => {
    const level = p.availability === null ? 0 : Math.max(0, Math.min(1, (p.availability - 0.9) / 0.1));
    const height = p.availability === null ? 2 : Math.max(3, Math.round(level * CHART_HEIGHT));
    const label = `${localTime(p.t, zone)} ${percent(p.availability)}`;
    return (
      `<td valign="bottom" height="${CHART_HEIGHT}" style="height:${CHART_HEIGHT}px;width:10px;padding:0 1px;vertical-align:bottom" title="${h(label)}">` +
      `<div style="height:${height}px;line-height:${height}px;font-size:1px;background:${colourOf(p.availability)}">&nbsp;</div></td>`
    );
  };
  const ticks = digest.hourly.map((p, i) =>
    i % 6 === 0
      ? `<td colspan="1" style="font-size:9px;color:#757575;padding:2px 0 0 0;white-space:nowrap">${localTime(p.t, zone)}</td>`
      : '<td></td>',
  );
  return [
    `<table role="img" aria-label="Availability by hour; lowest: ${h(worstHours(digest, 3))}" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:4px 0 0 0">`,
    `<tr>${digest.hourly.map(cell).join('')}</tr>`,
    `<tr>${ticks.join('')}</tr>`,
    '</table>',
    `<p style="margin:2px 0 0 0;color:#757575;font-size:12px">By hour, 90–100%. Lowest: ${h(worstHours(digest, 3))}.</p>`,
  ].join('\n');
}

const TD = 'padding:3px 10px 3px 0;border-bottom:1px solid #eeeeee;vertical-align:top';
const TH = 'padding:3px 10px 3px 0;border-bottom:2px solid #e0e0e0;text-align:left;color:#616161;font-weight:600';

function table(head: readonly string[], rows: readonly string[][]): string {
  return [
    '<table cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:4px 0 0 0;font-size:13px">',
    `<tr>${head.map((cell) => `<th style="${TH}">${cell}</th>`).join('')}</tr>`,
    ...rows.map((row) => `<tr>${row.map((cell) => `<td style="${TD}">${cell}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

const heading = (text: string) => `<h3 style="margin:18px 0 4px 0;font-size:15px">${text}</h3>`;
const none = (text: string) => `<p style="margin:2px 0;color:#757575">${text}</p>`;
const coloured = (ratio: number | null, text: string) =>
  `<span style="color:${colourOf(ratio)};font-weight:600">${text}</span>`;

/** Pure: the digest as an email — subject, the text part, and HTML with the inline chart. */
export function renderReportEmail(digest: DailyDigest): RenderedReportEmail {
  const zone = digest.site.timezone;
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#212121">',
    `<h2 style="margin:0 0 4px 0;font-size:18px">${h(title(digest))}</h2>`,
    `<p style="margin:0 0 8px 0;color:#757575">Site ${h(digest.site.id)}, ${h(zoneNote(digest))}.</p>`,
    `<p style="margin:0">Availability ${coloured(digest.overall.day.ratio, h(availabilityText(digest.overall.day)))} today, ${h(percent(digest.overall.week.ratio))} over 7 days.</p>`,
    htmlChart(digest),
  ];

  parts.push(heading('Availability'));
  parts.push(
    digest.availability.length === 0
      ? none('No probes at this site.')
      : table(
          ['Probe', 'Day', '7 days', 'Target'],
          digest.availability.map((row) => [
            h(row.probe),
            coloured(row.day.ratio, h(percent(row.day.ratio))),
            h(percent(row.week.ratio)),
            `<span style="color:#757575">${h(row.target)}</span>`,
          ]),
        ),
  );

  parts.push(heading(`Alerts fired (${digest.alerts.length})`));
  parts.push(
    digest.alerts.length === 0
      ? none('None.')
      : table(
          ['When', 'Severity', 'Alert', 'Acknowledged'],
          digest.alerts.map((alert) => {
            const labels = alertLabels(alert);
            return [
              h(alertSpan(alert, zone)),
              h(alert.rule.severity),
              `${h(alert.rule.name)}${labels ? `<br><span style="color:#757575;font-size:12px">${h(labels)}</span>` : ''}`,
              h(ackText(alert, zone)),
            ];
          }),
        ),
  );

  parts.push(heading('Slowest endpoints'));
  parts.push(
    digest.slowest.length === 0
      ? none('No results.')
      : table(
          ['Probe', 'Average', 'Slowest', 'Target'],
          digest.slowest.map((s) => [
            h(s.probe),
            h(ms(s.avgMs)),
            h(ms(s.maxMs)),
            `<span style="color:#757575">${h(s.target)}</span>`,
          ]),
        ),
  );

  parts.push(heading(`Certificates expiring within ${digest.settings.certWithinDays} days`));
  parts.push(
    digest.certificates.length === 0
      ? none('None.')
      : table(
          ['Probe', 'Expires', 'Target'],
          digest.certificates.map((c) => [
            h(c.probe),
            coloured(c.daysLeft < 7 ? 0 : 0.995, `${h(certText(c.daysLeft))} (${h(localDate(c.expiresAt, zone))})`),
            `<span style="color:#757575">${h(c.target)}</span>`,
          ]),
        ),
  );

  parts.push(heading('Agents'), `<p style="margin:2px 0">${h(agentsHeadline(digest))}</p>`);
  if (digest.agents.silent.length > 0) {
    parts.push(
      table(
        ['Agent', 'Silent', 'Longest gap', 'Last heard'],
        digest.agents.silent.map((a) => [
          h(a.agent),
          h(duration(a.silentMs)),
          h(duration(a.longestGapMs)),
          `${h(a.lastSeen === null ? 'never' : localDateTime(a.lastSeen, zone))}${a.silentAtEnd ? ' (still silent)' : ''}`,
        ]),
      ),
    );
  }

  if (digest.assets) {
    const a = digest.assets;
    parts.push(
      heading('Assets (now)'),
      `<p style="margin:2px 0">Missing ${a.missing.length} · left the building ${a.leftBuilding.length} · low battery ${a.lowBattery.length} · par levels short ${a.shortages.length}</p>`,
    );
    const rows: string[][] = [
      ...a.missing.map((l) => ['missing', h(l.asset), h(l.type), h(`last in ${l.zone ?? 'unknown'}`)]),
      ...a.leftBuilding.map((l) => ['left the building', h(l.asset), h(l.type), '']),
      ...a.shortages.map((s) => ['par level short', h(s.zone), h(s.type), h(`${s.available} of ${s.min}`)]),
      ...a.lowBattery.map((l) => ['low battery', h(l.asset), h(l.type), h(`${l.battery ?? '?'}%`)]),
    ];
    if (rows.length > 0) parts.push(table(['', 'Asset or zone', 'Type', ''], rows));
  }

  parts.push(
    `<p style="margin:20px 0 0 0;color:#9e9e9e;font-size:12px">Sent by PerformanceFlow at ${h(localDateTime(digest.generatedAt, zone))} (${h(zone)}).</p>`,
    '</body></html>',
  );
  return { subject: title(digest), text: renderReportText(digest), html: `${parts.join('\n')}\n` };
}
