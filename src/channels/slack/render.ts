import type { EventState, Severity } from '../../domain/alerts/event.js';
import type { Notification } from '../../domain/notification/outcome.js';
import {
  overviewFacts,
  stateName,
  summarise,
  type ChannelMessage,
  type LabelPair,
  type MessageAlert,
  type MessageHeldBack,
  type SummariseOptions,
} from '../common/message.js';
import { breakAutolinks } from '../common/markup.js';
import { truncateEscaped, truncateText, TRUNCATED_MARKER } from '../common/truncate.js';

/**
 * Slack's limits (docs/limits.md, Slack). `totalText` is below the ~13.2k characters at
 * which Slack answered `msg_blocks_too_long` despite the documented per-block limits.
 */
export const SLACK_RENDER_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  buttonText: 75,
  buttons: 5,
  url: 3000,
  totalText: 12_000,
  fallbackText: 3000,
} as const;

export interface SlackPayload {
  /** Notification fallback: what phones and screen readers show. */
  readonly text: string;
  /** One attachment: the only way to get Slack's coloured side bar around Block Kit blocks. */
  readonly attachments: readonly [{ readonly color: string; readonly blocks: readonly SlackBlock[] }];
}

export type SlackText = {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
  /** On every mrkdwn text: Slack then links no bare URL, channel name or mention by itself. */
  readonly verbatim?: boolean;
};
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | { readonly type: 'divider' }
  | {
      readonly type: 'actions';
      readonly elements: readonly {
        readonly type: 'button';
        readonly text: SlackText;
        readonly url: string;
        readonly action_id: string;
      }[];
    };

const STATE_EMOJI: Record<EventState, string> = {
  firing: ':rotating_light:',
  resolved: ':white_check_mark:',
  nodata: ':grey_question:',
  error: ':x:',
};
const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':rotating_light:',
  major: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};

/**
 * Someone to @-mention: a Slack member id, or an on-call team whose member now has none (named
 * in plain text instead, so the channel still sees who should act).
 */
export type SlackMention = { readonly user: string } | { readonly team: string; readonly name?: string };

/** Member ids are checked again here: a mention is the one piece of text the renderer does not escape. */
const SLACK_MEMBER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Pure: one notification → one incoming-webhook body, always within Slack's limits. */
export function renderSlack(
  notification: Notification,
  options: SummariseOptions & { readonly mentions?: readonly SlackMention[] } = {},
): SlackPayload {
  const message = summarise(notification, options);
  const blocks: SlackBlock[] = [];
  const emoji = message.state === 'firing' ? SEVERITY_EMOJI[message.severity] : STATE_EMOJI[message.state];

  blocks.push({
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncateText(`${emoji} ${message.title}`, SLACK_RENDER_LIMITS.headerText),
      emoji: true,
    },
  });
  const intro = introText(message);
  if (intro) blocks.push(section(intro));
  blocks.push({ type: 'section', fields: overviewFields(message) });
  if (message.commonLabels.length > 0) blocks.push(section(`*Labels*\n${labelsText(message.commonLabels)}`));
  if (message.alerts.length > 1) blocks.push({ type: 'divider' }, ...alertSections(message, blocks));
  if (message.heldBack !== undefined) blocks.push(section(heldBackText(message.heldBack)));
  const buttons = message.links
    .filter((link) => link.url.length <= SLACK_RENDER_LIMITS.url)
    .slice(0, SLACK_RENDER_LIMITS.buttons)
    .map((link, i) => ({
      type: 'button' as const,
      text: {
        type: 'plain_text' as const,
        text: truncateText(link.title, SLACK_RENDER_LIMITS.buttonText),
        emoji: true,
      },
      url: link.url,
      action_id: `link-${i}`,
    }));
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({ type: 'context', elements: [mrkdwn(escape(contextText(message)))] });

  const mention = needsSomeone(notification, message) ? mentionText(options.mentions ?? []) : '';
  return {
    // The fallback is read as mrkdwn with Slack's automatic link parsing and has no `verbatim`.
    // Mentions go in it: it is the message's own text, where a mention notifies the person.
    text: truncateEscaped(
      `${mention}${escape(breakAutolinks(fallbackText(message)))}`,
      SLACK_RENDER_LIMITS.fallbackText,
    ),
    attachments: [{ color: message.colour.hex, blocks }],
  };
}

/** Resolutions and acknowledgement updates inform; only messages about a live problem page someone. */
function needsSomeone(notification: Notification, message: ChannelMessage): boolean {
  return message.state !== 'resolved' && !notification.events.some((event) => event.acknowledgement !== undefined);
}

function mentionText(mentions: readonly SlackMention[]): string {
  const parts = mentions.map((mention) => {
    if ('user' in mention) return SLACK_MEMBER_ID.test(mention.user) ? `<@${mention.user}>` : '';
    return escape(`(on call for ${mention.team}: ${mention.name ?? 'nobody'}, no Slack member id)`);
  });
  const text = [...new Set(parts.filter((part) => part !== ''))].join(' ');
  return text === '' ? '' : `${text} `;
}

