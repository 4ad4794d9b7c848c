import { describe, expect, it } from 'vitest';
import { scrapeConfigSchema, type ScrapeConfigInput } from '../../../src/domain/agent/scrape-config.js';
import { samplesFromPage } from '../../../src/domain/agent/scrape-samples.js';
import { parseExposition, type ParsedPage } from '../../../src/domain/exposition/index.js';

const target = { instance: 'ward-1:9182', job: 'windows' };
const T = 1_700_000_000_000;

function run(page: string, input: Partial<ScrapeConfigInput> = {}) {
  const job = scrapeConfigSchema.parse({
    job_name: 'windows',
    static_configs: [{ targets: ['ward-1:9182'] }],
    ...input,
  });
  const parsed = parseExposition(page) as ParsedPage;
  expect(parsed.ok).toBe(true);
  return samplesFromPage(parsed, job, target, T);
}

describe('samplesFromPage', () => {
  const before031 = [
    '# TYPE windows_cs_logical_processors gauge',
    'windows_cs_logical_processors 8',
    '# TYPE windows_os_timezone gauge',
    'windows_os_timezone{timezone="CET"} 1',
    '# TYPE windows_cpu_time_total counter',
    'windows_cpu_time_total{core="0,0",mode="idle"} 12',
    '',
  ].join('\n');

  it("maps windows_exporter's pre-v0.31 names to the v0.31 ones", () => {
    expect(run(before031).samples.map((sample) => [sample.name, sample.labels])).toEqual([
      ['windows_cpu_logical_processor', target],
      ['windows_time_timezone', { ...target, timezone: 'CET' }],
      ['windows_cpu_time_total', { ...target, core: '0,0', mode: 'idle' }],
    ]);
  });

  it('metric_relabel_configs see the v0.31 names', () => {
    const kept = run(before031, {
      metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'windows_time_.*', action: 'keep' }],
    });
    expect(kept.samples.map((sample) => sample.name)).toEqual(['windows_time_timezone']);
    expect(kept).toMatchObject({ scraped: 3, postRelabel: 1 });
  });

  it('a v0.30 page carrying both names keeps only the new series', () => {
    const page = 'windows_system_boot_time_timestamp_seconds 1.7e9\nwindows_system_boot_time_timestamp 1.7e9\n';
    expect(run(page).samples.map((sample) => sample.name)).toEqual(['windows_system_boot_time_timestamp']);
  });

  it('windows_exporter_names: as_scraped leaves the names alone', () => {
    expect(run(before031, { windows_exporter_names: 'as_scraped' }).samples[0]!.name).toBe(
      'windows_cs_logical_processors',
    );
  });

  it('two series merged by relabelling keep the first', () => {
    const result = run('a{x="1"} 1\na{x="2"} 2\n', { metric_relabel_configs: [{ regex: 'x', action: 'labeldrop' }] });
    expect(result.samples.map((sample) => sample.value)).toEqual([1]);
  });
});
