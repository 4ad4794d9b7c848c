/**
 * Sends the firing fixture through a directory log drop at argv[2] and prints the outcome as
 * JSON. Run in a child process so a test can send as an unprivileged user (see directory.test.ts).
 */
import { createLogDropSender } from '../../../src/channels/logdrop/logdrop.js';
import { logDropSettingsSchema } from '../../../src/channels/logdrop/settings.js';
import { firingNotification, timezoneFor } from '../common/fixtures.js';

const directory = process.argv[2];
if (!directory) throw new Error('usage: send-once.ts DIRECTORY');
const silent = () => undefined;
const sender = createLogDropSender('drop', logDropSettingsSchema.parse({ directory }), {
  clock: { now: () => Date.parse('2026-11-24T10:31:00Z') },
  logger: { debug: silent, info: silent, warn: silent, error: silent },
  dataDir: directory,
  timezoneFor,
});
console.log(JSON.stringify(await sender.send(firingNotification)));
