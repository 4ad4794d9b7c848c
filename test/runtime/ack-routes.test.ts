import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLifecycleStore } from '../../src/adapters/local/sqlite-lifecycle.js';
import { SqliteOutbox } from '../../src/adapters/local/sqlite-outbox.js';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/local/sqlite.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import { signAckLink } from '../../src/domain/lifecycle/ack-link.js';
import type { AlertInstanceState } from '../../src/domain/rules/types.js';
import { AckService } from '../../src/services/acknowledge.js';
import { ackActions, ackLinkMaker, ackRoutes, type AckLinkSettings } from '../../src/runtime/ack-routes.js';
import { ApiServer, type RuntimeReadModel } from '../../src/runtime/api-server.js';
import { rule } from '../domain/rules/fixtures.js';
import { captureLogger } from '../support/logger.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const TOKEN = 'pfl_test-token';
const KEY = 'k'.repeat(32);
const CHROMIUM = process.env.PFLOW_CHROMIUM ?? '/usr/bin/chromium';
const readModel: RuntimeReadModel = {
  latestProbeResults: () => [],
  listAlertStates: () => [],
  recentAlertEvents: () => [],
};

function firing(key: string, since = T0): AlertInstanceState {
  return {
    key,
    ruleId: key.split('/')[0]!,
    site: 'site-a',
    fingerprint: key.split('/')[1]!,
    labels: { site: 'site-a', probe: 'pfsw-login' },
    state: 'firing',
    since,
    firingSince: since,
    lastValue: 0,
    notifiedState: 'firing',
    lastNotifiedAt: since,
    lastEvaluatedAt: since,
    version: 1,
  };
}

