import { PyDict, PyFloat, pyRepr, pyStr, type Py } from '../util/pyjson';

/**
 * The Python expressions people put in Webhook conditions and Jinja templates
 * (`doc.status == "Paid" and doc.grand_total > 100`, `doc.items[0].item_code`, `"x" in doc.tags`),
 * evaluated with Python's semantics for truthiness, comparisons and arithmetic.
 */

export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

/** An object with attributes (a Document in a condition, a frappe._dict in a template). */
export interface PyObject {
  readonly typeName: string;
  getAttr(name: string): Value;
  getItem?(key: Value): Value;
}

export type Callable = (args: Value[], kwargs: Record<string, Value>) => Value;

export class PyFunction {
  constructor(
    readonly name: string,
    readonly call: Callable,
  ) {}
}

/** Jinja's Undefined: prints as "", falsy, and errors when called. */
export class Undefined {
  constructor(readonly hint: string) {}
}

export type Value = Py | PyObject | PyFunction | Undefined;

export function isPyObject(v: unknown): v is PyObject {
  return typeof v === 'object' && v !== null && 'getAttr' in v && typeof (v as PyObject).getAttr === 'function';
}

export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyFunction) return 'builtin_function_or_method';
  if (v instanceof Undefined) return 'Undefined';
  if (isPyObject(v)) return v.typeName;
  return 'bytes';
}

export function truthy(v: Value): boolean {
  if (v === null || v === false || v instanceof Undefined) return false;
  if (v === true) return true;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyDict) return v.map.size > 0;
  return true;
}

function num(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export function pyEquals(a: Value, b: Value): boolean {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i] ?? null));
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.map.size !== b.map.size) return false;
    for (const [k, v] of a.map) if (!b.map.has(k) || !pyEquals(v, b.map.get(k) ?? null)) return false;
    return true;
  }
  return a === b;
}

function compare(a: Value, b: Value, op: string): boolean {
  const na = num(a);
  const nb = num(b);
  let c: number;
  if (na !== undefined && nb !== undefined) c = na < nb ? -1 : na > nb ? 1 : 0;
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    default:
      return c >= 0;
  }
}

function contains(container: Value, item: Value): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (container instanceof PyDict) return typeof item === 'string' && container.map.has(item);
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}

function makeNumber(n: number, asFloat: boolean): Value {
  return asFloat || !Number.isInteger(n) ? new PyFloat(n) : n;
}

function arith(a: Value, b: Value, op: string): Value {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  const na = num(a);
  const nb = num(b);
  if (na === undefined || nb === undefined) {
    throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  }
  const isFloat = a instanceof PyFloat || b instanceof PyFloat;
  switch (op) {
    case '+':
      return makeNumber(na + nb, isFloat);
    case '-':
      return makeNumber(na - nb, isFloat);
    case '*':
      return makeNumber(na * nb, isFloat);
    case '/':
      if (nb === 0) throw new PyError('ZeroDivisionError', 'division by zero');
      return new PyFloat(na / nb);
    case '//':
      if (nb === 0) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
      return makeNumber(Math.floor(na / nb), isFloat);
    default:
      if (nb === 0) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
      return makeNumber(na - Math.floor(na / nb) * nb, isFloat);
  }
}

// ------------------------------------------------------------------ tokenizer

type Tok = { t: 'num'; v: Value } | { t: 'str'; v: string } | { t: 'name'; v: string } | { t: 'op'; v: string } | { t: 'end' };

