import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CertificatePair } from '../support/tls.js';

/** A server started on 127.0.0.1 with an OS-assigned port, closed with every connection it still holds. */
export interface LoopbackServer {
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startHttpServer(handler: http.RequestListener): Promise<LoopbackServer> {
  return listen(http.createServer(handler));
}

export function startHttpsServer(certificate: CertificatePair, handler: http.RequestListener): Promise<LoopbackServer> {
  return listen(https.createServer({ cert: certificate.cert, key: certificate.key }, handler));
}

export function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<LoopbackServer> {
  return listen(net.createServer(onConnection));
}

export { closedPort } from '../support/closed-port.js';
