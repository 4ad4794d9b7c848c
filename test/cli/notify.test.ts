import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryDatabasePath, SqliteDelivery } from '../../src/adapters/local/sqlite-delivery.js';
import type { ChannelDeps } from '../../src/channels/types.js';
import { runDeadLetters, runNotifyTest } from '../../src/cli/notify.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { buildNotification } from '../../src/domain/notification/dedup.js';
import { systemClock } from '../../src/domain/ports.js';
import { alertEvent } from '../delivery/fixtures.js';
import { captureLogger } from '../support/logger.js';
import { startHttpReceiver, validateJsonPayload, type HttpReceiver } from '../support/http-receiver.js';

const TOKEN = 'T0000/B0000/notify-test-secret-token';

let dir: string;
let receiver: HttpReceiver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-notify-'));
  receiver = await startHttpReceiver({ validate: validateJsonPayload });
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function captureOutput() {
  const output = { stdout: '', stderr: '' };
  return {
    output,
    out: {
      stdout: (text: string) => void (output.stdout += text),
      stderr: (text: string) => void (output.stderr += text),
    },
  };
}

function configWithWebhook() {
  const yaml = `
version: 1
sites:
  - { id: site-a, name: Demo hospital }
channels:
  - id: ops-hook
    kind: webhook
    webhook:
      url: \${HOOK_URL}
  - id: console
    kind: console
routes:
  - channels: [ops-hook]
`;
  return parseDeploymentConfig(yaml, 'test.yaml', { HOOK_URL: receiver.urlFor(`/hooks/${TOKEN}`) });
}

const deps = (): ChannelDeps => ({
  clock: systemClock,
  logger: captureLogger(),
  dataDir: dir,
  timezoneFor: () => 'UTC',
});

describe('pflow notify test', () => {
  it('sends one clearly marked test event through the channel and reports delivery', async () => {
    const { out, output } = captureOutput();

    const code = await runNotifyTest({ config: configWithWebhook(), channelId: 'ops-hook', deps: deps(), out });

    expect(code).toBe(0);
    expect(output.stdout).toMatch(
      /^Sending a test notification through channel "ops-hook" \(webhook\)…\ndelivered: HTTP 200 \(\d+ ms\)\n$/,
    );
    expect(receiver.requests).toHaveLength(1);
    const body = receiver.requests[0]!.json as { test: boolean; events: Record<string, unknown>[] };
    expect(body.test).toBe(true);
    expect(body.events).toMatchObject([
      {
        test: true,
        site: 'site-a',
        state: 'firing',
        rule: { id: 'pflow-test' },
        annotations: { summary: 'This is a test notification from PerformanceFlow' },
      },
    ]);
  });

  it.each([
    {
      reply: { status: 404, body: 'no_service' },
      want: /FAILED, permanent \(fix the channel's settings\): http_404 — HTTP 404: no_service/,
    },
    {
      reply: { status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } },
      want: /FAILED, temporary \(the pipeline would retry\): rate_limited — HTTP 429: rate_limited, receiver asks to retry after 3000 ms/,
    },
  ])('reports a $reply.status as the channel classified it, without the webhook token', async ({ reply, want }) => {
    receiver.replyWith(reply);
    const { out, output } = captureOutput();

    const code = await runNotifyTest({ config: configWithWebhook(), channelId: 'ops-hook', deps: deps(), out });

    expect(code).toBe(1);
    expect(output.stdout).toMatch(want);
    expect(output.stdout + output.stderr).not.toContain('notify-test-secret-token');
  });

  it('refuses an unknown channel and names the configured ones', async () => {
    const { out, output } = captureOutput();

    const code = await runNotifyTest({ config: configWithWebhook(), channelId: 'nope', deps: deps(), out });

    expect(code).toBe(2);
    expect(output.stderr).toBe('no channel "nope" in the config; configured: ops-hook, console\n');
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('pflow notify dead-letters', () => {
  it('says so when there is no delivery database yet', async () => {
    const { out, output } = captureOutput();
    expect(await runDeadLetters({ dbPath: deliveryDatabasePath(join(dir, 'none')), retry: false, out })).toBe(0);
    expect(output.stdout).toContain('No dead letters');
  });

  it('lists dead letters, and with --retry moves them back to the queue', async () => {
    const dbPath = deliveryDatabasePath(dir);
    const store = SqliteDelivery.open(dbPath);
    const [a, b, c] = [alertEvent({ n: 1 }), alertEvent({ n: 2 }), alertEvent({ n: 3 })];
    await store.deadLetters.add(
      buildNotification('slack', [a]),
      'http_404: HTTP 404: no_service',
      1,
      Date.UTC(2026, 10, 24, 10, 0),
    );
    await store.deadLetters.add(
      buildNotification('teams', [b, c]),
      'http_500: HTTP 500: down',
      10,
      Date.UTC(2026, 10, 24, 11, 0),
    );
    store.close();

    const listing = captureOutput();
    expect(await runDeadLetters({ dbPath, retry: false, out: listing.out })).toBe(0);
    expect(listing.output.stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID +FAILED AT \(UTC\) +CHANNEL +EVENT ID +ATTEMPTS +REASON$/),
      expect.stringMatching(
        new RegExp(`^1 +2026-11-24T10:00:00.000Z +slack +${escape(a.id)} +1 +http_404: HTTP 404: no_service$`),
      ),
      expect.stringMatching(
        new RegExp(`^2 +2026-11-24T11:00:00.000Z +teams +${escape(b.id)} +10 +http_500: HTTP 500: down$`),
      ),
      expect.stringMatching(new RegExp(`^ +teams +${escape(c.id)}$`)),
      '2 dead letter(s), 3 event(s).',
      'Re-queue them with --retry.',
      '',
    ]);

    const retrying = captureOutput();
    expect(await runDeadLetters({ dbPath, retry: true, out: retrying.out, now: () => 1_000 })).toBe(0);
    expect(retrying.output.stdout).toContain('Re-queued 2 notification(s)');

    const reopened = SqliteDelivery.open(dbPath);
    expect(await reopened.deadLetters.list()).toEqual([]);
    expect((await reopened.queue.due(1_000, 10)).map((item) => [item.notification.channel, item.attempts])).toEqual([
      ['slack', 0],
      ['teams', 0],
    ]);
    reopened.close();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
