import { z } from 'zod';

/**
 * Typed errors for everything the ERP can answer besides success, and the mapper that builds them
 * from a raw HTTP answer. Classes are keyed on Frappe's `exc_type` first (it survives proxies that
 * rewrite nothing) and on the HTTP status second (gateways answer 502/503/504 without a body).
 */

/** The request an error belongs to: enough to find it in the logs, never its headers or body. */
export interface ErpRequestInfo {
  method: string;
  /** Path without the query string, e.g. `/api/resource/Item/SRV-X`. */
  path: string;
}

/** One entry of Frappe's `_server_messages`, decoded. */
export interface ServerMessage {
  /** Plain text: HTML tags stripped, entities decoded, whitespace collapsed. */
  text: string;
  /** The message as the ERP sent it (may contain HTML). */
  html: string;
  title?: string;
  /** Frappe's colour for the message: red for errors, yellow/orange for notes, green for success. */
  indicator?: string;
}

export type ValidationKind =
  | 'mandatory'
  | 'link'
  | 'unique'
  | 'select'
  | 'updateAfterSubmit'
  | 'docstatusTransition'
  | 'linkExists'
  | 'dataError'
  | 'other';

export type UnavailableReason = 'timeout' | 'network' | 'status';

interface ErpErrorInit {
  message: string;
  status: number | null;
  excType: string | null;
  messages: readonly ServerMessage[];
  exception: string | null;
  endpoint: ErpRequestInfo;
  attempts?: number;
  cause?: unknown;
}

export abstract class ErpError extends Error {
  /** HTTP status, or null when no answer came back (network error, timeout). */
  readonly status: number | null;
  /** Frappe's `exc_type` (v1) or `errors[0].type` (v2), e.g. `MandatoryError`. */
  readonly excType: string | null;
  /** The decoded `_server_messages`, in the order the ERP sent them. */
  readonly messages: readonly ServerMessage[];
  /** Frappe's one-line `exception` ("frappe.exceptions.MandatoryError: ..."), when sent. */
  readonly exception: string | null;
  /**
   * The request's method and path. Not named `request`: the shared logger redacts `err.request`
   * (where HTTP libraries keep headers), and this one is worth seeing in the logs.
   */
  readonly endpoint: ErpRequestInfo;
  /** How many HTTP attempts were made before giving up (1 when the error was not retried). */
  attempts: number;
  /** Whether repeating the same request later may succeed. */
  abstract readonly isRetryable: boolean;

  constructor(init: ErpErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.excType = init.excType;
    this.messages = init.messages;
    this.exception = init.exception;
    this.endpoint = init.endpoint;
    this.attempts = init.attempts ?? 1;
  }

