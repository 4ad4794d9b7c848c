import type { Notification } from '../../domain/notification/outcome.js';
import {
  summarise,
  type ChannelMessage,
  type LabelPair,
  type MessageAlert,
  type SummariseOptions,
} from '../common/message.js';
import { breakAutolinks } from '../common/markup.js';

export interface RenderedEmail {
  /** `[FIRING:2] site-a · PFSW login down`; one line, whatever the rule name holds. */
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Alerts listed in full in one message; a bigger group lists this many and counts the rest.
 * Keeps a grouped mail far below SES's 40 MB (v2 API) and readable on a phone.
 */
export const MAX_LISTED_ALERTS = 50;

/** Pure: one notification → subject, plain-text and HTML bodies. */
export function renderEmail(notification: Notification, options: SummariseOptions = {}): RenderedEmail {
  const message = summarise(notification, options);
  const listed = message.alerts.slice(0, MAX_LISTED_ALERTS);
  const unlisted = message.alerts.length - listed.length;
  return {
    subject: oneLine(message.title),
    text: renderText(message, listed, unlisted),
    html: renderHtml(message, listed, unlisted),
  };
}

function renderText(message: ChannelMessage, listed: readonly MessageAlert[], unlisted: number): string {
  const t = breakAutolinks;
  const lines: string[] = [t(message.title), ''];
  if (message.test) lines.push('This is a test notification sent by `pflow notify test`.', '');
  if (message.summary) lines.push(t(message.summary));
  if (message.description) lines.push(t(message.description));
  if (message.summary || message.description) lines.push('');
  lines.push(
    `Site: ${t(message.site)}`,
    `Rule: ${t(message.rule.name)} (${t(message.rule.id)})`,
    `Severity: ${message.severity}`,
  );
  if (message.commonLabels.length > 0) lines.push(`Labels: ${labelsText(message.commonLabels)}`);
  lines.push('', `Alerts (${message.alerts.length}):`);
  for (const alert of listed) {
    lines.push('', `- ${stateText(alert)}: value ${alert.valueText}, threshold ${alert.thresholdText}`);
    lines.push(`  Started: ${alert.startsAtText} (${alert.timezone})`);
    if (alert.endsAtText) lines.push(`  Ended: ${alert.endsAtText}`);
    if (alert.error) lines.push(`  Error: ${t(alert.error)}`);
    if (alert.distinctLabels.length > 0 && listed.length > 1)
      lines.push(`  Labels: ${labelsText(alert.distinctLabels)}`);
  }
  if (unlisted > 0) lines.push('', `… and ${unlisted} more alert(s) not listed here.`);
  if (message.heldBack !== undefined) {
    lines.push('', `${message.heldBack.heading}:`);
    for (const line of message.heldBack.lines) lines.push(`- ${t(line)}`);
    if (message.heldBack.more > 0) lines.push(`… and ${message.heldBack.more} more.`);
  }
  if (message.links.length > 0) {
    lines.push('');
    for (const link of message.links) lines.push(`${link.title}: ${link.url}`);
  }
  lines.push('', '-- ', 'Sent by PerformanceFlow.');
  return `${lines.join('\n')}\n`;
}

function renderHtml(message: ChannelMessage, listed: readonly MessageAlert[], unlisted: number): string {
  const colour = message.colour.hex;
  const rows: string[] = [];
  rows.push(row('Site', html(message.site)));
  rows.push(row('Rule', `${html(message.rule.name)} <span style="color:#757575">(${html(message.rule.id)})</span>`));
  rows.push(row('Severity', html(message.severity)));
  if (message.commonLabels.length > 0) rows.push(row('Labels', labelsHtml(message.commonLabels)));

  const alerts = listed.map((alert) => {
    const details = [
      `<strong>${html(stateText(alert))}</strong>: value <strong>${html(alert.valueText)}</strong>, threshold ${html(alert.thresholdText)}`,
      `Started: ${html(alert.startsAtText)} (${html(alert.timezone)})`,
      ...(alert.endsAtText ? [`Ended: ${html(alert.endsAtText)}`] : []),
      ...(alert.error ? [`Error: <code>${html(alert.error)}</code>`] : []),
      ...(alert.distinctLabels.length > 0 && listed.length > 1 ? [`Labels: ${labelsHtml(alert.distinctLabels)}`] : []),
    ];
    return `<li style="margin:0 0 8px 0">${details.join('<br>')}</li>`;
  });
  if (unlisted > 0) alerts.push(`<li>… and ${unlisted} more alert(s) not listed here.</li>`);

  const heldBack =
    message.heldBack === undefined
      ? []
      : [
          `<h3 style="margin:12px 0 4px 0;font-size:15px">${html(message.heldBack.heading)}</h3>`,
          `<ul style="margin:0;padding-left:20px">${[
            ...message.heldBack.lines.map((line) => `<li>${html(line)}</li>`),
            ...(message.heldBack.more > 0 ? [`<li>… and ${message.heldBack.more} more.</li>`] : []),
          ].join('')}</ul>`,
        ];

  const links = message.links.map(
    (link) =>
      `<a href="${escapeHtml(link.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:6px 12px;border:1px solid ${colour};border-radius:4px;color:${colour};text-decoration:none">${escapeHtml(link.title)}</a>`,
  );

  const parts = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#212121">',
    `<div style="border-left:6px solid ${colour};padding:0 0 0 12px">`,
    `<h2 style="margin:0 0 8px 0;font-size:18px">${html(message.title)}</h2>`,
    ...(message.test
      ? ['<p style="color:#757575">This is a test notification sent by <code>pflow notify test</code>.</p>']
      : []),
    ...(message.summary ? [`<p style="margin:0 0 4px 0">${html(message.summary)}</p>`] : []),
    ...(message.description ? [`<p style="margin:0 0 4px 0;color:#424242">${html(message.description)}</p>`] : []),
    `<table style="border-collapse:collapse;margin:8px 0">${rows.join('')}</table>`,
    `<h3 style="margin:12px 0 4px 0;font-size:15px">Alerts (${message.alerts.length})</h3>`,
    `<ul style="margin:0;padding-left:20px">${alerts.join('')}</ul>`,
    ...heldBack,
    ...(links.length > 0 ? [`<p style="margin:12px 0 0 0">${links.join('')}</p>`] : []),
    '</div>',
    '<p style="margin:16px 0 0 0;color:#9e9e9e;font-size:12px">Sent by PerformanceFlow.</p>',
    '</body></html>',
  ];
  return `${parts.join('\n')}\n`;
}

function stateText(alert: MessageAlert): string {
  return `${alert.state.toUpperCase()}${alert.reminder ? ' (reminder)' : ''}`;
}

function row(name: string, valueHtml: string): string {
  return `<tr><td style="padding:2px 12px 2px 0;color:#757575;vertical-align:top">${name}</td><td style="padding:2px 0">${valueHtml}</td></tr>`;
}

function labelsText(labels: readonly LabelPair[]): string {
  return labels.map((label) => breakAutolinks(`${label.name}=${label.value}`)).join(', ');
}

function labelsHtml(labels: readonly LabelPair[]): string {
  return labels
    .map(
      (label) =>
        `<code style="background:#f5f5f5;padding:1px 4px;border-radius:3px">${html(label.name)}=${html(label.value)}</code>`,
    )
    .join(' ');
}

/**
 * Event data as HTML: escaped, and with bare URLs broken up, because mail clients link them by
 * themselves. Only the rule's runbook, dashboard and links become `<a>` elements.
 */
function html(text: string): string {
  return escapeHtml(breakAutolinks(text));
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}
