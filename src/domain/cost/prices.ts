/**
 * The unit prices `pflow cost` multiplies usage by: AWS us-east-1, on-demand, USD. Every price
 * carries where it was read and when, and how sure that reading is:
 *
 * - `aws`: read on an AWS page (pricing page, documentation, AWS blog);
 * - `third-party`: the AWS page was not available to read; the figure comes from the third-party
 *   page cited, and agrees with the other third-party pages found;
 * - `unconfirmed`: no page read states this figure; it is the commonly quoted one and the estimate
 *   says so next to every line that uses it.
 *
 * Prices change: check the live pricing pages before relying on a figure. Update `PRICES_READ_ON`
 * and each entry's `read` when you re-read one.
 */

export type PriceConfidence = 'aws' | 'third-party' | 'unconfirmed';

export interface UnitPrice {
  readonly id: PriceId;
  readonly service: string;
  readonly item: string;
  /** USD per `per` units of `unit`. */
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  /** ISO date the source was read. */
  readonly read: string;
  readonly confidence: PriceConfidence;
  readonly note?: string;
}

/** A monthly allowance. Only `permanent` ones are applied, and only to the "after free tiers" total. */
export interface FreeTier {
  readonly priceId: PriceId;
  /** In the price's unit. */
  readonly amount: number;
  readonly permanent: boolean;
  readonly source: string;
  readonly note?: string;
}

export const PRICES_READ_ON = '2026-12-01';
export const PRICE_REGION = 'us-east-1';

const READ = PRICES_READ_ON;

export const PRICE_IDS = [
  'lambda.requests',
  'lambda.arm64.duration',
  'scheduler.invocations',
  'timestream.writes',
  'timestream.memory',
  'timestream.magnetic',
  'timestream.query',
  'amp.ingest',
  'amp.storage',
  'amp.query',
  'sns.publish',
  'sns.email',
  'sqs.requests',
  'dynamodb.writes',
  'dynamodb.reads',
  's3.put',
  'secrets.secret',
  'secrets.api',
  'kms.key',
  'kms.requests',
  'cloudwatch.alarm',
  'cloudwatch.metric',
  'cloudwatch.logs.ingest',
  'apigateway.http',
  'synthetics.run',
] as const;
export type PriceId = (typeof PRICE_IDS)[number];

