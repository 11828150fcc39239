import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAxiosError, type AxiosInstance } from 'axios';
import { FrappeApp } from 'frappe-js-sdk';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log';
import { CookieJar } from './cookie-jar';
import {
  decodeServerMessages,
  ErpAuthenticationError,
  ErpError,
  ErpInvalidResponseError,
  ErpUnavailableError,
  errorFromResponse,
  type ErpRequestInfo,
} from './errors';
import {
  docstatusSchema,
  filtersSchema,
  frappeDocSchema,
  orderBySchema,
  type CallOptions,
  type CountOptions,
  type CredentialCheck,
  type DocValues,
  type Docstatus,
  type ErpPort,
  type Filter,
  type FrappeDoc,
  type ListAllOptions,
  type ListOptions,
  type ListRow,
  type LockedWriteOptions,
  type MethodCallOptions,
  type OrderBy,
  type WithSchema,
  type WriteOptions,
} from './port';
import { backoffDelayMs, mayRetry, parseRetryAfterMs, retryPolicySchema, type RetryPolicy, type Sleep } from './retry';

/**
 * The ERP port over Frappe's REST API (Dokos, ERPNext v15). frappe-js-sdk provides the HTTP client
 * (its FrappeApp axios instance: base URL, JSON headers, `Authorization: token key:secret`); every
 * request goes through `send()` below, which adds what the SDK lacks on a server: a timeout,
 * retries, typed errors, response validation and logs. See README.md for the reasons.
 */

const optionsSchema = z.object({
  /** Site root, e.g. `https://erp.example.org` (no trailing `/api`). */
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL such as https://erp.example.org' }),
  apiKey: z.string().min(1, 'apiKey is required'),
  apiSecret: z.string().min(1, 'apiSecret is required'),
  /** Time allowed for each attempt of a call, in milliseconds. */
  timeoutMs: z.number().int().positive().default(10_000),
  retry: retryPolicySchema.prefault({}),
  /** Largest page listAll asks for when the caller does not say. */
  defaultPageSize: z.number().int().positive().max(1000).default(100),
});

export type FrappeAdapterConfig = z.input<typeof optionsSchema>;

