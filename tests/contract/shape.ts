// The comparator: does an answer from the site under test have the shape of the recorded one?
//
// Values that legitimately differ from one site to another (names, timestamps, hashes, tracebacks,
// counters) are compared by shape; the parts a client reads to decide what happened (status,
// exc_type, the messages shown to the user, cookie attributes) are compared by value, after the
// recorded names have been replaced by the names the scenario created.

export interface Mismatch {
  readonly path: string;
  readonly problem: string;
}

/** What a recording says the site answered. */
export interface RecordedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: unknown;
}

/** What the site under test answered, as seen on the wire. */
export interface ActualResponse {
  readonly status: number;
  /** Header names in lower case; Set-Cookie is in `setCookies`, one entry per header line. */
  readonly headers: Readonly<Record<string, string>>;
  readonly setCookies: readonly string[];
  readonly text: string;
}

export interface CompareOptions {
  /** Recorded names → the names of this run's fixtures. */
  readonly names?: Substitution;
  /**
   * Body paths left out of the comparison, written like `data.custom_sync_state` or
   * `data.items[].name` (`[]` stands for any array element). Each use needs a reason in the scenario.
   */
  readonly ignore?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Replaces recorded names by this run's names in one pass, longest name first, so that a
 * replacement is never replaced again ("Acme SARL" → "Acme SARL k3x1" must not then match a
 * shorter recorded name inside the new text).
 */
export class Substitution {
  private readonly pairs: ReadonlyMap<string, string>;
  private readonly pattern: RegExp | undefined;

  constructor(pairs: Iterable<readonly [string, string]> = []) {
    const map = new Map<string, string>();
    for (const [from, to] of pairs) {
      if (from.length === 0) throw new Error('Substitution: an empty recorded name would match everywhere');
      map.set(from, to);
    }
    this.pairs = map;
    const keys = [...map.keys()].filter((k) => map.get(k) !== k).sort((a, b) => b.length - a.length);
    this.pattern = keys.length === 0 ? undefined : new RegExp(keys.map(escapeRegExp).join('|'), 'g');
  }

  with(from: string, to: string): Substitution {
    return new Substitution([...this.pairs, [from, to]]);
  }

  entries(): readonly (readonly [string, string])[] {
    return [...this.pairs];
  }

  get(from: string): string | undefined {
    return this.pairs.get(from);
  }

  text(value: string): string {
    const pattern = this.pattern;
    if (!pattern) return value;
    return value.replace(pattern, (found) => this.pairs.get(found) ?? found);
  }

