import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogDropSender, logDropRoot } from '../../../src/channels/logdrop/logdrop.js';
import { renderJsonLines } from '../../../src/channels/logdrop/render.js';
import { logDropDirectorySchema, logDropSettingsSchema } from '../../../src/channels/logdrop/settings.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import { alertEvent, firingNotification, groupedNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract } from '../contract.js';

describeChannelContract({
  kind: 'logdrop',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    extension: 'jsonl',
    render: (notification) => renderJsonLines(notification.events),
  },
});

let dataDir: string;
let now: number;
const clock = { now: () => now };

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pflow-logdrop-'));
  now = Date.parse('2026-11-24T10:31:00.250Z');
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function sender(settings: Record<string, unknown> = {}) {
  return createLogDropSender('drop', logDropSettingsSchema.parse(settings), {
    ...contractDeps(captureLogger()),
    dataDir,
    clock,
  });
}

function notificationOf(events: AlertEvent[], key = 'n'): Notification {
  return { key, channel: 'drop', events };
}

function eventNumber(n: number, site = 'site-a'): AlertEvent {
  return alertEvent({ id: `${site}/rule/fp/${n}/firing`, site, labels: { n: String(n) } });
}

async function filesOf(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function linesOf(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line));
}

describe('directory log drop', () => {
  it('writes the exact event JSON, one per line, under <dataDir>/logdrop/<site>/<site>-<UTC time>.jsonl', async () => {
    const outcome = await sender().send(firingNotification);

    const siteDir = join(dataDir, 'logdrop', 'site-a');
    expect(await filesOf(siteDir)).toEqual(['site-a-20261124T103100Z.jsonl']);
    expect(await linesOf(join(siteDir, 'site-a-20261124T103100Z.jsonl'))).toEqual(firingNotification.events);
    expect(outcome).toMatchObject({ status: 'delivered' });
    expect(outcome.detail).toContain(join(siteDir, 'site-a-20261124T103100Z.jsonl'));
  });

  it('writes each event of a grouped notification as its own line', async () => {
    await sender().send(groupedNotification);

    const [file] = await filesOf(join(dataDir, 'logdrop', 'site-a'));
    expect(await linesOf(join(dataDir, 'logdrop', 'site-a', file!))).toEqual(groupedNotification.events);
  });

  it('keeps each site in its own folder and files', async () => {
    await sender().send(notificationOf([eventNumber(1, 'site-a'), eventNumber(2, 'site-b'), eventNumber(3, 'site-a')]));

    expect(await filesOf(join(dataDir, 'logdrop'))).toEqual(['site-a', 'site-b']);
    const siteA = await linesOf(join(dataDir, 'logdrop', 'site-a', 'site-a-20261124T103100Z.jsonl'));
    const siteB = await linesOf(join(dataDir, 'logdrop', 'site-b', 'site-b-20261124T103100Z.jsonl'));
    expect(siteA.map((event) => (event as AlertEvent).id)).toEqual([
      'site-a/rule/fp/1/firing',
      'site-a/rule/fp/3/firing',
    ]);
    expect(siteB).toHaveLength(1);
  });

  it('appends to the current file until the next notification would pass max_bytes, then opens a new one', async () => {
    const lineBytes = Buffer.byteLength(renderJsonLines([eventNumber(1)]));
    const drop = sender({ max_bytes: lineBytes * 2 });

    await drop.send(notificationOf([eventNumber(1)]));
    await drop.send(notificationOf([eventNumber(2)]));
    now += 65_000;
    await drop.send(notificationOf([eventNumber(3)]));

    const siteDir = join(dataDir, 'logdrop', 'site-a');
    expect(await filesOf(siteDir)).toEqual(['site-a-20261124T103100Z.jsonl', 'site-a-20261124T103205Z.jsonl']);
    expect(await linesOf(join(siteDir, 'site-a-20261124T103100Z.jsonl'))).toHaveLength(2);
    expect((await stat(join(siteDir, 'site-a-20261124T103100Z.jsonl'))).size).toBe(lineBytes * 2);
  });

  it('gives files opened within the same second unique names that sort in opening order', async () => {
    const drop = sender({ max_bytes: 10 });

    for (let n = 1; n <= 4; n++) await drop.send(notificationOf([eventNumber(n)]));

    const siteDir = join(dataDir, 'logdrop', 'site-a');
    const names = await filesOf(siteDir);
    expect(names).toEqual([
      'site-a-20261124T103100Z.jsonl',
      'site-a-20261124T103100Z_001.jsonl',
      'site-a-20261124T103100Z_002.jsonl',
      'site-a-20261124T103100Z_003.jsonl',
    ]);
    const ids = [];
    for (const name of names) ids.push(...(await linesOf(join(siteDir, name))).map((e) => (e as AlertEvent).labels.n));
    expect(ids).toEqual(['1', '2', '3', '4']);
  });

  it('never splits a notification: one larger than max_bytes goes whole into a new file', async () => {
    const drop = sender({ max_bytes: 600 });

    await drop.send(notificationOf([eventNumber(1)]));
    await drop.send(notificationOf([eventNumber(2), eventNumber(3), eventNumber(4)]));

    const siteDir = join(dataDir, 'logdrop', 'site-a');
    const names = await filesOf(siteDir);
    expect(names).toHaveLength(2);
    expect(await linesOf(join(siteDir, names[1]!))).toHaveLength(3);
  });

  it('resumes the newest file after a restart when it still has room', async () => {
    await sender().send(notificationOf([eventNumber(1)]));
    now += 3_600_000;

    await sender().send(notificationOf([eventNumber(2)]));

    const siteDir = join(dataDir, 'logdrop', 'site-a');
    expect(await filesOf(siteDir)).toEqual(['site-a-20261124T103100Z.jsonl']);
    expect(await linesOf(join(siteDir, 'site-a-20261124T103100Z.jsonl'))).toHaveLength(2);
  });

  it('opens a new file when the reader has removed the current one', async () => {
    const drop = sender();
    await drop.send(notificationOf([eventNumber(1)]));
    await rm(join(dataDir, 'logdrop', 'site-a', 'site-a-20261124T103100Z.jsonl'));
    now += 5_000;

    await drop.send(notificationOf([eventNumber(2)]));

    expect(await filesOf(join(dataDir, 'logdrop', 'site-a'))).toEqual(['site-a-20261124T103105Z.jsonl']);
  });

  it('keeps every line whole under concurrent sends with constant rotation', async () => {
    const drop = sender({ max_bytes: 2_000 });

    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, n) => drop.send(notificationOf([eventNumber(n), eventNumber(n + 1000)], `k${n}`))),
    );

    expect(outcomes.every((outcome) => outcome.status === 'delivered')).toBe(true);
    const siteDir = join(dataDir, 'logdrop', 'site-a');
    const all: AlertEvent[] = [];
    for (const name of await filesOf(siteDir)) {
      expect((await stat(join(siteDir, name))).size).toBeLessThanOrEqual(2_000);
      all.push(...((await linesOf(join(siteDir, name))) as AlertEvent[]));
    }
    expect(all).toHaveLength(120);
    expect(new Set(all.map((event) => event.id)).size).toBe(120);
  });

  it('uses the configured directory', async () => {
    const directory = join(dataDir, 'elsewhere');

    await sender({ directory }).send(firingNotification);

    expect(await filesOf(join(directory, 'site-a'))).toEqual(['site-a-20261124T103100Z.jsonl']);
  });

  it('resolves a relative directory against the working directory, and the default against the data dir', () => {
    expect(logDropRoot(logDropDirectorySchema.parse({ directory: 'drops/pflow' }), '/data')).toBe(
      resolve('drops/pflow'),
    );
    expect(logDropRoot(logDropDirectorySchema.parse({}), '/data')).toBe('/data/logdrop');
  });

  it('turns a site id into a safe folder and file name', async () => {
    await sender().send(notificationOf([eventNumber(1, '../escape')]));

    expect(await filesOf(join(dataDir, 'logdrop'))).toEqual(['.._escape']);
  });
});

