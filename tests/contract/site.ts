// The site under test: the emulator by default, a real Frappe/ERPNext site when FRAPPE_URL,
// FRAPPE_API_KEY and FRAPPE_API_SECRET are set. Talks to it with a raw client over fetch, so the
// suite sees the wire (status, headers, Set-Cookie lines, body text) and nothing smooths it over.
import { z } from 'zod';
import { isRecord, type ActualResponse } from './shape';

type EmulatorModule = typeof import('../emulator/src/index');

/**
 * The emulator is loaded when a site is opened, not when this module is: the list of scenarios
 * (and the coverage test) must not depend on the emulator loading, nor pull it in against a real site.
 */
function loadEmulator(): EmulatorModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; jest's require applies the TypeScript transform, import() would not
  return require('../emulator/src/index') as EmulatorModule;
}

export interface Target {
  readonly kind: 'emulator' | 'remote';
  readonly url: string;
  readonly user: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The user's password, for the login cases; a real site gives it in FRAPPE_ADMIN_PASSWORD. */
  readonly password: string | undefined;
  close(): Promise<void>;
}

/** The real site named by the environment, or a fresh emulator. */
export async function openTarget(env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const url = env.FRAPPE_URL;
  if (url !== undefined && url !== '') {
    const missing = ['FRAPPE_API_KEY', 'FRAPPE_API_SECRET'].filter((k) => (env[k] ?? '') === '');
    if (missing.length > 0) {
      throw new Error(`FRAPPE_URL is set, so the contract suite runs against ${url}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
    }
    return {
      kind: 'remote',
      url: url.replace(/\/+$/, ''),
      user: env.FRAPPE_USER ?? 'Administrator',
      apiKey: env.FRAPPE_API_KEY ?? '',
      apiSecret: env.FRAPPE_API_SECRET ?? '',
      password: env.FRAPPE_ADMIN_PASSWORD === '' ? undefined : env.FRAPPE_ADMIN_PASSWORD,
      close: () => Promise.resolve(),
    };
  }
  const handle = await loadEmulator().startEmulator();
  return {
    kind: 'emulator',
    url: handle.url.replace(/\/+$/, ''),
    user: handle.admin.user,
    apiKey: handle.admin.apiKey,
    apiSecret: handle.admin.apiSecret,
    password: handle.admin.password,
    close: () => handle.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The raw client

export interface WireRequest {
  readonly method: string;
  /** As recorded: may hold spaces ("/api/resource/Sales Invoice") or escapes ("Sales%20Invoice"). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | URLSearchParams;
}

export class Reply implements ActualResponse {
  private parsed: { readonly value: unknown } | undefined;

  constructor(
    readonly request: { readonly method: string; readonly url: string },
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly setCookies: readonly string[],
    readonly text: string,
  ) {}

  /** The body as JSON, or undefined when it is not JSON. */
  get json(): unknown {
    if (this.parsed === undefined) {
      let value: unknown;
      try {
        value = JSON.parse(this.text);
      } catch {
        value = undefined;
      }
      this.parsed = { value };
    }
    return this.parsed.value;
  }

  /** A value inside the body: `at('data.items.0.name')`. */
  at(path: string): unknown {
    return valueAt(this.json, path);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Why the site refused, in a few words: status, exception type and the first message without markup. */
  reason(): string {
    const body = this.json;
    if (!isRecord(body)) return `${this.status}`;
    let message = '';
    if (typeof body._server_messages === 'string') {
      try {
        const [encoded] = JSON.parse(body._server_messages) as unknown[];
        const first: unknown = typeof encoded === 'string' ? JSON.parse(encoded) : undefined;
        if (isRecord(first) && typeof first.message === 'string') message = first.message;
      } catch {
        message = '';
      }
    }
    const excType = typeof body.exc_type === 'string' ? body.exc_type : '';
    const text = message.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim().slice(0, 120);
    return [String(this.status), excType, text].filter((s) => s !== '').join(' ');
  }

  /** One line for error messages: what was asked, what came back and why. */
  summary(): string {
    const body = this.json;
    let why = '';
    if (isRecord(body)) {
      const excType = body.exc_type;
      const messages = typeof body._server_messages === 'string' ? body._server_messages : '';
      const errors = Array.isArray(body.errors) ? JSON.stringify(body.errors[0]).slice(0, 300) : '';
      why = [typeof excType === 'string' ? excType : '', messages.slice(0, 300), errors].filter((s) => s !== '').join(' ');
    }
    return `${this.request.method} ${decodeURI(this.request.url)} → ${this.status}${why === '' ? ` ${this.text.slice(0, 200)}` : ` ${why}`}`;
  }
}

export function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Escapes what a URL cannot carry, keeping escapes the recording already made. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => segment.replace(/%[0-9A-Fa-f]{2}|[^%]+|%/g, (part) => (/^%[0-9A-Fa-f]{2}$/.test(part) ? part : encodeURIComponent(part))))
    .join('/');
}

export function encodeQuery(query: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

// Headers the recorder's HTTP library set on its own; fetch sets its own.
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'user-agent']);

export class WireClient {
  constructor(readonly baseUrl: string) {}

  async send(request: WireRequest): Promise<Reply> {
    const url = `${this.baseUrl}${encodePath(request.path)}${encodeQuery(request.query ?? {})}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (!TRANSPORT_HEADERS.has(name.toLowerCase())) headers.set(name, value);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new Error(`${request.method} ${url}: no answer from the site (${String(error)})`, { cause: error });
    }
    const text = await response.text();
    const flat: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') flat[name] = value;
    });
    return new Reply({ method: request.method, url }, response.status, flat, response.headers.getSetCookie(), text);
  }
}

