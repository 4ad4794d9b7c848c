import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEventsClient } from '../../../src/agent/logdrop/events-client.js';
import { createTestCa } from '../../support/tls.js';
import { ConnectProxy } from '../forward/ingest-stub.js';
import { EventsRuntime } from './runtime.js';

/**
 * The events client as a hospital network sees it: the local runtime's real GET /v1/events behind a
 * TLS front (as the README says to put it) whose certificate chains to a private CA, reached
 * through an HTTP CONNECT proxy, with the same settings the forwarder takes.
 */

let root: string;
let ingest: EventsRuntime;
let front: Server;
let frontUrl: string;
let caFile: string;
/** The next answer the TLS front gives instead of passing the request on, if set. */
let override: { status: number; body: string } | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-events-client-'));
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  ingest = new EventsRuntime(join(root, 'ingest'), port);
  await ingest.start();
  const ca = await createTestCa();
  caFile = join(root, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  front = createServer(await ca.issue(), (req, res) => {
    if (override !== undefined) {
      res.writeHead(override.status, { 'content-type': 'text/plain' });
      res.end(override.body);
      override = undefined;
      return;
    }
    void fetch(`http://127.0.0.1:${String(port)}${req.url ?? ''}`, {
      headers: { authorization: req.headers.authorization ?? '' },
    }).then(async (answer) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `https://localhost:${String((front.address() as AddressInfo).port)}/v1/ingest`;
});
afterAll(async () => {
  front.closeAllConnections();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await ingest.stop();
  rmSync(root, { recursive: true, force: true });
});

function client(options: { env?: Record<string, string>; caFile?: string; token?: string } = {}) {
  return new HttpEventsClient({
    ingestUrl: frontUrl,
    token: options.token ?? ingest.token,
    timeoutMs: 5_000,
    ...(options.caFile !== undefined ? { caFile: options.caFile } : {}),
    env: options.env ?? {},
    userAgent: 'pflow-agent/test',
  });
}

describe('the events client', () => {
  it('goes through HTTPS_PROXY with CONNECT and trusts ca_file, paging with the cursor', async () => {
    const ids = await ingest.addEvents(3);
    const proxy = new ConnectProxy();
    const proxyPort = await proxy.start();
    const events = client({ caFile, env: { HTTPS_PROXY: `http://127.0.0.1:${String(proxyPort)}` } });
    try {
      const first = await events.fetch(undefined, 2);
      expect(first.kind).toBe('page');
      if (first.kind !== 'page') return;
      expect(first.events.map((event) => (event as { id: string }).id)).toEqual(ids.slice(0, 2));
      const second = await events.fetch(first.next, 2);
      expect(second).toMatchObject({ kind: 'page', events: [{ id: ids[2] }] });
      expect(new Set(proxy.tunnels)).toEqual(new Set([`localhost:${new URL(frontUrl).port}`]));
    } finally {
      await events.close();
      await proxy.stop();
    }
  });

  it('fails with a reason, never the token: an unknown CA, a refused token, an answer that is not a page', async () => {
    const bad = `pfa_${'x'.repeat(12)}_${'y'.repeat(43)}`;
    const untrusted = client({ token: bad });
    const trusted = client({ caFile, token: bad });
    const good = client({ caFile });
    try {
      const tls = await untrusted.fetch(undefined, 1);
      expect(tls).toMatchObject({ kind: 'failed' });
      expect(JSON.stringify(tls)).toMatch(/certificate/i);
      const refused = await trusted.fetch(undefined, 1);
      expect(refused).toMatchObject({ kind: 'failed', status: 401 });
      override = { status: 502, body: '<html>Bad Gateway</html>' };
      expect(await good.fetch(undefined, 1)).toEqual({
        kind: 'failed',
        status: 502,
        reason: 'HTTP 502: not JSON: <html>Bad Gateway</html>',
      });
      override = { status: 200, body: '{"events":"no"}' };
      expect(await good.fetch(undefined, 1)).toEqual({
        kind: 'failed',
        status: 200,
        reason: 'the answer is not {"events":[…],"next":"…"}',
      });
      expect(JSON.stringify([tls, refused])).not.toContain(bad);
    } finally {
      await Promise.all([untrusted.close(), trusted.close(), good.close()]);
    }
  });
});
