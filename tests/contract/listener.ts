// A local HTTP listener that receives the site's webhook deliveries and keeps the exact bytes,
// because the signature is computed over them.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: Buffer;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The deliveries received so far, and whoever waits for the next one. */
class Inbox {
  readonly deliveries: Delivery[] = [];
  readonly waiters = new Set<() => void>();

  receive(delivery: Delivery): void {
    this.deliveries.push(delivery);
    for (const wake of this.waiters) wake();
  }
}

export class WebhookListener {
  private constructor(
    private readonly server: Server,
    private readonly inbox: Inbox,
    /** The address the site is told to call: http://host:port. */
    readonly baseUrl: string,
  ) {}

  /**
   * Listens on 127.0.0.1 and a free port. A remote site cannot reach that address: set
   * CONTRACT_LISTENER_HOST to an address of this machine the site can reach (the listener then
   * listens on every interface), and CONTRACT_LISTENER_PORT to a fixed port if a firewall needs one.
   */
  static async start(env: NodeJS.ProcessEnv = process.env): Promise<WebhookListener> {
    const advertised = env.CONTRACT_LISTENER_HOST ?? '';
    const bindHost = advertised === '' ? '127.0.0.1' : '0.0.0.0';
    const port = Number(env.CONTRACT_LISTENER_PORT ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CONTRACT_LISTENER_PORT is not a port number: ${env.CONTRACT_LISTENER_PORT ?? ''}`);

    const inbox = new Inbox();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        inbox.receive({ method: req.method ?? '', path: req.url ?? '', headers: flatten(req.headers), raw: Buffer.concat(chunks) });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bindHost, () => resolve());
    });
    const { port: actualPort } = server.address() as AddressInfo;
    return new WebhookListener(server, inbox, `http://${advertised === '' ? bindHost : advertised}:${actualPort}`);
  }

  /**
   * Waits for the first delivery that satisfies `match`. The site delivers from a background
   * job, after the request that triggered it has been answered, so this waits up to a deadline
   * (CONTRACT_WEBHOOK_DEADLINE_MS, 20 s by default) and then fails naming what did arrive.
   */
  async waitFor(what: string, match: (d: Delivery) => boolean, deadlineMs = Number(process.env.CONTRACT_WEBHOOK_DEADLINE_MS ?? 20_000)): Promise<Delivery> {
    const found = (): Delivery | undefined => this.inbox.deliveries.find(match);
    const early = found();
    if (early) return early;
    return new Promise<Delivery>((resolve, reject) => {
      const wake = (): void => {
        const d = found();
        if (d) {
          done();
          resolve(d);
        }
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.inbox.deliveries.map((d) => `${d.method} ${d.path}`).join(', ');
        reject(new Error(`No webhook delivery for ${what} within ${deadlineMs} ms (the listener received: ${seen === '' ? 'nothing' : seen})`));
      }, deadlineMs);
      const done = (): void => {
        clearTimeout(timer);
        this.inbox.waiters.delete(wake);
      };
      this.inbox.waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
