import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Recording } from './recordings';

/**
 * A scripted HTTP server on 127.0.0.1: each test says what the "ERP" answers, request by request,
 * and reads back what the client sent. Real sockets, so timeouts and resets are real too.
 */

export interface StubRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded). */
  rawPath: string;
  /** Path decoded, comparable with a recording's `request.path`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StubReply {
  status: number;
  headers?: Record<string, string | string[]>;
  /** JSON-encoded unless it is a string. */
  body?: unknown;
}

/** `hang`: never answer; `reset`: drop the connection without an answer. */
export type StubAction = StubReply | 'hang' | 'reset';
export type StubHandler = (request: StubRequest) => StubAction;

export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export function replyFrom(recording: Recording): StubReply {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  const cookies = recording.response.headers['set-cookie'];
  if (cookies !== undefined) headers['set-cookie'] = cookies;
  return { status: recording.response.status, headers, body: recording.response.body };
}

function send(res: ServerResponse, reply: StubReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, reply.headers ?? (typeof reply.body === 'string' ? {} : { 'content-type': 'application/json' }));
  res.end(body);
}

export async function startStub(handler: StubHandler): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const request: StubRequest = {
        method: req.method ?? '',
        rawPath: url.pathname,
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const action = handler(request);
      if (action === 'hang') return;
      if (action === 'reset') {
        req.socket.destroy();
        return;
      }
      send(res, action);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** Answers with each action in turn, then repeats the last one. */
export function sequence(...actions: StubAction[]): StubHandler {
  let index = 0;
  return () => {
    const action = actions[Math.min(index, actions.length - 1)];
    index += 1;
    if (action === undefined) throw new Error('sequence() needs at least one action');
    return action;
  };
}
