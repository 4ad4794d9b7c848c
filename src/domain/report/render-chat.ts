import type { SlackBlock, SlackPayload, SlackText } from '../../channels/slack/render.js';
import { escape as slackEscape } from '../../channels/slack/render.js';
import type { CardElement, TeamsPayload } from '../../channels/teams/render.js';
import { ADAPTIVE_CARD_VERSION, escapeMarkdown } from '../../channels/teams/render.js';
import type { DailyDigest } from './digest.js';
import { textChart } from './render-text.js';
import { agentsHeadline, alertSpan, certText, ms, percent, title, zoneNote } from './format.js';

/**
 * The compact chat versions: a glance, not the whole report — the overall figures, the worst
 * probes, up to five alerts, certificates and silent agents in a line each, and one line of assets.
 */

/** Rows listed per section in chat; the rest are counted. */
export const CHAT_LIST_MAX = 5;

interface ChatSection {
  readonly name: string;
  readonly lines: readonly string[];
  readonly more: number;
}

function sections(digest: DailyDigest): ChatSection[] {
  const zone = digest.site.timezone;
  const list = <T>(name: string, items: readonly T[], line: (item: T) => string, empty: string): ChatSection => ({
    name,
    lines: items.length === 0 ? [empty] : items.slice(0, CHAT_LIST_MAX).map(line),
    more: Math.max(0, items.length - CHAT_LIST_MAX),
  });
  const below = digest.availability.filter((row) => row.day.ratio !== null && row.day.ratio < 1);
  const out = [
    list(
      'Below 100% today',
      below,
      (r) => `${r.probe}: ${percent(r.day.ratio)} (7 days ${percent(r.week.ratio)})`,
      'none',
    ),
    list(
      `Alerts fired (${digest.alerts.length})`,
      digest.alerts,
      (a) =>
        `${a.rule.severity} ${a.rule.name}: ${alertSpan(a, zone)}${a.acknowledgedBy ? `, ack ${a.acknowledgedBy}` : ''}`,
      'none',
    ),
    list('Slowest', digest.slowest.slice(0, 3), (s) => `${s.probe}: ${ms(s.avgMs)} average`, 'no results'),
    list(
      `Certificates within ${digest.settings.certWithinDays} days`,
      digest.certificates,
      (c) => `${c.probe}: ${certText(c.daysLeft)}`,
      'none',
    ),
    {
      name: 'Agents',
      lines: [
        agentsHeadline(digest),
        ...digest.agents.silent
          .slice(0, CHAT_LIST_MAX)
          .map(
            (a) =>
              `${a.agent}: silent ${a.silentMs >= 60_000 ? Math.round(a.silentMs / 60_000) : 1} min${a.silentAtEnd ? ', still silent' : ''}`,
          ),
      ],
      more: Math.max(0, digest.agents.silent.length - CHAT_LIST_MAX),
    },
  ];
  if (digest.assets) {
    const a = digest.assets;
    out.push({
      name: 'Assets (now)',
      lines: [
        `missing ${a.missing.length} · left the building ${a.leftBuilding.length} · low battery ${a.lowBattery.length} · par levels short ${a.shortages.length}`,
      ],
      more: 0,
    });
  }
  return out;
}

function headline(digest: DailyDigest): string {
  return `Availability ${percent(digest.overall.day.ratio)} today · ${percent(digest.overall.week.ratio)} over 7 days · ${digest.alerts.length} alert${digest.alerts.length === 1 ? '' : 's'} fired`;
}

function colour(digest: DailyDigest): string {
  const r = digest.overall.day.ratio;
  if (r === null) return '#9e9e9e';
  return r >= 0.999 ? '#2e7d32' : r >= 0.99 ? '#ef6c00' : '#c62828';
}

const mrkdwn = (text: string): SlackText => ({ type: 'mrkdwn', text, verbatim: true });

/** Pure: the compact Slack version (an incoming-webhook body). */
export function renderReportSlack(digest: DailyDigest): SlackPayload {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title(digest).slice(0, 150), emoji: true } },
    { type: 'section', text: mrkdwn(`*${slackEscape(headline(digest))}*\nBy hour: \`${textChart(digest)}\``) },
  ];
  for (const section of sections(digest)) {
    const more = section.more > 0 ? `\n_… and ${section.more} more_` : '';
    const body = section.lines.map((line) => `• ${slackEscape(line)}`).join('\n');
    blocks.push({ type: 'section', text: mrkdwn(`*${slackEscape(section.name)}*\n${body}${more}`.slice(0, 3000)) });
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn(slackEscape(`PerformanceFlow daily report · site ${digest.site.id} · ${zoneNote(digest)}`))],
  });
  return {
    text: slackEscape(`${title(digest)}: ${headline(digest)}`),
    attachments: [{ color: colour(digest), blocks }],
  };
}

/** Pure: the compact Teams version (one Adaptive Card in the Workflows webhook envelope). */
export function renderReportTeams(digest: DailyDigest): TeamsPayload {
  const body: CardElement[] = [
    { type: 'TextBlock', text: escapeMarkdown(title(digest)), wrap: true, size: 'Large', weight: 'Bolder' },
    { type: 'TextBlock', text: escapeMarkdown(headline(digest)), wrap: true, weight: 'Bolder' },
    { type: 'TextBlock', text: `By hour: ${textChart(digest)}`, wrap: true, isSubtle: true, spacing: 'None' },
  ];
  for (const section of sections(digest)) {
    body.push({
      type: 'TextBlock',
      text: escapeMarkdown(section.name),
      wrap: true,
      weight: 'Bolder',
      spacing: 'Medium',
    });
    const lines = [...section.lines.map((line) => `- ${escapeMarkdown(line)}`)];
    if (section.more > 0) lines.push(`- … and ${section.more} more`);
    body.push({ type: 'TextBlock', text: lines.join('\n'), wrap: true, spacing: 'None' });
  }
  body.push({
    type: 'TextBlock',
    text: escapeMarkdown(`PerformanceFlow daily report · site ${digest.site.id} · ${zoneNote(digest)}`),
    wrap: true,
    size: 'Small',
    isSubtle: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}
