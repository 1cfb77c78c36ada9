import * as net from 'node:net';

/**
 * A TCP relay in front of a test server that can be cut off: `block()` stops listening and resets every relayed
 * connection (clients then get ECONNREFUSED), `unblock()` listens again on the same port. Point a client at it
 * with its custom-endpoint option (the server keeps its own address for authentication).
 */
export interface TcpRelay {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  block(): Promise<void>;
  unblock(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 (any free port) to `127.0.0.1:targetPort`. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let server: net.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = net.createServer((client) => {
      connections++;
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const block = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    block,
    unblock: () => (server ? Promise.resolve() : listen()),
    close: block,
  };
}
