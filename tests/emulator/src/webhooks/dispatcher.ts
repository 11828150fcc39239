import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Doc, Meta } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { isRecord, str, truthy as jsTruthy } from '../model/values';
import type { Site } from '../site';
import { cint } from '../util/decimal';
import { dumps, loadsPy, PyBytes, PyDict, type Py } from '../util/pyjson';
import { renderTemplate } from './jinja';
import { conditionScope, pyDoc, pyValue, templateScope } from './context';
import { evalCondition, PyError } from './pyexpr';

/** One HTTP attempt (or a render failure) of a webhook, as the emulator saw it. */
export interface WebhookDelivery {
  webhook: string;
  doctype: string;
  docname: string;
  event: string;
  url: string | null;
  method: string;
  /** Headers Frappe added (signature, custom headers); the requests library adds the rest. */
  headers: Record<string, string>;
  /** The exact bytes sent, null when rendering failed. */
  body: string | null;
  attempt: number;
  outcome: 'delivered' | 'http-error' | 'timeout' | 'connection-error' | 'render-error';
  status?: number;
  response?: string;
  error?: string;
  /** Name of the Webhook Request Log written for this attempt. */
  requestLog?: string;
  /** Site time when the attempt finished. */
  at: string;
}

interface Job {
  webhook: string;
  meta: Meta;
  docname: string;
  event: string;
  doc: Doc;
  user: string;
}

const WEBHOOK_EVENTS = ['on_update', 'after_insert', 'on_submit', 'on_cancel', 'on_trash'];
const USER_AGENT = 'python-requests/2.32.4';

export interface DispatcherOptions {
  delivery: 'async' | 'manual';
  /** Sleeps between attempts after a failure (Frappe: 1 s then 4 s). */
  retryDelaysMs: [number, number];
}

/**
 * Frappe's webhook pipeline: run_webhooks on document events (condition checked then), a queue
 * flushed after commit and deduplicated per (webhook, document), and a single background worker
 * that renders, signs, sends with up to three attempts and writes a Webhook Request Log each time.
 */