describe('directory log drop failures are retryable, and leave no partial line', () => {
  it('a full disk (ENOSPC) → retryable fs_enospc', async () => {
    // The current file is a link to /dev/full, where every write fails with ENOSPC.
    const siteDir = join(dataDir, 'logdrop', 'site-a');
    await mkdir(siteDir, { recursive: true });
    await symlink('/dev/full', join(siteDir, 'site-a-20261124T100000Z.jsonl'));

    const outcome = await sender().send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'fs_enospc' });
    expect(outcome.detail).toContain('ENOSPC');
  });

  it('a path through a regular file (ENOTDIR) → retryable fs_enotdir', async () => {
    await writeFile(join(dataDir, 'not-a-dir'), 'x');

    const outcome = await sender({ directory: join(dataDir, 'not-a-dir', 'drop') }).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'fs_enotdir' });
  });

  it('a read-only directory (EACCES) → retryable fs_eacces, and delivered once writable again', async () => {
    const directory = join(dataDir, 'readonly');
    await mkdir(directory, { recursive: true });
    await chmod(dataDir, 0o755);
    await chmod(directory, 0o555);

    const outcome = await sendAsUnprivilegedUser(directory);
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'fs_eacces' });

    await chmod(directory, 0o777);
    expect(await sendAsUnprivilegedUser(directory)).toMatchObject({ status: 'delivered' });
  });
});

/**
 * Root ignores directory permissions, so when the tests run as root (as in CI containers) the
 * send runs with the effective user and group switched to `nobody` for its duration. This test
 * file runs in its own worker process, so nothing else shares the switched identity.
 */
async function sendAsUnprivilegedUser(directory: string): Promise<unknown> {
  const drop = sender({ directory });
  if (process.getuid?.() !== 0 || !process.seteuid || !process.setegid) return drop.send(firingNotification);
  process.setegid(65534);
  process.seteuid(65534);
  try {
    return await drop.send(firingNotification);
  } finally {
    process.seteuid(0);
    process.setegid(0);
  }
}