export interface FrappeAdapterDeps {
  logger?: Logger;
  /** Source of jitter in [0, 1); tests pass a fixed sequence. */
  random?: () => number;
  /** Waits between attempts; tests pass one that records and returns at once. */
  sleep?: Sleep;
  /** Wall clock in epoch milliseconds, for Retry-After dates and cookie expiry. */
  now?: () => number;
}

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface HttpRequest {
  method: HttpMethod;
  /** Path with its segments already percent-encoded. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  /** What the request is about, for error messages: "Item SRV-X". */
  subject: string;
  idempotent: boolean;
  timeoutMs?: number | undefined;
  /** A member's session: sent without the API token, with this jar's cookies. */
  jar?: CookieJar;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** Frappe's insert_many refuses more ("Only 200 inserts allowed in one request"). */
export const INSERT_MANY_LIMIT = 200;

/** A listing page larger than this is refused before sending: paging exists for a reason. */
const MAX_PAGE_LENGTH = 1000;

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Connection errors that prove nothing reached the ERP, so even a write certainly did not happen. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const listRowSchema = z.record(z.string(), z.unknown());
const dataEnvelope = z.looseObject({ data: z.unknown() });
const messageEnvelope = z.looseObject({ message: z.unknown() });
const loginAnswerSchema = z.looseObject({ message: z.string(), full_name: z.string().optional() });

/** The caller's schema, or the base document schema. */
function docSchemaOr<T>(schema: z.ZodType<T> | undefined): z.ZodType<T | FrappeDoc> {
  return schema ?? frappeDocSchema;
}

function resourcePath(doctype: string, name?: string): string {
  const base = `/api/resource/${encodeURIComponent(doctype)}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

function lowerCaseHeaders(headers: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (typeof value === 'number') out[key.toLowerCase()] = String(value);
  }
  return out;
}

function setCookieLines(headers: unknown): string[] {
  if (typeof headers !== 'object' || headers === null) return [];
  const value = (headers as Record<string, unknown>)['set-cookie'];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

function parseJsonBody(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return `${path === '' ? '(root)' : path}: ${issue.message}`;
  });
}

function toOrderByList(orderBy: OrderBy | readonly OrderBy[] | undefined): OrderBy[] {
  if (orderBy === undefined) return [];
  return Array.isArray(orderBy) ? [...(orderBy as readonly OrderBy[])] : [orderBy as OrderBy];
}

export class FrappeAdapter implements ErpPort {
  private readonly config: z.output<typeof optionsSchema>;
  private readonly retry: RetryPolicy;
  /** Token-authenticated client for the sidecar's own calls. */
  private readonly client: AxiosInstance;
  /** Client without the API token, for members' own sessions (credential checks). */
  private readonly sessionClient: AxiosInstance;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  constructor(config: FrappeAdapterConfig, deps: FrappeAdapterDeps = {}) {
    const parsed = optionsSchema.safeParse(config);
    if (!parsed.success) {
      // zod's messages name the option and the problem, never the value: no secret is echoed.
      throw new TypeError(`Invalid ERP client options: ${describeIssues(parsed.error, '').join('; ')}`);
    }
    this.config = { ...parsed.data, url: parsed.data.url.replace(/\/+$/, '') };
    this.retry = parsed.data.retry;
    const { apiKey, apiSecret } = parsed.data;
    this.client = new FrappeApp(this.config.url, {
      useToken: true,
      type: 'token',
      token: () => `${apiKey}:${apiSecret}`,
    }).axios;
    this.sessionClient = new FrappeApp(this.config.url).axios;
    this.log = (deps.logger ?? silentLogger).child({ component: 'erp' });
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? ((ms) => sleep(ms));
    this.now = deps.now ?? Date.now;
  }

  // ------------------------------------------------------------------------------------------
  // Documents

  getDoc(doctype: string, name: string, options?: CallOptions): Promise<FrappeDoc>;
  getDoc<T>(doctype: string, name: string, options: CallOptions & WithSchema<T>): Promise<T>;
  async getDoc<T>(
    doctype: string,
    name: string,
    options: CallOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    const request: HttpRequest = {
      method: 'GET',
      path: resourcePath(doctype, name),
      subject: `${doctype} ${name}`,
      idempotent: true,
      timeoutMs: options.timeoutMs,
    };
    const data = await this.data(request);
    return this.validate(data, docSchemaOr(options.schema), request, 'data');
  }

  list(doctype: string, options: ListOptions): Promise<ListRow[]>;
  list<T>(doctype: string, options: ListOptions & WithSchema<T>): Promise<T[]>;
  async list<T>(doctype: string, options: ListOptions & Partial<WithSchema<T>>): Promise<(T | ListRow)[]> {
    const { limitPageLength } = options;
    const limitStart = options.limitStart ?? 0;
    if (!Number.isInteger(limitPageLength) || limitPageLength < 1 || limitPageLength > MAX_PAGE_LENGTH) {
      throw new RangeError(
        `list(${doctype}): limitPageLength must be an integer from 1 to ${MAX_PAGE_LENGTH} (use listAll for every row), got ${limitPageLength}`,
      );
    }
    if (!Number.isInteger(limitStart) || limitStart < 0) {
      throw new RangeError(`list(${doctype}): limitStart must be an integer ≥ 0, got ${limitStart}`);
    }
    const query = new URLSearchParams();
    if (options.fields !== undefined) query.set('fields', JSON.stringify(options.fields));
    if (options.filters !== undefined) query.set('filters', this.filtersParam(doctype, 'filters', options.filters));
    if (options.orFilters !== undefined) {
      query.set('or_filters', this.filtersParam(doctype, 'orFilters', options.orFilters));
    }
    const orderBy = toOrderByList(options.orderBy);
    if (orderBy.length > 0) query.set('order_by', this.orderByParam(doctype, orderBy));
    query.set('limit_start', String(limitStart));
    query.set('limit_page_length', String(limitPageLength));
    const request: HttpRequest = {
      method: 'GET',
      path: resourcePath(doctype),
      query,
      subject: `the ${doctype} list`,
      idempotent: true,
      timeoutMs: options.timeoutMs,
    };
    const data = await this.data(request);
    const rowSchema: z.ZodType<T | ListRow> = options.schema ?? listRowSchema;
    return this.validate(data, z.array(rowSchema), request, 'data');
  }

  listAll(doctype: string, options?: ListAllOptions): Promise<ListRow[]>;
  listAll<T>(doctype: string, options: ListAllOptions & WithSchema<T>): Promise<T[]>;
  async listAll<T>(doctype: string, options: ListAllOptions & Partial<WithSchema<T>> = {}): Promise<(T | ListRow)[]> {
    const pageSize = options.pageSize ?? this.config.defaultPageSize;
    const orderBy = toOrderByList(options.orderBy);
    // Offset paging is only exact over a total order; the primary key breaks every tie.
    if (!orderBy.some((o) => o.field === 'name')) orderBy.push({ field: 'name', order: 'asc' });
    const rows: (T | ListRow)[] = [];
    for (let limitStart = 0; ; limitStart += pageSize) {
      const page: (T | ListRow)[] = await this.list<T>(doctype, {
        ...(options as ListAllOptions & WithSchema<T>),
        orderBy,
        limitStart,
        limitPageLength: pageSize,
      });
      if (page.length > pageSize) {
        // A server that ignores paging would make this loop forever, repeating rows.
        throw this.invalidResponse(
          `ERP answered ${page.length} rows of ${doctype} for a page of ${pageSize}; it ignores limit_page_length`,
          200,
          { method: 'GET', path: resourcePath(doctype) },
        );
      }
      rows.push(...page);
      if (page.length < pageSize) return rows;
    }
  }

  async count(doctype: string, options: CountOptions = {}): Promise<number> {
    const query = new URLSearchParams({ doctype });
    if (options.filters !== undefined) query.set('filters', this.filtersParam(doctype, 'filters', options.filters));
    const request: HttpRequest = {
      method: 'GET',
      path: '/api/method/frappe.client.get_count',
      query,
      subject: `the ${doctype} count`,
      idempotent: true,
      timeoutMs: options.timeoutMs,
    };
    const message = await this.message(request);
    return this.validate(message, z.number().int().nonnegative(), request, 'message');
  }

  getValue(
    doctype: string,
    target: string | readonly Filter[],
    fields: readonly string[],
    options?: CallOptions,
  ): Promise<Record<string, unknown> | null>;
  getValue<T>(
    doctype: string,
    target: string | readonly Filter[],
    fields: readonly string[],
    options: CallOptions & WithSchema<T>,
  ): Promise<T | null>;
  async getValue<T>(
    doctype: string,
    target: string | readonly Filter[],
    fields: readonly string[],
    options: CallOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | Record<string, unknown> | null> {
    if (fields.length === 0) throw new RangeError(`getValue(${doctype}): name at least one field`);
    // A bare name would be parsed as JSON by Frappe first ("123" becomes a number); a dict is not.
    const filters = typeof target === 'string' ? JSON.stringify({ name: target }) : this.filtersParam(doctype, 'target', target);
    const query = new URLSearchParams({ doctype, fieldname: JSON.stringify(fields), filters });
    const request: HttpRequest = {
      method: 'GET',
      path: '/api/method/frappe.client.get_value',
      query,
      subject: typeof target === 'string' ? `${doctype} ${target}` : `a ${doctype} matching the filters`,
      idempotent: true,
      timeoutMs: options.timeoutMs,
    };
    const message = await this.message(request);
    const row = this.validate(message, listRowSchema, request, 'message');
    // frappe.client.get_value answers {} when nothing matches.
    if (Object.keys(row).length === 0) return null;
    return options.schema === undefined ? row : this.validate(row, options.schema, request, 'message');
  }

  insert(doctype: string, doc: DocValues, options?: WriteOptions): Promise<FrappeDoc>;
  insert<T>(doctype: string, doc: DocValues, options: WriteOptions & WithSchema<T>): Promise<T>;
  async insert<T>(
    doctype: string,
    doc: DocValues,
    options: WriteOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    const name = doc.name;
    const request: HttpRequest = {
      method: 'POST',
      path: resourcePath(doctype),
      body: doc,
      subject: typeof name === 'string' && name !== '' ? `${doctype} ${name}` : `a new ${doctype}`,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs,
    };
    const data = await this.data(request);
    return this.validate(data, docSchemaOr(options.schema), request, 'data');
  }

  update(doctype: string, name: string, changes: DocValues, options?: LockedWriteOptions): Promise<FrappeDoc>;
  update<T>(doctype: string, name: string, changes: DocValues, options: LockedWriteOptions & WithSchema<T>): Promise<T>;
  async update<T>(
    doctype: string,
    name: string,
    changes: DocValues,
    options: LockedWriteOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    return this.put(doctype, name, changes, options);
  }

  async delete(doctype: string, name: string, options: WriteOptions = {}): Promise<void> {
    const request: HttpRequest = {
      method: 'DELETE',
      path: resourcePath(doctype, name),
      subject: `${doctype} ${name}`,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs,
    };
    const data = await this.data(request);
    this.validate(data, z.literal('ok'), request, 'data');
  }

  submit(doctype: string, name: string, options?: LockedWriteOptions): Promise<FrappeDoc>;
  submit<T>(doctype: string, name: string, options: LockedWriteOptions & WithSchema<T>): Promise<T>;
  async submit<T>(
    doctype: string,
    name: string,
    options: LockedWriteOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    return this.changeDocstatus(doctype, name, 1, options);
  }

  cancel(doctype: string, name: string, options?: LockedWriteOptions): Promise<FrappeDoc>;
  cancel<T>(doctype: string, name: string, options: LockedWriteOptions & WithSchema<T>): Promise<T>;
  async cancel<T>(
    doctype: string,
    name: string,
    options: LockedWriteOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    return this.changeDocstatus(doctype, name, 2, options);
  }

  setValue(doctype: string, name: string, values: DocValues, options?: WriteOptions): Promise<FrappeDoc>;
  setValue<T>(doctype: string, name: string, values: DocValues, options: WriteOptions & WithSchema<T>): Promise<T>;
  async setValue<T>(
    doctype: string,
    name: string,
    values: DocValues,
    options: WriteOptions & Partial<WithSchema<T>> = {},
  ): Promise<T | FrappeDoc> {
    if (Object.keys(values).length === 0) throw new RangeError(`setValue(${doctype} ${name}): no field to set`);
    // A dict in `fieldname` sets several fields at once; a (fieldname, value) pair with a falsy
    // value would be misread by Frappe as a JSON fieldname.
    const request: HttpRequest = {
      method: 'POST',
      path: '/api/method/frappe.client.set_value',
      body: { doctype, name, fieldname: values },
      subject: `${doctype} ${name}`,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs,
    };
    const message = await this.message(request);
    return this.validate(message, docSchemaOr(options.schema), request, 'message');
  }

  async insertMany(doctype: string, docs: readonly DocValues[], options: WriteOptions = {}): Promise<string[]> {
    if (docs.length === 0) return [];
    if (docs.length > INSERT_MANY_LIMIT) {
      throw new RangeError(
        `insertMany(${doctype}): ${docs.length} documents, Frappe accepts at most ${INSERT_MANY_LIMIT} per request`,
      );
    }
    const body = docs.map((doc, index) => {
      if (doc.doctype !== undefined && doc.doctype !== doctype) {
        throw new TypeError(`insertMany(${doctype}): document ${index} has doctype ${JSON.stringify(doc.doctype)}`);
      }
      return { ...doc, doctype };
    });
    const request: HttpRequest = {
      method: 'POST',
      path: '/api/method/frappe.client.insert_many',
      body: { docs: body },
      subject: `${docs.length} new ${doctype}`,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs,
    };
    const message = await this.message(request);
    const names = this.validate(message, z.array(z.string().min(1)), request, 'message');
    if (names.length !== docs.length) {
      throw this.invalidResponse(
        `ERP answered ${request.subject} with ${names.length} names for ${docs.length} documents`,
        200,
        this.info(request),
      );
    }
    return names;
  }

  // ------------------------------------------------------------------------------------------
  // Methods and sessions

  call(method: string, args: Record<string, unknown>, options: MethodCallOptions): Promise<unknown>;
  call<T>(method: string, args: Record<string, unknown>, options: MethodCallOptions & WithSchema<T>): Promise<T>;
  async call<T>(
    method: string,
    args: Record<string, unknown>,
    options: MethodCallOptions & Partial<WithSchema<T>>,
  ): Promise<unknown> {
    if (!METHOD_NAME.test(method)) {
      throw new TypeError(`call: "${method}" is not a dotted Python path such as frappe.client.get_count`);
    }
    const request: HttpRequest = {
      method: options.http,
      path: `/api/method/${method}`,
      subject: method,
      idempotent: options.idempotent ?? options.http === 'GET',
      timeoutMs: options.timeoutMs,
    };
    if (options.http === 'GET') {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(args)) {
        if (value === undefined) continue;
        query.set(key, typeof value === 'string' ? value : JSON.stringify(value));
      }
      request.query = query;
    } else {
      request.body = args;
    }
    const message = await this.message(request);
    return options.schema === undefined ? message : this.validate(message, options.schema, request, 'message');
  }

  async getLoggedUser(options: CallOptions = {}): Promise<string> {
    return this.loggedUser('the API user', options.timeoutMs);
  }

  async verifyUserCredentials(usr: string, pwd: string, options: CallOptions = {}): Promise<CredentialCheck> {
    const jar = new CookieJar(this.now);
    const login: HttpRequest = {
      method: 'POST',
      path: '/api/method/login',
      body: { usr, pwd },
      subject: 'a member login',
      // A repeated login after a lost answer would count as a second failed attempt on the
      // member's account (Frappe locks it after a few); retry only when the ERP refused outright.
      idempotent: false,
      timeoutMs: options.timeoutMs,
      jar,
    };
    let answer: HttpAnswer;
    try {
      answer = await this.send(login);
    } catch (error) {
      if (error instanceof ErpAuthenticationError) return { ok: false, error };
      throw error;
    }
    const loggedIn = this.validate(answer.body, loginAnswerSchema, login, '');
    if (jar.get('sid') === undefined || jar.get('sid') === 'Guest') {
      throw this.invalidResponse(
        'ERP accepted a member login but opened no session (no sid cookie); two-factor login is not supported',
        answer.status,
        this.info(login),
      );
    }
    try {
      const user = await this.loggedUser("the member's session", options.timeoutMs, jar);
      return { ok: true, user, fullName: loggedIn.full_name ?? user };
    } finally {
      await this.logout(jar, options.timeoutMs);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  private async put<T>(
    doctype: string,
    name: string,
    changes: DocValues,
    options: LockedWriteOptions & Partial<WithSchema<T>>,
  ): Promise<T | FrappeDoc> {
    const body: DocValues = options.modified === undefined ? changes : { ...changes, modified: options.modified };
    const request: HttpRequest = {
      method: 'PUT',
      path: resourcePath(doctype, name),
      body,
      subject: `${doctype} ${name}`,
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs,
    };
    const data = await this.data(request);
    return this.validate(data, docSchemaOr(options.schema), request, 'data');
  }

  /**
   * Submit and cancel are a PUT of the docstatus: one request that returns the whole document, and
   * the caller's `modified` guards it like any other update. (frappe.client.submit needs the whole
   * document sent back, which costs a read first.)
   */
  private async changeDocstatus<T>(
    doctype: string,
    name: string,
    docstatus: Docstatus,
    options: LockedWriteOptions & Partial<WithSchema<T>>,
  ): Promise<T | FrappeDoc> {
    docstatusSchema.parse(docstatus);
    return this.put(doctype, name, { docstatus }, options);
  }

  /** Whom the token, or the member's session when a jar is given, is logged in as. */
  private async loggedUser(subject: string, timeoutMs: number | undefined, jar?: CookieJar): Promise<string> {
    const request: HttpRequest = {
      method: 'GET',
      path: '/api/method/frappe.auth.get_logged_user',
      subject,
      idempotent: true,
      timeoutMs,
      jar,
    };
    return this.validate(await this.message(request), z.string().min(1), request, 'message');
  }

  private async logout(jar: CookieJar, timeoutMs: number | undefined): Promise<void> {
    const request: HttpRequest = {
      method: 'GET',
      path: '/api/method/logout',
      subject: "the member's session logout",
      idempotent: true,
      timeoutMs,
      jar,
    };
    try {
      await this.send(request);
    } catch (error) {
      // The member was verified already; a session left open expires on the ERP by itself.
      this.log.warn(
        { method: request.method, path: request.path, error: error instanceof Error ? error.message : String(error) },
        'ERP logout of a verified member session failed',
      );
    }
  }

  private filtersParam(doctype: string, option: string, filters: readonly Filter[]): string {
    const parsed = filtersSchema.safeParse(filters);
    if (!parsed.success) {
      throw new TypeError(`${doctype}: invalid ${option}: ${describeIssues(parsed.error, option).join('; ')}`);
    }
    return JSON.stringify(parsed.data);
  }

  private orderByParam(doctype: string, orderBy: readonly OrderBy[]): string {
    const parsed = z.array(orderBySchema).safeParse(orderBy);
    if (!parsed.success) {
      throw new TypeError(`${doctype}: invalid orderBy: ${describeIssues(parsed.error, 'orderBy').join('; ')}`);
    }
    return parsed.data.map((o) => `${o.field} ${o.order}`).join(', ');
  }

  private info(request: HttpRequest): ErpRequestInfo {
    return { method: request.method, path: request.path };
  }

  /** A shape problem, not an error the ERP reported: there is no exc_type, message or traceback to carry. */
  private invalidResponse(
    message: string,
    status: number,
    endpoint: ErpRequestInfo,
    extra: { issues?: readonly string[]; attempts?: number } = {},
  ): ErpInvalidResponseError {
    return new ErpInvalidResponseError({ message, status, excType: null, messages: [], exception: null, endpoint, ...extra });
  }

  private validate<T>(value: unknown, schema: z.ZodType<T>, request: HttpRequest, where: string): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = describeIssues(parsed.error, where);
    throw this.invalidResponse(
      `ERP answered ${request.subject} with an unexpected body: ${issues.slice(0, 5).join('; ')}`,
      200,
      this.info(request),
      { issues },
    );
  }

  /** `/api/resource` answers `{"data": ...}`. */
  private async data(request: HttpRequest): Promise<unknown> {
    const answer = await this.send(request);
    return this.validate(answer.body, dataEnvelope, request, '').data;
  }

  /** `/api/method` answers `{"message": ...}`. */
  private async message(request: HttpRequest): Promise<unknown> {
    const answer = await this.send(request);
    return this.validate(answer.body, messageEnvelope, request, '').message;
  }

  /**
   * One call: attempts, waits and the final typed error. Resolves only with a 2xx JSON answer.
   */
  private async send(request: HttpRequest): Promise<HttpAnswer> {
    const timeoutMs = request.timeoutMs ?? this.config.timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const outcome = await this.attempt(request, timeoutMs);
      const durationMs = Math.round(performance.now() - started);
      const status = outcome.kind === 'answer' ? outcome.answer.status : null;
      if (outcome.kind === 'answer' && outcome.answer.status >= 200 && outcome.answer.status < 300) {
        this.log.debug({ method: request.method, path: request.path, status, durationMs, attempt }, 'erp call');
        this.logNotes(request, outcome.answer.body);
        if (outcome.answer.body === undefined) {
          throw this.invalidResponse(
            `ERP answered ${request.subject} with HTTP ${outcome.answer.status} but no JSON body`,
            outcome.answer.status,
            this.info(request),
            { attempts: attempt },
          );
        }
        return outcome.answer;
      }

      const retryAfterMs =
        outcome.kind === 'answer' ? parseRetryAfterMs(outcome.answer.headers['retry-after'], this.now()) : null;
      const error =
        outcome.kind === 'answer'
          ? errorFromResponse(outcome.answer, {
              endpoint: this.info(request),
              subject: request.subject,
              isWrite: request.method !== 'GET',
              retryAfterMs,
            })
          : outcome.error;
      error.attempts = attempt;
      this.log.debug(
        { method: request.method, path: request.path, status, durationMs, attempt, error: error.name, excType: error.excType },
        'erp call failed',
      );

      if (!mayRetry(error, request.idempotent) || attempt >= this.retry.maxAttempts) throw error;
      if (retryAfterMs !== null && retryAfterMs > this.retry.maxRetryAfterMs) throw error;
      const delayMs = retryAfterMs ?? backoffDelayMs(attempt, this.retry, this.random);
      this.log.warn(
        { method: request.method, path: request.path, status, attempt, delayMs, error: error.name },
        'erp call will be retried',
      );
      await this.sleep(delayMs);
    }
  }

  private async attempt(
    request: HttpRequest,
    timeoutMs: number,
  ): Promise<{ kind: 'answer'; answer: HttpAnswer } | { kind: 'failure'; error: ErpError }> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const client = request.jar === undefined ? this.client : this.sessionClient;
    const cookie = request.jar?.header();
    try {
      const response = await client.request<unknown>({
        method: request.method,
        url: request.path,
        params: request.query,
        data: request.body,
        headers: cookie === undefined ? {} : { Cookie: cookie },
        signal: controller.signal,
        // The body is parsed here, not by axios: a proxy's HTML error page must not throw.
        responseType: 'text',
        transformResponse: [(raw: unknown) => raw],
        validateStatus: () => true,
        // Following a redirect would turn a POST into a GET elsewhere; a redirect is a config error.
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        maxBodyLength: MAX_RESPONSE_BYTES,
      });
      request.jar?.store(setCookieLines(response.headers));
      return {
        kind: 'answer',
        answer: { status: response.status, headers: lowerCaseHeaders(response.headers), body: parseJsonBody(response.data) },
      };
    } catch (error) {
      return { kind: 'failure', error: this.transportError(request, error, timedOut, timeoutMs) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A failure without an HTTP answer. The axios error is not kept: its config holds the token. */
  private transportError(request: HttpRequest, error: unknown, timedOut: boolean, timeoutMs: number): ErpError {
    const base = { status: null, excType: null, messages: [], exception: null, endpoint: this.info(request) };
    const isWrite = request.method !== 'GET';
    if (timedOut) {
      return new ErpUnavailableError({
        ...base,
        message: `ERP did not answer ${request.subject} (${request.method} ${request.path}) within ${timeoutMs} ms`,
        reason: 'timeout',
        outcomeUnknown: isWrite,
      });
    }
    const code = isAxiosError(error) ? error.code : undefined;
    const text = error instanceof Error ? error.message : String(error);
    const cause = new Error(code === undefined ? text : `${code}: ${text}`);
    return new ErpUnavailableError({
      ...base,
      message: `ERP unreachable for ${request.subject} (${request.method} ${request.path}): ${cause.message}`,
      reason: 'network',
      outcomeUnknown: isWrite && (code === undefined || !NOT_SENT_CODES.has(code)),
      cause,
    });
  }

  /** Notes the ERP attaches to a success ("Changed customer name to 'Acme SARL - 1'...") are kept in the logs. */
  private logNotes(request: HttpRequest, body: unknown): void {
    if (typeof body !== 'object' || body === null || !('_server_messages' in body)) return;
    const notes = decodeServerMessages(body._server_messages).map((m) => m.text);
    if (notes.length > 0) this.log.info({ method: request.method, path: request.path, notes }, 'erp note');
  }
}

export function createFrappeAdapter(config: FrappeAdapterConfig, deps: FrappeAdapterDeps = {}): ErpPort {
  return new FrappeAdapter(config, deps);
}