// ---------------------------------------------------------------------------------------------
// What the suite needs to know about the site, found through its API

export interface SiteFacts {
  readonly company: string;
  readonly abbr: string;
  readonly currency: string;
  readonly receivableAccount: string | undefined;
  readonly bankAccount: string | undefined;
  readonly incomeAccount: string | undefined;
  /** A leaf Customer Group and Territory for new customers (the recorded ones when they exist). */
  readonly customerGroup: string;
  readonly territory: string;
  /** Where the suite's own Item Groups go. */
  readonly rootItemGroup: string;
  /** The site's date today, YYYY-MM-DD, in its time zone. */
  readonly today: string;
}

const CompanyRow = z.object({
  name: z.string(),
  abbr: z.string(),
  default_currency: z.string().nullish(),
  default_receivable_account: z.string().nullish(),
  default_bank_account: z.string().nullish(),
  default_income_account: z.string().nullish(),
});
const NamedRow = z.looseObject({ name: z.string() });
const TreeRow = z.object({ name: z.string(), parent_item_group: z.string().nullish() });
const ListOf = <T extends z.ZodType>(row: T) => z.object({ data: z.array(row) });

export type Auth = 'token' | 'none';

export interface CallOptions {
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as a JSON body. */
  readonly json?: unknown;
  /** Sent form-encoded; values that are not strings are sent as JSON. */
  readonly form?: Readonly<Record<string, unknown>>;
  readonly auth?: Auth;
  readonly cookie?: string;
}

export class Site {
  readonly client: WireClient;

  private constructor(
    readonly target: Target,
    private facts: SiteFacts | undefined,
  ) {
    this.client = new WireClient(target.url);
  }

  static async open(): Promise<Site> {
    const target = await openTarget();
    const site = new Site(target, undefined);
    try {
      site.facts = await site.discover();
    } catch (error) {
      await target.close();
      throw error;
    }
    return site;
  }

  async close(): Promise<void> {
    await this.target.close();
  }

  get info(): SiteFacts {
    if (!this.facts) throw new Error('Site facts are read before discovery finished');
    return this.facts;
  }

  get user(): string {
    return this.target.user;
  }

  tokenHeader(): string {
    return `token ${this.target.apiKey}:${this.target.apiSecret}`;
  }

  basicHeader(): string {
    return `Basic ${Buffer.from(`${this.target.apiKey}:${this.target.apiSecret}`).toString('base64')}`;
  }

