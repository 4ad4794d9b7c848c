import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localOnCall, runOverrideAdd } from '../../src/cli/oncall.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { whoIsOnCall } from '../../src/domain/lifecycle/oncall.js';
import { systemClock } from '../../src/domain/ports.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { closedPort } from '../support/closed-port.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { captureLogger } from '../support/logger.js';

/**
 * `oncall:<team>` in the local runtime: a Slack mention resolved when the message is sent, with the
 * override `pflow oncall override add` wrote to pflow.db. Real parts: a refused TCP port as the
 * failing target, a loopback Slack webhook, the data directory's pflow.db.
 */

let dir: string;
let slack: HttpReceiver;
let runtime: LocalRuntime | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-oncall-runtime-'));
  slack = await startHttpReceiver({ reply: { status: 200, body: 'ok' } });
});
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('oncall:<team> in the local runtime', () => {
  it('mentions the member a run-time override put on call, read from pflow.db at send time', async () => {
    const port = await closedPort();
    const config = parseDeploymentConfig(
      `
version: 1
sites: [{ id: site-a, timezone: UTC }]
probes:
  - { id: portal, site: site-a, kind: tcp, target: '127.0.0.1:${port}', interval: 200ms, timeout: 150ms }
rule_groups:
  - name: availability
    interval: 200ms
    rules:
      - { id: portal-down, name: Portal down, severity: critical, measure: success, matchers: ['probe="portal"'], window: 5s, reducer: last, threshold: { op: '<', value: 1 } }
channels:
  - { id: ward-slack, kind: slack, slack: { url: '${slack.urlFor('/services/T0/B0/x')}', mention: ['oncall:ward-it'] } }
routes: [{ channels: [ward-slack] }]
oncall:
  - team: ward-it
    timezone: UTC
    rotation: daily
    handover: '00:00'
    start: 2020-01-06
    members: [{ name: Ana, slack: U0ANAANA01 }, { name: Cas, slack: U0CASCAS03 }]
local: { data_dir: '${join(dir, 'data')}', api_listen: '127.0.0.1:0' }
`,
      join(dir, 'pflow.yaml'),
      {},
    );
    // Whoever the rotation does not have today covers from an hour ago to an hour from now,
    // made with the CLI before the runtime starts.
    const rotation = whoIsOnCall(config.oncall![0]!, Date.now()).member;
    const cover = config.oncall![0]!.members.find((member) => member.name !== rotation.name)!;
    const hour = 3_600_000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
    const output = { stdout: '', stderr: '' };
    const code = await runOverrideAdd(
      {
        transport: localOnCall(config, systemClock),
        team: 'ward-it',
        who: cover.name,
        from: iso(Date.now() - hour),
        to: iso(Date.now() + hour),
        by: 'lead',
      },
      { stdout: (t) => void (output.stdout += t), stderr: (t) => void (output.stderr += t) },
    );
    expect(output.stderr).toContain('active  by lead');
    expect(code).toBe(0);

    runtime = new LocalRuntime(config, { clock: systemClock, logger: captureLogger(), stdout: () => undefined });
    await runtime.start();
    const firing = await until('the firing on Slack', () =>
      slack.requests.map((request) => JSON.stringify(request.json)).find((text) => text.includes('FIRING')),
    );
    expect(firing).toContain(`<@${cover.slack}>`);
    expect(firing).not.toContain(`<@${rotation.slack}>`);
  });
});
