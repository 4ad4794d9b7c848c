import type { Server } from 'node:http';

/** Splits a `host:port` listen address (IPv6 as `[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!match) throw new Error(`not a host:port listen address: ${listen}`);
  const port = Number(match[3]);
  if (port > 65_535) throw new Error(`port out of range in ${listen}`);
  return { host: match[1] ?? match[2]!, port };
}

/** Starts an HTTP server on a `host:port` address (port 0 picks a free one) and returns its base URL. */
export async function listenOn(server: Server, listen: string): Promise<string> {
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
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