export const PRICES: Readonly<Record<PriceId, UnitPrice>> = {
  'lambda.requests': {
    id: 'lambda.requests',
    service: 'Lambda',
    item: 'requests',
    usd: 0.2,
    per: 1_000_000,
    unit: 'requests',
    source: 'https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html',
    read: READ,
    confidence: 'aws',
  },
  'lambda.arm64.duration': {
    id: 'lambda.arm64.duration',
    service: 'Lambda',
    item: 'duration, arm64 (first 7.5 billion GB-s)',
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-s',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    read: READ,
    confidence: 'third-party',
    note: 'x86 is $0.0000166667/GB-s (AWS whitepaper); the functions run on arm64',
  },
  'scheduler.invocations': {
    id: 'scheduler.invocations',
    service: 'EventBridge Scheduler',
    item: 'invocations',
    usd: 1,
    per: 1_000_000,
    unit: 'invocations',
    source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
    read: READ,
    confidence: 'third-party',
  },
  'timestream.writes': {
    id: 'timestream.writes',
    service: 'Timestream for LiveAnalytics',
    item: 'writes (1 KiB units)',
    usd: 0.5,
    per: 1_000_000,
    unit: 'write units',
    source: 'https://aws.amazon.com/timestream/pricing/',
    read: READ,
    confidence: 'aws',
    note: "AWS's archived pricing page (US East (Ohio)); metering per request in 1 KiB units: https://docs.aws.amazon.com/timestream/latest/developerguide/metering-and-pricing.writes.html",
  },
  'timestream.memory': {
    id: 'timestream.memory',
    service: 'Timestream for LiveAnalytics',
    item: 'memory store',
    usd: 0.036,
    per: 1,
    unit: 'GB-hours',
    source: 'https://aws.amazon.com/timestream/pricing/',
    read: READ,
    confidence: 'aws',
    note: "AWS's archived pricing page (US East (Ohio))",
  },
  'timestream.magnetic': {
    id: 'timestream.magnetic',
    service: 'Timestream for LiveAnalytics',
    item: 'magnetic store',
    usd: 0.03,
    per: 1,
    unit: 'GB-months',
    source: 'https://aws.amazon.com/timestream/pricing/',
    read: READ,
    confidence: 'aws',
    note: "AWS's archived pricing page (US East (Ohio)): $0.0000411 per GB-hour",
  },
  'timestream.query': {
    id: 'timestream.query',
    service: 'Timestream for LiveAnalytics',
    item: 'queries (TCU-hours)',
    usd: 0.518,
    per: 1,
    unit: 'TCU-hours',
    source: 'https://docs.aws.amazon.com/timestream/latest/developerguide/tcu.html',
    read: READ,
    confidence: 'unconfirmed',
    note: 'the page gives the billing model (at least 4 TCUs, per second, 30 s minimum) but says the price "varies by Region"; $0.518 is a figure quoted by a third party, not confirmed',
  },
  'amp.ingest': {
    id: 'amp.ingest',
    service: 'Managed Service for Prometheus',
    item: 'samples ingested (first 2 billion a month)',
    usd: 0.9,
    per: 10_000_000,
    unit: 'samples',
    source: 'https://aws.amazon.com/prometheus/pricing/',
    read: READ,
    confidence: 'unconfirmed',
    note: "the AWS page's billing model and free tier were read, not its rate table; $0.90 per 10M is the rate third-party notes quote (next 250 billion: $0.35 per 10M, not reached here)",
  },
  'amp.storage': {
    id: 'amp.storage',
    service: 'Managed Service for Prometheus',
    item: 'metrics stored',
    usd: 0.03,
    per: 1,
    unit: 'GB-months',
    source: 'https://aws.amazon.com/prometheus/pricing/',
    read: READ,
    confidence: 'unconfirmed',
    note: 'rate as third-party notes quote it; the AWS page says samples take 1-2 bytes plus metadata',
  },
  'amp.query': {
    id: 'amp.query',
    service: 'Managed Service for Prometheus',
    item: 'query samples processed',
    usd: 0.1,
    per: 1_000_000_000,
    unit: 'samples',
    source: 'https://aws.amazon.com/prometheus/pricing/',
    read: READ,
    confidence: 'unconfirmed',
    note: 'rate as third-party notes quote it',
  },
  'sns.publish': {
    id: 'sns.publish',
    service: 'SNS',
    item: 'standard topic publishes',
    usd: 0.5,
    per: 1_000_000,
    unit: 'publishes',
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    read: READ,
    confidence: 'third-party',
    note: 'deliveries to SQS and Lambda are not charged by SNS',
  },
  'sns.email': {
    id: 'sns.email',
    service: 'SNS',
    item: 'email deliveries (sns channels)',
    usd: 2,
    per: 100_000,
    unit: 'deliveries',
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    read: READ,
    confidence: 'third-party',
  },
  'sqs.requests': {
    id: 'sqs.requests',
    service: 'SQS',
    item: 'standard queue requests (64 KB chunks)',
    usd: 0.4,
    per: 1_000_000,
    unit: 'requests',
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing',
    read: READ,
    confidence: 'third-party',
  },
  'dynamodb.writes': {
    id: 'dynamodb.writes',
    service: 'DynamoDB',
    item: 'on-demand write request units',
    usd: 0.625,
    per: 1_000_000,
    unit: 'WRU',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    read: READ,
    confidence: 'third-party',
    note: 'after the 50% cut of 2024-11-01 (AWS blog: https://aws.amazon.com/blogs/aws/amazon-dynamodb-on-demand-no-capacity-planning-and-pay-per-request-pricing)',
  },
  'dynamodb.reads': {
    id: 'dynamodb.reads',
    service: 'DynamoDB',
    item: 'on-demand read request units',
    usd: 0.125,
    per: 1_000_000,
    unit: 'RRU',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    read: READ,
    confidence: 'third-party',
  },
  's3.put': {
    id: 's3.put',
    service: 'S3',
    item: 'PUT requests (logdrop channels)',
    usd: 0.005,
    per: 1_000,
    unit: 'requests',
    source: 'https://c3x.dev/blog/s3-request-fees-explained',
    read: READ,
    confidence: 'third-party',
  },
  'secrets.secret': {
    id: 'secrets.secret',
    service: 'Secrets Manager',
    item: 'secrets',
    usd: 0.4,
    per: 1,
    unit: 'secret-months',
    source: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms',
    read: READ,
    confidence: 'third-party',
  },
  'secrets.api': {
    id: 'secrets.api',
    service: 'Secrets Manager',
    item: 'API calls',
    usd: 0.05,
    per: 10_000,
    unit: 'calls',
    source: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms',
    read: READ,
    confidence: 'third-party',
  },
  'kms.key': {
    id: 'kms.key',
    service: 'KMS',
    item: 'customer managed keys',
    usd: 1,
    per: 1,
    unit: 'key-months',
    source: 'https://aws.amazon.com/kms/pricing/',
    read: READ,
    confidence: 'aws',
    note: 'with rotation on, each rotated backing key adds $1/month: from the second year',
  },
  'kms.requests': {
    id: 'kms.requests',
    service: 'KMS',
    item: 'requests',
    usd: 0.03,
    per: 10_000,
    unit: 'requests',
    source: 'https://www.wring.co/blog/aws-kms-pricing-guide',
    read: READ,
    confidence: 'third-party',
  },
  'cloudwatch.alarm': {
    id: 'cloudwatch.alarm',
    service: 'CloudWatch',
    item: 'standard-resolution alarms',
    usd: 0.1,
    per: 1,
    unit: 'alarm-months',
    source: 'https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm',
    read: READ,
    confidence: 'third-party',
  },
  'cloudwatch.metric': {
    id: 'cloudwatch.metric',
    service: 'CloudWatch',
    item: 'custom metrics (EMF), first 10,000',
    usd: 0.3,
    per: 1,
    unit: 'metric-months',
    source: 'https://signoz.io/guides/cloudwatch-pricing',
    read: READ,
    confidence: 'third-party',
    note: 'prorated by the hour, metered only for the hours a metric is sent: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html',
  },
  'cloudwatch.logs.ingest': {
    id: 'cloudwatch.logs.ingest',
    service: 'CloudWatch',
    item: 'logs ingested',
    usd: 0.5,
    per: 1,
    unit: 'GB',
    source: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
    read: READ,
    confidence: 'third-party',
    note: 'log storage (3 months kept) is not priced: no source read gives its rate',
  },
  'apigateway.http': {
    id: 'apigateway.http',
    service: 'API Gateway',
    item: 'HTTP API requests (first 300M, 512 KB units)',
    usd: 1,
    per: 1_000_000,
    unit: 'requests',
    source: 'https://aws.amazon.com/blogs/compute/announcing-http-apis-for-amazon-api-gateway/',
    read: READ,
    confidence: 'aws',
    note: 'metered in 512 KB increments: https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
  },
  'synthetics.run': {
    id: 'synthetics.run',
    service: 'CloudWatch Synthetics',
    item: 'canary runs',
    usd: 0.0012,
    per: 1,
    unit: 'runs',
    source: 'https://thomasstep.com/blog/cloudformation-for-creating-canary',
    read: READ,
    confidence: 'third-party',
    note: "also https://blog.mattsbit.co.uk/2023/11/11/aws-synthetics-canaries-when-to-bite-the-bullet/; excludes the canaries' own Lambda and S3 artifact costs",
  },
};

