import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { dumps } from '../util/pyjson';
import type { Rng } from '../util/random';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import type { Api, Reply } from './api';
import { faultRuleSchema, Faults, nginxErrorPage, type FaultRule } from './faults';
import { classify, drawLatency, latencyProfileSchema, resolveProfile, type LatencyProfile } from './latency';
import { parseRequest, requestTarget } from './request';

const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class Counters {
  private readonly counts = new Map<string, number>();

  hit(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  reset(): void {
    this.counts.clear();
  }
}

const latencyBodySchema = z.union([z.literal('erpnext-v15'), z.null(), latencyProfileSchema]);

/** A request to a page of the site's payment gateway (its checkout), which is not part of the ERP's API. */
export interface CheckoutRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  baseUrl: string;
}

export interface ServerHooks {
  /** Called after every request that may have changed data (persistence). */
  afterRequest: () => void;
  /** The payment gateway's pages under /__gateway/; undefined when the site has no gateway. */
  checkout?: (req: CheckoutRequest) => Reply;
}

const NO_GATEWAY: Reply = {
  status: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: 'This emulated site has no payment gateway: start it with the paymentGateway option.',
};

/** The HTTP front: counters, fault injection, simulated latency, control plane, then the API. */
export class EmulatorServer {
  readonly server: http.Server;
  readonly counters = new Counters();
  readonly faults: Faults;
  private latency: LatencyProfile | null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly startedMs = Date.now();