  /** A log-friendly view: what happened, never credentials (the request carries none). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      excType: this.excType,
      endpoint: this.endpoint,
      attempts: this.attempts,
      isRetryable: this.isRetryable,
    };
  }
}

/** 404 DoesNotExistError: the document, or a document it links to, does not exist. */
export class ErpNotFoundError extends ErpError {
  readonly isRetryable = false;
}

/** 403: the API user may not do this; `sessionExpired` when a cookie session is no longer valid. */
export class ErpPermissionError extends ErpError {
  readonly isRetryable = false;
  readonly sessionExpired: boolean;
  constructor(init: ErpErrorInit & { sessionExpired: boolean }) {
    super(init);
    this.sessionExpired = init.sessionExpired;
  }
}

/** 401: the API key/secret (or a member's login) was refused. */
export class ErpAuthenticationError extends ErpError {
  readonly isRetryable = false;
}

/** 417 and the ValidationError family: the ERP refused the content of the request. */
export class ErpValidationError extends ErpError {
  readonly isRetryable = false;
  readonly kind: ValidationKind;
  /** For `mandatory`: the missing field names as Frappe listed them (e.g. `item_group`). */
  readonly fields: readonly string[];
  constructor(init: ErpErrorInit & { kind: ValidationKind; fields?: readonly string[] }) {
    super(init);
    this.kind = init.kind;
    this.fields = init.fields ?? [];
  }
}

/** 409 DuplicateEntryError: a document with that primary key already exists. */
export class ErpDuplicateError extends ErpError {
  readonly isRetryable = false;
}

/**
 * TimestampMismatchError: the document changed since the `modified` the caller sent. Not a
 * validation error for the caller: the cure is to reload and decide again.
 */
export class ErpTimestampMismatchError extends ErpError {
  readonly isRetryable = false;
}

/** 429 (or Frappe's per-endpoint RateLimitExceededError): slow down. */
export class ErpRateLimitedError extends ErpError {
  readonly isRetryable: boolean;
  /** How long the ERP asked us to wait (Retry-After), or null when it did not say. */
  readonly retryAfterMs: number | null;
  constructor(init: ErpErrorInit & { retryAfterMs: number | null }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
    // A 429 comes from the global limiter whose window is short; RateLimitExceededError (417)
    // guards one endpoint for hours, so repeating it soon is pointless.
    this.isRetryable = init.status === 429;
  }
}

/** The ERP could not be reached or did not answer in time, or a gateway said it is down. */
export class ErpUnavailableError extends ErpError {
  readonly isRetryable = true;
  readonly reason: UnavailableReason;
  /**
   * True when a write may have been carried out although no answer came back (timeout, connection
   * lost after sending, 502, 504): the caller must check the ERP (by its external id) before
   * writing again. False when the ERP certainly did nothing (connection refused, 503).
   */
  readonly outcomeUnknown: boolean;
  constructor(init: ErpErrorInit & { reason: UnavailableReason; outcomeUnknown: boolean }) {
    super(init);
    this.reason = init.reason;
    this.outcomeUnknown = init.outcomeUnknown;
  }
}

/** A write that may have been carried out although no answer came back: look it up in the ERP before writing again. */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof ErpUnavailableError && error.outcomeUnknown;
}

/** The ERP refused an insert because a document with that name or unique value exists (DuplicateEntryError or UniqueValidationError). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof ErpDuplicateError || (error instanceof ErpValidationError && error.kind === 'unique');
}

/**
 * MariaDB's passing failures, as Frappe reports them (500, OperationalError / InterfaceError with the server's code):
 * 1205 lock wait timeout, 1213 deadlock, 2006 server gone away, 2013 connection lost. Any other 500 (ImportError,
 * AttributeError, OperationalError 1292 for a bad date...) fails the same way every time.
 */
