import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
