import type { Notification } from '../../domain/notification/outcome.js';
import {
  overviewFacts,
  stateName,
  summarise,
  type ChannelMessage,
  type LabelPair,
  type MessageAlert,
  type MessageColour,
  type SummariseOptions,
} from '../common/message.js';
import { breakAutolinks, WORD_JOINER } from '../common/markup.js';
import { truncateText, TRUNCATED_MARKER } from '../common/truncate.js';

/**
 * Teams rejects messages around 28 KB and one library measured ~21 KB as the real threshold
 * (docs/limits.md, Teams): stay below 20,000 bytes of JSON for the whole request.
 */
export const TEAMS_MAX_PAYLOAD_BYTES = 20_000;
/** 1.4 is what Grafana sends and every current Teams client renders; 1.5 adds nothing used here. */
export const ADAPTIVE_CARD_VERSION = '1.4';

export interface TeamsPayload {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: 'application/vnd.microsoft.card.adaptive';
      readonly contentUrl: null;
      readonly content: AdaptiveCard;
    },
  ];
}

export interface AdaptiveCard {
  readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  readonly type: 'AdaptiveCard';
  readonly version: typeof ADAPTIVE_CARD_VERSION;
  readonly body: readonly CardElement[];
  readonly actions?: readonly { readonly type: 'Action.OpenUrl'; readonly title: string; readonly url: string }[];
  readonly msteams: { readonly width: 'Full' };
}

export type CardElement =
  | {
      readonly type: 'TextBlock';
      readonly text: string;
      readonly wrap: true;
      readonly size?: 'Small' | 'Medium' | 'Large';
      readonly weight?: 'Bolder';
      readonly color?: TextColour;
      readonly isSubtle?: boolean;
      readonly spacing?: 'None' | 'Small' | 'Medium';
    }
  | { readonly type: 'FactSet'; readonly facts: readonly { readonly title: string; readonly value: string }[] }
  | {
      readonly type: 'Container';
      readonly style?: ContainerStyle;
      readonly bleed?: boolean;
      readonly separator?: boolean;
      readonly items: readonly CardElement[];
    };

type TextColour = 'Default' | 'Attention' | 'Warning' | 'Good' | 'Accent';
type ContainerStyle = 'attention' | 'warning' | 'good' | 'accent' | 'emphasis';

const TEXT_COLOUR: Record<MessageColour['tone'], TextColour> = {
  danger: 'Attention',
  warning: 'Warning',
  good: 'Good',
  accent: 'Accent',
  neutral: 'Default',
};
const CONTAINER_STYLE: Record<MessageColour['tone'], ContainerStyle> = {
  danger: 'attention',
  warning: 'warning',
  good: 'good',
  accent: 'accent',
  neutral: 'emphasis',
};

/** How much of a long message to show; shrunk step by step until the card fits the budget. */
interface Budget {
  readonly alerts: number;
  readonly labels: number;
  readonly text: number;
}

const BUDGETS: readonly Budget[] = [
  { alerts: 50, labels: 40, text: 2000 },
  { alerts: 25, labels: 20, text: 1000 },
  { alerts: 10, labels: 10, text: 500 },
  { alerts: 5, labels: 5, text: 200 },
  { alerts: 1, labels: 3, text: 100 },
];

/** Pure: one notification → the Workflows webhook body: one Adaptive Card in the `attachments` envelope. */
export function renderTeams(
  notification: Notification,
  options: SummariseOptions & { readonly maxBytes?: number } = {},
): TeamsPayload {
  const message = summarise(notification, options);
  const maxBytes = options.maxBytes ?? TEAMS_MAX_PAYLOAD_BYTES;
  let payload = envelope(card(message, BUDGETS[0]!));
  for (const budget of BUDGETS.slice(1)) {
    if (Buffer.byteLength(JSON.stringify(payload)) <= maxBytes) break;
    payload = envelope(card(message, budget));
  }
  return payload;
}