export class WebhookDispatcher {
  private readonly queue: Job[] = [];
  private readonly log: WebhookDelivery[] = [];
  private readonly pendingByCtx = new WeakMap<Ctx, { webhook: string; meta: Meta; doc: Doc; event: string; user: string }[]>();
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly requests = new Set<http.ClientRequest>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly site: Site,
    private readonly options: DispatcherOptions,
  ) {
    site.onDocEvent((ctx, meta, doc, method, inInsert) => this.onDocEvent(ctx, meta, doc, method, inInsert));
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d, headers: { ...d.headers } }));
  }

  pendingCount(): number {
    return this.queue.length;
  }

  /** Resolves when no delivery is in flight (and, in async mode, none is queued). */
  idle(): Promise<void> {
    if (!this.running && (this.options.delivery === 'manual' || this.queue.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Delivers everything queued now and resolves when done. */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.requests) r.destroy();
    this.requests.clear();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  // -------------------------------------------------------------- event side

  private webhooksFor(doctype: string): Doc[] {
    const out: Doc[] = [];
    for (const w of this.site.tables.rows('Webhook')) {
      if (w.webhook_doctype === doctype && cint(w.enabled)) out.push(w);
    }
    return out;
  }

  private onDocEvent(ctx: Ctx, meta: Meta, doc: Doc, method: string, inInsert: boolean): void {
    const events = inInsert ? WEBHOOK_EVENTS : [...WEBHOOK_EVENTS, 'on_change', 'before_update_after_submit'];
    if (!events.includes(method)) return;
    const hooks = this.webhooksFor(meta.name);
    if (hooks.length === 0) return;
    for (const webhook of hooks) {
      if (webhook.webhook_docevent !== method) continue;
      const condition = str(webhook.condition).trim();
      if (condition && !evalCondition(condition, conditionScope(this.site, meta, doc))) continue;
      let pending = this.pendingByCtx.get(ctx);
      if (!pending) {
        const list: { webhook: string; meta: Meta; doc: Doc; event: string; user: string }[] = [];
        pending = list;
        this.pendingByCtx.set(ctx, list);
        ctx.txn.onCommit(() => this.enqueueCommitted(list));
      }
      pending.push({ webhook: str(webhook.name), meta, doc, event: method, user: ctx.user });
    }
  }

  /** flush_webhook_execution_queue: the last instance per (webhook, doc) wins, order kept. */
  private enqueueCommitted(list: { webhook: string; meta: Meta; doc: Doc; event: string; user: string }[]): void {
    const seen = new Set<string>();
    const unique: typeof list = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const item = list[i];
      if (!item) continue;
      const key = `${item.webhook}\u0000${str(item.doc.name)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      unique.unshift(item);
    }
    for (const item of unique) {
      this.queue.push({
        webhook: item.webhook,
        meta: item.meta,
        docname: str(item.doc.name),
        event: item.event,
        doc: this.site.engine.fullForm(item.meta, item.doc),
        user: item.user,
      });
    }
    // Like the RQ worker, start after the triggering request has been answered.
    if (this.options.delivery === 'async') setImmediate(() => this.kick());
  }

  // -------------------------------------------------------------- worker

  private kick(): void {
    if (this.closed || this.running) return;
    if (this.queue.length === 0) {
      this.notifyIdle();
      return;
    }
    const run = async (): Promise<void> => {
      try {
        while (!this.closed && this.queue.length > 0) {
          const job = this.queue.shift();
          if (job) await this.deliver(job);
        }
      } finally {
        this.running = undefined;
        this.notifyIdle();
      }
    };
    this.running = run();
  }

  private notifyIdle(): void {
    if (this.running) return;
    if (this.options.delivery === 'async' && this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Read through a method: `closed` changes while a delivery awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private render(job: Job, webhook: Doc): { url: string; headers: Record<string, string>; data: Py } {
    const meta = job.meta;
    let url = str(webhook.request_url);
    if (cint(webhook.is_dynamic_url)) url = renderTemplate(url, templateScope(this.site, meta, job.doc));
    const data = this.webhookData(job, webhook);
    const headers: Record<string, string> = {};
    if (cint(webhook.enable_security)) {
      const secret = this.site.getSecret('Webhook', str(webhook.name), 'webhook_secret') ?? '';
      headers['X-Frappe-Webhook-Signature'] = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(dumps(data), 'utf8')).digest('base64');
    }
    const rows = Array.isArray(webhook.webhook_headers) ? webhook.webhook_headers : [];
    for (const h of rows) {
      if (isRecord(h) && jsTruthy(h.key) && jsTruthy(h.value)) headers[str(h.key)] = str(h.value);
    }
    return { url, headers, data };
  }

  private webhookData(job: Job, webhook: Doc): Py {
    const rows = Array.isArray(webhook.webhook_data) ? webhook.webhook_data.filter(isRecord) : [];
    if (rows.length > 0) {
      const d = new PyDict();
      for (const row of rows) d.map.set(str(row.key), pyValue(job.meta, str(row.fieldname), job.doc[str(row.fieldname)], (dt, r) => pyDoc(this.site, dt, r)));
      return d;
    }
    if (webhook.webhook_json) {
      const text = renderTemplate(str(webhook.webhook_json), templateScope(this.site, job.meta, job.doc));
      return loadsPy(text);
    }
    return new PyDict();
  }

  private async deliver(job: Job): Promise<void> {
    const webhook = this.site.tables.get('Webhook', job.webhook);
    if (!webhook) return;
    const method = str(webhook.request_method) || 'POST';
    let rendered: { url: string; headers: Record<string, string>; data: Py };
    try {
      rendered = this.render(job, webhook);
    } catch (err) {
      const error = pythonTraceback(err);
      const logName = this.writeLog(job, { url: str(webhook.request_url) || null, headers: null, data: null, response: null, error });
      this.log.push({
        webhook: job.webhook, doctype: job.meta.name, docname: job.docname, event: job.event, url: str(webhook.request_url) || null,
        method, headers: {}, body: null, attempt: 1, outcome: 'render-error', error, requestLog: logName, at: this.site.clock.now(),
      });
      return;
    }
    const body = dumps(rendered.data);
    const timeoutMs = (cint(webhook.timeout) || 5) * 1000;
    const headersLog = this.headersForLog(rendered.headers);
    const dataLog = dumps(rendered.data, { indent: 1, sortKeys: true });
    // The attempts' records share one copy of the headers: deliveries() hands out copies, nothing else writes to them.
    const request = { webhook: job.webhook, doctype: job.meta.name, docname: job.docname, event: job.event, url: rendered.url, method, headers: { ...rendered.headers }, body };
    for (let attempt = 1; attempt <= 3 && !this.closed; attempt++) {
      const result = await this.send(rendered.url, method, rendered.headers, body, timeoutMs);
      if (this.isClosed()) return;
      const base = { ...request, attempt };
      if (result.kind === 'response' && result.status < 400) {
        const logName = this.writeLog(job, { url: rendered.url, headers: headersLog, data: dataLog, response: result.text, error: '' });
        this.log.push({ ...base, outcome: 'delivered', status: result.status, response: result.text, requestLog: logName, at: this.site.clock.now() });
        return;
      }
      if (result.kind === 'timeout') {
        const error = `requests.exceptions.ReadTimeout: ${hostDescription(rendered.url)}: Read timed out. (read timeout=${timeoutMs / 1000})`;
        const logName = this.writeLog(job, { url: rendered.url, headers: headersLog, data: dataLog, response: null, error: traceback(error) });
        this.log.push({ ...base, outcome: 'timeout', error, requestLog: logName, at: this.site.clock.now() });
        continue;
      }
      let error: string;
      let outcome: WebhookDelivery['outcome'];
      if (result.kind === 'response') {
        outcome = 'http-error';
        const kind = result.status < 500 ? 'Client Error' : 'Server Error';
        error = `requests.exceptions.HTTPError: ${result.status} ${kind}: ${http.STATUS_CODES[result.status] ?? ''} for url: ${rendered.url}`;
      } else {
        outcome = 'connection-error';
        error = `requests.exceptions.ConnectionError: ${hostDescription(rendered.url)}: Max retries exceeded (Caused by NewConnectionError(': Failed to establish a new connection: ${result.message}'))`;
      }
      const response = result.kind === 'response' ? result.text : null;
      const logName = this.writeLog(job, { url: rendered.url, headers: headersLog, data: dataLog, response, error: traceback(error) });
      this.log.push({
        ...base, outcome, error, requestLog: logName, at: this.site.clock.now(),
        ...(result.kind === 'response' ? { status: result.status, response: result.text } : {}),
      });
      if (attempt < 3) await this.sleep(this.options.retryDelaysMs[attempt - 1] ?? 0);
    }
  }

  /** frappe.as_json(headers): the signature is bytes, serialised as a list of byte values. */
  private headersForLog(headers: Record<string, string>): string | null {
    if (Object.keys(headers).length === 0) return null;
    const d = new PyDict();
    for (const [k, v] of Object.entries(headers)) {
      d.map.set(k, k === 'X-Frappe-Webhook-Signature' ? new PyBytes(Buffer.from(v, 'ascii')) : v);
    }
    return dumps(d, { indent: 1, sortKeys: true });
  }

  private writeLog(job: Job, fields: { url: string | null; headers: string | null; data: string | null; response: string | null; error: string }): string | undefined {
    if (this.closed) return undefined;
    try {
      return this.site.asAdministrator((ctx) => {
        const doc = this.site.engine.insert(ctx, {
          doctype: 'Webhook Request Log',
          webhook: job.webhook,
          reference_document: job.docname,
          user: job.user,
          url: fields.url,
          headers: fields.headers,
          data: fields.data,
          response: fields.response,
          error: fields.error,
        });
        return str(doc.name);
      });
    } catch {
      return undefined;
    }
  }

  private send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ kind: 'response'; status: number; text: string } | { kind: 'timeout' } | { kind: 'error'; message: string }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ kind: 'error', message: `Invalid URL '${url}'` });
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(
        target,
        {
          method,
          headers: {
            'User-Agent': USER_AGENT,
            'Accept-Encoding': 'gzip, deflate',
            Accept: '*/*',
            Connection: 'keep-alive',
            ...headers,
            'Content-Length': String(payload.length),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.requests.delete(req);
            resolve({ kind: 'response', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => {
            this.requests.delete(req);
            resolve({ kind: 'error', message: err.message });
          });
        },
      );
      this.requests.add(req);
      req.setTimeout(timeoutMs, () => {
        req.destroy();
        this.requests.delete(req);
        resolve({ kind: 'timeout' });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        this.requests.delete(req);
        resolve({ kind: 'error', message: err.code === 'ECONNREFUSED' ? '[Errno 111] Connection refused' : err.message });
      });
      req.end(payload);
    });
  }
}

function hostDescription(url: string): string {
  try {
    const u = new URL(url);
    const pool = u.protocol === 'https:' ? 'HTTPSConnectionPool' : 'HTTPConnectionPool';
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${pool}(host='${u.hostname}', port=${port})`;
  } catch {
    return 'HTTPConnectionPool';
  }
}

function traceback(line: string): string {
  return `Traceback (most recent call last):\n  File "apps/frappe/frappe/integrations/doctype/webhook/webhook.py", line 178, in enqueue_webhook\n    r.raise_for_status()\n${line}\n`;
}

function pythonTraceback(err: unknown): string {
  const line = err instanceof PyError ? `${err.pyType}: ${err.message}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return (
    'Traceback (most recent call last):\n' +
    '  File "apps/frappe/frappe/integrations/doctype/webhook/webhook.py", line 166, in enqueue_webhook\n' +
    '    data = get_webhook_data(doc, webhook)\n' +
    '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n' +
    '  File "apps/frappe/frappe/integrations/doctype/webhook/webhook.py", line 253, in get_webhook_data\n' +
    '    data = frappe.render_template(webhook.webhook_json, get_context(doc))\n' +
    '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n' +
    `${line}\n`
  );
}
