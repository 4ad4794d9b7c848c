import { createServer, type Server } from 'node:http';
import type { Clock } from '../domain/ports.js';
import { closeServer, listenOn } from './listen.js';

/**
 * A loopback HTTP target that is up for `upForMs`, then down for `downForMs`, on a fixed cycle
 * from start, so a newcomer sees a firing and then a resolved alert within minutes of `npm start`.
 * "Down" answers 503 on /health, like an application whose database went away.
 */
export class DemoTarget {
  private server?: Server;
  private startedAt = 0;

  constructor(
    private readonly settings: { listen: string; upForMs: number; downForMs: number },
    private readonly clock: Clock,
  ) {}

  isUp(now = this.clock.now()): boolean {
    const cycle = this.settings.upForMs + this.settings.downForMs;
    return (now - this.startedAt) % cycle < this.settings.upForMs;
  }

  async start(): Promise<string> {
    this.startedAt = this.clock.now();
    const server = createServer((request, response) => {
      const up = this.isUp();
      response.setHeader('content-type', 'application/json');
      response.setHeader('connection', 'close');
      if (request.url === '/health' || request.url === '/') {
        response.statusCode = up ? 200 : 503;
        response.end(JSON.stringify({ status: up ? 'ok' : 'down', service: 'pflow-demo-portal' }));
        return;
      }
      response.statusCode = 404;
      response.end('{"error":"not found"}');
    });
    this.server = server;
    return listenOn(server, this.settings.listen, 'local.demo_target.listen');
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
