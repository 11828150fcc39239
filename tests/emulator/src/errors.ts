import { dumps, PyDict, type Py } from './util/pyjson';
import { randomHex } from './util/random';

/** One entry of Frappe's message log (`frappe.msgprint` / `frappe.throw`). */
export interface ServerMessage {
  message: string;
  title?: string;
  indicator?: string;
  raise_exception?: number;
  __frappe_exc_id?: string;
  /** msgprint(alert=True): shown as a toast. */
  alert?: number;
}

export interface FrappeErrorOptions {
  /** Text after "<module>.<Type>: " in the `exception` field (str(exc) in Python). */
  detail?: string;
  /** Python module of the exception class; "frappe.exceptions" for Frappe's own. */
  module?: string;
  /** Messages the raise put in the message log (frappe.throw adds one, a bare raise none). */
  messages?: ServerMessage[];
  /** HTTP status; defaults from the exception type like Frappe's http_status_code. */
  status?: number;
  /** `_error_message` (set by frappe.has_permission(throw=True) and raise_no_permission_to). */
  errorMessage?: string;
  /** `_exc_source`, e.g. "erpnext (app)" for exceptions raised in ERPNext code. */
  excSource?: string;
  /** Keys Frappe puts at the top of the body before the error keys (login: `message`). */
  extra?: Record<string, unknown>;
  /** Replaces the computed last traceback line (Frappe's `exception`). */
  exceptionLine?: string;
}

const STATUS_BY_TYPE: Record<string, number> = {
  ValidationError: 417,
  MandatoryError: 417,
  LinkValidationError: 417,
  CancelledLinkError: 417,
  UniqueValidationError: 417,
  TimestampMismatchError: 417,
  DocstatusTransitionError: 417,
  UpdateAfterSubmitError: 417,
  LinkExistsError: 417,
  DataError: 417,
  NonNegativeError: 417,
  CharacterLengthExceededError: 417,
  CannotChangeConstantError: 417,
  CannotCreateStandardDoctypeError: 417,
  InvalidEmailAddressError: 417,
  FiscalYearError: 417,
  AuthenticationError: 401,
  PermissionError: 403,
  DoesNotExistError: 404,
  NameError: 409,
  DuplicateEntryError: 409,
  CSRFTokenError: 400,
  InvalidAuthorizationToken: 400,
  TooManyRequestsError: 429,
};

/** An exception as Frappe would raise it; the HTTP layer renders it in the v1 or v2 envelope. */
export class FrappeError extends Error {
  readonly excType: string;
  readonly status: number;
  readonly module: string;
  readonly detail: string | undefined;
  readonly messages: ServerMessage[];
  readonly errorMessage: string | undefined;
  readonly excSource: string | undefined;
  readonly extra: Record<string, unknown>;
  readonly exceptionLine: string;

  constructor(excType: string, options: FrappeErrorOptions = {}) {
    const module = options.module ?? 'frappe.exceptions';
    const detail = options.detail;
    const prefix = module ? `${module}.${excType}` : excType;
    const line = options.exceptionLine ?? (detail ? `${prefix}: ${detail}` : prefix);
    super(line);
    this.name = excType;
    this.excType = excType;
    this.module = module;
    this.detail = detail;
    this.status = options.status ?? STATUS_BY_TYPE[excType] ?? 500;
    this.messages = options.messages ?? [];
    this.errorMessage = options.errorMessage;
    this.excSource = options.excSource;
    this.extra = options.extra ?? {};
    this.exceptionLine = line;
  }

  /** The message Frappe shows for this error (its own log entry, else its detail). */
  get primaryMessage(): string {
    return this.messages.at(-1)?.message ?? this.detail ?? this.excType;
  }
}

export function excId(): string {
  return randomHex(56);
}

export interface ThrowOptions {
  title?: string;
  module?: string;
  excSource?: string;
  status?: number;
  errorMessage?: string;
}

/** frappe.throw(message, exc): logs a red message with raise_exception and raises. */
export function frappeThrow(message: string, excType = 'ValidationError', options: ThrowOptions = {}): FrappeError {
  return new FrappeError(excType, {
    detail: message,
    module: options.module,
    excSource: options.excSource,
    status: options.status,
    errorMessage: options.errorMessage,
    messages: [{ message, title: options.title ?? 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: excId() }],
  });
}

