/**
 * Remote-write encoding benchmark: this adapter's encoder (hand-written protobuf + snappy block
 * compressor) against the `prometheus-remote-write` npm package (protobufjs + snappyjs) on the same
 * series, side by side in one run: samples per second and compressed bytes per sample, from the
 * series (label objects + samples) to the snappy body. No network. Prints figures; asserts nothing.
 *
 *   npx tsx bench/remote-write.ts
 */
import { pushTimeseries } from 'prometheus-remote-write';
import { encodeWriteRequest, type EncodableSeries } from '../src/adapters/prometheus/write-request.js';
import { compress } from '../src/adapters/prometheus/snappy.js';
import { sortedLabelPairs } from '../src/adapters/prometheus/series-mapping.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

interface Shape {
  readonly name: string;
  readonly series: number;
  readonly samplesPerSeries: number;
}

/** Probe-like series: blackbox names, 6–7 labels, a sample every 30 s. */
function makeSeries(shape: Shape) {
  const names = ['probe_success', 'probe_duration_seconds', 'probe_http_status_code', 'probe_http_duration_seconds'];
  return Array.from({ length: shape.series }, (_, i) => {
    const name = names[i % names.length]!;
    const labels: Record<string, string> = {
      __name__: name,
      site: `site-${i % 5}`,
      probe: `probe-${Math.floor(i / names.length)}`,
      kind: 'http',
      instance: `https://app-${Math.floor(i / names.length)}.hospital.example/login`,
      team: i % 2 === 0 ? 'apps' : 'infra',
    };
    if (name === 'probe_http_duration_seconds') labels.phase = 'connect';
    const samples = Array.from({ length: shape.samplesPerSeries }, (_, k) => ({
      timestamp: T0 + k * 30_000 + (i % 1000),
      value: name === 'probe_success' ? 1 : 0.001 * ((i * 7 + k * 13) % 900) + 0.01,
    }));
    return { labels, samples };
  });
}

type Series = ReturnType<typeof makeSeries>;

async function ours(input: Series): Promise<number> {
  const encodable: EncodableSeries[] = input.map(({ labels, samples }) => ({
    labels: sortedLabelPairs(labels),
    times: samples.map((s) => s.timestamp),
    values: samples.map((s) => s.value),
  }));
  return compress(encodeWriteRequest(encodable)).length;
}

async function theirs(input: Series): Promise<number> {
  let bytes = 0;
  await pushTimeseries(input as never, {
    url: 'http://127.0.0.1:1/unused',
    fetch: async (_url, init) => {
      bytes = (init!.body as unknown as Uint8Array).byteLength;
      return { status: 204, statusText: 'No Content', text: async () => '' };
    },
  });
  return bytes;
}

async function measure(run: (input: Series) => Promise<number>, input: Series, samples: number, minMs = 1_500) {
  for (let i = 0; i < 3; i++) await run(input); // warm up
  let iterations = 0;
  let bytes = 0;
  // CPU time, not wall time: the machine is shared, and both encoders are single-threaded.
  const cpu = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000;
  };
  while (cpuMs() < minMs) {
    bytes = await run(input);
    iterations++;
  }
  return { samplesPerSecond: (samples * iterations * 1000) / cpuMs(), bytesPerSample: bytes / samples };
}

const shapes: Shape[] = [
  { name: 'one probe cycle: 10,000 series x 1 sample', series: 10_000, samplesPerSeries: 1 },
  { name: 'agent replay: 1,000 series x 20 samples', series: 1_000, samplesPerSeries: 20 },
];

console.log(`remote-write encoding (series -> snappy WriteRequest), Node ${process.version}, per CPU-second`);
for (const shape of shapes) {
  const input = makeSeries(shape);
  const samples = shape.series * shape.samplesPerSeries;
  const a = await measure(ours, input, samples);
  const b = await measure(theirs, input, samples);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`\n${shape.name} (${samples.toLocaleString('en-US')} samples per request)`);
  console.log(
    `  pflow encoder            ${fmt(a.samplesPerSecond).padStart(12)} samples/s  ${a.bytesPerSample.toFixed(2)} bytes/sample`,
  );
  console.log(
    `  prometheus-remote-write  ${fmt(b.samplesPerSecond).padStart(12)} samples/s  ${b.bytesPerSample.toFixed(2)} bytes/sample`,
  );
  console.log(`  speed-up                 ${(a.samplesPerSecond / b.samplesPerSecond).toFixed(1)}x`);
}
