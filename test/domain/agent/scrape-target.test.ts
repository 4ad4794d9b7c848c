import { describe, expect, it } from 'vitest';
import { scrapeConfigSchema, type ScrapeConfigInput } from '../../../src/domain/agent/scrape-config.js';
import { addTargetLabels, resolveTargets } from '../../../src/domain/agent/scrape-target.js';

const job = (input: Partial<ScrapeConfigInput>) =>
  scrapeConfigSchema.parse({ job_name: 'node', static_configs: [{ targets: ['127.0.0.1:9100'] }], ...input });

describe('resolveTargets', () => {
  it('gives job, instance and static labels, and the URL from scheme, address, path and params', () => {
    const set = resolveTargets(
      job({
        scheme: 'https',
        metrics_path: '/probe',
        params: { module: ['http_2xx'], b: ['1', '2'] },
        static_configs: [{ targets: ['ward-1:9182', 'ward-2:9182'], labels: { room: 'a' } }],
      }),
    );
    expect(set.problems).toEqual([]);
    expect(set.targets).toEqual([
      {
        job: 'node',
        address: 'ward-1:9182',
        url: 'https://ward-1:9182/probe?b=1&b=2&module=http_2xx',
        labels: { instance: 'ward-1:9182', job: 'node', room: 'a' },
      },
      {
        job: 'node',
        address: 'ward-2:9182',
        url: 'https://ward-2:9182/probe?b=1&b=2&module=http_2xx',
        labels: { instance: 'ward-2:9182', job: 'node', room: 'a' },
      },
    ]);
  });

  it("rewrites targets through blackbox_exporter, the documented pattern (target → __param_target, address → the exporter's)", () => {
    const set = resolveTargets(
      job({
        job_name: 'blackbox',
        metrics_path: '/probe',
        params: { module: ['http_2xx'] },
        static_configs: [{ targets: ['pacs.example:443'] }],
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: '127.0.0.1:9115' },
        ],
      }),
    );
    expect(set.targets).toEqual([
      {
        job: 'blackbox',
        address: '127.0.0.1:9115',
        url: 'http://127.0.0.1:9115/probe?module=http_2xx&target=pacs.example%3A443',
        labels: { instance: 'pacs.example:443', job: 'blackbox' },
      },
    ]);
  });

  it('lists targets a rule dropped, and exposes the scrape interval and timeout to rules', () => {
    const set = resolveTargets(
      job({
        scrape_interval: '15s',
        static_configs: [{ targets: ['a:1', 'b:1'] }],
        relabel_configs: [
          { source_labels: ['__address__'], regex: 'b:.*', action: 'drop' },
          { source_labels: ['__scrape_interval__', '__scrape_timeout__'], target_label: 'every' },
        ],
      }),
    );
    expect(set.dropped).toEqual(['b:1']);
    expect(set.targets.map((target) => target.labels)).toEqual([{ every: '15s;10s', instance: 'a:1', job: 'node' }]);
  });

  it('a static job label overrides the job name, as in Prometheus', () => {
    expect(
      resolveTargets(job({ static_configs: [{ targets: ['a:1'], labels: { job: 'other' } }] })).targets[0]!.labels.job,
    ).toBe('other');
  });

  it('reports a target whose address relabelling removed', () => {
    const set = resolveTargets(job({ relabel_configs: [{ target_label: '__address__', replacement: '' }] }));
    expect(set.problems).toEqual(['target 127.0.0.1:9100: relabelling left no __address__']);
  });
});

describe('addTargetLabels', () => {
  const target = { job: 'node', instance: 'a:1' };
  it('without honor_labels, a clashing page label becomes exported_<name>', () => {
    const series = new Map([
      ['__name__', 'up'],
      ['job', 'pushed'],
      ['exported_instance', 'x'],
      ['instance', 'b'],
    ]);
    addTargetLabels(series, target, false);
    expect(Object.fromEntries(series)).toEqual({
      __name__: 'up',
      job: 'node',
      instance: 'a:1',
      exported_job: 'pushed',
      exported_instance: 'x',
      exported_exported_instance: 'b',
    });
  });
  it("with honor_labels, the page's value wins", () => {
    const series = new Map([
      ['__name__', 'up'],
      ['job', 'pushed'],
    ]);
    addTargetLabels(series, target, true);
    expect(Object.fromEntries(series)).toEqual({ __name__: 'up', job: 'pushed', instance: 'a:1' });
  });
  it('removes empty values (an empty page label is no label)', () => {
    const series = new Map([
      ['__name__', 'up'],
      ['job', ''],
      ['mode', ''],
    ]);
    addTargetLabels(series, target, false);
    expect(Object.fromEntries(series)).toEqual({ __name__: 'up', job: 'node', instance: 'a:1' });
  });
});

describe('targets that only relabelling makes addresses', () => {
  it('a URL target is fine when relabelling moves it out of __address__, and named when it does not', () => {
    const ok = resolveTargets(
      job({
        static_configs: [{ targets: ['https://pacs.ward.local/health'] }],
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { target_label: '__address__', replacement: '127.0.0.1:9115' },
        ],
      }),
    );
    expect(ok.targets[0]!.url).toBe('http://127.0.0.1:9115/metrics?target=https%3A%2F%2Fpacs.ward.local%2Fhealth');
    const left = resolveTargets(
      job({
        static_configs: [{ targets: ['https://pacs.ward.local/health'] }],
        relabel_configs: [{ source_labels: ['__address__'], target_label: 'url' }],
      }),
    );
    expect(left.problems).toEqual([
      'target https://pacs.ward.local/health: __address__ "https://pacs.ward.local/health" is not host:port (relabel it, e.g. into __param_target)',
    ]);
  });
});