/** frappe.throw raised from ERPNext code (adds `_exc_source`). */
export function erpnextThrow(message: string, excType = 'ValidationError', title?: string): FrappeError {
  return frappeThrow(message, excType, { excSource: 'erpnext (app)', title });
}

/** `raise frappe.DoesNotExistError` after frappe.throw("<DocType> <name> not found"). */
export function notFound(doctype: string, name: string): FrappeError {
  return frappeThrow(`${doctype} ${name} not found`, 'DoesNotExistError');
}

/** An unhandled Python exception (500), e.g. ERPNext's AttributeError on a missing customer. */
export function pythonError(excType: string, detail: string, options: { module?: string; excSource?: string; exceptionLine?: string } = {}): FrappeError {
  return new FrappeError(excType, { detail, module: options.module ?? '', status: 500, excSource: options.excSource, exceptionLine: options.exceptionLine });
}

function pyMessage(m: ServerMessage): Py {
  const d = new PyDict();
  d.map.set('message', m.message);
  if (m.title !== undefined) d.map.set('title', m.title);
  if (m.indicator !== undefined) d.map.set('indicator', m.indicator);
  if (m.raise_exception !== undefined) d.map.set('raise_exception', m.raise_exception);
  if (m.__frappe_exc_id !== undefined) d.map.set('__frappe_exc_id', m.__frappe_exc_id);
  if (m.alert !== undefined) d.map.set('alert', m.alert);
  return d;
}

/** `_server_messages`: a JSON string of a list of JSON strings, as Frappe's make_logs writes it. */
export function encodeServerMessages(messages: ServerMessage[]): string {
  return dumps(messages.map((m) => dumps(pyMessage(m))));
}

/** A traceback shaped like Frappe's, ending with the exception line. */
export function fakeTraceback(error: FrappeError): string {
  return (
    'Traceback (most recent call last):\n' +
    '  File "apps/frappe/frappe/app.py", line 115, in application\n' +
    '    response = frappe.api.handle(request)\n' +
    '               ^^^^^^^^^^^^^^^^^^^^^^^^^^\n' +
    '  File "apps/frappe/frappe/api/__init__.py", line 49, in handle\n' +
    '    data = endpoint(**arguments)\n' +
    '           ^^^^^^^^^^^^^^^^^^^^^\n' +
    `${error.exceptionLine}\n`
  );
}

/** Body of a v1 (/api/resource, /api/method) error, keys in Frappe's order. */
export function v1ErrorBody(error: FrappeError, messageLog: ServerMessage[], early: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...early, ...error.extra };
  // Frappe hides the traceback of 404s (report_error: allow_traceback and status != 404).
  const withTraceback = error.status !== 404;
  if (withTraceback) body.exception = error.exceptionLine;
  body.exc_type = error.excType;
  if (withTraceback) {
    if (error.excSource) body._exc_source = error.excSource;
    body.exc = dumps([fakeTraceback(error)]);
  }
  if (messageLog.length > 0) body._server_messages = encodeServerMessages(messageLog);
  if (error.errorMessage) body._error_message = error.errorMessage;
  return body;
}

/** Body of a v2 (/api/v2) error: the error's own message is merged into `errors[0]`. */
export function v2ErrorBody(error: FrappeError, messageLog: ServerMessage[]): Record<string, unknown> {
  const entry: Record<string, unknown> = { type: error.excType };
  if (error.status !== 404) entry.exception = fakeTraceback(error);
  const log = [...messageLog];
  const ownIds = new Set(error.messages.map((m) => m.__frappe_exc_id).filter(Boolean));
  let index = log.findIndex((m) => m.__frappe_exc_id !== undefined && ownIds.has(m.__frappe_exc_id));
  if (index < 0 && log.length > 0) index = log.length - 1;
  const own = index >= 0 ? log.splice(index, 1)[0] : undefined;
  if (own) {
    entry.message = own.message;
    if (own.title !== undefined) entry.title = own.title;
    if (own.indicator !== undefined) entry.indicator = own.indicator;
  }
  const body: Record<string, unknown> = { errors: [entry] };
  if (log.length > 0) body.messages = log;
  return body;
}