export const FREE_TIERS: readonly FreeTier[] = [
  {
    priceId: 'lambda.requests',
    amount: 1_000_000,
    permanent: true,
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
  },
  {
    priceId: 'lambda.arm64.duration',
    amount: 400_000,
    permanent: true,
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
  },
  {
    priceId: 'scheduler.invocations',
    amount: 14_000_000,
    permanent: true,
    source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
  },
  {
    priceId: 'amp.ingest',
    amount: 40_000_000,
    permanent: false,
    source: 'https://aws.amazon.com/prometheus/pricing/',
    note: 'AWS Free Tier; whether it is always free was not confirmed, so it is not applied',
  },
  { priceId: 'amp.storage', amount: 10, permanent: false, source: 'https://aws.amazon.com/prometheus/pricing/' },
  {
    priceId: 'amp.query',
    amount: 200_000_000_000,
    permanent: false,
    source: 'https://aws.amazon.com/prometheus/pricing/',
  },
  {
    priceId: 'sns.publish',
    amount: 1_000_000,
    permanent: false,
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    note: 'not confirmed, so not applied',
  },
  {
    priceId: 'sqs.requests',
    amount: 1_000_000,
    permanent: true,
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing',
  },
  { priceId: 'kms.requests', amount: 20_000, permanent: true, source: 'https://aws.amazon.com/kms/pricing/' },
  { priceId: 'cloudwatch.alarm', amount: 10, permanent: true, source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  {
    priceId: 'cloudwatch.metric',
    amount: 10,
    permanent: true,
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: '10 detailed-monitoring (custom) metrics',
  },
  {
    priceId: 'cloudwatch.logs.ingest',
    amount: 5,
    permanent: true,
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  {
    priceId: 'apigateway.http',
    amount: 1_000_000,
    permanent: false,
    source: 'https://aws.amazon.com/blogs/compute/announcing-http-apis-for-amazon-api-gateway/',
    note: 'first 12 months only',
  },
  { priceId: 'synthetics.run', amount: 100, permanent: true, source: 'https://aws.amazon.com/cloudwatch/pricing/' },
];

/** USD for `quantity` units at a price. */
export function costOf(priceId: PriceId, quantity: number): number {
  const price = PRICES[priceId];
  return (quantity / price.per) * price.usd;
}

/** The permanent free allowance of a price, in its unit (0 when none is applied). */
export function permanentAllowance(priceId: PriceId): number {
  return FREE_TIERS.filter((tier) => tier.priceId === priceId && tier.permanent).reduce((sum, t) => sum + t.amount, 0);
}
