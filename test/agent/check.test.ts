import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPassed, formatAgentCheck, runAgentCheck } from '../../src/agent/check.js';
import { scrapeConfigsSchema } from '../../src/domain/agent/scrape-config.js';
import { systemClock } from '../../src/domain/ports.js';
import { pingSettingsSchema } from '../../src/probes/ping/settings.js';
import { tcpSettingsSchema } from '../../src/probes/tcp/settings.js';
import { closedPort } from '../support/closed-port.js';
import { startNodeExporter, type Exporter } from '../support/exporters.js';

describe('pflow agent check (scrape and probe once, send nothing)', () => {
  let node: Exporter;
  beforeAll(async () => {
    node = await startNodeExporter();
  }, 30_000);
  afterAll(async () => node?.stop());

  it('prints per job the series, the errors and what would be sent, and per probe its outcome', async () => {
    const down = `127.0.0.1:${await closedPort()}`;
    const scrapeConfigs = scrapeConfigsSchema.parse([
      {
        job_name: 'node',
        scrape_interval: '15s',
        static_configs: [{ targets: [node.address, down], labels: { room: 'a' } }],
        metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'node_load.*', action: 'keep' }],
      },
      {
        job_name: 'dropped',
        static_configs: [{ targets: ['10.9.9.9:9100'] }],
        relabel_configs: [{ source_labels: ['__address__'], regex: '10\\..*', action: 'drop' }],
      },
    ]);
    const probes = [
      {
        id: 'gw',
        kind: 'ping',
        target: '127.0.0.1',
        timeout: 3_000,
        labels: {},
        ping: pingSettingsSchema.parse({ count: 1 }),
      },
      { id: 'pacs', kind: 'tcp', target: down, timeout: 2_000, labels: {}, tcp: tcpSettingsSchema.parse({}) },
    ];

    const report = await runAgentCheck(
      { scrapeConfigs, probes },
      { clock: systemClock, userAgent: 'pflow-agent/test' },
    );
    const text = formatAgentCheck(report);

    const [nodeJob] = report.jobs;
    expect(nodeJob!.results.map((result) => result.failure?.reason)).toEqual([undefined, 'connection']);
    // node_load1, node_load5, node_load15 kept, plus 4 report series per target.
    expect(text).toContain('job node: 2 targets, 1 error, 11 series would be sent\n');
    expect(text).toMatch(
      new RegExp(
        `  up   ${node.address} \\(http://${node.address}/metrics\\): \\d+ scraped, 3 after metric relabelling, [0-9.]+ s\\n`,
      ),
    );
    expect(text).toContain('       3 metric names: node_load1 1, node_load15 1, node_load5 1\n');
    expect(text).toMatch(/ {7}e\.g\. node_load1\{instance="127\.0\.0\.1:\d+",job="node",room="a"\} [0-9.]+\n/);
    expect(text).toMatch(
      new RegExp(
        `  DOWN ${down} .*: 0 scraped, 0 after metric relabelling.*\\n       error \\(connection\\): .*ECONNREFUSED`,
      ),
    );
    expect(text).toContain(
      'job dropped: 0 targets, 0 errors, 0 series would be sent\n  dropped by relabel_configs: 10.9.9.9:9100\n',
    );
    expect(text).toContain('probes: 2 probes, 1 failure\n');
    expect(text).toMatch(/ {2}ok {3}gw \(ping 127\.0\.0\.1\): [0-9.]+ ms\n/);
    expect(text).toMatch(new RegExp(`  FAIL pacs \\(tcp ${down}\\): [0-9.]+ ms — refused: `));
    expect(text).toMatch(/would send 11 samples and 2 probe results per round \(nothing was sent\)\n$/);
    expect(checkPassed(report)).toBe(false);
  });
});
