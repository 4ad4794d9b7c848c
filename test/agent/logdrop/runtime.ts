import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryLogDrop } from '../../../src/channels/logdrop/directory.js';
import { renderJsonLines } from '../../../src/channels/logdrop/render.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { systemClock } from '../../../src/domain/ports.js';
import { createToken } from '../../../src/ingest/token.js';
import { LocalRuntime } from '../../../src/runtime/local-runtime.js';
import { alertEvent } from '../../support/alert-event.js';
import { captureLogger } from '../../support/logger.js';

/**
 * The local runtime with a directory log drop, serving GET /v1/events on 127.0.0.1 as agents
 * see it; events are put into its log drop by the channel's own writer (DirectoryLogDrop).
 */
export class EventsRuntime {
  private runtime: LocalRuntime | undefined;
  private readonly drop: DirectoryLogDrop;
  private tokenValue: string | undefined;
  private nextId = 0;

  constructor(
    private readonly root: string,
    private readonly port: number,
  ) {
    mkdirSync(join(root, 'logdrop'), { recursive: true });
    this.drop = new DirectoryLogDrop({ root: join(root, 'logdrop'), maxBytes: 64 * 1024, clock: systemClock });
  }

  get token(): string {
    if (this.tokenValue === undefined) throw new Error('start the runtime first');
    return this.tokenValue;
  }

  get ingestUrl(): string {
    return `http://127.0.0.1:${String(this.port)}/v1/ingest`;
  }

  get running(): boolean {
    return this.runtime !== undefined;
  }

  async start(): Promise<void> {
    const config = parseDeploymentConfig(
      `version: 1
sites:
  - id: ward
  - id: other
channels:
  - id: drop
    kind: logdrop
    logdrop: { target: directory, directory: ${join(this.root, 'logdrop')} }
routes:
  - channels: [drop]
local:
  data_dir: ${join(this.root, 'data')}
  api_listen: 127.0.0.1:${String(this.port)}
`,
      'logdrop.yaml',
      {},
    );
    const runtime = new LocalRuntime(config, {
      clock: systemClock,
      logger: captureLogger(),
      stdout: () => {},
      probeIsolation: 'in-process',
    });
    if (this.tokenValue === undefined) {
      const created = createToken('ward', 'agent', Date.parse('2026-12-01T08:00:00Z'));
      await runtime.ingest.add(created.record);
      this.tokenValue = created.token;
    }
    await runtime.start();
    this.runtime = runtime;
  }

  async stop(): Promise<void> {
    await this.runtime?.stop();
    this.runtime = undefined;
  }

  /** Adds `n` alert events for `site` to the log drop; returns their ids. */
  async addEvents(n: number, site = 'ward'): Promise<string[]> {
    const events = Array.from({ length: n }, () =>
      alertEvent({ id: `${site}/rule/${String(this.nextId++).padStart(6, '0')}/firing`, site }),
    );
    await this.drop.append(site, Buffer.from(renderJsonLines(events)));
    return events.map((event) => event.id);
  }
}