  constructor(
    private readonly api: Api,
    private readonly webhooks: WebhookDispatcher,
    private readonly latencyRng: Rng,
    faultRng: Rng,
    latency: LatencyProfile | 'erpnext-v15' | null,
    private readonly hooks: ServerHooks,
  ) {
    this.faults = new Faults(faultRng);
    this.latency = resolveProfile(latency);
    this.server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ exc_type: 'InternalServerError', exception: err instanceof Error ? err.message : String(err) }));
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  setLatency(profile: LatencyProfile | 'erpnext-v15' | null): void {
    this.latency = resolveProfile(profile === null ? null : (latencyBodySchema.parse(profile)));
  }

  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`http://${shownHost}:${address.port}`);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await done;
  }

  /** Read through a method: `closed` changes while a request awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error(`Request body larger than ${MAX_BODY_BYTES} bytes`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return;
    const body = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.end(body);
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await this.readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0] ?? '/';
    if (rawPath.startsWith('/__emulator/')) {
      this.send(res, await this.control(method, rawPath, body));
      return;
    }
    // The gateway stands for another party (Stripe, GoCardless): the ERP's faults, latency and counters are not its.
    if (rawPath.startsWith('/__gateway/')) {
      const hostHeader = req.headers.host;
      const reply = this.hooks.checkout ? this.hooks.checkout({ method, url, headers: req.headers, body, baseUrl: `http://${hostHeader ?? '127.0.0.1'}` }) : NO_GATEWAY;
      this.hooks.afterRequest();
      this.send(res, reply);
      return;
    }
    let parsedBody: unknown;
    if (body.length > 0) {
      try {
        parsedBody = JSON.parse(body.toString('utf8'));
      } catch {
        parsedBody = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      }
    }
    const target = requestTarget(url);
    const shape = classify(method, target.path, parsedBody);
    this.counters.hit(shape.counterKey);
    const fault = this.faults.pick(method, target.path);
    if (this.latency) await this.sleep(drawLatency(this.latency, shape.operation, shape.doctype, this.latencyRng));
    if (this.isClosed()) {
      res.destroy();
      return;
    }
    const when = fault?.when ?? 'before';
    if (fault && when === 'before') {
      if (fault.action.kind === 'delay') {
        await this.sleep(this.faults.delayMs(fault.action));
      } else {
        this.applyFault(fault, req, res);
        return;
      }
    }
    if (this.isClosed()) {
      res.destroy();
      return;
    }
    const reply = this.api.handle(parseRequest(method, target, req.headers, body));
    this.hooks.afterRequest();
    if (fault && when === 'after') {
      if (fault.action.kind === 'delay') {
        await this.sleep(this.faults.delayMs(fault.action));
        if (this.isClosed()) {
          res.destroy();
          return;
        }
      } else {
        this.applyFault(fault, req, res);
        return;
      }
    }
    this.send(res, reply);
  }

  private applyFault(fault: FaultRule, req: http.IncomingMessage, res: http.ServerResponse): void {
    const action = fault.action;
    switch (action.kind) {
      case 'status': {
        if (action.status === 500) {
          const line = "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query')";
          const traceback = `Traceback (most recent call last):\n  File "apps/frappe/frappe/app.py", line 115, in application\n    response = frappe.api.handle(request)\n${line}\n`;
          this.send(res, {
            status: 500,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ exception: line, exc_type: 'OperationalError', exc: dumps([traceback]) }),
          });
        } else {
          this.send(res, { status: action.status, headers: { 'content-type': 'text/html', server: 'nginx' }, body: nginxErrorPage(action.status) });
        }
        return;
      }
      case 'rateLimit':
        this.send(res, {
          status: 429,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'retry-after': String(action.retryAfterSeconds),
            'x-ratelimit-reset': String(action.retryAfterSeconds),
          },
          body: 'Too Many Requests',
        });
        return;
      case 'timeout':
        // Never answer: the socket stays open until the client gives up or the emulator closes.
        req.socket.setTimeout(0);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        return;
    }
  }

  private async control(method: string, path: string, body: Buffer): Promise<Reply> {
    const ok = (value: unknown, status = 200): Reply => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    const bad = (message: string): Reply => ok({ error: message }, 400);
    const parseBody = (): unknown => {
      const text = body.toString('utf8').trim();
      return text ? (JSON.parse(text) as unknown) : undefined;
    };
    try {
      if (path === '/__emulator/health' && method === 'GET') {
        return ok({ status: 'ok', uptimeMs: Date.now() - this.startedMs, pendingWebhooks: this.webhooks.pendingCount() });
      }
      if (path === '/__emulator/faults' && method === 'POST') {
        const parsed = faultRuleSchema.safeParse(parseBody());
        if (!parsed.success) return bad(`Invalid fault rule: ${parsed.error.message}`);
        return ok({ id: this.faults.add(parsed.data) });
      }
      if (path === '/__emulator/faults' && method === 'GET') return ok({ faults: this.faults.list() });
      if (path === '/__emulator/faults' && method === 'DELETE') {
        this.faults.clear();
        return ok({ ok: true });
      }
      const faultId = /^\/__emulator\/faults\/([^/]+)$/.exec(path);
      if (faultId && method === 'DELETE') {
        this.faults.remove(decodeURIComponent(faultId[1] ?? ''));
        return ok({ ok: true });
      }
      if (path === '/__emulator/counters' && method === 'GET') {
        return ok({ counters: this.counters.snapshot(), total: this.counters.total() });
      }
      if (path === '/__emulator/counters/reset' && method === 'POST') {
        this.counters.reset();
        return ok({ ok: true });
      }
      if (path === '/__emulator/latency' && method === 'POST') {
        const parsed = latencyBodySchema.safeParse(parseBody() ?? null);
        if (!parsed.success) return bad(`Invalid latency profile: ${parsed.error.message}`);
        this.latency = resolveProfile(parsed.data);
        return ok({ ok: true });
      }
      if (path === '/__emulator/webhooks' && method === 'GET') return ok({ deliveries: this.webhooks.deliveries() });
      if (path === '/__emulator/webhooks/flush' && method === 'POST') {
        await this.webhooks.flush();
        return ok({ ok: true, deliveries: this.webhooks.deliveries().length });
      }
      return ok({ error: `No control endpoint ${method} ${path}` }, 404);
    } catch (err) {
      return bad(err instanceof Error ? err.message : String(err));
    }
  }
}