describe('acknowledging over the local API', () => {
  let db: SqliteDatabase;
  let store: SqliteLifecycleStore;
  let outbox: SqliteOutbox;
  let api: ApiServer;
  let url: string;
  let now: number;
  let states: AlertInstanceState[];
  let published: AlertEvent[];
  let links: AckLinkSettings;

  beforeEach(async () => {
    db = openDatabase(':memory:');
    outbox = new SqliteOutbox(db, () => now);
    store = new SqliteLifecycleStore(db, outbox);
    now = T0 + 60_000;
    states = [firing('api-login-down/f1'), firing('api-login-down/f2'), firing('disk-full/f3')];
    published = [];
    const clock = { now: () => now };
    const service = new AckService({
      store,
      states: () => states,
      rules: new Map([
        ['api-login-down', rule()],
        ['disk-full', rule({ id: 'disk-full', name: 'Disk full' })],
      ]),
      publish: async (events) => void published.push(...events),
      clock,
      logger: captureLogger(),
    });
    // Verifying a link needs only the key; the base URL is for making links.
    links = { key: KEY, baseUrl: 'http://unused.invalid', ttlMs: 3_600_000 };
    api = new ApiServer(
      '127.0.0.1:0',
      readModel,
      () => ({}),
      [ackRoutes(service, (alert) => store.audit(alert), links, clock)],
      [],
      [ackActions(service, links, clock, TOKEN)],
    );
    url = await api.start();
    links = { ...links, baseUrl: url };
  });
  afterEach(async () => {
    await api.stop();
    db.close();
  });

  const ack = (body: unknown, token = TOKEN) =>
    fetch(`${url}/api/alerts/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
  const linkFor = (alertKey: string, overrides: Partial<Parameters<typeof signAckLink>[0]> = {}) =>
    `${url}/ack/${signAckLink({ alertKey, site: 'site-a', incarnation: T0, expiresAt: now + 3_600_000, nonce: `n-${Math.random()}`, ...overrides }, KEY)}`;
  const confirm = (link: string, form: Record<string, string> = { by: 'ana', reason: 'on my way' }) =>
    fetch(link, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('needs the token; then acknowledges, audits who, when, why and from where, and tells the channels once', async () => {
    expect((await ack({ alert: 'disk-full', by: 'ana', reason: 'x' }, '')).status).toBe(401);
    expect(store.audit()).toEqual([]);
    const response = await ack({ alert: 'disk-full', by: 'ana', reason: 'replacing the disk', expires: '4h' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      outcome: 'acknowledged',
      alert: 'disk-full/f3',
      acknowledgedBy: 'ana',
      expiresAt: new Date(now + 4 * 3_600_000).toISOString(),
    });
    expect(store.audit()).toEqual([
      expect.objectContaining({
        action: 'ack',
        alertKey: 'disk-full/f3',
        by: 'ana',
        reason: 'replacing the disk',
        at: now,
        source: 'api',
        remote: '127.0.0.1',
        incarnation: T0,
      }),
    ]);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      id: `site-a/disk-full/f3/${new Date(now).toISOString()}/firing/ack`,
      state: 'firing',
      acknowledgement: { by: 'ana', reason: 'replacing the disk' },
    });
    // The update was committed with the acknowledgement, before it was published.
    expect(await outbox.pending(10)).toEqual(published);
  });

  it('says which alert to name when a rule has several; refuses missing who and why', async () => {
    const ambiguous = await ack({ alert: 'api-login-down', by: 'ana', reason: 'x' });
    expect(ambiguous.status).toBe(409);
    expect(((await ambiguous.json()) as { error: string }).error).toContain('api-login-down/f1, api-login-down/f2');
    const invalid = await ack({ alert: 'disk-full' });
    expect(await invalid.json()).toEqual({
      error: 'invalid request',
      problems: ['by: who acknowledges is required', 'reason: why is required'],
    });
    expect((await ack({ alert: 'nothing/here', by: 'a', reason: 'b' })).status).toBe(404);
    expect(store.audit()).toEqual([]);
  });

  it('two acknowledgements at once: one audit record each, one update message', async () => {
    const answers = await Promise.all([
      ack({ alert: 'disk-full/f3', by: 'ana', reason: 'mine' }),
      ack({ alert: 'disk-full/f3', by: 'bo', reason: 'also mine' }),
    ]);
    const outcomes = (await Promise.all(answers.map((a) => a.json() as Promise<{ outcome: string }>))).map(
      (b) => b.outcome,
    );
    expect(outcomes.sort()).toEqual(['acknowledged', 'already_acknowledged']);
    expect(
      store
        .audit()
        .map((r) => r.by)
        .sort(),
    ).toEqual(['ana', 'bo']);
    expect(published).toHaveLength(1);
    expect(await outbox.pending(10)).toEqual(published);
  });

  it('unack is audited and lets the next ack tell the channels again', async () => {
    await ack({ alert: 'disk-full', by: 'ana', reason: 'mine' });
    const undo = await fetch(`${url}/api/alerts/unack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ alert: 'disk-full', by: 'ana', reason: 'handing over' }),
    });
    expect(await undo.json()).toMatchObject({ outcome: 'unacknowledged' });
    expect(store.currentAcks().size).toBe(0);
    await ack({ alert: 'disk-full', by: 'bo', reason: 'taking over' });
    expect(store.audit().map((r) => `${r.action}:${r.by}`)).toEqual(['ack:bo', 'unack:ana', 'ack:ana']);
    expect(published.map((e) => e.acknowledgement?.by)).toEqual(['ana', 'bo']);
  });

  describe('signed links', () => {
    it('GET shows a confirmation page and acknowledges nothing; the POST acknowledges once; a replay is refused', async () => {
      const link = linkFor('disk-full/f3');
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toMatch(
        /^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
      );
      const html = await page.text();
      expect(html).toContain('<form method="post">');
      expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
      expect(store.audit()).toEqual([]);

      const done = await confirm(link);
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('Acknowledged by ana.');
      expect(store.audit()).toEqual([expect.objectContaining({ source: 'link', by: 'ana', remote: '127.0.0.1' })]);
      const replay = await confirm(link, { by: 'mallory', reason: 'again' });
      expect(replay.status).toBe(409);
      expect(await replay.text()).toContain('already used');
      expect(store.audit()).toHaveLength(1);
      expect(published).toHaveLength(1);
    });

    it('refuses tampered, expired, cross-alert and stale links, on GET and POST, recording nothing', async () => {
      const good = linkFor('disk-full/f3');
      // One character of the payload changed (the first after `v1.`).
      const at = good.indexOf('/ack/v1.') + '/ack/v1.'.length;
      const tampered = `${good.slice(0, at)}${good[at] === 'e' ? 'f' : 'e'}${good.slice(at + 1)}`;
      const expired = linkFor('disk-full/f3', { expiresAt: now - 1 });
      // A link made for another alert, one no longer firing, and an earlier firing of this one.
      const otherAlert = linkFor('api-login-down/f9');
      const earlierFiring = linkFor('disk-full/f3', { incarnation: T0 - 3_600_000 });
      const forged = `${url}/ack/${signAckLink({ alertKey: 'disk-full/f3', site: 'site-a', incarnation: T0, expiresAt: now + 1000, nonce: 'x' }, 'z'.repeat(32))}`;
      for (const [link, status, text] of [
        [tampered, 403, 'not valid'],
        [forged, 403, 'not valid'],
        [expired, 410, 'expired'],
        [otherAlert, 410, 'no longer firing'],
        [earlierFiring, 410, 'no longer firing'],
      ] as const) {
        const page = await fetch(link);
        expect(page.status, link).toBe(status);
        expect(await page.text()).toContain(text);
        expect((await confirm(link)).status).toBe(status);
      }
      expect(store.audit()).toEqual([]);
      expect(published).toEqual([]);
    });

    it('the link the channels get is bound to the event’s alert and firing', async () => {
      const event = {
        id: `site-a/disk-full/f3/${new Date(T0).toISOString()}/firing`,
        site: 'site-a',
        startsAt: new Date(T0).toISOString(),
      } as AlertEvent;
      const link = ackLinkMaker(links, { now: () => now })(event)!;
      expect(link.startsWith(`${url}/ack/v1.`)).toBe(true);
      expect((await confirm(link)).status).toBe(200);
      expect(store.currentAcks().get('disk-full/f3')).toMatchObject({ by: 'ana', incarnation: T0 });
    });

    describe('in Chromium', () => {
      let browser: Browser | undefined;
      afterAll(async () => browser?.close());

      it('a person opens the link, fills in name and reason, clicks Acknowledge', async () => {
        if (!existsSync(CHROMIUM))
          throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        const problems: string[] = [];
        page.on('console', (message) => problems.push(`console ${message.type()}: ${message.text()}`));
        page.on('requestfailed', (request) => problems.push(`failed ${request.url()}`));
        await page.goto(linkFor('disk-full/f3'));
        await expect(page.locator('h1').innerText()).resolves.toBe('Acknowledge this alert?');
        expect(store.audit()).toEqual([]);
        // The browser refuses an empty form by itself (required fields): nothing is posted.
        await page.getByRole('button', { name: 'Acknowledge' }).click();
        await expect(page.locator('h1').innerText()).resolves.toBe('Acknowledge this alert?');
        expect(store.audit()).toEqual([]);
        await page.getByLabel('Your name').fill('Ana (ward 3 IT)');
        await page.getByLabel('Reason').fill('restarting the login service');
        await page.getByRole('button', { name: 'Acknowledge' }).click();
        await page.getByRole('heading', { name: 'Acknowledged' }).waitFor();
        expect(store.audit()).toEqual([
          expect.objectContaining({ by: 'Ana (ward 3 IT)', reason: 'restarting the login service', source: 'link' }),
        ]);
        expect(published).toHaveLength(1);
        expect(problems).toEqual([]);
      }, 60_000);
    });
  });
});
