import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../support/closed-port.js';

/**
 * The web console in a real headless browser (Debian's chromium, driven by playwright-core): the
 * shipped bundle runs config/example.yaml on free loopback ports, its demo target goes down a few
 * seconds after start, and each page is read the way a person reads it. Screenshots land in
 * .cache/console-screenshots/ (and in docs/ with PFLOW_UPDATE_SCREENSHOTS=1, for the README).
 */

const CHROMIUM = process.env.PFLOW_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'pflow-console-'));
const shots = join(process.cwd(), '.cache', 'console-screenshots');
const INJECTED = '<img src=x onerror="window.__pwned=1">';
let runtime: ChildProcess;
let browser: Browser;
let apiUrl = '';
let output = '';

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- runtime output ---\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A page that records every console error, failed request and uncaught exception. */
async function openPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  await page.goto(apiUrl + path);
  return { page, errors };
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, name) });
  if (process.env.PFLOW_UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: join('docs', name) });
}

beforeAll(async () => {
  const demoPort = await closedPort();
  // The example config as shipped, moved to free ports and a temporary directory; its demo target
  // goes down after 4 s (not 45 s) and stays down, and one label carries markup that must stay text.
  const config = readFileSync('config/example.yaml', 'utf8')
    .replaceAll('127.0.0.1:8099', `127.0.0.1:${demoPort}`)
    .replace('api_listen: 127.0.0.1:8080', 'api_listen: 127.0.0.1:0')
    .replace('data_dir: .pflow', `data_dir: ${join(dir, 'data')}`)
    .replace('directory: .pflow/logdrop', `directory: ${join(dir, 'logdrop')}`)
    .replace('up_for: 45s', 'up_for: 4s')
    .replace('down_for: 45s', 'down_for: 10m')
    .replace('      service: portal\n    http:', `      service: portal\n      team: '${INJECTED}'\n    http:`);
  expect(config).toContain(`team: '${INJECTED}'`);
  writeFileSync(join(dir, 'pflow.yaml'), config);
  runtime = spawn(process.execPath, ['dist/pflow.mjs', 'local', '--config', join(dir, 'pflow.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runtime.stdout!.on('data', (chunk) => (output += chunk));
  runtime.stderr!.on('data', (chunk) => (output += chunk));
  apiUrl = await until('the API URL', async () => /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]);
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (runtime?.exitCode === null) {
    runtime.kill('SIGTERM');
    await new Promise((resolve) => runtime.once('exit', resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('web console in Chromium', () => {
  it('the status page shows the demo probe down with its reason, the port probe up', async () => {
    const { page, errors } = await openPage('/');
    expect(page.url()).toBe(`${apiUrl}/console/`);
    const portal = page.locator('tr[data-probe="site-a/demo-portal"]');
    await portal.getByText('DOWN', { exact: true }).waitFor({ timeout: 60_000 });
    await expect(portal.innerText()).resolves.toContain('status_mismatch: status 503, expected 200');
    await expect(portal.innerText()).resolves.toMatch(/down for \d+ (s|min)/);
    const port = page.locator('tr[data-probe="site-a/demo-portal-port"]');
    await port.getByText('UP', { exact: true }).waitFor();
    await expect(page.locator('caption').first().innerText()).resolves.toBe('Demo hospital (site-a)');
    await expect(page.locator('#summary').innerText()).resolves.toMatch(/1\s*probes down/);
    // The 24 h sparkline is drawn.
    expect(await portal.locator('svg path').count()).toBe(1);
    await screenshot(page, 'console-status.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('the probe page charts response time by phase and lists failures with their reasons', async () => {
    const { page, errors } = await openPage('/console/');
    await page.getByRole('link', { name: 'demo-portal', exact: true }).click();
    await page.waitForURL(/probe\.html/);
    await page.getByRole('link', { name: '1h' }).click();
    await page.locator('#chart svg path[data-series="avgMs"]').waitFor();
    // The http probe's phases: connect and first byte are charted beside the total.
    await expect(page.locator('#chart svg path[data-series]').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(page.locator('#chart .legend').innerText()).resolves.toContain('First byte');
    await page.locator('#failures td', { hasText: 'status 503, expected 200' }).first().waitFor();
    await expect(page.locator('#reasons').innerText()).resolves.toContain('status_mismatch');
    await expect(page.locator('#codes').innerText()).resolves.toContain('HTTP 503');
    await expect(page.locator('h1').innerText()).resolves.toContain('DOWN');
    await expect(page.getByRole('link', { name: '1h' }).getAttribute('aria-current')).resolves.toBe('true');
    await screenshot(page, 'console-probe.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the alerts page shows the alert firing after the demo target fails, and its notifications', async () => {
    const { page, errors } = await openPage('/console/alerts.html');
    const firing = page.locator('#active tr', { hasText: 'Demo portal down' });
    await firing.getByText('FIRING', { exact: true }).waitFor({ timeout: 60_000 });
    const text = await firing.innerText();
    expect(text).toContain('CRITICAL');
    expect(text).toContain('The demo portal does not answer its health check');
    expect(text).toContain('< 1');
    // The history shows the firing event, its value against the threshold, and per channel what
    // became of its notification (console and log drop deliver at once).
    const event = page.locator('#history tr', { hasText: 'Demo portal down' }).filter({ hasText: 'FIRING' });
    await event.getByText('delivered').first().waitFor({ timeout: 30_000 });
    const history = await until('both channels delivered on the alerts page', async () => {
      const t = await event.first().innerText();
      return /console\s+delivered/.test(t) && /logdrop\s+delivered/.test(t) ? t : undefined;
    });
    expect(history).toContain('0 (threshold < 1)');
    await expect(page.locator('#channels').innerText()).resolves.toMatch(/logdrop\s+1\s+0\s+0/);
    // Event data is text: the label's markup is shown, never parsed or run.
    expect(text).toContain(`team="${INJECTED}"`);
    expect(await page.locator('#main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot(page, 'console-alerts.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('a bad range is refused naming the parameter, and the pages keep their strict CSP', async () => {
    const bad = await fetch(`${apiUrl}/api/console/probe?site=site-a&probe=demo-portal&range=2d`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'range: must be one of 1h, 24h, 7d, got "2d"' });
    const page = await fetch(`${apiUrl}/console/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
