import type { Server } from 'node:http';
import { PflowError } from '../domain/errors.js';

/**
 * A server could not take its address. The message says which address, why in plain words, and
 * which config setting moves it, instead of Node's raw `listen EADDRINUSE` stack trace.
 */
export class ListenError extends PflowError {
  constructor(
    readonly address: string,
    readonly setting: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      'listen_failed',
      `cannot listen on ${address}: ${LISTEN_PROBLEMS[code ?? ''] ?? `${code ?? 'unknown error'}`}; set ${setting} in the config to another host:port`,
      options,
    );
  }
}

const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use (another pflow, or another program, is listening there)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** Splits a `host:port` listen address (IPv6 as `[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!match) throw new Error(`not a host:port listen address: ${listen}`);
  const port = Number(match[3]);
  if (port > 65_535) throw new Error(`port out of range in ${listen}`);
  return { host: match[1] ?? match[2]!, port };
}

/**
 * Starts an HTTP server on a `host:port` address (port 0 picks a free one) and returns its base
 * URL; `setting` names the config key holding the address, for the ListenError if it is taken.
 */
export async function listenOn(server: Server, listen: string, setting: string): Promise<string> {
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ListenError(listen, setting, error.code, { cause: error })),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
}

/** Closes a server now, dropping idle keep-alive connections instead of waiting for them. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
