import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle } from '../../emulator/src/index';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A value inside a JSON answer: `at(answer, 'data.items.0.name')`. */
export function at(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (typeof node === 'object' && node !== null) node = (node as Record<string, unknown>)[key];
    else return undefined;
  }
  return node;
}

/** The texts of the messages Frappe sends along in `_server_messages` (a JSON list of JSON objects). */
export function messages(json: unknown): string[] {
  const raw = at(json, '_server_messages');
  if (typeof raw !== 'string') return [];
  return (JSON.parse(raw) as string[]).map((m) => (JSON.parse(m) as { message: string }).message);
}

/** The document or value of a 200 answer (`data` of /api/resource, `message` of /api/method); any other status fails the test with the body. */
export function ok(answer: Answer): Record<string, unknown> {
  if (answer.status !== 200) throw new Error(`HTTP ${String(answer.status)}: ${answer.text.slice(0, 400)}`);
  return (at(answer.json, 'data') ?? at(answer.json, 'message')) as Record<string, unknown>;
}

export interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  auth?: string | null;
  cookie?: string;
  signal?: AbortSignal;
}

/** Plain HTTP against the emulator, authenticated as Administrator unless told otherwise. */
export async function call(emu: EmulatorHandle, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = options.auth === undefined ? `token ${emu.admin.apiKey}:${emu.admin.apiSecret}` : options.auth;
  if (auth !== null) headers.Authorization = auth;
  if (options.cookie) headers.Cookie = options.cookie;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  const url = `${emu.url}${path.split('/').map((segment) => encodeURIComponent(segment)).join('/')}${query}`;
  const response = await fetch(url, { method, headers, body, signal: options.signal });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

/** A webhook receiver: records every request, answers with the status the test sets. */
export class Receiver {
  readonly requests: Received[] = [];
  status = 200;
  body = '{"ok":true}';
  /** Milliseconds to wait before answering the n-th request (0-based); 0 by default. */
  delayFor: (index: number) => number = () => 0;
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const index = this.requests.length;
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
        const answer = (): void => {
          if (res.destroyed) return;
          res.writeHead(this.status, { 'content-type': 'application/json' });
          res.end(this.body);
        };
        const delay = this.delayFor(index);
        if (delay <= 0) answer();
        else {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            answer();
          }, delay);
          this.timers.add(timer);
        }
      });
    });
  }

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
