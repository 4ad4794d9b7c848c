import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeTarget } from '../../../src/agent/scrape/scraper.js';
import { scrapeConfigSchema, type ScrapeConfigInput } from '../../../src/domain/agent/scrape-config.js';
import { resolveTargets } from '../../../src/domain/agent/scrape-target.js';
import { SCRAPE_ACCEPT } from '../../../src/domain/exposition/index.js';
import { systemClock } from '../../../src/domain/ports.js';
import { closedPort } from '../../support/closed-port.js';
import { startBlackboxExporter, startNodeExporter, type Exporter } from '../../support/exporters.js';

const deps = { clock: systemClock, userAgent: 'pflow-agent/test' };

async function scrapeOnce(input: Partial<ScrapeConfigInput> & { static_configs: ScrapeConfigInput['static_configs'] }) {
  const job = scrapeConfigSchema.parse({ job_name: 'test', scrape_interval: '15s', scrape_timeout: '5s', ...input });
  const [target] = resolveTargets(job).targets;
  return scrapeTarget(job, target!, deps);
}

function valueOf(samples: readonly { name: string; value: number }[], name: string): number | undefined {
  return samples.find((sample) => sample.name === name)?.value;
}

describe('scraping Debian exporters on 127.0.0.1', () => {
  let node: Exporter;
  let blackbox: Exporter;
  let site: Server;
  let siteAddress: string;

  beforeAll(async () => {
    [node, blackbox] = await Promise.all([startNodeExporter(), startBlackboxExporter()]);
    site = createHttpServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteAddress = `127.0.0.1:${(site.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    await Promise.all([node?.stop(), blackbox?.stop(), new Promise((resolve) => site?.close(resolve))]);
  });

  it('scrapes node_exporter: target labels on every series, Prometheus report series, timestamps at the scrape', async () => {
    const result = await scrapeOnce({
      job_name: 'node',
      static_configs: [{ targets: [node.address], labels: { room: 'a' } }],
    });

    expect(result.failure).toBeUndefined();
    const load = result.samples.find((sample) => sample.name === 'node_load1')!;
    expect(load.labels).toEqual({ instance: node.address, job: 'node', room: 'a' });
    expect(load.time).toBe(result.time);
    expect(
      result.samples.some((sample) => sample.name === 'node_cpu_seconds_total' && sample.labels.mode === 'idle'),
    ).toBe(true);
    expect(result.report).toMatchObject({
      up: true,
      scraped: result.samples.length,
      postRelabel: result.samples.length,
    });
    expect(result.reportSamples.map((sample) => [sample.name, sample.labels])).toEqual([
      ['up', { instance: node.address, job: 'node', room: 'a' }],
      ['scrape_duration_seconds', { instance: node.address, job: 'node', room: 'a' }],
      ['scrape_samples_scraped', { instance: node.address, job: 'node', room: 'a' }],
      ['scrape_samples_post_metric_relabeling', { instance: node.address, job: 'node', room: 'a' }],
    ]);
    expect(valueOf(result.reportSamples, 'up')).toBe(1);
    expect(valueOf(result.reportSamples, 'scrape_samples_scraped')).toBe(result.samples.length);
  });

  it('metric_relabel_configs drop and rewrite series; the report counts before and after', async () => {
    const result = await scrapeOnce({
      job_name: 'node',
      static_configs: [{ targets: [node.address] }],
      metric_relabel_configs: [
        { source_labels: ['__name__'], regex: 'go_.*|promhttp_.*|process_.*', action: 'drop' },
        { source_labels: ['__name__', 'mode'], regex: 'node_cpu_seconds_total;(idle|user)', action: 'keep' },
        { source_labels: ['cpu'], target_label: 'core', replacement: 'cpu$1' },
        { regex: 'cpu', action: 'labeldrop' },
      ],
    });
    expect(result.failure).toBeUndefined();
    expect(new Set(result.samples.map((sample) => sample.labels.mode))).toEqual(new Set(['idle', 'user']));
    expect(
      result.samples.every(
        (sample) =>
          sample.name === 'node_cpu_seconds_total' && /^cpu\d+$/.test(sample.labels.core!) && !('cpu' in sample.labels),
      ),
    ).toBe(true);
    expect(result.report.postRelabel).toBe(result.samples.length);
    expect(result.report.scraped).toBeGreaterThan(result.report.postRelabel);
  });

  it('sample_limit fails the whole scrape (up 0, no samples) and says by how much', async () => {
    const result = await scrapeOnce({ static_configs: [{ targets: [node.address] }], sample_limit: 10 });
    expect(result.samples).toEqual([]);
    expect(result.failure?.reason).toBe('sample_limit');
    expect(result.failure?.message).toMatch(/^\d+ samples after metric relabelling, over sample_limit \(10\)$/);
    expect(valueOf(result.reportSamples, 'up')).toBe(0);
  });

  it('probes through blackbox_exporter with the documented relabelling: probe_success of the site, instance = the probed target', async () => {
    const result = await scrapeOnce({
      job_name: 'blackbox',
      metrics_path: '/probe',
      params: { module: ['http_2xx'] },
      static_configs: [{ targets: [siteAddress] }],
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target', replacement: 'http://$1/' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: blackbox.address },
      ],
    });
    expect(result.failure).toBeUndefined();
    const success = result.samples.find((sample) => sample.name === 'probe_success')!;
    expect(success).toMatchObject({ value: 1, labels: { instance: `http://${siteAddress}/`, job: 'blackbox' } });
    expect(valueOf(result.samples, 'probe_http_status_code')).toBe(200);
  });

  it("scrapes blackbox_exporter's own page too (a second exporter's format and families)", async () => {
    const result = await scrapeOnce({ job_name: 'blackbox-self', static_configs: [{ targets: [blackbox.address] }] });
    expect(result.failure).toBeUndefined();
    expect(result.samples.some((sample) => sample.name === 'blackbox_exporter_build_info')).toBe(true);
  });
});

