import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRAPE_ACCEPT, parseExposition, type ParsedPage } from '../../../src/domain/exposition/index.js';
import { closedPort } from '../../support/closed-port.js';

/**
 * A real node_exporter (Debian `prometheus-node-exporter`, which .ci/run installs) on 127.0.0.1 with a
 * few collectors, scraped over loopback as the agent will scrape it.
 */
let child: ChildProcess | undefined;
let body = '';
let contentType = '';

beforeAll(async () => {
  const found = spawnSync('sh', ['-c', 'command -v prometheus-node-exporter'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      'prometheus-node-exporter is not installed (apt-get install -y --no-install-recommends prometheus-node-exporter; .ci/run does it)',
    );
  }
  const port = await closedPort();
  child = spawn(
    found.stdout.trim(),
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.cpu',
      '--collector.meminfo',
      '--collector.loadavg',
      '--collector.filesystem',
      '--collector.netdev',
      '--collector.stat',
      '--collector.time',
      '--collector.uname',
    ],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 100 && body === ''; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: SCRAPE_ACCEPT } });
      contentType = response.headers.get('content-type') ?? '';
      body = await response.text();
    } catch {
      await delay(100); // not listening yet
    }
  }
  if (body === '') throw new Error('node_exporter did not answer on 127.0.0.1 within 10 s');
});

afterAll(() => {
  child?.kill();
});

describe('a live node_exporter page', () => {
  let page: ParsedPage;
  beforeAll(() => {
    const result = parseExposition(new TextEncoder().encode(body), { contentType });
    if (!result.ok) throw new Error(`the page did not parse: ${JSON.stringify(result.errors)}`);
    page = result;
  });

  it('parses without a warning, one sample per sample line', () => {
    const sampleLines = body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(page.warnings).toEqual([]);
    expect(page.size).toBe(sampleLines.length);
  });

  it('has the facts an operator relies on', () => {
    const names = new Set(Array.from(page.nameIds, (id) => page.symbols[id]));
    for (const name of [
      'node_exporter_build_info',
      'node_cpu_seconds_total',
      'node_memory_MemTotal_bytes',
      'node_load1',
      'node_uname_info',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(page.families.get('node_cpu_seconds_total')?.type).toBe('counter');
    expect(page.families.get('node_load1')?.type).toBe('gauge');
    const build = page.sample(page.nameIds.indexOf(page.symbols.indexOf('node_exporter_build_info')));
    expect(build.value).toBe(1);
    expect(build.labels).toContain('version');
  });

  it('has only finite values, except NaN where a summary quantile may be empty', () => {
    for (let i = 0; i < page.size; i++) {
      const sample = page.sample(i);
      const quantile = sample.family.type === 'summary' && sample.labels.includes('quantile');
      if (!Number.isFinite(sample.value)) expect(quantile && Number.isNaN(sample.value), sample.name).toBe(true);
      expect(sample.timestamp).toBeUndefined();
    }
  });

  it('is accepted by promtool check metrics too', () => {
    const run = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).not.toContain('parsing error');
  });
});
