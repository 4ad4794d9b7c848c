import { spawn } from 'node:child_process';

/** What the load clients did, counted in their own process. */
export interface ApiLoadReport {
  readonly requests: number;
  readonly errors: number;
  readonly bytes: number;
}

export interface ApiLoad {
  /** Stops the clients once their requests in flight finish, and reports what they did. */
  stop(): Promise<ApiLoadReport>;
}

export interface ApiLoadOptions {
  /** Concurrent clients, each sending its next request as soon as the last one is read. */
  readonly clients: number;
  /** Paths requested in turn, e.g. `/api/probes` and `/api/events?limit=1000`. */
  readonly paths: readonly string[];
}

// Real HTTP clients in a separate process (keep-alive, as a dashboard's browser would be), so the
// load lands on the API server and none of the clients' own work runs in the process under test.
const LOAD_SOURCE = `
const http = require('node:http');
const [base, clients, ...paths] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(clients) });
let running = true, requests = 0, errors = 0, bytes = 0, active = 0;
const finish = () => { if (!running && active === 0) process.send({ requests, errors, bytes }, () => process.exit(0)); };
function loop(index) {
  if (!running) { active -= 1; finish(); return; }
  const path = paths[index % paths.length];
  http.get(base + path, { agent }, (response) => {
    response.on('data', (chunk) => { bytes += chunk.length; });
    response.on('end', () => { requests += 1; if (response.statusCode !== 200) errors += 1; loop(index + 1); });
  }).on('error', () => { errors += 1; setTimeout(() => loop(index + 1), 10); });
}
for (let i = 0; i < Number(clients); i++) { active += 1; loop(i); }
process.on('message', () => { running = false; finish(); });
`;

/** Starts `clients` HTTP clients hammering `base` (e.g. the runtime's API URL) until stop(). */
export function startApiLoad(base: string, options: ApiLoadOptions): ApiLoad {
  const child = spawn(process.execPath, ['-e', LOAD_SOURCE, base, String(options.clients), ...options.paths], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const report = new Promise<ApiLoadReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ApiLoadReport));
    child.once('exit', (code) => reject(new Error(`API load process exited with ${code} before reporting`)));
  });
  return {
    stop: () => {
      child.send('stop');
      return report;
    },
  };
}