  password(): string {
    const password = this.target.password;
    if (password === undefined) {
      throw new Error(
        'This case logs in with a password: set FRAPPE_ADMIN_PASSWORD to the password of FRAPPE_USER (Administrator by default) on the site under test',
      );
    }
    return password;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if ((options.auth ?? 'token') === 'token') headers.Authorization = this.tokenHeader();
    if (options.cookie !== undefined) headers.Cookie = options.cookie;
    let body: string | URLSearchParams | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      body = form;
    }
    return this.client.send({ method, path, query: options.query, headers, body });
  }

  /** Like call, but anything other than a 2xx answer is an error naming what the suite was doing. */
  async must(what: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const reply = await this.call(method, path, options);
    if (!reply.ok) throw new Error(`Setting up the case failed while trying to ${what}: ${reply.summary()}`);
    return reply;
  }

  private async list<T extends z.ZodType>(doctype: string, row: T, query: Record<string, string>): Promise<z.infer<T>[]> {
    const reply = await this.must(`list ${doctype}`, 'GET', `/api/resource/${doctype}`, {
      query: { limit_page_length: '0', ...query },
    });
    const parsed = ListOf(row).safeParse(reply.json);
    if (!parsed.success) throw new Error(`Listing ${doctype} gave an answer of an unexpected form: ${z.prettifyError(parsed.error)}`);
    return parsed.data.data;
  }

  private async discover(): Promise<SiteFacts> {
    const companies = await this.list('Company', CompanyRow, {
      fields: JSON.stringify(['name', 'abbr', 'default_currency', 'default_receivable_account', 'default_bank_account', 'default_income_account']),
    });
    const company = await this.pickCompany(companies);

    const leafGroups = await this.list('Customer Group', NamedRow, { filters: JSON.stringify([['is_group', '=', 0]]) });
    const leafTerritories = await this.list('Territory', NamedRow, { filters: JSON.stringify([['is_group', '=', 0]]) });
    const itemGroups = await this.list('Item Group', TreeRow, {
      fields: JSON.stringify(['name', 'parent_item_group']),
      filters: JSON.stringify([['is_group', '=', 1]]),
    });
    const prefer = (rows: readonly { name: string }[], recorded: string, what: string): string => {
      const found = rows.find((r) => r.name === recorded) ?? rows[0];
      if (!found) throw new Error(`The site has no ${what} to give new customers`);
      return found.name;
    };
    const root = itemGroups.find((g) => (g.parent_item_group ?? '') === '');

    const dateHeader = (await this.must('read the clock', 'GET', '/api/method/frappe.auth.get_logged_user')).headers.date;
    const now = dateHeader === undefined ? new Date() : new Date(dateHeader);
    const today = new Intl.DateTimeFormat('en-CA', {
      timeZone: process.env.FRAPPE_TIME_ZONE ?? 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now);

    return {
      company: company.name,
      abbr: company.abbr,
      currency: company.default_currency ?? 'EUR',
      receivableAccount: company.default_receivable_account ?? undefined,
      bankAccount: company.default_bank_account ?? undefined,
      incomeAccount: company.default_income_account ?? undefined,
      customerGroup: prefer(leafGroups, 'Commercial', 'leaf Customer Group'),
      territory: prefer(leafTerritories, 'France', 'leaf Territory'),
      rootItemGroup: root?.name ?? 'All Item Groups',
      today,
    };
  }

  private async pickCompany(companies: z.infer<typeof CompanyRow>[]): Promise<z.infer<typeof CompanyRow>> {
    const only = companies.length === 1 ? companies[0] : undefined;
    if (only) return only;
    if (companies.length === 0) throw new Error('The site has no Company: run the setup wizard first');
    const wanted = process.env.FRAPPE_COMPANY ?? (await this.defaultCompany());
    const found = companies.find((c) => c.name === wanted);
    if (!found) {
      throw new Error(`The site has ${companies.length} companies and none is named "${wanted}": set FRAPPE_COMPANY to one of ${companies.map((c) => c.name).join(', ')}`);
    }
    return found;
  }

  private async defaultCompany(): Promise<string> {
    const reply = await this.must('read the default company', 'GET', '/api/method/frappe.client.get_single_value', {
      query: { doctype: 'Global Defaults', field: 'default_company' },
    });
    const value = reply.at('message');
    if (typeof value !== 'string' || value === '') throw new Error('The site has several companies and no default one: set FRAPPE_COMPANY');
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates, computed on YYYY-MM-DD strings so that no local time zone creeps in

function parseDate(date: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function formatDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = parseDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return formatDate(d);
}

export function monthStart(date: string): string {
  return `${date.slice(0, 8)}01`;
}

export function monthEnd(date: string): string {
  const d = parseDate(monthStart(date));
  d.setUTCMonth(d.getUTCMonth() + 1);
  d.setUTCDate(0);
  return formatDate(d);
}

/** 2026-11-28 → 28/11/2026, the format a French user types and the API refuses. */
export function frenchDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d ?? ''}/${m ?? ''}/${y ?? ''}`;
}
