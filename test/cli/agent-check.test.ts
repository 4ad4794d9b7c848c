import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runAgentCheckCommand } from '../../src/cli/agent-check.js';
import { closedPort } from '../support/closed-port.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';

const dir = mkdtempSync(join(tmpdir(), 'pflow-agent-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `agent: { id: ward-1 }
ingest:
  url: 'https://ingest.example/v1/ingest'
  token: \${PFLOW_AGENT_TOKEN}
buffer: { dir: ${dir}/buffer }
`;
const env = { PFLOW_AGENT_TOKEN: 'pfa_abc123_SECRETsecretSECRETsecret0123456789' };

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    sink: { stdout: (text: string) => (out.stdout += text), stderr: (text: string) => (out.stderr += text) },
  };
}

describe('pflow agent check --config FILE', () => {
  it('refuses a bad config with line- and path-named errors and exit 2, scraping nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `${HEAD}scrape_configs:\n  - job_name: node\n    scrape_interval: 15s\n    scrape_timeout: 1m\n    static_configs: [{ targets: ["h:1"] }]\n`,
    );
    const { out, sink } = capture();
    expect(await runAgentCheckCommand(file, sink, env)).toBe(2);
    expect(out.stderr).toMatch(/scrape_configs\[0\]\.scrape_timeout: must be at most scrape_interval \(1m > 15s\)\n/);
    expect(out.stderr).toContain(`${file}: 1 error, config not loaded\n`);
    expect(out.stdout).toBe('');
  });

  it('scrapes and probes once, prints the report and exits 1 when a target is down; never prints the token', async () => {
    const file = join(dir, 'agent.yaml');
    const down = `127.0.0.1:${await closedPort()}`;
    writeFileSync(
      file,
      `${HEAD}scrape_configs:\n  - job_name: node\n    static_configs: [{ targets: ["${down}"] }]\n` +
        `probes:\n  - { id: gw, kind: ping, target: 127.0.0.1, timeout: 3s, ping: { count: 1 } }\n`,
    );
    const { out, sink } = capture();
    expect(await runAgentCheckCommand(file, sink, env)).toBe(1);
    expect(out.stdout).toContain('job node: 1 target, 1 error, 4 series would be sent\n');
    expect(out.stdout).toContain(`DOWN ${down}`);
    expect(out.stdout).toMatch(/ {2}ok {3}gw \(ping 127\.0\.0\.1\): /);
    expect(out.stdout + out.stderr).not.toContain('SECRET');
  });

  it('--site-config: prints where the probes differ from the site config, and refuses a bad site config with exit 2', async () => {
    const file = join(dir, 'agent-site.yaml');
    const down = `127.0.0.1:${await closedPort()}`;
    writeFileSync(file, `${HEAD}probes:\n  - { id: pacs, kind: tcp, target: "${down}", interval: 15s, timeout: 1s }\n`);
    const site = join(dir, 'pflow.yaml');
    writeFileSync(
      site,
      `version: 1\nsites: [{ id: ward }]\nprobes:\n  - { id: pacs, site: ward, kind: tcp, target: "${down}", interval: 30s, timeout: 1s, runs_on: agent:ward-1 }\n`,
    );
    const { out, sink } = capture();
    expect(await runAgentCheckCommand(file, sink, env, site)).toBe(1);
    expect(out.stdout).toContain(`probes against ${site}:\n  probes[0].interval: 15s here, 30s in the site config\n`);

    writeFileSync(site, 'version: 1\nsites: []\nprobes: [{ id: pacs }]\n');
    const refused = capture();
    expect(await runAgentCheckCommand(file, refused.sink, env, site)).toBe(2);
    expect(refused.out.stderr).toContain(`${site}: `);
    expect(refused.out.stdout).toBe('');
  });

  describe('rtls.inputs', () => {
    const MQTT_PASSWORD = 'mqtt-Pa55word-SECRET';
    let broker: MosquittoBroker | undefined;
    let held: Server | undefined;
    afterAll(async () => {
      await broker?.stop();
      await new Promise((resolve) => (held ? held.close(resolve) : resolve(undefined)));
    });

    it('binds and releases each HTTP listen address and CONNECTs to each broker with its credentials; exit 1 on a failure, the password never printed', async () => {
      broker = await startMosquitto({ users: { rtls: MQTT_PASSWORD } });
      const free = `127.0.0.1:${await closedPort()}`;
      held = createServer();
      await new Promise<void>((resolve) => held!.listen(0, '127.0.0.1', resolve));
      const busy = `127.0.0.1:${String((held.address() as { port: number }).port)}`;
      const down = `mqtt://127.0.0.1:${await closedPort()}`;
      const inputs = (list: string[]) => `${HEAD}rtls:\n  inputs:\n${list.map((line) => `    - ${line}\n`).join('')}`;
      const good = [
        `{ kind: http, listen: '${free}' }`,
        `{ kind: mqtt, url: '${broker.url}', topics: [rtls/#], username: rtls, password: '\${MQTT_PASSWORD}' }`,
      ];
      const withEnv = { ...env, MQTT_PASSWORD };

      const passing = join(dir, 'rtls-ok.yaml');
      writeFileSync(passing, inputs(good));
      const ok = capture();
      expect(await runAgentCheckCommand(passing, ok.sink, withEnv)).toBe(0);
      expect(ok.out.stdout).toContain('rtls inputs: 2 inputs, 0 failures\n');
      expect(ok.out.stdout).toContain(`  ok   rtls.inputs[0] (http ${free}): can listen (released again)\n`);
      expect(ok.out.stdout).toContain(`  ok   rtls.inputs[1] (mqtt ${broker.url}): the broker accepted CONNECT\n`);
      // Released: the address can be bound again right after the check.
      const again = createServer();
      const [host, port] = free.split(':') as [string, string];
      await new Promise<void>((resolve) => again.listen(Number(port), host, resolve));
      await new Promise((resolve) => again.close(resolve));

      const failing = join(dir, 'rtls-bad.yaml');
      writeFileSync(
        failing,
        inputs([
          ...good,
          `{ kind: http, listen: '${busy}' }`,
          `{ kind: mqtt, url: '${broker.url}', topics: [rtls/#], username: rtls, password: 'wrong-\${MQTT_PASSWORD}' }`,
          `{ kind: mqtt, url: '${down}', topics: [rtls/#] }`,
        ]),
      );
      const bad = capture();
      expect(await runAgentCheckCommand(failing, bad.sink, withEnv)).toBe(1);
      expect(bad.out.stdout).toContain('rtls inputs: 5 inputs, 3 failures\n');
      expect(bad.out.stdout).toContain(`  ok   rtls.inputs[1] (mqtt ${broker.url}): the broker accepted CONNECT\n`);
      expect(bad.out.stdout).toContain(`  FAIL rtls.inputs[2] (http ${busy}): cannot listen on ${busy}: EADDRINUSE\n`);
      expect(bad.out.stdout).toMatch(
        / {2}FAIL rtls\.inputs\[3\] \(mqtt mqtt:\/\/127\.0\.0\.1:\d+\): cannot connect: .*[Nn]ot authori[sz]ed/,
      );
      expect(bad.out.stdout).toMatch(
        / {2}FAIL rtls\.inputs\[4\] \(mqtt mqtt:\/\/127\.0\.0\.1:\d+\): cannot connect: .*ECONNREFUSED/,
      );
      expect(ok.out.stdout + ok.out.stderr + bad.out.stdout + bad.out.stderr).not.toContain('SECRET');
    });
  });
});