  /** Applies to every string of a JSON value, object keys included (custom field names are names too). */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.deep(v);
      return out;
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * The parts of a user-facing message that differ between two correct sites: the site's own URL,
 * timestamps (TimestampMismatchError quotes two), and 10-character hash names (a GL Entry's).
 * Inside a link to a document (`/app/gl-entry/<name>">name</a>`) a hash is known by its place; in
 * running text it is told from an English word by holding at least one digit.
 */
export function normaliseMessage(text: string): string {
  return text
    .replace(/https?:\/\/[^\s"'<>/]+/g, '<url>')
    .replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?/g, '<datetime>')
    .replace(/(\/app\/[a-z0-9-]+\/)[a-z0-9]{10}(?=["'])/g, '$1<hash>')
    .replace(/>[a-z0-9]{10}<\/a>/g, '><hash></a>')
    .replace(/\b(?=[a-z0-9]{10}\b)(?=[a-z]*\d)[a-z0-9]{10}\b/g, '<hash>');
}

/** `_server_messages` is a JSON string holding a list of JSON strings, each a message object. */
export function decodeServerMessages(raw: unknown): unknown[] | string {
  if (typeof raw !== 'string') return `expected a JSON string, got ${describe(raw)}`;
  let outer: unknown;
  try {
    outer = JSON.parse(raw);
  } catch {
    return `expected a JSON string, got text that is not JSON: ${clip(raw)}`;
  }
  if (!Array.isArray(outer)) return `expected a JSON list, got ${describe(outer)}`;
  const messages: unknown[] = [];
  for (const item of outer) {
    if (typeof item !== 'string') return `expected each entry to be a JSON-encoded string, got ${describe(item)}`;
    try {
      messages.push(JSON.parse(item));
    } catch {
      return `expected each entry to be JSON, got ${clip(item)}`;
    }
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------
// Shapes

type Scalar = 'string' | 'number' | 'boolean';

type StringFormat = 'date' | 'datetime' | 'iso-datetime' | 'time' | 'hash' | `hex${number}`;

type Shape =
  | { readonly kind: 'any' }
  | { readonly kind: 'scalar'; readonly types: ReadonlySet<Scalar>; readonly format: StringFormat | undefined }
  | { readonly kind: 'array'; readonly element: Shape | undefined; readonly nonEmpty: boolean }
  | { readonly kind: 'object'; readonly keys: ReadonlyMap<string, Shape> };

const ANY: Shape = { kind: 'any' };

const FORMATS: readonly (readonly [StringFormat, RegExp])[] = [
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  // str(datetime) drops ".000000" when the microseconds are zero, so the fraction is optional.
  ['datetime', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/],
  ['iso-datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$/],
  ['time', /^\d{1,2}:\d{2}:\d{2}(?:\.\d{1,6})?$/],
];

function formatOf(value: string): StringFormat | undefined {
  for (const [name, re] of FORMATS) if (re.test(value)) return name;
  if (/^[a-z0-9]{10}$/.test(value) && /\d/.test(value) && /[a-z]/.test(value)) return 'hash';
  if (value.length >= 16 && /^[0-9a-f]+$/.test(value) && /\d/.test(value) && /[a-f]/.test(value)) {
    return `hex${value.length}`;
  }
  return undefined;
}

function matchesFormat(value: string, format: StringFormat): boolean {
  if (format === 'hash') return /^[a-z0-9]{10}$/.test(value);
  if (format.startsWith('hex')) return value.length === Number(format.slice(3)) && /^[0-9a-f]+$/.test(value);
  const re = FORMATS.find(([name]) => name === format)?.[1];
  return re ? re.test(value) : true;
}

function shapeOf(value: unknown): Shape {
  if (value === null || value === undefined) return ANY;
  if (typeof value === 'string') return { kind: 'scalar', types: new Set(['string']), format: formatOf(value) };
  if (typeof value === 'number') return { kind: 'scalar', types: new Set(['number']), format: undefined };
  if (typeof value === 'boolean') return { kind: 'scalar', types: new Set(['boolean']), format: undefined };
  if (Array.isArray(value)) {
    let element: Shape | undefined;
    for (const item of value) element = element === undefined ? shapeOf(item) : merge(element, shapeOf(item));
    return { kind: 'array', element, nonEmpty: value.length > 0 };
  }
  if (isRecord(value)) {
    const keys = new Map<string, Shape>();
    for (const [k, v] of Object.entries(value)) keys.set(k, shapeOf(v));
    return { kind: 'object', keys };
  }
  return ANY;
}

/** The shape every recorded element of one array satisfies: keys present in all, types seen in any. */
function merge(a: Shape, b: Shape): Shape {
  if (a.kind === 'any' || b.kind === 'any') return ANY;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    return { kind: 'scalar', types: new Set([...a.types, ...b.types]), format: a.format === b.format ? a.format : undefined };
  }
  if (a.kind === 'array' && b.kind === 'array') {
    const element = a.element === undefined ? b.element : b.element === undefined ? a.element : merge(a.element, b.element);
    return { kind: 'array', element, nonEmpty: a.nonEmpty && b.nonEmpty };
  }
  if (a.kind === 'object' && b.kind === 'object') {
    const keys = new Map<string, Shape>();
    for (const [k, shape] of a.keys) {
      const other = b.keys.get(k);
      if (other !== undefined) keys.set(k, merge(shape, other));
    }
    return { kind: 'object', keys };
  }
  return ANY;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${clip(JSON.stringify(value))}`;
  if (value === undefined) return 'nothing';
  if (Array.isArray(value) || isRecord(value)) return `${jsonType(value)} ${clip(JSON.stringify(value))}`;
  return `${jsonType(value)} ${JSON.stringify(value)}`;
}

function clip(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

class Walker {
  readonly mismatches: Mismatch[] = [];

  constructor(private readonly ignored: ReadonlySet<string>) {}

  fail(path: string, problem: string): void {
    this.mismatches.push({ path: path === '' ? '(body)' : path, problem });
  }

  check(shape: Shape, actual: unknown, path: string, pattern: string): void {
    if (this.ignored.has(pattern)) return;
    switch (shape.kind) {
      case 'any':
        return;
      case 'scalar': {
        const type = jsonType(actual);
        if (!(shape.types as ReadonlySet<string>).has(type)) {
          this.fail(path, `expected ${[...shape.types].join(' or ')}, got ${describe(actual)}`);
          return;
        }
        if (typeof actual === 'string' && shape.format !== undefined && !matchesFormat(actual, shape.format)) {
          this.fail(path, `expected a ${shape.format} string like the recorded one, got ${describe(actual)}`);
        }
        return;
      }
      case 'array': {
        if (!Array.isArray(actual)) {
          this.fail(path, `expected array, got ${describe(actual)}`);
          return;
        }
        if (shape.nonEmpty && actual.length === 0) {
          this.fail(path, 'expected a non-empty array (the recording has elements), got []');
          return;
        }
        const element = shape.element;
        if (element === undefined) return;
        actual.forEach((item, i) => this.check(element, item, `${path}[${i}]`, `${pattern}[]`));
        return;
      }
      case 'object': {
        if (!isRecord(actual)) {
          this.fail(path, `expected object, got ${describe(actual)}`);
          return;
        }
        for (const [key, child] of shape.keys) {
          const childPath = join(path, key);
          const childPattern = join(pattern, key);
          if (this.ignored.has(childPattern)) continue;
          if (!(key in actual)) {
            this.fail(childPath, 'missing (the recorded answer has this key)');
            continue;
          }
          this.check(child, actual[key], childPath, childPattern);
        }
        return;
      }
    }
  }
}

// Keys of a v1 error body that a client reads; compared by value rather than shape.
const V1_ERROR_KEYS = new Set(['exc_type', 'exception', 'exc', '_server_messages', '_error_message']);

/**
 * Compares two JSON bodies. `recorded` is the recording's body with nothing substituted yet;
 * the names in `options.names` are applied to it (keys and values) before comparing.
 */
export function compareBody(recorded: unknown, actual: unknown, options: CompareOptions = {}): Mismatch[] {
  const names = options.names ?? new Substitution();
  const walker = new Walker(new Set(options.ignore ?? []));
  const expected = names.deep(recorded);

  if (isRecord(expected) && isRecord(actual)) {
    compareV1Error(expected, actual, walker);
    compareV2Errors(expected, actual, walker);
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(expected)) {
      if (V1_ERROR_KEYS.has(k)) continue;
      if (k === 'errors' && Array.isArray(v)) continue;
      rest[k] = v;
    }
    walker.check(shapeOf(rest), actual, '', '');
  } else {
    walker.check(shapeOf(expected), actual, '', '');
  }
  return walker.mismatches;
}

function compareText(walker: Walker, path: string, expected: unknown, actual: unknown): void {
  if (typeof expected !== 'string') {
    if (expected !== actual) walker.fail(path, `expected ${describe(expected)}, got ${describe(actual)}`);
    return;
  }
  if (typeof actual !== 'string') {
    walker.fail(path, `expected ${describe(expected)}, got ${describe(actual)}`);
    return;
  }
  if (normaliseMessage(expected) !== normaliseMessage(actual)) {
    walker.fail(path, `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function compareV1Error(expected: Record<string, unknown>, actual: Record<string, unknown>, walker: Walker): void {
  if ('exc_type' in expected) {
    if (!('exc_type' in actual)) walker.fail('exc_type', `missing (expected ${JSON.stringify(expected.exc_type)})`);
    else if (actual.exc_type !== expected.exc_type) {
      walker.fail('exc_type', `expected ${JSON.stringify(expected.exc_type)}, got ${describe(actual.exc_type)}`);
    }
  }
  if ('exception' in expected) {
    // "frappe.exceptions.MandatoryError: [Customer, CUST-2026-00001]: customer_name": the class a
    // client may parse is compared; the details carry generated names and are in _server_messages.
    const head = (text: unknown): unknown => (typeof text === 'string' ? text.split(': ')[0] : text);
    if (!('exception' in actual)) walker.fail('exception', 'missing (the recorded answer has this key)');
    else if (typeof actual.exception !== 'string') walker.fail('exception', `expected string, got ${describe(actual.exception)}`);
    else if (head(actual.exception) !== head(expected.exception)) {
      walker.fail('exception', `expected it to start with ${JSON.stringify(head(expected.exception))}, got ${describe(actual.exception)}`);
    }
  }
  if ('exc' in expected) {
    const problem = excProblem(actual.exc);
    if (!('exc' in actual)) walker.fail('exc', 'missing (the recorded answer has a traceback list)');
    else if (problem !== undefined) walker.fail('exc', problem);
  }
  if ('_error_message' in expected) {
    if (!('_error_message' in actual)) walker.fail('_error_message', 'missing (the recorded answer has this key)');
    else compareText(walker, '_error_message', expected._error_message, actual._error_message);
  }
  if ('_server_messages' in expected) {
    if (!('_server_messages' in actual)) {
      walker.fail('_server_messages', `missing (expected ${clip(String(expected._server_messages))})`);
      return;
    }
    const want = decodeServerMessages(expected._server_messages);
    const got = decodeServerMessages(actual._server_messages);
    if (typeof want === 'string') throw new Error(`The recording's _server_messages is malformed: ${want}`);
    if (typeof got === 'string') {
      walker.fail('_server_messages', got);
      return;
    }
    compareMessageLists(walker, '_server_messages', want, got);
  }
}

function excProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return `expected a JSON string holding a list of strings, got ${describe(raw)}`;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return `expected a JSON string holding a list of strings, got ${describe(raw)}`;
  }
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    return `expected a list of traceback strings, got ${describe(list)}`;
  }
  return undefined;
}

// Message fields compared by value; any other key of a recorded message is compared by shape
// (__frappe_exc_id is a fresh hash on every error).
const MESSAGE_VALUE_KEYS = ['message', 'title', 'indicator', 'raise_exception', 'type'] as const;

function compareMessageLists(walker: Walker, path: string, want: readonly unknown[], got: readonly unknown[]): void {
  if (want.length !== got.length) {
    walker.fail(
      path,
      `expected ${want.length} message(s) ${clip(JSON.stringify(want.map(messageText)), 400)}, got ${got.length} ${clip(JSON.stringify(got.map(messageText)), 400)}`,
    );
  }
  const n = Math.min(want.length, got.length);
  for (let i = 0; i < n; i++) {
    const w = want[i];
    const g = got[i];
    const at = `${path}[${i}]`;
    if (!isRecord(w)) {
      compareText(walker, at, w, g);
      continue;
    }
    if (!isRecord(g)) {
      walker.fail(at, `expected a message object, got ${describe(g)}`);
      continue;
    }
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(w)) {
      if ((MESSAGE_VALUE_KEYS as readonly string[]).includes(k)) {
        if (!(k in g)) walker.fail(`${at}.${k}`, `missing (expected ${describe(v)})`);
        else compareText(walker, `${at}.${k}`, v, g[k]);
      } else {
        rest[k] = v;
      }
    }
    walker.check(shapeOf(rest), g, at, at);
  }
}

function messageText(m: unknown): unknown {
  return isRecord(m) && 'message' in m ? m.message : m;
}

function compareV2Errors(expected: Record<string, unknown>, actual: Record<string, unknown>, walker: Walker): void {
  const want = expected.errors;
  if (!Array.isArray(want)) return;
  const got = actual.errors;
  if (!Array.isArray(got)) {
    walker.fail('errors', `expected a list of errors, got ${describe(got)}`);
    return;
  }
  compareMessageLists(walker, 'errors', want, got);
}

// ---------------------------------------------------------------------------------------------
// Headers and cookies

export interface Cookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names in lower case → value ('' for flags such as HttpOnly). */
  readonly attributes: ReadonlyMap<string, string>;
}

export function parseSetCookie(line: string): Cookie {
  const [pair = '', ...attrs] = line.split(';');
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
  const attributes = new Map<string, string>();
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    if (key !== '') attributes.set(key, i < 0 ? '' : attr.slice(i + 1).trim());
  }
  return { name, value, attributes };
}

/**
 * The attributes a browser acts on, in a comparable form. Expires is a date that moves with the
 * clock, so only its presence counts; Secure depends on the site being served over https.
 */
function cookieSignature(cookie: Cookie): string {
  const parts: string[] = [cookie.name];
  for (const key of [...cookie.attributes.keys()].sort()) {
    if (key === 'secure') continue;
    const value = cookie.attributes.get(key) ?? '';
    if (key === 'expires') parts.push('expires');
    else if (key === 'samesite') parts.push(`samesite=${value.toLowerCase()}`);
    else if (key === 'httponly') parts.push('httponly');
    else parts.push(`${key}=${value}`);
  }
  return parts.join('; ');
}

/** Each recorded cookie must be matched by a distinct actual one with the same name and attributes. */
export function compareCookies(recorded: readonly string[], actual: readonly string[]): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const pool = actual.map((line) => cookieSignature(parseSetCookie(line)));
  for (const line of recorded) {
    const wanted = cookieSignature(parseSetCookie(line));
    const i = pool.indexOf(wanted);
    if (i >= 0) pool.splice(i, 1);
    else {
      mismatches.push({
        path: 'set-cookie',
        problem: `expected a cookie "${wanted}", got ${actual.length === 0 ? 'no Set-Cookie' : JSON.stringify(actual.map((l) => cookieSignature(parseSetCookie(l))))}`,
      });
    }
  }
  return mismatches;
}

function mediaType(value: string | undefined): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase();
}

function recordedHeader(headers: RecordedResponse['headers'], name: string): readonly string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Status, content type, cookies, then the body. */
export function compareResponse(recorded: RecordedResponse, actual: ActualResponse, options: CompareOptions = {}): Mismatch[] {
  const mismatches: Mismatch[] = [];
  if (actual.status !== recorded.status) {
    mismatches.push({ path: 'status', problem: `expected ${recorded.status}, got ${actual.status}` });
  }
  const wantType = mediaType(recordedHeader(recorded.headers, 'content-type')[0]);
  const gotType = mediaType(actual.headers['content-type']);
  if (wantType !== undefined && wantType !== gotType) {
    mismatches.push({ path: 'content-type', problem: `expected ${wantType}, got ${gotType ?? 'none'}` });
  }
  mismatches.push(...compareCookies(recordedHeader(recorded.headers, 'set-cookie'), actual.setCookies));

  let body: unknown;
  try {
    body = JSON.parse(actual.text);
  } catch {
    mismatches.push({ path: '(body)', problem: `expected JSON, got ${describe(actual.text)}` });
    return mismatches;
  }
  mismatches.push(...compareBody(recorded.body, body, options));
  return mismatches;
}

export function formatMismatches(mismatches: readonly Mismatch[]): string {
  return mismatches.map((m) => `  - ${m.path}: ${m.problem}`).join('\n');
}