const OPS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', '{', '}', ',', '.', ':', '|', '='];

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src.charAt(i + 1)))) {
      const m = /^(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)/.exec(src.slice(i));
      const text = m?.[1] ?? c;
      const isFloat = /[.eE]/.test(text);
      out.push({ t: 'num', v: isFloat ? new PyFloat(Number(text)) : Number(text) });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src.charAt(j) !== c) {
        if (src.charAt(j) === '\\') {
          const e = src.charAt(j + 1);
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          s += src.charAt(j);
          j++;
        }
      }
      if (j >= src.length) throw new PyError('SyntaxError', 'unterminated string literal');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i));
      const name = m?.[0] ?? c;
      out.push({ t: 'name', v: name });
      i += name.length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new PyError('SyntaxError', `invalid syntax near '${src.slice(i, i + 10)}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'end' });
  return out;
}

// ------------------------------------------------------------------ parser → closures

export type Scope = Map<string, Value>;
export type Expr = (scope: Scope) => Value;

export interface ParseOptions {
  /** Jinja: "a | filter(args)" pipes. */
  filters?: (name: string, value: Value, args: Value[]) => Value;
  /** Attribute lookup on plain dicts falls back to None (frappe._dict) instead of failing. */
  lenientDicts?: boolean;
}

export class ExprParser {
  private pos = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly options: ParseOptions = {},
  ) {}

  private peek(): Tok {
    return this.toks[this.pos] ?? { t: 'end' };
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private isName(v: string): boolean {
    const t = this.peek();
    return t.t === 'name' && t.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new PyError('SyntaxError', `expected '${v}'`);
    this.pos++;
  }

  atEnd(): boolean {
    return this.peek().t === 'end';
  }

  parseAll(): Expr {
    const e = this.expression();
    if (!this.atEnd()) throw new PyError('SyntaxError', 'invalid syntax');
    return e;
  }

  expression(): Expr {
    const body = this.pipe();
    if (this.isName('if')) {
      this.pos++;
      const cond = this.pipe();
      let orElse: Expr = () => new Undefined('else');
      if (this.isName('else')) {
        this.pos++;
        orElse = this.expression();
      }
      return (s) => (truthy(cond(s)) ? body(s) : orElse(s));
    }
    return body;
  }

  private pipe(): Expr {
    let left = this.orExpr();
    const filters = this.options.filters;
    while (filters && this.isOp('|')) {
      this.pos++;
      const t = this.peek();
      if (t.t !== 'name') throw new PyError('SyntaxError', 'expected filter name');
      this.pos++;
      const name = t.v;
      let args: Expr[] = [];
      if (this.isOp('(')) args = this.callArgs().args;
      const inner = left;
      left = (s) => filters(name, inner(s), args.map((a) => a(s)));
    }
    return left;
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isName('or')) {
      this.pos++;
      const a = left;
      const b = this.andExpr();
      left = (s) => {
        const v = a(s);
        return truthy(v) ? v : b(s);
      };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.notExpr();
    while (this.isName('and')) {
      this.pos++;
      const a = left;
      const b = this.notExpr();
      left = (s) => {
        const v = a(s);
        return truthy(v) ? b(s) : v;
      };
    }
    return left;
  }

  private notExpr(): Expr {
    if (this.isName('not')) {
      this.pos++;
      const inner = this.notExpr();
      return (s) => !truthy(inner(s));
    }
    return this.comparison();
  }

  private compOp(): string | undefined {
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
      this.pos++;
      return t.v;
    }
    if (t.t === 'name' && t.v === 'in') {
      this.pos++;
      return 'in';
    }
    if (t.t === 'name' && t.v === 'not' && this.toks[this.pos + 1]?.t === 'name' && (this.toks[this.pos + 1] as { v: string }).v === 'in') {
      this.pos += 2;
      return 'not in';
    }
    if (t.t === 'name' && t.v === 'is') {
      this.pos++;
      if (this.isName('not')) {
        this.pos++;
        return 'is not';
      }
      return 'is';
    }
    return undefined;
  }

  private comparison(): Expr {
    const first = this.arith();
    const ops: [string, Expr][] = [];
    for (let op = this.compOp(); op; op = this.compOp()) ops.push([op, this.arith()]);
    if (ops.length === 0) return first;
    return (s) => {
      let left = first(s);
      for (const [op, rightExpr] of ops) {
        const right = rightExpr(s);
        let ok: boolean;
        switch (op) {
          case '==':
            ok = pyEquals(left, right);
            break;
          case '!=':
            ok = !pyEquals(left, right);
            break;
          case 'in':
            ok = contains(right, left);
            break;
          case 'not in':
            ok = !contains(right, left);
            break;
          case 'is':
            ok = left === right || (left === null && right === null);
            break;
          case 'is not':
            ok = !(left === right || (left === null && right === null));
            break;
          default:
            ok = compare(left, right, op);
        }
        if (!ok) return false;
        left = right;
      }
      return true;
    };
  }

  private arith(): Expr {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { v: string }).v;
      this.pos++;
      const a = left;
      const b = this.term();
      left = (s) => arith(a(s), b(s), op);
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%') || this.isOp('//')) {
      const op = (this.peek() as { v: string }).v;
      this.pos++;
      const a = left;
      const b = this.unary();
      left = (s) => arith(a(s), b(s), op);
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      this.pos++;
      const inner = this.unary();
      return (s) => arith(0, inner(s), '-');
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.unary();
    }
    return this.postfix();
  }

  private callArgs(): { args: Expr[]; kwargs: [string, Expr][] } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs: [string, Expr][] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      const next = this.toks[this.pos + 1];
      if (t.t === 'name' && next?.t === 'op' && next.v === '=' ) {
        this.pos += 2;
        kwargs.push([t.v, this.expression()]);
      } else if (t.t === 'name' && next?.t === 'op' && next.v === '==') {
        args.push(this.expression());
      } else {
        args.push(this.expression());
      }
      if (this.isOp(',')) this.pos++;
      else break;
    }
    this.expectOp(')');
    return { args, kwargs };
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const t = this.peek();
        if (t.t !== 'name') throw new PyError('SyntaxError', 'invalid syntax');
        this.pos++;
        const target = e;
        const name = t.v;
        e = (s) => this.getAttr(target(s), name);
      } else if (this.isOp('[')) {
        this.pos++;
        const index = this.expression();
        this.expectOp(']');
        const target = e;
        e = (s) => getItem(target(s), index(s), this.options.lenientDicts ?? false);
      } else if (this.isOp('(')) {
        const { args, kwargs } = this.callArgs();
        const target = e;
        e = (s) => {
          const fn = target(s);
          if (fn instanceof PyFunction) {
            const kw: Record<string, Value> = {};
            for (const [k, v] of kwargs) kw[k] = v(s);
            return fn.call(args.map((a) => a(s)), kw);
          }
          throw new PyError('TypeError', `'${typeName(fn)}' object is not callable`);
        };
      } else {
        return e;
      }
    }
  }

  private getAttr(target: Value, name: string): Value {
    if (isPyObject(target)) return target.getAttr(name);
    if (target instanceof PyDict) {
      if (name === 'get') {
        return new PyFunction('get', (args) => {
          const key = args[0] ?? null;
          return typeof key === 'string' && target.map.has(key) ? target.map.get(key) ?? null : args[1] ?? null;
        });
      }
      if (target.map.has(name)) return target.map.get(name) ?? null;
      if (this.options.lenientDicts) return null;
      throw new PyError('AttributeError', `'dict' object has no attribute '${name}'`);
    }
    if (typeof target === 'string') {
      const methods: Record<string, (s: string, args: Value[]) => Value> = {
        upper: (s) => s.toUpperCase(),
        lower: (s) => s.toLowerCase(),
        strip: (s) => s.trim(),
        startswith: (s, a) => s.startsWith(pyStr((a[0] ?? '') as Py)),
        endswith: (s, a) => s.endsWith(pyStr((a[0] ?? '') as Py)),
      };
      const m = methods[name];
      if (m) return new PyFunction(name, (args) => m(target, args));
    }
    if (target instanceof Undefined) return new Undefined(`${target.hint}.${name}`);
    throw new PyError('AttributeError', `'${typeName(target)}' object has no attribute '${name}'`);
  }

  private atom(): Expr {
    const t = this.peek();
    this.pos++;
    switch (t.t) {
      case 'num': {
        const v = t.v;
        return () => v;
      }
      case 'str': {
        let v = t.v;
        // Adjacent literals concatenate ("a" "b").
        while (this.peek().t === 'str') {
          v += (this.peek() as { v: string }).v;
          this.pos++;
        }
        return () => v;
      }
      case 'name': {
        const name = t.v;
        if (name === 'True') return () => true;
        if (name === 'False') return () => false;
        if (name === 'None') return () => null;
        return (s) => {
          if (s.has(name)) return s.get(name) ?? null;
          if (this.options.filters) return new Undefined(name);
          throw new PyError('NameError', `name '${name}' is not defined`);
        };
      }
      case 'op': {
        if (t.v === '(') {
          if (this.isOp(')')) {
            this.pos++;
            return () => [];
          }
          const first = this.expression();
          if (this.isOp(',')) {
            const items = [first];
            while (this.isOp(',')) {
              this.pos++;
              if (this.isOp(')')) break;
              items.push(this.expression());
            }
            this.expectOp(')');
            return (s) => items.map((i) => i(s) as Py);
          }
          this.expectOp(')');
          return first;
        }
        if (t.v === '[') {
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            items.push(this.expression());
            if (this.isOp(',')) this.pos++;
            else break;
          }
          this.expectOp(']');
          return (s) => items.map((i) => i(s) as Py);
        }
        if (t.v === '{') {
          const entries: [Expr, Expr][] = [];
          while (!this.isOp('}')) {
            const k = this.expression();
            this.expectOp(':');
            entries.push([k, this.expression()]);
            if (this.isOp(',')) this.pos++;
            else break;
          }
          this.expectOp('}');
          return (s) => new PyDict(entries.map(([k, v]) => [pyStr(k(s) as Py), v(s) as Py]));
        }
        throw new PyError('SyntaxError', 'invalid syntax');
      }
      default:
        throw new PyError('SyntaxError', 'unexpected EOF while parsing');
    }
  }
}

function getItem(target: Value, key: Value, lenient: boolean): Value {
  if (Array.isArray(target)) {
    const i = num(key);
    if (i === undefined || !Number.isInteger(i)) throw new PyError('TypeError', `list indices must be integers or slices, not ${typeName(key)}`);
    const idx = i < 0 ? target.length + i : i;
    if (idx < 0 || idx >= target.length) {
      if (lenient) return new Undefined('index');
      throw new PyError('IndexError', 'list index out of range');
    }
    return target[idx] ?? null;
  }
  if (target instanceof PyDict) {
    const k = typeof key === 'string' ? key : pyStr(key as Py);
    if (target.map.has(k)) return target.map.get(k) ?? null;
    if (lenient) return null;
    throw new PyError('KeyError', pyRepr(k));
  }
  if (isPyObject(target) && target.getItem) return target.getItem(key);
  if (typeof target === 'string') {
    const i = num(key);
    if (i !== undefined) return target.charAt(i < 0 ? target.length + i : i);
  }
  if (target instanceof Undefined) return target;
  throw new PyError('TypeError', `'${typeName(target)}' object is not subscriptable`);
}

export function compileExpression(src: string, options: ParseOptions = {}): Expr {
  return new ExprParser(tokenize(src), options).parseAll();
}

/** frappe.safe_eval of a webhook condition. */
export function evalCondition(src: string, scope: Scope): boolean {
  return truthy(compileExpression(src)(scope));
}
