/**
 * Log drop (directory target) throughput: alert events appended per second to real files,
 * with size rotation, as the local runtime writes them. Prints figures; asserts nothing.
 *
 *   npx tsx bench/logdrop.ts
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogDropSender } from '../src/channels/logdrop/logdrop.js';
import { logDropSettingsSchema } from '../src/channels/logdrop/settings.js';
import type { AlertEvent } from '../src/domain/alerts/event.js';
import type { Notification } from '../src/domain/notification/outcome.js';
import { systemClock } from '../src/domain/ports.js';
import { alertEvent } from '../test/support/alert-event.js';

const silent = () => undefined;

function event(n: number): AlertEvent {
  return alertEvent({
    id: `site-a/pfsw-login/${n.toString(16).padStart(16, '0')}/2026-11-24T10:31:00Z/firing`,
    labels: { probe: 'pfsw-login', target: 'https://pfsw.example/login', instance: `host-${n % 100}` },
    annotations: { summary: 'Login API is down', runbook: 'https://wiki.example/runbooks/pfsw' },
    startsAt: '2026-11-24T10:29:00Z',
    evaluatedAt: '2026-11-24T10:31:00Z',
  });
}

async function run(label: string, total: number, perNotification: number, concurrency: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pflow-bench-logdrop-'));
  const sender = createLogDropSender('bench', logDropSettingsSchema.parse({ directory: dir, max_bytes: 1024 * 1024 }), {
    clock: systemClock,
    logger: { debug: silent, info: silent, warn: silent, error: silent },
    dataDir: dir,
    timezoneFor: () => 'UTC',
  });
  const notifications: Notification[] = [];
  for (let n = 0; n < total; n += perNotification) {
    notifications.push({
      key: `k${n}`,
      channel: 'bench',
      events: Array.from({ length: perNotification }, (_, i) => event(n + i)),
    });
  }
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < notifications.length) {
        const notification = notifications[next++]!;
        const t0 = process.hrtime.bigint();
        const outcome = await sender.send(notification);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (outcome.status !== 'delivered') throw new Error(JSON.stringify(outcome));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const files = (await readdir(join(dir, 'site-a'))).length;
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(3);
  console.log(
    `${label.padEnd(34)} ${String(Math.round(total / seconds)).padStart(8)} events/s  ` +
      `send p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  ${files} files (1 MiB rotation)`,
  );
  await rm(dir, { recursive: true, force: true });
}

console.log(`log drop, directory target, node ${process.version}`);
await run('1 event per notification, 1 at once', 20_000, 1, 1);
await run('1 event per notification, 16 at once', 20_000, 1, 16);
await run('50 events per notification (grouped)', 50_000, 50, 1);
