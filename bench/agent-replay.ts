/**
 * Replay of a full agent buffer after an outage to a loopback ingest (README, Performance).
 * `npx tsx bench/agent-replay.ts [--mb 1024] [--gzip 1] [--parse]`
 * Fills a disk buffer with node_exporter-like samples, then times the forwarder sending all of it
 * (read, encode, gzip, POST, ack) to an HTTP receiver on 127.0.0.1 that gunzips every body (and,
 * with --parse, JSON-parses it, as the real ingest does). Prints MB/s of buffer bytes replayed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DiskBuffer } from '../src/agent/buffer/disk-buffer.js';
import { Batcher, batchLimits } from '../src/agent/forward/batcher.js';
import { Forwarder } from '../src/agent/forward/forwarder.js';
import { HttpTransport } from '../src/agent/forward/transport.js';
import { systemClock, systemTimers } from '../src/domain/ports.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const targetMb = Number(opt('mb', '1024'));
const gzipLevel = Number(opt('gzip', '1'));
const parse = args.includes('--parse');

const dir = mkdtempSync(join(tmpdir(), 'pflow-replay-'));
const limits = batchLimits(10_000, gzipLevel);
const buffer = DiskBuffer.open({ dir, maxBytes: 2 * 1024 ** 3, fsync: 'interval', ...limits });
const batcher = new Batcher(buffer, { ...limits, maxBatchAgeMs: 10_000, now: Date.now });

const T0 = Date.now();
const page = Array.from({ length: 2_000 }, (_, i) => ({
  name: `node_cpu_seconds_total`,
  labels: {
    job: 'node',
    instance: `10.1.2.${String(i % 250)}:9100`,
    cpu: String(i % 64),
    mode: 'user',
    agent: 'ward-1',
  },
  time: T0,
  value: i * 1.5,
}));
let scrapes = 0;
const fillStart = performance.now();
while (buffer.stats().pendingBytes < targetMb * 1024 * 1024) {
  scrapes++;
  batcher.add(page.map((s) => ({ ...s, time: T0 + scrapes * 15_000 })));
}
batcher.flush();
buffer.sync();
const filled = buffer.stats();
const fillSeconds = (performance.now() - fillStart) / 1000;

let bodies = 0;
let jsonBytes = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    jsonBytes += json.length;
    bodies += raw.length;
    if (parse) JSON.parse(json.toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"duplicate":false}');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const transport = new HttpTransport({
  url: `http://127.0.0.1:${String(port)}/v1/ingest`,
  token: 'pfa_bench_0123456789abcdef',
  timeoutMs: 60_000,
  env: {},
  userAgent: 'pflow-agent/bench',
});
const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const forwarder = new Forwarder(
  { agent: { id: 'ward-1', version: 'bench' }, gzipLevel },
  { buffer, transport, clock: systemClock, timers: systemTimers, logger },
);
const cpu0 = process.cpuUsage();
const start = performance.now();
await forwarder.kick();
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const mb = filled.pendingBytes / 1024 / 1024;
console.log(
  `buffer: ${mb.toFixed(0)} MiB, ${String(filled.pendingBatches)} batches, ${String(scrapes * 2_000)} samples (filled in ${fillSeconds.toFixed(1)} s)`,
);
console.log(
  `replay: ${seconds.toFixed(1)} s = ${(mb / seconds).toFixed(1)} MiB/s of buffer, ${((scrapes * 2_000) / seconds / 1e6).toFixed(2)} M samples/s; ` +
    `gzip level ${String(gzipLevel)}: ${(bodies / 1024 / 1024).toFixed(0)} MiB on the wire (${(jsonBytes / bodies).toFixed(1)}x); ` +
    `receiver ${parse ? 'gunzip + JSON.parse' : 'gunzip only'}, same process; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
);
console.log(`left in buffer: ${String(buffer.stats().pendingBatches)} batches`);
await transport.close();
server.close();
buffer.close();
rmSync(dir, { recursive: true, force: true });