/** A loopback server whose handler is picked per path; it records the headers it was sent. */
describe('hostile and odd targets fail with a reason, never a stalled agent', () => {
  let server: Server;
  let address: string;
  let slowloris: NetServer;
  let slowlorisAddress: string;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let lastHeaders: IncomingHttpHeaders = {};

  beforeAll(async () => {
    server = createHttpServer((request, response) => {
      lastHeaders = request.headers;
      switch (request.url) {
        case '/openmetrics':
          response.setHeader('content-type', 'application/openmetrics-text; version=1.0.0; charset=utf-8');
          response.end('# TYPE jobs counter\njobs_total{queue="a"} 3 1700000000.5\n# EOF\n');
          return;
        case '/text-with-timestamp':
          response.setHeader('content-type', 'text/plain; version=0.0.4');
          response.end('jobs_total{queue="a"} 3 1700000000500\n');
          return;
        case '/garbage':
          response.end('<html><body>Login required</body></html>\n');
          return;
        case '/announced-huge':
          response.setHeader('content-length', String(200 * 1024 * 1024));
          response.write('a 1\n');
          return; // never ends: the limit must act on the header alone
        case '/chunked-huge': {
          const line = Buffer.from('a_metric_with_a_long_name{label="value"} 1\n'.repeat(1000));
          const write = (): void => {
            while (response.write(line)) {
              /* fill the socket */
            }
          };
          response.on('drain', write);
          write();
          return;
        }
        case '/gzip-bomb':
          response.setHeader('content-encoding', 'gzip');
          response.end(gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a')));
          return;
        case '/trickle': {
          response.setHeader('content-type', 'text/plain');
          const timer = setInterval(() => response.write('#'), 20);
          timers.add(timer);
          response.on('close', () => clearInterval(timer));
          return;
        }
        case '/hang':
          return;
        case '/error':
          response.statusCode = 500;
          response.end('boom');
          return;
        case '/duplicate':
          response.end('a{x="1"} 1\na{x="1"} 2\nb 3\n');
          return;
        default:
          response.statusCode = 404;
          response.end();
      }
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Slowloris in reverse: a target that accepts and sends its status line one byte at a time.
    slowloris = createNetServer((socket) => {
      sockets.add(socket);
      const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n';
      let at = 0;
      const timer = setInterval(() => {
        if (at < text.length && !socket.destroyed) socket.write(text[at++]!);
      }, 200);
      timers.add(timer);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => slowloris.listen(0, '127.0.0.1', resolve));
    slowlorisAddress = `127.0.0.1:${(slowloris.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise((resolve) => server.close(resolve)),
      new Promise((resolve) => slowloris.close(resolve)),
    ]);
  });

  const at = (path: string, extra: Partial<ScrapeConfigInput> = {}) =>
    scrapeOnce({ static_configs: [{ targets: [address] }], metrics_path: path, ...extra });

  it('asks as Prometheus asks (OpenMetrics first, then text 0.0.4) and reads OpenMetrics timestamps in seconds', async () => {
    const result = await at('/openmetrics');
    expect(lastHeaders.accept).toBe(SCRAPE_ACCEPT);
    expect(lastHeaders.accept).toMatch(
      /^application\/openmetrics-text;version=1\.0\.0;q=0\.5,.*text\/plain;version=0\.0\.4;q=0\.3/,
    );
    expect(lastHeaders['accept-encoding']).toBe('gzip');
    expect(lastHeaders['x-prometheus-scrape-timeout-seconds']).toBe('5');
    expect(result.samples).toEqual([
      { name: 'jobs_total', labels: { instance: address, job: 'test', queue: 'a' }, time: 1_700_000_000_500, value: 3 },
    ]);
  });

  it('honor_timestamps: false stamps every sample with the scrape time', async () => {
    expect((await at('/text-with-timestamp')).samples[0]!.time).toBe(1_700_000_000_500);
    const result = await at('/text-with-timestamp', { honor_timestamps: false });
    expect(result.samples[0]!.time).toBe(result.time);
  });

  it('a garbage page fails the scrape with the parser line', async () => {
    const result = await at('/garbage');
    expect(result.failure).toEqual({ reason: 'parse', message: expect.stringMatching(/^line 1: /) });
    expect(result.samples).toEqual([]);
    expect(valueOf(result.reportSamples, 'up')).toBe(0);
  });

  it('a body announced over body_size_limit fails at the header', async () => {
    const result = await at('/announced-huge', { body_size_limit: '1MiB' });
    expect(result.failure).toEqual({
      reason: 'body_size_limit',
      message: 'the body (209715200 bytes, Content-Length) is over body_size_limit (1048576 bytes)',
    });
  });

  it('an endless chunked body fails once it passes body_size_limit', async () => {
    const result = await at('/chunked-huge', { body_size_limit: '1MiB' });
    expect(result.failure).toEqual({
      reason: 'body_size_limit',
      message: 'the body is over body_size_limit (1048576 bytes)',
    });
  });

  it('a gzip bomb stops at body_size_limit after decompression', async () => {
    const result = await at('/gzip-bomb', { body_size_limit: '1MiB' });
    expect(result.failure).toEqual({
      reason: 'body_size_limit',
      message: 'the body is over body_size_limit (1048576 bytes after decompression)',
    });
  });

  it.each([
    ['a trickling body', '/trickle', 'reading the body'],
    ['a target that accepts and never answers', '/hang', 'waiting for the response headers'],
  ])('%s fails at scrape_timeout', async (_name, path, stage) => {
    const result = await at(path, { scrape_timeout: '400ms', scrape_interval: '1s' });
    expect(result.failure).toEqual({
      reason: 'timeout',
      message: `no complete answer within scrape_timeout (400 ms; was ${stage})`,
    });
    expect(result.report.durationSeconds).toBeGreaterThanOrEqual(0.39);
    expect(result.report.durationSeconds).toBeLessThan(3);
  });

  it('a target sending its headers a byte at a time fails at scrape_timeout', async () => {
    const result = await scrapeOnce({
      static_configs: [{ targets: [slowlorisAddress] }],
      scrape_timeout: '400ms',
      scrape_interval: '1s',
    });
    expect(result.failure?.reason).toBe('timeout');
  });

  it('an HTTP error status and a refused connection are failures with their reason', async () => {
    expect((await at('/error')).failure).toEqual({
      reason: 'http_status',
      message: 'server returned HTTP status 500 Internal Server Error',
    });
    const refused = await scrapeOnce({ static_configs: [{ targets: [`127.0.0.1:${await closedPort()}`] }] });
    expect(refused.failure?.reason).toBe('connection');
    expect(refused.failure?.message).toMatch(/ECONNREFUSED/);
  });

  it('a duplicate series keeps the first and is reported as a warning with its line', async () => {
    const result = await at('/duplicate');
    expect(result.failure).toBeUndefined();
    expect(result.samples.map((sample) => [sample.name, sample.value])).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
    expect(result.warnings.map((warning) => warning.line)).toEqual([2]);
  });
});