function envelope(content: AdaptiveCard): TeamsPayload {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

function card(message: ChannelMessage, budget: Budget): AdaptiveCard {
  // Cut first, then escape: an escape is never split and the budget counts what readers see.
  const text = (value: string): string => escapeMarkdown(truncateText(value, budget.text));
  const heading: CardElement[] = [
    {
      type: 'TextBlock',
      text: text(message.title),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: TEXT_COLOUR[message.colour.tone],
    },
  ];
  if (message.test) {
    heading.push({
      type: 'TextBlock',
      text: 'Test notification sent by pflow notify test: no alert is firing.',
      wrap: true,
    });
  }
  if (message.state === 'resolved') heading.push({ type: 'TextBlock', text: '✅ Resolved', wrap: true, color: 'Good' });
  if (message.reminder)
    heading.push({ type: 'TextBlock', text: 'Reminder: still firing.', wrap: true, isSubtle: true });
  const body: CardElement[] = [
    { type: 'Container', style: CONTAINER_STYLE[message.colour.tone], bleed: true, items: heading },
  ];
  if (message.summary) body.push({ type: 'TextBlock', text: text(message.summary), wrap: true, weight: 'Bolder' });
  if (message.description) body.push({ type: 'TextBlock', text: text(message.description), wrap: true });

  const single = message.alerts.length === 1 ? message.alerts[0] : undefined;
  const overview = overviewFacts(message);
  if (single?.error) overview.push(['Error', single.error]);
  body.push(factSet(overview.map(([title, value]) => ({ title, value: text(value) }))));
  if (message.commonLabels.length > 0) {
    body.push({ type: 'TextBlock', text: 'Labels', wrap: true, weight: 'Bolder', spacing: 'Medium' });
    body.push(labelFacts(message.commonLabels, budget, text));
  }
  if (!single) {
    const shown = message.alerts.slice(0, budget.alerts);
    for (const alert of shown) body.push(alertContainer(alert, budget, text));
    const hidden = message.alerts.length - shown.length;
    if (hidden > 0) {
      body.push({
        type: 'TextBlock',
        text: `${hidden} more alert${hidden === 1 ? '' : 's'} not shown ${TRUNCATED_MARKER}`,
        wrap: true,
        isSubtle: true,
      });
    }
  }
  if (message.heldBack !== undefined) {
    const held = message.heldBack;
    const shown = held.lines.slice(0, budget.alerts);
    const more = held.more + held.lines.length - shown.length;
    body.push({ type: 'TextBlock', text: text(held.heading), wrap: true, weight: 'Bolder', spacing: 'Medium' });
    body.push({
      type: 'TextBlock',
      text: [...shown.map((line) => `- ${text(line)}`), ...(more > 0 ? [`- … and ${more} more`] : [])].join('\n'),
      wrap: true,
    });
  }
  body.push({
    type: 'TextBlock',
    text: escapeMarkdown(
      `PerformanceFlow · rule ${message.rule.id} · times in ${message.alerts[0]?.timezone ?? 'UTC'}`,
    ),
    wrap: true,
    size: 'Small',
    isSubtle: true,
  });

  const actions = message.links.slice(0, 5).map((link) => ({
    type: 'Action.OpenUrl' as const,
    title: truncateText(link.title, 80),
    url: link.url,
  }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

function alertContainer(alert: MessageAlert, budget: Budget, text: (value: string) => string): CardElement {
  const facts = [
    { title: 'State', value: stateName(alert.state) },
    { title: 'Value', value: text(alert.conditionText) },
    { title: 'Started', value: text(alert.startsAtText) },
    ...(alert.endsAtText ? [{ title: 'Ended', value: text(alert.endsAtText) }] : []),
    ...(alert.error ? [{ title: 'Error', value: text(alert.error) }] : []),
  ];
  const name = alert.distinctLabels.map((pair) => `${pair.name}=${pair.value}`).join(', ') || alert.id;
  const items: CardElement[] = [{ type: 'TextBlock', text: text(name), wrap: true, weight: 'Bolder' }, factSet(facts)];
  return { type: 'Container', separator: true, items };
}

/** One fact per label, cut visibly when the set is longer than the budget allows. */
function labelFacts(labels: readonly LabelPair[], budget: Budget, text: (value: string) => string): CardElement {
  const facts = labels.slice(0, budget.labels).map((pair) => ({ title: text(pair.name), value: text(pair.value) }));
  const hidden = labels.length - facts.length;
  if (hidden > 0)
    facts.push({ title: '…', value: `${hidden} more label${hidden === 1 ? '' : 's'} ${TRUNCATED_MARKER}` });
  return factSet(facts);
}

function factSet(facts: readonly { title: string; value: string }[]): CardElement {
  // Adaptive Cards render FactSet values as Markdown-lite; an empty value would be dropped.
  return { type: 'FactSet', facts: facts.map((fact) => ({ title: fact.title, value: fact.value || '—' })) };
}

/**
 * Escapes event data for the Markdown subset Teams renders in TextBlock text and in FactSet
 * titles and values (bold, italic, lists, `[text](url)` links), so that label values and
 * annotations from a scraped target show as typed and never become a link or formatting:
 *
 * - `[text](url)`, `[text][ref]` and a `[ref]: url` definition need `]` right before `(`, `[`
 *   or `:`: a word joiner goes in between. Teams' mobile clients do not honour every backslash
 *   escape (AdaptiveCards issues 5590 and 4677), and this split holds in every parser.
 * - `*`, `~`, backticks, `\`, `<` (an autolink or HTML), `_` where it can delimit emphasis
 *   (not between letters or digits, where CommonMark ignores it: `node_exporter` stays
 *   readable) and an entity-like `&name;` get a CommonMark backslash escape.
 * - A line starting like a list item (`- `, `+ `, `1. `) is escaped the same way.
 * - `{{` is split: Adaptive Cards would read `{{DATE(…)}}` as a formatting function.
 * - Bare URLs are broken up (breakAutolinks): Teams links them by itself.
 */
export function escapeMarkdown(value: string): string {
  return breakAutolinks(value)
    .replace(/[\\*~`]|<(?=[a-z/!?])|&(?=#?\w+;)/gi, '\\$&')
    .replace(/_/g, (underscore, offset: number, whole: string) =>
      /[\p{L}\p{N}]/u.test(whole.charAt(offset - 1)) && /[\p{L}\p{N}]/u.test(whole.charAt(offset + 1))
        ? underscore
        : '\\_',
    )
    .replace(/\](?=[([:])/g, `]${WORD_JOINER}`)
    .replace(/^([ \t]*)([-+])(?=[ \t]|$)/gm, '$1\\$2')
    .replace(/^([ \t]*\d{1,9})([.)])(?=[ \t]|$)/gm, '$1\\$2')
    .replace(/\{\{/g, `{${WORD_JOINER}{`);
}
