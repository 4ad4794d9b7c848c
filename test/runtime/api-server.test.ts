import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import { ApiServer, type RuntimeReadModel } from '../../src/runtime/api-server.js';

const event = {
  schema: 'performanceflow.alert/v1',
  id: 'site-a/r/f/t/firing',
  state: 'firing',
} as unknown as AlertEvent;

const readModel: RuntimeReadModel = {
  latestProbeResults: () => [
    {
      site: 'site-a',
      probe: 'p',
      kind: 'http',
      target: 'http://x',
      labels: {},
      time: Date.parse('2026-11-24T10:00:00Z'),
      success: true,
      durationMs: 3,
      phases: {},
    },
  ],
  listAlertStates: () => [],
  recentAlertEvents: (limit) => Array.from({ length: Math.min(limit, 3) }, () => event),
};

describe('ApiServer', () => {
  let api: ApiServer | undefined;
  afterEach(async () => api?.stop());

  it.each([
    [
      '/api/probes',
      200,
      (body: any) => expect(body.probes[0]).toMatchObject({ probe: 'p', time: '2026-11-24T10:00:00.000Z' }),
    ],
    ['/api/alerts', 200, (body: any) => expect(body.alerts).toEqual([])],
    ['/api/events?limit=2', 200, (body: any) => expect(body.events).toHaveLength(2)],
    [
      '/api/events?limit=0',
      400,
      (body: any) => expect(body.error).toMatch(/^limit: must be an integer from 1 to 1000/),
    ],
    ['/api/health', 200, (body: any) => expect(body).toEqual({ ok: true })],
    ['/api/nothing', 404, (body: any) => expect(body.error).toBe('no such endpoint: /api/nothing')],
  ])('GET %s → %i', async (path, status, check) => {
    api = new ApiServer('127.0.0.1:0', readModel, () => ({ ok: true }));
    const url = await api.start();
    const response = await fetch(url + path);
    expect(response.status).toBe(status);
    check(await response.json());
  });

  it('refuses writes: the API is read-only', async () => {
    api = new ApiServer('127.0.0.1:0', readModel, () => ({}));
    const url = await api.start();
    const response = await fetch(`${url}/api/alerts`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves extra routes (the web console) on the same listener, and sends a browser at / to it', async () => {
    api = new ApiServer('127.0.0.1:0', readModel, () => ({}), [
      (url) => (url.pathname === '/api/console/x' ? { status: 200, body: { x: 1 } } : undefined),
      (url) =>
        url.pathname === '/console/'
          ? { status: 200, raw: '<!doctype html>', contentType: 'text/html', headers: { 'x-frame-options': 'DENY' } }
          : undefined,
    ]);
    const url = await api.start();
    expect(await (await fetch(`${url}/api/console/x`)).json()).toEqual({ x: 1 });
    const page = await fetch(`${url}/console/`);
    expect([page.status, page.headers.get('content-type'), page.headers.get('x-frame-options')]).toEqual([
      200,
      'text/html',
      'DENY',
    ]);
    expect(await page.text()).toBe('<!doctype html>');
    const head = await fetch(`${url}/console/`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const browser = await fetch(`${url}/`, { headers: { accept: 'text/html,*/*' }, redirect: 'manual' });
    expect([browser.status, browser.headers.get('location')]).toEqual([303, '/console/']);
    expect(((await (await fetch(`${url}/`)).json()) as any).endpoints).toContain('/api/probes');
    expect((await fetch(`${url}/api/probes`)).status).toBe(200);
  });
});
