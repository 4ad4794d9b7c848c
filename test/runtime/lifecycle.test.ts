import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSilenceAdd } from '../../src/cli/silence.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { systemClock } from '../../src/domain/ports.js';
import { readApiToken } from '../../src/runtime/api-token.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { captureLogger } from '../support/logger.js';

/**
 * An alert's life in the local runtime, end to end with real parts: a portal that answers 503, a
 * loopback Slack webhook, the console channel as the escalation tier. The Slack message carries a
 * signed Acknowledge link; tier 1 is told when nobody acknowledged; the link's confirmation acks
 * it and both the routed channel and the tier hear who and why; a run-time silence made with the
 * CLI then holds nothing back from the resolution, which both hear too.
 */

const LINK_KEY = 'ack-link-key-0123456789abcdef0123456789';
let dir: string;
let target: Server;
let healthy = false;
let slack: HttpReceiver;
let runtime: LocalRuntime | undefined;
let lines: any[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-lifecycle-'));
  lines = [];
  healthy = false;
  target = createServer((_request, response) => {
    response.statusCode = healthy ? 200 : 503;
    response.end();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  slack = await startHttpReceiver({ reply: { status: 200, body: 'ok' } });
});
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await slack.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function configText(): string {
  const port = (target.address() as { port: number }).port;
  return `
version: 1
sites: [{ id: site-a }]
probes:
  - { id: portal, site: site-a, kind: http, target: 'http://127.0.0.1:${port}/', interval: 200ms, timeout: 150ms }
rule_groups:
  - name: availability
    interval: 200ms
    rules:
      - id: portal-down
        name: Portal down
        severity: critical
        measure: success
        matchers: ['probe="portal"']
        window: 5s
        reducer: last
        threshold: { op: '<', value: 1 }
        # A loaded machine may leave a gap in results: that must not resolve and re-fire the alert.
        no_data: keep_last
channels:
  - { id: ward-slack, kind: slack, slack: { url: '${slack.urlFor('/services/T0/B0/x')}' } }
  - { id: oncall, kind: console, console: { format: json } }
routes:
  - matchers: ['rule="portal-down"']
    channels: [ward-slack]
    escalate: [{ after: 1s, channels: [oncall] }]
acknowledge: { link_key: '${LINK_KEY}' }
local: { data_dir: '${join(dir, 'data')}', api_listen: '127.0.0.1:0' }
`;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const slackTexts = () => slack.requests.map((request) => (request.json as { text: string }).text);
const slackWith = (part: string) => slackTexts().find((text) => text.includes(part));

describe('an alert’s life in the local runtime', () => {
  it('fires with a link, escalates, is acknowledged through the link, and resolves to everyone under a silence', async () => {
    const file = join(dir, 'pflow.yaml');
    runtime = new LocalRuntime(parseDeploymentConfig(configText(), file, {}), {
      clock: systemClock,
      logger: captureLogger(),
      stdout: (line) => lines.push(JSON.parse(line)),
    });
    const api = (await runtime.start()).api;

    await until('the firing on Slack', () => slackWith('[FIRING:1]'));
    const firing = slack.requests.find((request) => JSON.stringify(request.json).includes('[FIRING:1]'))!;
    const link = /"url":"([^"]*\/ack\/v1\.[^"]+)"/.exec(JSON.stringify(firing.json))?.[1];
    expect(link?.startsWith(`${api}/ack/`)).toBe(true);

    // Nobody acknowledged within 1 s: tier 1 (the console) is told, and only it.
    const tier = await until('tier 1 on the console', () => lines.find((event) => event.escalation?.tier === 1));
    expect(tier).toMatchObject({ state: 'firing', escalation: { tier: 1, channels: ['oncall'] } });
    expect(slackTexts().filter((text) => text.includes('escalated'))).toEqual([]);

    // A GET only shows the page; the form's POST acknowledges.
    expect((await fetch(link!)).status).toBe(200);
    expect(slackWith('ACKNOWLEDGED')).toBeUndefined();
    const confirmed = await fetch(link!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ by: 'Ana', reason: 'restarting the portal' }),
    });
    expect(confirmed.status).toBe(200);
    await until('the acknowledgement on Slack', () => slackWith('acknowledged by Ana: restarting the portal'));
    await until('the acknowledgement on the tier', () => lines.find((event) => event.acknowledgement?.by === 'Ana'));
    const audit = (await (await fetch(`${api}/api/acks`)).json()) as { acks: any[] };
    expect(audit.acks).toEqual([
      expect.objectContaining({ action: 'ack', by: 'Ana', source: 'link', remote: '127.0.0.1' }),
    ]);

    // The API acknowledges with the data directory's token, too; a second ack is recorded, not re-announced.
    const token = readApiToken(join(dir, 'data'))!;
    const second = await fetch(`${api}/api/alerts/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ alert: 'portal-down', by: 'Bo', reason: 'me too' }),
    });
    expect(await second.json()).toMatchObject({ outcome: 'already_acknowledged', acknowledgedBy: 'Ana' });

    // Silenced with the CLI, then it resolves: the resolved still goes out, to the route and the tier.
    const out = { stdout: () => {}, stderr: () => {} };
    expect(
      runSilenceAdd(
        {
          dataDir: join(dir, 'data'),
          clock: systemClock,
          match: ['rule="portal-down"'],
          author: 'Ana',
          comment: 'fixing',
          for: '1h',
        },
        out,
      ),
    ).toBe(0);
    const silenced = (await (await fetch(`${api}/api/silences`)).json()) as { silences: any[] };
    expect(silenced.silences).toEqual([expect.objectContaining({ status: 'active', author: 'Ana' })]);
    healthy = true;
    await until('the resolved on Slack', () => slackWith('[RESOLVED:1]'));
    await until('the resolved on the tier', () => lines.find((event) => event.state === 'resolved'));
    expect(slackTexts().filter((text) => text.includes('ACKNOWLEDGED'))).toHaveLength(1);
    expect(lines.filter((event) => event.escalation !== undefined)).toHaveLength(1);
  }, 40_000);

  it('two acknowledgements of one alert at once: one audit record each, one update message', async () => {
    const file = join(dir, 'pflow.yaml');
    runtime = new LocalRuntime(parseDeploymentConfig(configText(), file, {}), {
      clock: systemClock,
      logger: captureLogger(),
      stdout: (line) => lines.push(JSON.parse(line)),
    });
    const api = (await runtime.start()).api;
    await until('the firing on Slack', () => slackWith('[FIRING:1]'));
    const token = readApiToken(join(dir, 'data'))!;
    const ack = (by: string) =>
      fetch(`${api}/api/alerts/ack`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ alert: 'portal-down', by, reason: `${by} is on it` }),
      }).then((response) => response.json() as Promise<{ outcome: string }>);
    const outcomes = await Promise.all([ack('Ana'), ack('Bo')]);
    expect(outcomes.map((answer) => answer.outcome).sort()).toEqual(['acknowledged', 'already_acknowledged']);
    const audit = (await (await fetch(`${api}/api/acks`)).json()) as { acks: { by: string }[] };
    expect(audit.acks.map((record) => record.by).sort()).toEqual(['Ana', 'Bo']);
    await until('the update on Slack', () => slackWith('ACKNOWLEDGED'));
    // Nothing more is on its way: no send in flight, the outbox and the retry queue empty.
    await until('delivery to settle', async () => {
      const health = (await (await fetch(`${api}/api/health`)).json()) as {
        delivery: { backlog: { sendsInFlight: number; outbox: number; retryQueue: number } };
      };
      const { sendsInFlight, outbox, retryQueue } = health.delivery.backlog;
      return sendsInFlight === 0 && outbox === 0 && retryQueue === 0 ? true : undefined;
    });
    expect(slackTexts().filter((text) => text.includes('ACKNOWLEDGED'))).toHaveLength(1);
  }, 40_000);
});
