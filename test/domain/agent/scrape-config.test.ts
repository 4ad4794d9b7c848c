import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../../src/domain/agent/byte-size.js';
import { scrapeConfigSchema, scrapeConfigsSchema } from '../../../src/domain/agent/scrape-config.js';

const minimal = { job_name: 'node', static_configs: [{ targets: ['127.0.0.1:9100'] }] };

function problems(input: unknown): string[] {
  const result = scrapeConfigsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('scrape config', () => {
  it('applies Prometheus defaults and the agent caps', () => {
    const job = scrapeConfigSchema.parse(minimal);
    expect(job).toMatchObject({
      job_name: 'node',
      scrape_interval: 60_000,
      scrape_timeout: 10_000,
      scheme: 'http',
      metrics_path: '/metrics',
      params: {},
      honor_labels: false,
      honor_timestamps: true,
      body_size_limit: 50 * 1024 * 1024,
      sample_limit: 200_000,
      static_configs: [{ targets: ['127.0.0.1:9100'], labels: {} }],
      relabel_configs: [],
      metric_relabel_configs: [],
      windows_exporter_names: 'v0.31',
    });
  });

  it('reads the contract example (durations, sizes, labels, relabel rules)', () => {
    const job = scrapeConfigSchema.parse({
      job_name: 'node',
      scrape_interval: '15s',
      scrape_timeout: '10s',
      static_configs: [{ targets: ['127.0.0.1:9100'], labels: { room: 'a' } }],
      metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
      body_size_limit: '10MiB',
      sample_limit: 50000,
    });
    expect(job.scrape_interval).toBe(15_000);
    expect(job.scrape_timeout).toBe(10_000);
    expect(job.body_size_limit).toBe(10 * 1024 * 1024);
    expect(job.metric_relabel_configs[0]!.action).toBe('drop');
  });

  it('cuts the default timeout to a shorter interval', () => {
    expect(scrapeConfigSchema.parse({ ...minimal, scrape_interval: '5s' }).scrape_timeout).toBe(5_000);
  });

  it.each([
    [
      { ...minimal, scrape_interval: '15s', scrape_timeout: '20s' },
      '0.scrape_timeout: must be at most scrape_interval (20s > 15s)',
    ],
    [
      { ...minimal, static_configs: [{ targets: ['http://host:9100/metrics'] }] },
      '0.static_configs.0.targets.0: must be host:port',
    ],
    [
      { ...minimal, static_configs: [{ targets: ['h:1'], labels: { __x: 'y' } }] },
      'label names starting with __ are reserved',
    ],
    [{ ...minimal, body_size_limit: '10 parsecs' }, '0.body_size_limit: unknown unit "parsecs"'],
    [{ ...minimal, scrape_interval: 'soon' }, '0.scrape_interval: not a duration'],
    [{ ...minimal, metrics_path: 'metrics' }, '0.metrics_path: must start with /'],
    [{ ...minimal, scheme: 'ftp' }, '0.scheme: Invalid option'],
    [{ ...minimal, honour_labels: true }, 'Unrecognized key: "honour_labels"'],
    [
      { ...minimal, metric_relabel_configs: [{ action: 'hashmod', source_labels: ['a'], target_label: 'b' }] },
      '0.metric_relabel_configs.0.modulus: the hashmod action needs a modulus above 0',
    ],
  ])('refuses %j', (job, message) => {
    expect(problems([job]).join('\n')).toContain(message);
  });

  it('refuses two jobs of one name, naming the first', () => {
    expect(problems([minimal, { ...minimal }])).toEqual([
      '1.job_name: job_name "node" is already used by scrape_configs[0]',
    ]);
  });
});

describe('byte sizes', () => {
  it.each([
    ['0', 0],
    ['512B', 512],
    ['1KB', 1024],
    ['1KiB', 1024],
    ['10MiB', 10 * 1024 * 1024],
    ['10MB', 10 * 1024 * 1024],
    ['1GiB', 1024 ** 3],
    ['2 gib', 2 * 1024 ** 3],
  ])('%s is %i bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });
  it.each(['', '10', 'MiB', '1.5MiB', '-1MiB'])('refuses %j', (text) => {
    expect(() => parseByteSize(text)).toThrow(/not a size/);
  });
});

describe('README', () => {
  it('the Scraping example is a valid scrape_configs list', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Scraping')))![1]!;
    const jobs = scrapeConfigsSchema.parse((parse(block) as { scrape_configs: unknown }).scrape_configs);
    expect(jobs.map((job) => job.job_name)).toEqual(['windows', 'blackbox']);
  });
});