function introText(message: ChannelMessage): string | undefined {
  const lines: string[] = [];
  if (message.test) lines.push('*Test notification* sent by `pflow notify test`: no alert is firing.');
  if (message.state === 'resolved') lines.push('*Resolved* :white_check_mark:');
  if (message.reminder) lines.push('_Reminder: still firing._');
  if (message.summary) lines.push(`*${escape(message.summary)}*`);
  if (message.description) lines.push(escape(message.description));
  const single = message.alerts.length === 1 ? message.alerts[0] : undefined;
  if (single?.error) lines.push(`Error: \`${escape(single.error).replace(/`/g, "'")}\``);
  return lines.length > 0 ? truncateEscaped(lines.join('\n'), SLACK_RENDER_LIMITS.sectionText) : undefined;
}

function overviewFields(message: ChannelMessage): SlackText[] {
  return overviewFacts(message)
    .slice(0, SLACK_RENDER_LIMITS.fields)
    .map(([name, value]) => mrkdwn(truncateEscaped(`*${name}*\n${escape(value)}`, SLACK_RENDER_LIMITS.fieldText)));
}

/**
 * One line per alert of a group, packed into sections. Stops, with a visible marker, before the
 * block count or the total text would pass Slack's limits; the last blocks are reserved for
 * the divider, buttons, the marker and the context line.
 */
function alertSections(message: ChannelMessage, before: readonly SlackBlock[]): SlackBlock[] {
  const reservedBlocks = 4;
  const blockBudget = SLACK_RENDER_LIMITS.blocks - before.length - reservedBlocks;
  let textBudget = SLACK_RENDER_LIMITS.totalText - textLength(before) - 1000;
  const sections: SlackBlock[] = [];
  let current = '';
  let shown = 0;
  for (const alert of message.alerts) {
    const line = truncateEscaped(alertLine(alert), 1000);
    if (line.length + 1 > textBudget) break;
    if (current.length + line.length + 1 > SLACK_RENDER_LIMITS.sectionText) {
      if (sections.length + 1 >= blockBudget) break;
      sections.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
    textBudget -= line.length + 1;
    shown += 1;
  }
  if (current) sections.push(section(current));
  const hidden = message.alerts.length - shown;
  if (hidden > 0) {
    sections.push({
      type: 'context',
      elements: [mrkdwn(`${hidden} more alert${hidden === 1 ? '' : 's'} not shown ${TRUNCATED_MARKER}`)],
    });
  }
  return sections;
}

function alertLine(alert: MessageAlert): string {
  const name = alert.distinctLabels.length > 0 ? labelsText(alert.distinctLabels) : escape(alert.id);
  const ended = alert.endsAtText ? ` · ended ${alert.endsAtText}` : '';
  const error = alert.error ? ` · error: ${escape(alert.error)}` : '';
  return `• ${stateName(alert.state)} ${name}: *${escape(alert.conditionText)}* · since ${alert.startsAtText}${ended}${error}`;
}

function heldBackText(held: MessageHeldBack): string {
  const lines = [`*${escape(held.heading)}*`, ...held.lines.map((line) => `• ${escape(line)}`)];
  if (held.more > 0) lines.push(`… and ${held.more} more`);
  return lines.join('\n');
}

function labelsText(labels: readonly LabelPair[]): string {
  const text = labels.map((pair) => `\`${escape(pair.name)}=${escape(pair.value).replace(/`/g, "'")}\``).join(' ');
  return truncateEscaped(text, SLACK_RENDER_LIMITS.sectionText - 20);
}

function contextText(message: ChannelMessage): string {
  const parts = [`rule ${message.rule.id}`, `site ${message.site}`];
  if (message.alerts.length > 0) parts.push(`times in ${message.alerts[0]!.timezone}`);
  if (message.test) parts.push('TEST');
  if (message.reminder) parts.push('reminder');
  return `PerformanceFlow · ${parts.join(' · ')}`;
}

function fallbackText(message: ChannelMessage): string {
  return message.summary ? `${message.title}: ${message.summary}` : message.title;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(truncateEscaped(text, SLACK_RENDER_LIMITS.sectionText)) };
}

/** Text this renderer escaped itself (see escape): never pre-processed by Slack. */
function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text, verbatim: true };
}

function textLength(blocks: readonly SlackBlock[]): number {
  return JSON.stringify(blocks).length;
}

/**
 * Slack reads `&`, `<` and `>` as control characters in mrkdwn (its "escaping text" rule):
 * escaped, no event data can open a `<https://x|link>`, `<!channel>` or `<@U123>` mention.
 * mrkdwn has no escape for `*`, `_`, `~` and backticks: in event data they can restyle text,
 * never link or notify. Label values sit in code spans, where they do not even restyle. Bare
 * URLs stay as typed (copyable) in blocks, whose text is `verbatim`; the fallback text, which
 * cannot be, has them broken up (breakAutolinks).
 */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
