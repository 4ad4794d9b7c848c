import { ASSUMPTION_KEYS, DEFAULT_ASSUMPTIONS, type CostAssumptions } from './assumptions.js';
import { STORE_BACKENDS, type CostEstimate, type LineItem, type StoreBackend } from './estimate.js';
import { FREE_TIERS, PRICES, type PriceId } from './prices.js';

/** What no line of the estimate covers; printed with every estimate. */
export const NOT_INCLUDED: readonly string[] = [
  'Grafana (Amazon Managed Grafana: $9 per editor, $5 per viewer a month)',
  'data transfer out (probe requests, notifications to Slack/Teams/webhooks, API responses)',
  'CloudWatch log storage (3 months kept), DynamoDB and S3 storage (well under 1 GB each)',
  'SES email sending, and SMS from sns channel topics (priced per country)',
  "the canaries' own Lambda and S3 costs on the Synthetics side",
  'taxes',
];

const STORE_NAMES: Readonly<Record<StoreBackend, string>> = {
  amp: 'Amazon Managed Service for Prometheus (amp)',
  timestream: 'Timestream for LiveAnalytics (timestream)',
};

export function renderCostJson(
  estimate: CostEstimate,
  source: string,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): string {
  const used = new Set<PriceId>([
    ...estimate.common.map((i) => i.priceId),
    ...STORE_BACKENDS.flatMap((b) => estimate.stores[b].map((i) => i.priceId)),
    estimate.synthetics.priceId,
  ]);
  const document = {
    config: source,
    ...estimate,
    freeTiers: {
      applied: 'usdAfterFreeTier / usdAfterFreeTiers apply the permanent free tiers only; usd applies none',
      tiers: FREE_TIERS.filter((tier) => used.has(tier.priceId)),
    },
    prices: [...used].map((id) => PRICES[id]),
    assumptions,
    notIncluded: NOT_INCLUDED,
  };
  return `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'number' ? round(value) : value), 2)}\n`;
}

export function renderCostText(
  estimate: CostEstimate,
  source: string,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): string {
  const lines: string[] = [];
  const u = estimate.usage;
  lines.push(`PerformanceFlow monthly cost estimate: ${source}`);
  lines.push(
    `${estimate.region}, on-demand prices read ${estimate.pricesReadOn}, a month of ${estimate.hoursPerMonth} h (${count(estimate.hoursPerMonth * 60)} minutes), USD.`,
  );
  lines.push(
    `Usage: ${plural(u.sites, 'site')}; ${plural(u.cloudProbes, 'cloud probe')} in ${plural(u.probeSchedules, 'schedule')} (${count(u.cloudProbeRunsPerMonth)} runs); ` +
      `${plural(u.agents, 'agent')} (${count(u.agentPushesPerMonth)} pushes, ${count(u.metricSamplesPerMonth)} samples); ` +
      `${plural(u.rules, 'rule')} in ${plural(u.ruleCycles, 'rule schedule')}; ${plural(u.channels, 'channel')}; ` +
      (u.reports > 0 ? `${plural(u.reports, 'daily report')}; ` : '') +
      `${count(u.alertEventsPerMonth)} alert events (assumed); ${plural(u.secrets, 'secret')}.`,
  );
  lines.push('');

  const header = ['service', 'item', 'quantity', 'unit', 'USD/month', 'after free tier', 'price', 'confidence'];
  const row = (i: LineItem) => {
    const price = PRICES[i.priceId];
    return [
      i.service,
      i.item,
      count(i.quantity, i.quantity < 100 ? 2 : 0),
      i.unit,
      money(i.usd),
      money(i.usdAfterFreeTier),
      `$${price.usd} / ${per(price.per)}${price.unit}`,
      price.confidence,
    ];
  };
  const rows: (string[] | string)[] = [header, ...estimate.common.map(row)];
  for (const backend of STORE_BACKENDS) {
    const configured = estimate.configuredBackend === backend ? ', the configured backend' : '';
    rows.push(`Metric store: ${STORE_NAMES[backend]}${configured}`);
    rows.push(...estimate.stores[backend].map(row));
  }
  lines.push(...table(rows));
  lines.push('');

  for (const backend of STORE_BACKENDS) {
    const total = estimate.totals[backend];
    lines.push(
      `Total with ${backend.padEnd(10)} ${money(total.usd).padStart(10)} a month (${money(total.usdAfterFreeTiers)} after permanent free tiers)`,
    );
  }
  const verdict = (backend: StoreBackend) => (estimate.totals[backend].meetsGoal ? 'met' : 'NOT met');
  lines.push(
    `Goal: under $${estimate.goalUsd} a month, Grafana aside (judged without free tiers): ` +
      STORE_BACKENDS.map((b) => `${verdict(b)} with ${b}`).join(', ') +
      '.',
  );
  const s = estimate.synthetics;
  lines.push('');
  lines.push(
    `CloudWatch Synthetics for the same ${plural(u.cloudProbes, 'cloud probe')}: ${count(s.quantity)} canary runs × $${PRICES['synthetics.run'].usd} = ${money(s.usd)} a month (${money(s.usdAfterFreeTier)} after the 100 free runs), before the canaries' own Lambda and S3 costs.`,
  );
  lines.push('');

  lines.push('Free tiers: the totals apply none; "after free tier" applies only the permanent ones:');
  for (const tier of FREE_TIERS) {
    const price = PRICES[tier.priceId];
    const applied = tier.permanent ? 'applied' : 'not applied';
    const note = tier.note ? ` (${tier.note})` : '';
    lines.push(`  ${price.service} ${price.item}: ${count(tier.amount)} ${price.unit} a month, ${applied}${note}`);
  }
  lines.push('');
  lines.push(`Not included: ${NOT_INCLUDED.join('; ')}.`);
  lines.push('');

  lines.push(`Unit prices (${estimate.region}, read ${estimate.pricesReadOn}):`);
  for (const price of Object.values(PRICES)) {
    const note = price.note ? ` — ${price.note}` : '';
    lines.push(
      `  ${price.id}: $${price.usd} per ${per(price.per)}${price.unit} [${price.confidence}] ${price.source}${note}`,
    );
  }
  lines.push('');
  lines.push('Assumptions (measured: README Performance; stack: the CDK code; assumed: a guess to disagree with):');
  for (const key of ASSUMPTION_KEYS) {
    const value = assumptions[key];
    lines.push(`  ${key} = ${count(value.value, 2)} ${value.unit} [${value.basis}]: ${value.why}`);
  }
  lines.push('');
  lines.push('How each quantity was derived:');
  for (const i of [...estimate.common, ...STORE_BACKENDS.flatMap((b) => estimate.stores[b]), estimate.synthetics]) {
    lines.push(`  ${i.priceId}: ${i.basis}`);
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: readonly (string[] | string)[]): string[] {
  const cells = rows.filter((r): r is string[] => Array.isArray(r));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((r) => r[column]!.length)));
  const numeric = new Set([2, 4, 5]);
  return rows.map((r) =>
    typeof r === 'string'
      ? r
      : r
          .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
          .join('  ')
          .trimEnd(),
  );
}

export function money(usd: number): string {
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function count(n: number, fractionDigits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: fractionDigits });
}

function per(n: number): string {
  return n === 1 ? '' : `${count(n)} `;
}

function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Float noise off (0.30000000000000004), small unit prices kept whole. */
function round(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(12));
}
