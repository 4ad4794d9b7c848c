import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/cli/agent-run.js';

const dir = mkdtempSync(join(tmpdir(), 'pflow-agent-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pflow agent run --config FILE', () => {
  it('refuses to start with a log_drop.path it cannot write: exit 1, the field named, nothing opened', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      `agent: { id: ward-1 }
ingest: { url: 'http://127.0.0.1:9/v1/ingest', token: 'pfa_abcdefabcdef_${'s'.repeat(43)}' }
buffer: { dir: ${join(dir, 'buffer')} }
log_drop: { path: ${join(dir, 'no-such-dir', 'alerts.jsonl')} }
`,
    );
    let stderr = '';
    const code = await runAgent(
      { config: file, logLevel: 'error', logJson: false },
      { stdout: () => {}, stderr: (text) => (stderr += text) },
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `${file}: log_drop.path: cannot write ${join(dir, 'no-such-dir', 'alerts.jsonl')}: the directory ${join(dir, 'no-such-dir')} does not exist\n`,
    );
    expect(existsSync(join(dir, 'buffer'))).toBe(false);
  });

  it('refuses to start when an RTLS HTTP input’s address is taken: exit 1, the setting named', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const file = join(dir, 'agent-rtls.yaml');
      writeFileSync(
        file,
        `agent: { id: ward-1 }
ingest: { url: 'http://127.0.0.1:9/v1/ingest', token: 'pfa_abcdefabcdef_${'s'.repeat(43)}' }
buffer: { dir: ${join(dir, 'buffer-rtls')} }
rtls: { inputs: [{ kind: http, listen: '127.0.0.1:${String(port)}' }] }
`,
      );
      let stderr = '';
      const code = await runAgent(
        { config: file, logLevel: 'error', logJson: false },
        { stdout: () => {}, stderr: (text) => (stderr += text) },
      );
      expect(code).toBe(1);
      expect(stderr).toBe(
        `${file}: cannot listen on 127.0.0.1:${String(port)}: the address is already in use (another pflow, or another program, is listening there); set rtls.inputs[0].listen in the config to another host:port; nothing was started\n`,
      );
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('refuses to start when the pull server’s address is taken, naming pull.listen', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const file = join(dir, 'agent-pull.yaml');
      writeFileSync(
        file,
        `agent: { id: ward-1 }
ingest: { mode: pull }
pull: { listen: '127.0.0.1:${String(port)}', token: pull-token-0123456789 }
buffer: { dir: ${join(dir, 'buffer-pull')} }
`,
      );
      let stderr = '';
      const code = await runAgent(
        { config: file, logLevel: 'error', logJson: false },
        { stdout: () => {}, stderr: (text) => (stderr += text) },
      );
      expect(code).toBe(1);
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${String(port)}: the address is already in use`);
      expect(stderr).toContain('set pull.listen in the config to another host:port; nothing was started');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
