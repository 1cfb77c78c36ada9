import * as http from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does to one request instead of forwarding it normally. */
export type Fault =
  /** Forwarded and handled by the server, but the response is lost (the client's connection is reset). */
  | 'drop-response'
  /** Never answered (until the proxy closes). */
  | 'hang'
  /** Answered by the proxy with this status and an Azure-style error code, without reaching the server. */
  | { readonly status: number; readonly code: string };

/** An HTTP proxy in front of a real server that injects network faults (tests only; no mock of any client). */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests received so far. */
  readonly requests: number;
  /** Applies `fault` to the next `times` requests matching `when` (default: every request). */
  inject(fault: Fault, times?: number, when?: (req: http.IncomingMessage) => boolean): void;
  /** Stops listening and resets open connections: the server becomes unreachable (connection refused). */
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: { fault: Fault; times: number; when: (req: http.IncomingMessage) => boolean }[] = [];
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const rule = rules.find((r) => r.times > 0 && r.when(req));
    if (rule !== undefined) rule.times--;
    const fault = rule?.fault;
    if (fault === 'hang') return;
    if (typeof fault === 'object') {
      req.resume();
      res.writeHead(fault.status, { 'x-ms-error-code': fault.code, 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`);
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (response) => {
        if (fault === 'drop-response') {
          response.resume();
          response.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    inject: (fault, times = 1, when = () => true) => void rules.push({ fault, times, when }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
