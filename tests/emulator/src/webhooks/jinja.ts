import { dumps, PyDict, PyFloat, pyStr, type Py } from '../util/pyjson';
import {
  compileExpression,
  type Expr,
  PyError,
  type PyObject,
  type Scope,
  truthy,
  Undefined,
  type Value,
} from './pyexpr';

/**
 * The part of Jinja that webhook templates use: {{ expressions | filters }}, {% if %} / {% elif %}
 * / {% else %}, {% for x in list %} with `loop`, {% set %}, comments and whitespace control.
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; expr: Expr }
  | { kind: 'if'; branches: { cond: Expr; body: Node[] }[]; orElse: Node[] }
  | { kind: 'for'; targets: string[]; iter: Expr; body: Node[]; orElse: Node[] }
  | { kind: 'set'; name: string; expr: Expr };

interface RawTok {
  kind: 'text' | 'var' | 'block';
  body: string;
}

export class TemplateError extends PyError {}

function lex(src: string): RawTok[] {
  const out: RawTok[] = [];
  const re = /\{\{-?([\s\S]*?)-?\}\}|\{%-?([\s\S]*?)-?%\}|\{#[\s\S]*?#\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[0].startsWith('{{-') || m[0].startsWith('{%-')) text = text.replace(/\s+$/, '');
    if (text) out.push({ kind: 'text', body: text });
    trimNext = m[0].endsWith('-}}') || m[0].endsWith('-%}');
    if (m[1] !== undefined) out.push({ kind: 'var', body: m[1].trim() });
    else if (m[2] !== undefined) out.push({ kind: 'block', body: m[2].trim() });
    last = m.index + m[0].length;
  }
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) out.push({ kind: 'text', body: tail });
  return out;
}

function htmlSafe(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}

function toPlainPy(v: Value): Py {
  if (v instanceof Undefined) return null;
  if (typeof v === 'object' && v !== null && 'getAttr' in v) return pyStr(null);
  if (typeof v === 'object' && v !== null && 'call' in v) return null;
  return v;
}

/** Jinja's default filters that templates reach for. */
export function applyFilter(name: string, value: Value, args: Value[]): Value {
  switch (name) {
    case 'tojson':
      return htmlSafe(dumps(toPlainPy(value), { sortKeys: true }));
    case 'string':
      return renderValue(value);
    case 'int': {
      const n = Number(renderValue(value));
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    }
    case 'float': {
      const n = Number(renderValue(value));
      return new PyFloat(Number.isFinite(n) ? n : 0);
    }
    case 'default':
    case 'd': {
      const fallback = args[0] ?? '';
      const boolean = args[1] === true;
      if (value instanceof Undefined || (boolean && !truthy(value))) return fallback;
      return value;
    }
    case 'upper':
      return renderValue(value).toUpperCase();
    case 'lower':
      return renderValue(value).toLowerCase();
    case 'trim':
      return renderValue(value).trim();
    case 'length':
    case 'count':
      if (Array.isArray(value) || typeof value === 'string') return value.length;
      if (value instanceof PyDict) return value.map.size;
      return 0;
    case 'join': {
      const sep = typeof args[0] === 'string' ? args[0] : '';
      return Array.isArray(value) ? value.map((x) => renderValue(x)).join(sep) : renderValue(value);
    }
    case 'replace':
      return renderValue(value).split(renderValue(args[0] ?? '')).join(renderValue(args[1] ?? ''));
    case 'round': {
      const digits = typeof args[0] === 'number' ? args[0] : 0;
      const n = value instanceof PyFloat ? value.value : typeof value === 'number' ? value : Number(renderValue(value));
      const f = 10 ** digits;
      return new PyFloat(Math.round(n * f) / f);
    }
    case 'abs': {
      if (value instanceof PyFloat) return new PyFloat(Math.abs(value.value));
      return typeof value === 'number' ? Math.abs(value) : value;
    }
    case 'e':
    case 'escape':
      return renderValue(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
    case 'safe':
      return value;
    default:
      throw new TemplateError('TemplateAssertionError', `No filter named '${name}'.`);
  }
}

/** What {{ value }} prints: str(value), "" for Undefined. */
export function renderValue(v: Value): string {
  if (v instanceof Undefined) return '';
  if (typeof v === 'object' && v !== null && 'getAttr' in v) return `<${(v).typeName} object>`;
  if (typeof v === 'object' && v !== null && 'call' in v) return '<built-in function>';
  return pyStr(v);
}

function compile(expr: string): Expr {
  return compileExpression(expr, { filters: applyFilter, lenientDicts: true });
}

class Parser {
  private i = 0;

  constructor(private readonly toks: RawTok[]) {}

  parse(stopAt: string[] = []): { nodes: Node[]; stop?: string } {
    const nodes: Node[] = [];
    while (this.i < this.toks.length) {
      const tok = this.toks[this.i];
      if (!tok) break;
      if (tok.kind === 'text') {
        nodes.push({ kind: 'text', text: tok.body });
        this.i++;
        continue;
      }
      if (tok.kind === 'var') {
        nodes.push({ kind: 'out', expr: compile(tok.body) });
        this.i++;
        continue;
      }
      const keyword = tok.body.split(/\s+/, 1)[0] ?? '';
      if (stopAt.includes(keyword)) return { nodes, stop: keyword };
      this.i++;
      if (keyword === 'if') nodes.push(this.parseIf(tok.body.slice(2).trim()));
      else if (keyword === 'for') nodes.push(this.parseFor(tok.body.slice(3).trim()));
      else if (keyword === 'set') {
        const m = /^set\s+(\w+)\s*=\s*([\s\S]+)$/.exec(tok.body);
        if (!m) throw new TemplateError('TemplateSyntaxError', `Invalid set statement: ${tok.body}`);
        nodes.push({ kind: 'set', name: m[1] ?? '', expr: compile(m[2] ?? 'None') });
      } else {
        throw new TemplateError('TemplateSyntaxError', `Encountered unknown tag '${keyword}'.`);
      }
    }
    if (stopAt.length > 0) throw new TemplateError('TemplateSyntaxError', `Unexpected end of template. Jinja was looking for: ${stopAt.join(', ')}`);
    return { nodes };
  }

  private parseIf(condition: string): Node {
    const branches: { cond: Expr; body: Node[] }[] = [];
    let orElse: Node[] = [];
    let cond = compile(condition);
    for (;;) {
      const { nodes, stop } = this.parse(['elif', 'else', 'endif']);
      branches.push({ cond, body: nodes });
      const tok = this.toks[this.i];
      this.i++;
      if (stop === 'elif') {
        cond = compile((tok?.body ?? '').slice(4).trim());
        continue;
      }
      if (stop === 'else') {
        orElse = this.parse(['endif']).nodes;
        this.i++;
      }
      return { kind: 'if', branches, orElse };
    }
  }

  private parseFor(spec: string): Node {
    const m = /^([\w\s,]+?)\s+in\s+([\s\S]+)$/.exec(spec);
    if (!m) throw new TemplateError('TemplateSyntaxError', `Invalid for statement: ${spec}`);
    const targets = (m[1] ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    const iter = compile(m[2] ?? '[]');
    const { nodes, stop } = this.parse(['else', 'endfor']);
    this.i++;
    let orElse: Node[] = [];
    if (stop === 'else') {
      orElse = this.parse(['endfor']).nodes;
      this.i++;
    }
    return { kind: 'for', targets, iter, body: nodes, orElse };
  }
}

function loopObject(index: number, length: number): PyObject {
  return {
    typeName: 'LoopContext',
    getAttr(name: string): Value {
      switch (name) {
        case 'index':
          return index + 1;
        case 'index0':
          return index;
        case 'first':
          return index === 0;
        case 'last':
          return index === length - 1;
        case 'length':
          return length;
        case 'revindex':
          return length - index;
        default:
          return new Undefined(`loop.${name}`);
      }
    },
  };
}

function iterate(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyDict) return [...v.map.keys()];
  if (typeof v === 'string') return Array.from(v);
  if (v instanceof Undefined) return [];
  throw new PyError('TypeError', `'${v === null ? 'NoneType' : typeof v}' object is not iterable`);
}

function renderNodes(nodes: Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'out':
        out.push(renderValue(node.expr(scope)));
        break;
      case 'set':
        scope.set(node.name, node.expr(scope));
        break;
      case 'if': {
        const branch = node.branches.find((b) => truthy(b.cond(scope)));
        renderNodes(branch ? branch.body : node.orElse, scope, out);
        break;
      }
      case 'for': {
        const items = iterate(node.iter(scope));
        if (items.length === 0) {
          renderNodes(node.orElse, scope, out);
          break;
        }
        items.forEach((item, index) => {
          const inner = new Map(scope);
          if (node.targets.length === 1) inner.set(node.targets[0] ?? '_', item);
          else {
            const parts = Array.isArray(item) ? item : [];
            node.targets.forEach((t, i) => inner.set(t, parts[i] ?? null));
          }
          inner.set('loop', loopObject(index, items.length));
          renderNodes(node.body, inner, out);
        });
        break;
      }
    }
  }
}

/** frappe.render_template(template, context) for the supported subset. */
export function renderTemplate(template: string, scope: Scope): string {
  const { nodes } = new Parser(lex(template)).parse();
  const out: string[] = [];
  renderNodes(nodes, new Map(scope), out);
  return out.join('');
}

/** frappe.utils.jinja.validate_template: a syntax error is refused when the Webhook is saved. */
export function validateTemplate(template: string): void {
  new Parser(lex(template)).parse();
}