const TRANSIENT_DB_ERROR = /\((1205|1213|2006|2013),/;
const TRANSIENT_EXC_TYPES = new Set(['QueryDeadlockError', 'QueryTimeoutError']);

export function isTransientServerFailure(excType: string | null, exception: string | null): boolean {
  if (excType !== null && TRANSIENT_EXC_TYPES.has(excType)) return true;
  return (excType === 'OperationalError' || excType === 'InterfaceError') && exception !== null && TRANSIENT_DB_ERROR.test(exception);
}

/** Any other 5xx: a bug or a crash on the ERP side (ImportError, AttributeError, JSONDecodeError...), or a passing database failure. */
export class ErpServerError extends ErpError {
  /** A read may be repeated after a passing database failure; any other server error would only fail again. */
  readonly isRetryable: boolean;

  constructor(init: ErpErrorInit) {
    super(init);
    this.isRetryable = isTransientServerFailure(init.excType, init.exception);
  }
}

/** The ERP answered, but not in the shape Frappe answers in (wrong envelope, failed schema, redirect). */
export class ErpInvalidResponseError extends ErpError {
  readonly isRetryable = false;
  /** The schema problems, as zod reports them (paths and messages, no values). */
  readonly issues: readonly string[];
  constructor(init: ErpErrorInit & { issues?: readonly string[] }) {
    super(init);
    this.issues = init.issues ?? [];
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding Frappe's error bodies

const INLINE_TAGS = new Set(['strong', 'b', 'em', 'i', 'a', 'span', 'code', 'u', 'small', 'bdi']);

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/**
 * Frappe messages are HTML fragments (`<strong>`, `<a href>`, `<details><summary>`). Inline tags
 * vanish; block tags become a space so that "summary" and "details" text do not run together.
 */
export function htmlToText(html: string): string {
  const withoutTags = html.replace(/<\/?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g, (_tag, name: string) =>
    INLINE_TAGS.has(name.toLowerCase()) ? '' : ' ',
  );
  const decoded = withoutTags.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (entity, code: string) => {
    if (code.startsWith('#x')) return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number.parseInt(code.slice(1), 10));
    return ENTITIES[code.toLowerCase()] ?? entity;
  });
  return decoded.replace(/\s+/g, ' ').trim();
}

const serverMessageSchema = z.looseObject({
  message: z.unknown(),
  title: z.string().optional(),
  indicator: z.string().optional(),
});

function messageToHtml(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message === null || message === undefined) return '';
  // msgprint(as_table/as_list) sends a list of rows; keep it readable rather than "[object Object]".
  return JSON.stringify(message);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `_server_messages` is a JSON string holding a list of JSON strings, each `{message, title,
 * indicator?, ...}`. Entries that are not JSON objects are kept as plain messages rather than lost.
 */
export function decodeServerMessages(raw: unknown): ServerMessage[] {
  if (typeof raw !== 'string' || raw === '') return [];
  const outer = parseJson(raw);
  if (!Array.isArray(outer)) return [{ text: htmlToText(raw), html: raw }];
  return outer.map((entry: unknown): ServerMessage => {
    const inner = typeof entry === 'string' ? parseJson(entry) : entry;
    const parsed = serverMessageSchema.safeParse(inner);
    if (!parsed.success) {
      const html = typeof entry === 'string' ? entry : JSON.stringify(entry);
      return { text: htmlToText(html), html };
    }
    const html = messageToHtml(parsed.data.message);
    const message: ServerMessage = { text: htmlToText(html), html };
    if (parsed.data.title !== undefined) message.title = parsed.data.title;
    if (parsed.data.indicator !== undefined) message.indicator = parsed.data.indicator;
    return message;
  });
}

/** v1 error body: `{exc_type, exception, exc, _server_messages, ...}`; every key is optional. */
const v1ErrorBodySchema = z.looseObject({
  exc_type: z.string().optional(),
  exception: z.string().optional(),
  _server_messages: z.string().optional(),
  _error_message: z.string().optional(),
  message: z.unknown().optional(),
  session_expired: z.union([z.number(), z.boolean()]).optional(),
});

/** v2 error body: `{errors: [{type, message, title, indicator?, exception?}]}`. */
const v2ErrorBodySchema = z.object({
  errors: z
    .array(
      z.looseObject({
        type: z.string().optional(),
        message: z.unknown().optional(),
        title: z.string().optional(),
        indicator: z.string().optional(),
        exception: z.string().optional(),
      }),
    )
    .min(1),
});

interface DecodedErrorBody {
  excType: string | null;
  exception: string | null;
  messages: ServerMessage[];
  /** The body's own `message` (the login answer's "Invalid login credentials"). */
  bodyMessage: string | null;
  /** `_error_message`, a terse permission note ("No permission for Sales Invoice"). */
  errorMessage: string | null;
  sessionExpired: boolean;
}

const EMPTY_BODY: DecodedErrorBody = {
  excType: null,
  exception: null,
  messages: [],
  bodyMessage: null,
  errorMessage: null,
  sessionExpired: false,
};

export function decodeErrorBody(body: unknown): DecodedErrorBody {
  const v2 = v2ErrorBodySchema.safeParse(body);
  if (v2.success) {
    const messages = v2.data.errors.map((entry): ServerMessage => {
      const html = messageToHtml(entry.message);
      const message: ServerMessage = { text: htmlToText(html), html };
      if (entry.title !== undefined) message.title = entry.title;
      if (entry.indicator !== undefined) message.indicator = entry.indicator;
      return message;
    });
    const first = v2.data.errors[0];
    return {
      excType: first?.type ?? null,
      // v2 puts the traceback in `exception`; it is no one-line summary, so it is not kept.
      exception: null,
      messages: messages.filter((m) => m.text !== ''),
      bodyMessage: null,
      errorMessage: null,
      sessionExpired: false,
    };
  }
  const v1 = v1ErrorBodySchema.safeParse(body);
  if (!v1.success) return EMPTY_BODY;
  const { data } = v1;
  const bodyMessage = typeof data.message === 'string' ? htmlToText(data.message) : '';
  const errorMessage = data._error_message === undefined ? '' : htmlToText(data._error_message);
  return {
    excType: data.exc_type ?? null,
    exception: data.exception ?? null,
    messages: decodeServerMessages(data._server_messages).filter((m) => m.text !== ''),
    bodyMessage: bodyMessage === '' ? null : bodyMessage,
    errorMessage: errorMessage === '' ? null : errorMessage,
    sessionExpired: data.session_expired === 1 || data.session_expired === true,
  };
}

/**
 * "frappe.exceptions.MandatoryError: [Item, X]: item_group" -> "[Item, X]: item_group"; a bare
 * class name ("frappe.exceptions.AuthenticationError") says nothing the exc_type does not, -> "".
 */
function exceptionSummary(exception: string | null): string {
  if (exception === null) return '';
  const firstLine = (exception.split('\n', 1)[0] ?? '').trim();
  if (/^[A-Za-z_][\w.]*$/.test(firstLine)) return '';
  return htmlToText(firstLine.replace(/^[A-Za-z_][\w.]*:\s*/, ''));
}

const MAX_DETAIL_LENGTH = 500;

function clip(text: string): string {
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Mapping

const VALIDATION_KIND_BY_EXC_TYPE: Readonly<Record<string, ValidationKind>> = {
  MandatoryError: 'mandatory',
  LinkValidationError: 'link',
  CancelledLinkError: 'link',
  UniqueValidationError: 'unique',
  UpdateAfterSubmitError: 'updateAfterSubmit',
  DocstatusTransitionError: 'docstatusTransition',
  LinkExistsError: 'linkExists',
  DataError: 'dataError',
};

/**
 * Frappe raises a bad Select value as a plain ValidationError; only the English message tells it
 * apart (`X cannot be "v". It should be one of "a", "b"`). On a site answering in another language
 * the kind falls back to `other`.
 */
const SELECT_MESSAGE = /cannot be ".*"\. It should be one of/s;

function validationKind(excType: string | null, texts: readonly string[]): ValidationKind {
  if (excType !== null) {
    const kind = VALIDATION_KIND_BY_EXC_TYPE[excType];
    if (kind !== undefined) return kind;
  }
  if (texts.some((t) => SELECT_MESSAGE.test(t))) return 'select';
  return 'other';
}

/** MandatoryError's exception lists the missing fieldnames after the last "]: ". */
function mandatoryFields(exception: string | null): string[] {
  if (exception === null) return [];
  const match = /\]:\s*([\w, ]+)$/.exec(exception.split('\n', 1)[0] ?? '');
  const list = match?.[1];
  if (list === undefined) return [];
  return list
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

export interface ErpHttpAnswer {
  status: number;
  /** Response headers, lower-case names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The parsed JSON body, or undefined when the body was not JSON (an HTML page from a proxy). */
  body: unknown;
}

export interface MapErrorContext {
  endpoint: ErpRequestInfo;
  /** What the request was about, for the message: "Item SRV-X", "a new Sales Invoice". */
  subject: string;
  /** Whether the request was a write that may not be repeated blindly (for `outcomeUnknown`). */
  isWrite: boolean;
  /** Retry-After already converted to milliseconds by the caller (it needs the clock). */
  retryAfterMs: number | null;
}

/**
 * Builds the typed error for a non-2xx answer. Gateway statuses win over the body (a 502 page may
 * come from nginx, whatever it says); then Frappe's exc_type; then the status alone.
 */
export function errorFromResponse(answer: ErpHttpAnswer, context: MapErrorContext): ErpError {
  const decoded = decodeErrorBody(answer.body);
  const { status } = answer;
  const { excType, exception, messages } = decoded;
  const texts = messages.map((m) => m.text);
  const summary = exceptionSummary(exception);
  // The most specific text first: what the ERP showed its own users, then what it raised.
  const said = [texts.join(' / '), decoded.bodyMessage, summary, decoded.errorMessage].find(
    (text): text is string => text !== null && text !== '',
  );
  const detail = clip(said ?? (excType === null ? `HTTP ${status}` : `${excType} (HTTP ${status})`));
  const base = { status, excType, messages, exception, endpoint: context.endpoint };
  const subject = context.subject;

  if (status === 429 || excType === 'TooManyRequestsError' || excType === 'RateLimitExceededError') {
    const wait = context.retryAfterMs === null ? '' : ` (retry after ${context.retryAfterMs} ms)`;
    return new ErpRateLimitedError({
      ...base,
      message: `ERP rate-limited ${subject}: ${detail}${wait}`,
      retryAfterMs: context.retryAfterMs,
    });
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ErpUnavailableError({
      ...base,
      message: `ERP unavailable for ${subject}: HTTP ${status}${excType === null ? '' : ` ${excType}`}`,
      reason: 'status',
      // 503 is a refusal before any work (maintenance mode, overloaded proxy); a 502/504 gateway
      // may have lost the answer of a request the ERP did carry out.
      outcomeUnknown: context.isWrite && status !== 503,
    });
  }
  if (status >= 500) {
    const what = excType === null ? `HTTP ${status}` : excType;
    return new ErpServerError({
      ...base,
      message:
        said === undefined
          ? `ERP failed on ${subject}: ${detail}`
          : `ERP failed on ${subject}: ${what}: ${summary === '' ? detail : clip(summary)}`,
    });
  }
  if (excType === 'TimestampMismatchError') {
    return new ErpTimestampMismatchError({ ...base, message: `ERP refused ${subject}: ${detail}` });
  }
  if (excType === 'DuplicateEntryError' || status === 409) {
    return new ErpDuplicateError({ ...base, message: `ERP refused ${subject}: ${detail}` });
  }
  if (excType === 'DoesNotExistError' || status === 404) {
    return new ErpNotFoundError({ ...base, message: `ERP refused ${subject}: ${detail}` });
  }
  if (excType === 'AuthenticationError' || excType === 'SessionExpired' || status === 401) {
    return new ErpAuthenticationError({
      ...base,
      message: `ERP rejected the credentials for ${subject}: ${detail}`,
    });
  }
  if (excType === 'PermissionError' || status === 403) {
    return new ErpPermissionError({
      ...base,
      message: `ERP refused ${subject}: ${detail}`,
      sessionExpired: decoded.sessionExpired,
    });
  }
  if (status >= 400) {
    const kind = validationKind(excType, texts);
    return new ErpValidationError({
      ...base,
      message: `ERP refused ${subject}: ${detail}`,
      kind,
      fields: kind === 'mandatory' ? mandatoryFields(exception) : [],
    });
  }
  const location = answer.headers.location;
  return new ErpInvalidResponseError({
    ...base,
    message:
      status >= 300 && status < 400
        ? `ERP answered ${subject} with a redirect (HTTP ${status}${location === undefined ? '' : ` to ${location}`}); set the ERP URL to the address it redirects to`
        : `ERP answered ${subject} with an unexpected HTTP ${status}`,
  });
}
