/**
 * Python's json module as Frappe uses it, byte for byte where it shows: parse errors carry the
 * exact CPython messages (clients see them in `exception`), and webhook bodies are produced by
 * `json.dumps`, whose separators and float formatting ("150.0") are part of what the receiver
 * signs. Values keep Python's int/float distinction through the `PyFloat` wrapper.
 */

/** A Python float (JSON numbers with a fraction or exponent, Currency/Float/Percent fields). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** An ordered Python dict. */
export class PyDict {
  readonly map = new Map<string, Py>();
  constructor(entries?: Iterable<[string, Py]>) {
    if (entries) for (const [k, v] of entries) this.map.set(k, v);
  }
}

/** Python bytes (Frappe's webhook signature header is bytes). */
export class PyBytes {
  constructor(readonly data: Uint8Array) {}
}

export type Py = null | boolean | number | PyFloat | string | PyBytes | Py[] | PyDict;

export class JSONDecodeError extends Error {
  readonly position: number;
  constructor(
    readonly reason: string,
    text: string,
    pos: number,
  ) {
    const before = text.slice(0, pos);
    const lineno = (before.match(/\n/g)?.length ?? 0) + 1;
    const lastNewline = before.lastIndexOf('\n');
    const colno = pos - lastNewline;
    super(`${reason}: line ${lineno} column ${colno} (char ${pos})`);
    this.position = pos;
    this.name = 'JSONDecodeError';
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER_RE = /(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/y;

type Mode = 'js' | 'py';

class Parser {
  constructor(
    private readonly s: string,
    private readonly mode: Mode,
  ) {}

  skip(pos: number): number {
    while (pos < this.s.length && WS.has(this.s.charAt(pos))) pos++;
    return pos;
  }

  value(pos: number): [unknown, number] {
    const s = this.s;
    const c = s.charAt(pos);
    if (c === '"') return this.string(pos + 1);
    if (c === '{') return this.object(pos + 1);
    if (c === '[') return this.array(pos + 1);
    if (c === 'n' && s.startsWith('null', pos)) return [null, pos + 4];
    if (c === 't' && s.startsWith('true', pos)) return [true, pos + 4];
    if (c === 'f' && s.startsWith('false', pos)) return [false, pos + 5];
    if (c === 'N' && s.startsWith('NaN', pos)) return [this.float(NaN), pos + 3];
    if (c === 'I' && s.startsWith('Infinity', pos)) return [this.float(Infinity), pos + 8];
    if (c === '-' && s.startsWith('-Infinity', pos)) return [this.float(-Infinity), pos + 9];
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(s);
    if (m && m.index === pos) {
      const [text, , frac, exp] = m;
      const n = Number(text);
      return [frac || exp ? this.float(n) : n, pos + text.length];
    }
    throw new JSONDecodeError('Expecting value', s, pos);
  }

  float(n: number): unknown {
    return this.mode === 'py' ? new PyFloat(n) : n;
  }

  string(pos: number): [string, number] {
    const s = this.s;
    const begin = pos - 1;
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= s.length) throw new JSONDecodeError('Unterminated string starting at', s, begin);
      const code = s.charCodeAt(pos);
      if (code === 0x22) {
        out += s.slice(chunkStart, pos);
        return [out, pos + 1];
      }
      if (code === 0x5c) {
        out += s.slice(chunkStart, pos);
        const esc = s.charAt(pos + 1);
        if (esc === '') throw new JSONDecodeError('Unterminated string starting at', s, begin);
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        const mapped = simple[esc];
        if (mapped !== undefined) {
          out += mapped;
          pos += 2;
        } else if (esc === 'u') {
          const hex = s.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JSONDecodeError('Invalid \\uXXXX escape', s, pos + 1);
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          throw new JSONDecodeError('Invalid \\escape', s, pos);
        }
        chunkStart = pos;
        continue;
      }
      if (code < 0x20) throw new JSONDecodeError('Invalid control character at', s, pos);
      pos++;
    }
  }

  object(pos: number): [unknown, number] {
    const s = this.s;
    const entries: [string, unknown][] = [];
    pos = this.skip(pos);
    if (s.charAt(pos) === '}') return [this.makeObject(entries), pos + 1];
    if (s.charAt(pos) !== '"') throw new JSONDecodeError('Expecting property name enclosed in double quotes', s, pos);
    for (;;) {
      const [key, afterKey] = this.string(pos + 1);
      pos = this.skip(afterKey);
      if (s.charAt(pos) !== ':') throw new JSONDecodeError("Expecting ':' delimiter", s, pos);
      pos = this.skip(pos + 1);
      const [value, afterValue] = this.value(pos);
      entries.push([key, value]);
      pos = this.skip(afterValue);
      const c = s.charAt(pos);
      if (c === '}') return [this.makeObject(entries), pos + 1];
      if (c !== ',') throw new JSONDecodeError("Expecting ',' delimiter", s, pos);
      pos = this.skip(pos + 1);
      if (s.charAt(pos) !== '"') throw new JSONDecodeError('Expecting property name enclosed in double quotes', s, pos);
    }
  }

  makeObject(entries: [string, unknown][]): unknown {
    if (this.mode === 'py') return new PyDict(entries as [string, Py][]);
    const obj: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return obj;
  }

  array(pos: number): [unknown[], number] {
    const s = this.s;
    const out: unknown[] = [];
    pos = this.skip(pos);
    if (s.charAt(pos) === ']') return [out, pos + 1];
    for (;;) {
      const [value, after] = this.value(pos);
      out.push(value);
      pos = this.skip(after);
      const c = s.charAt(pos);
      if (c === ']') return [out, pos + 1];
      if (c !== ',') throw new JSONDecodeError("Expecting ',' delimiter", s, pos);
      pos = this.skip(pos + 1);
    }
  }

  parse(): unknown {
    let pos = this.skip(0);
    const [value, end] = this.value(pos);
    pos = this.skip(end);
    if (pos !== this.s.length) throw new JSONDecodeError('Extra data', this.s, pos);
    return value;
  }
}

/** json.loads with Python's error messages, returning plain JS values. */
export function loadsJs(text: string): unknown {
  return new Parser(text, 'js').parse();
}

/** json.loads keeping Python types (int vs float, ordered dicts). */
export function loadsPy(text: string): Py {
  return new Parser(text, 'py').parse() as Py;
}

/** repr(float) in Python: shortest round-trip digits, ".0" for integral values, e-notation outside [1e-4, 1e16). */
export function pyFloatRepr(x: number, forJson = false): string {
  if (Number.isNaN(x)) return forJson ? 'NaN' : 'nan';
  if (!Number.isFinite(x)) return x > 0 ? (forJson ? 'Infinity' : 'inf') : forJson ? '-Infinity' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    else if (digits.length <= exp + 1) out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    else out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    const rest = digits.slice(1);
    out = `${digits.charAt(0)}${rest ? `.${rest}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return (negative ? '-' : '') + out;
}

function escapeJsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    const code = s.charCodeAt(i);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

export interface DumpsOptions {
  indent?: number;
  sortKeys?: boolean;
  separators?: [string, string];
  ensureAscii?: boolean;
}

/** json.dumps(value) with Python's defaults; bytes become lists of ints like Frappe's json_handler. */
export function dumps(value: Py, options: DumpsOptions = {}): string {
  const indent = options.indent;
  const [itemSep, keySep] = options.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const ensureAscii = options.ensureAscii ?? true;

  const enc = (v: Py, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v, true);
    if (v instanceof PyFloat) return pyFloatRepr(v.value, true);
    if (typeof v === 'string') return escapeJsonString(v, ensureAscii);
    if (v instanceof PyBytes) return enc(Array.from(v.data), level);
    const nl = indent === undefined ? '' : `\n${' '.repeat(indent * (level + 1))}`;
    const close = indent === undefined ? '' : `\n${' '.repeat(indent * level)}`;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${nl}${v.map((x) => enc(x, level + 1)).join(itemSep + nl)}${close}]`;
    }
    let entries = [...v.map.entries()];
    if (entries.length === 0) return '{}';
    if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${nl}${entries.map(([k, x]) => escapeJsonString(k, ensureAscii) + keySep + enc(x, level + 1)).join(itemSep + nl)}${close}}`;
  };
  return enc(value, 0);
}

/** Python's repr() of a str. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of s) {
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c.charCodeAt(0) < 0x20) out += `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out + quote;
}

/** Python's repr() of a value. */
export function pyRepr(v: Py): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyDict) return `{${[...v.map.entries()].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof PyBytes) return `b'${Buffer.from(v.data).toString('latin1')}'`;
  return pyStr(v);
}

/** Python's str() of a value (what Jinja prints for {{ value }}). */
export function pyStr(v: Py): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Plain JS value → Python value (numbers with a fraction become floats). */
export function toPy(v: unknown): Py {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (v instanceof PyFloat || v instanceof PyDict || v instanceof PyBytes) return v;
  if (Array.isArray(v)) return v.map(toPy);
  if (typeof v === 'object') return new PyDict(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toPy(x)]));
  return typeof v === 'bigint' || typeof v === 'symbol' ? v.toString() : 'None';
}

/** Python value → plain JS value. */
export function fromPy(v: Py): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyBytes) return Array.from(v.data);
  if (Array.isArray(v)) return v.map(fromPy);
  if (v instanceof PyDict) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.map) out[k] = fromPy(x);
    return out;
  }
  return v;
}
