import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCost } from '../../src/cli/cost.js';
import { buildProgram } from '../../src/cli/main.js';
import { PRICES } from '../../src/domain/cost/prices.js';

const REFERENCE = relative(process.cwd(), join(import.meta.dirname, '../../config/reference-site.yaml'));
const scratch = mkdtempSync(join(tmpdir(), 'pflow-cost-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: { stdout: (s: string) => stdout.push(s), stderr: (s: string) => stderr.push(s) }, stdout, stderr };
}

describe('pflow cost --config FILE', () => {
  it('estimates the reference site as text: both stores, the goal, and Synthetics beside it', async () => {
    const { out, stdout, stderr } = capture();
    expect(await runCost({ config: REFERENCE, format: 'text' }, out)).toBe(0);
    expect(stderr).toEqual([]);
    const text = stdout.join('');
    expect(text).toContain(
      'Usage: 1 site; 100 cloud probes in 2 schedules (4,380,000 runs); 5 agents (219,000 pushes, 438,000,000 samples); 210 rules in 4 rule schedules; 3 channels; 3,000 alert events (assumed); 2 secrets.',
    );
    expect(text).toContain('Metric store: Amazon Managed Service for Prometheus (amp), the configured backend');
    expect(text).toContain('Metric store: Timestream for LiveAnalytics (timestream)\n');
    expect(text).toMatch(/^Total with amp +\$58\.39 a month \(\$50\.10 after permanent free tiers\)$/m);
    expect(text).toMatch(/^Total with timestream +\$863\.20 a month/m);
    expect(text).toContain(
      'Goal: under $60 a month, Grafana aside (judged without free tiers): met with amp, NOT met with timestream.',
    );
    expect(text).toContain(
      'CloudWatch Synthetics for the same 100 cloud probes: 4,380,000 canary runs × $0.0012 = $5,256.00 a month',
    );
    // Every unit price is printed with its source, and the unconfirmed ones say so.
    for (const price of Object.values(PRICES)) expect(text).toContain(`${price.id}: $${price.usd} per`);
    expect(text).toContain('timestream.query: $0.518 per TCU-hours [unconfirmed]');
    expect(text).toContain('Not included: Grafana');
  });

  it('prints the same estimate as JSON', async () => {
    const { out, stdout } = capture();
    expect(await runCost({ config: REFERENCE, format: 'json' }, out)).toBe(0);
    const doc = JSON.parse(stdout.join(''));
    expect(doc.config).toBe(REFERENCE);
    expect(doc.region).toBe('us-east-1');
    expect(doc.hoursPerMonth).toBe(730);
    expect(doc.usage).toMatchObject({ cloudProbes: 100, agents: 5, rules: 210, cloudProbeRunsPerMonth: 4_380_000 });
    expect(doc.totals.amp.usd).toBeCloseTo(58.39, 2);
    expect(doc.totals.amp.meetsGoal).toBe(true);
    expect(doc.totals.timestream.usd).toBeCloseTo(863.2, 2);
    expect(doc.synthetics).toMatchObject({ quantity: 4_380_000, usd: 5256 });
    expect(doc.prices.find((p: any) => p.id === 'lambda.arm64.duration').usd).toBe(0.0000133334);
    for (const price of doc.prices) expect(price.source).toMatch(/^https:\/\//);
    expect(doc.assumptions.agentSeries.value).toBe(2_000);
    expect(doc.notIncluded[0]).toMatch(/^Grafana/);
  });

  it('--assume replaces an assumption, and the output shows the new value', async () => {
    const { out, stdout } = capture();
    const code = await runCost({ config: REFERENCE, format: 'json', assume: ['agentPushIntervalSeconds=120'] }, out);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout.join(''));
    expect(doc.assumptions.agentPushIntervalSeconds).toMatchObject({ value: 120, basis: 'assumed' });
    expect(doc.usage.metricSamplesPerMonth).toBe(219_000_000);
    // Half the agent samples: 219M × $0.90 / 10M = $19.71 less ingestion; the rest moves a little too.
    expect(doc.totals.amp.usd).toBeLessThan(58.39 - 19.71);
  });

  it('refuses an --assume it does not understand, naming each one', async () => {
    const { out, stdout, stderr } = capture();
    const code = await runCost({ config: REFERENCE, format: 'text', assume: ['nope=1', 'agentSeries=-3'] }, out);
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    const lines = stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^--assume nope=1: expected KEY=NUMBER with KEY one of hoursPerMonth, agentSeries, /);
    expect(lines[1]).toBe('--assume agentSeries=-3: agentSeries must be a number, 0 or more');
  });

  it("the README's reference-site figures are what the command prints", async () => {
    const { out, stdout } = capture();
    await runCost({ config: REFERENCE, format: 'json' }, out);
    const doc = JSON.parse(stdout.join(''));
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What it costs'), readme.indexOf('## Development'));
    const usd = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    // A table row's two figures, whatever padding prettier gives the cells.
    const row = (label: string, a: string, b: string) =>
      new RegExp(`^\\| ${label} +\\| ${a.replace(/[.*]/g, '\\$&')} +\\| ${b.replace(/[.*]/g, '\\$&')} +\\|$`, 'm');
    expect(section).toMatch(
      row('\\*\\*total\\*\\*', `**${usd(doc.totals.amp.usd)}**`, `**${usd(doc.totals.timestream.usd)}**`),
    );
    expect(section).toMatch(
      row(
        'after the permanent free tiers',
        usd(doc.totals.amp.usdAfterFreeTiers),
        usd(doc.totals.timestream.usdAfterFreeTiers),
      ),
    );
    expect(section).toMatch(
      row(
        'CloudWatch Synthetics instead of the probe function, same probes',
        usd(doc.synthetics.usd),
        usd(doc.synthetics.usd),
      ),
    );
    expect(section).toContain(`read\n${doc.pricesReadOn}`);
  });

  it("the README's reference-site figures per service, in the table and in where it goes, are what the command prints", async () => {
    const { out, stdout } = capture();
    await runCost({ config: REFERENCE, format: 'json' }, out);
    const doc = JSON.parse(stdout.join('')) as { common: { service: string; usd: number }[] };
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('**The reference site**'), readme.indexOf('## Development'));
    const usd = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const byService = new Map<string, number>();
    for (const line of doc.common) byService.set(line.service, (byService.get(line.service) ?? 0) + line.usd);
    // Each common service: its table row's label, and how the "Where it goes" list names it.
    const names: Record<string, { row: string; prose: string }> = {
      Lambda: { row: 'Lambda:', prose: 'Lambda $' },
      'EventBridge Scheduler': { row: 'EventBridge Scheduler:', prose: 'Scheduler $' },
      SNS: { row: 'SNS:', prose: '' },
      SQS: { row: 'SQS:', prose: 'SQS $' },
      DynamoDB: { row: 'DynamoDB on-demand:', prose: 'DynamoDB $' },
      'Secrets Manager': { row: 'Secrets Manager:', prose: 'Secrets Manager $' },
      KMS: { row: 'KMS:', prose: '**KMS, $' },
      CloudWatch: { row: 'CloudWatch:', prose: '**CloudWatch, $' },
      'API Gateway': { row: 'API Gateway HTTP API', prose: 'API Gateway $' },
    };
    expect([...byService.keys()].sort()).toEqual(Object.keys(names).sort());
    for (const [service, total] of byService) {
      const { row, prose } = names[service]!;
      const figure = usd(total);
      const cells = new RegExp(`^\\| ${row.replace(/[.*$]/g, '\\$&')}[^|]*\\| ${figure} +\\| ${figure} +\\|$`, 'm');
      expect({ service, row: cells.test(section) }).toEqual({ service, row: true });
      if (prose !== '')
        expect({ service, prose: section.includes(`${prose}${figure}`) }).toEqual({ service, prose: true });
    }
  });

  it('refuses an invalid config with the words every command uses, and prints no estimate', async () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'sites: [{ id: s1 }]',
        "probes: [{ id: p1, site: s1, kind: http, target: 'https://a.example/', interval: 30s }]",
        'aws: {}',
        '',
      ].join('\n'),
    );
    const { out, stdout, stderr } = capture();
    expect(await runCost({ config: file, format: 'text' }, out)).toBe(1);
    expect(stdout).toEqual([]);
    const lines = stderr.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^probes\[0\]\.interval: a cloud probe runs on whole minutes/);
    expect(lines.at(-1)).toBe(`${file}: 1 error, config not loaded`);
  });

  it('refuses a missing file the same way', async () => {
    const file = join(scratch, 'absent.yaml');
    const { out, stdout, stderr } = capture();
    expect(await runCost({ config: file, format: 'json' }, out)).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toBe(`(file): no such file: ${file}\n${file}: 1 error, config not loaded\n`);
  });

  it('is a registered command that knows only us-east-1 prices', async () => {
    const { out, stdout } = capture();
    const program = buildProgram(out).exitOverride();
    program.commands
      .find((c) => c.name() === 'cost')!
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    await expect(
      program.parseAsync(['cost', '--config', REFERENCE, '--region', 'eu-west-1'], { from: 'user' }),
    ).rejects.toThrow(/Allowed choices are us-east-1/);
    expect(stdout).toEqual([]);
    await program.parseAsync(['cost', '--config', REFERENCE, '--format', 'json', '--assume', 'agentSeries=1000'], {
      from: 'user',
    });
    const doc = JSON.parse(stdout.join(''));
    expect(doc.usage.rules).toBe(210);
    expect(doc.usage.metricSamplesPerMonth).toBe(219_000_000);
  });
});
