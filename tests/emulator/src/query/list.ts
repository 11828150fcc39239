import { ownerConstraint, requirePermission } from '../auth/permissions';
import { FrappeError, frappeThrow, notFound } from '../errors';
import {
  CHILD_TABLE_FIELDS,
  DEFAULT_FIELDS,
  FLOAT_FIELDTYPES,
  INT_FIELDTYPES,
  NO_VALUE_FIELDTYPES,
  OPTIONAL_FIELDS,
  type Doc,
  type DocField,
  type Meta,
} from '../meta/meta';
import type { Ctx } from '../model/ctx';
import type { Engine } from '../model/engine';
import { isRecord, normalizeDate, normalizeDatetime, normalizeTime, str } from '../model/values';
import { cint, Dec, flt } from '../util/decimal';
import { loadsJs } from '../util/pyjson';

export interface ListArgs {
  doctype: string;
  fields?: unknown;
  filters?: unknown;
  orFilters?: unknown;
  groupBy?: unknown;
  /**
   * null, undefined or '': no ORDER BY (what frappe.client.get_list sends; the DocType's sort is only for Frappe's
   * internal get_all); 'KEEP_DEFAULT_ORDERING': the DocType's sort field and order.
   */
  orderBy?: unknown;
  limitStart?: unknown;
  limitPageLength?: unknown;
  asList?: boolean;
  parentDoctype?: string;
  ignorePermissions?: boolean;
}

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);
const BLACKLISTED_FUNCTIONS = new Set([
  'concat', 'concat_ws', 'if', 'ifnull', 'nullif', 'coalesce', 'connection_id', 'current_user', 'database',
  'last_insert_id', 'session_user', 'system_user', 'user', 'version', 'global',
]);
const ORDER_GROUP_ILLEGAL = /[^a-z0-9\-_ ,`'".()]/;
const VALID_OPERATORS = new Set([
  '=', '!=', '>', '<', '>=', '<=', 'like', 'not like', 'in', 'not in', 'is', 'between', 'timespan',
  'previous', 'next', 'descendants of', 'not descendants of', 'ancestors of', 'not ancestors of',
  'descendants of (inclusive)',
]);

/** A column of the query: which table it reads and how the result names it. */
interface ColumnRef {
  /** Key of the joined table: '' for the main table, a child DocType, or 'link:<fieldname>'. */
  table: string;
  meta: Meta;
  fieldname: string;
}

interface SelectItem {
  kind: 'column' | 'aggregate' | 'star';
  column?: ColumnRef;
  fn?: string;
  distinct?: boolean;
  /** count(*) */
  allRows?: boolean;
  alias: string;
}

interface Condition {
  column: ColumnRef;
  operator: string;
  value: unknown;
}

interface JoinedRow {
  main: Doc;
  tables: Map<string, Doc | null>;
}

function dataError(fieldname: string): FrappeError {
  return frappeThrow(`Field not permitted in query: ${fieldname}`, 'DataError');
}

/** frappe.parse_json / json.loads of a string argument; other values pass through. */
export function parseJsonArg(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return loadsJs(value);
  } catch (err) {
    throw jsonError(err);
  }
}

export function jsonError(err: unknown): FrappeError {
  const message = err instanceof Error ? err.message : String(err);
  return new FrappeError('JSONDecodeError', { module: 'json.decoder', detail: message, status: 500 });
}

function unquote(token: string): string {
  return token.trim().replace(/^`|`$/g, '').replace(/^"|"$/g, '');
}

function isStandard(fieldname: string): boolean {
  return (
    (DEFAULT_FIELDS as readonly string[]).includes(fieldname) ||
    (OPTIONAL_FIELDS as readonly string[]).includes(fieldname) ||
    (CHILD_TABLE_FIELDS as readonly string[]).includes(fieldname)
  );
}

function fieldOf(meta: Meta, fieldname: string): DocField | undefined {
  return meta.getFieldOrStandard(fieldname);
}

/** The list engine behind /api/resource/<dt>, frappe.client.get_list and /api/v2/document/<dt>. */
export class ListQuery {
  private readonly meta: Meta;
  private readonly joins = new Map<string, { meta: Meta; tableField?: DocField; linkField?: DocField }>();

  constructor(
    private readonly engine: Engine,
    private readonly ctx: Ctx,
    private readonly args: ListArgs,
  ) {
    const meta = engine.meta(args.doctype);
    if (!meta) throw notFound('DocType', args.doctype);
    this.meta = meta;
  }

  /** Resolves "field", "`tabX`.`field`", "child_table.field", "link_field.field". */
  private resolve(token: string, forFilter = false): ColumnRef | undefined {
    const raw = token.trim();
    const dot = raw.indexOf('.');
    if (dot < 0) {
      const fieldname = unquote(raw);
      return { table: '', meta: this.meta, fieldname };
    }
    const left = unquote(raw.slice(0, dot));
    const fieldname = unquote(raw.slice(dot + 1));
    if (left.startsWith('tab')) {
      const doctype = left.slice(3);
      return this.tableFor(doctype, fieldname);
    }
    const df = this.meta.getField(left);
    if (df && (df.fieldtype === 'Table' || df.fieldtype === 'Table MultiSelect')) {
      const childMeta = this.engine.meta(str(df.options));
      if (!childMeta) return undefined;
      if (!this.joins.has(childMeta.name)) this.joins.set(childMeta.name, { meta: childMeta, tableField: df });
      return { table: childMeta.name, meta: childMeta, fieldname };
    }
    if (df && df.fieldtype === 'Link' && !forFilter) {
      const linked = this.engine.meta(str(df.options));
      if (!linked) return undefined;
      const key = `link:${df.fieldname}`;
      if (!this.joins.has(key)) this.joins.set(key, { meta: linked, linkField: df });
      return { table: key, meta: linked, fieldname };
    }
    return this.tableFor(left, fieldname);
  }

  private tableFor(doctype: string, fieldname: string): ColumnRef | undefined {
    if (doctype === this.meta.name) return { table: '', meta: this.meta, fieldname };
    const childMeta = this.engine.meta(doctype);
    if (!childMeta) return undefined;
    const tf = this.meta.tableFieldFor(childMeta.name);
    if (!tf) return undefined;
    if (!this.joins.has(childMeta.name)) this.joins.set(childMeta.name, { meta: childMeta, tableField: tf });
    return { table: childMeta.name, meta: childMeta, fieldname };
  }

  private parseFields(): SelectItem[] {
    let fields = this.args.fields;
    if (typeof fields === 'string') fields = fields === '*' ? ['*'] : parseJsonArg(fields);
    if (fields === undefined || fields === null || (Array.isArray(fields) && fields.length === 0)) fields = ['name'];
    if (!Array.isArray(fields)) fields = [fields];
    const list = (fields as unknown[]).filter((f) => f !== null && f !== undefined && f !== '').map((f) => str(f));
    if (list.length === 1 && list[0] === '*') return [{ kind: 'star', alias: '*' }];
    return list.map((f) => this.parseSelect(f));
  }

  private parseSelect(field: string): SelectItem {
    const text = field.trim();
    const lower = text.toLowerCase();
    if (/\/\*/.test(text) || /\s(union)\s/i.test(` ${lower} `) || /^(select|delete|update|drop|create)\s/.test(lower)) {
      throw frappeThrow('Illegal SQL Query');
    }
    let alias: string | undefined;
    let expr = text;
    const asMatch = /^(.*?)\s+as\s+[`'"]?([\w ]+?)[`'"]?$/i.exec(text);
    if (asMatch) {
      expr = (asMatch[1] ?? '').trim();
      alias = (asMatch[2] ?? '').trim();
    }
    const call = /^([a-z_]+)\s*\((.*)\)$/i.exec(expr);
    if (call) {
      const fn = (call[1] ?? '').toLowerCase();
      if (BLACKLISTED_FUNCTIONS.has(fn)) throw frappeThrow(`Use of function ${fn} in field is restricted`, 'DataError');
      if (!AGGREGATES.has(fn)) throw dataError(expr);
      let inner = (call[2] ?? '').trim();
      let distinct = false;
      if (/^distinct\s+/i.test(inner)) {
        distinct = true;
        inner = inner.replace(/^distinct\s+/i, '');
      }
      if (inner === '*') return { kind: 'aggregate', fn, allRows: true, alias: alias ?? expr };
      const column = this.resolve(inner);
      if (!column) throw dataError(inner);
      this.checkColumn(column);
      return { kind: 'aggregate', fn, column, distinct, alias: alias ?? expr };
    }
    if (/[(),;@']/.test(expr)) throw frappeThrow('Use of sub-query or function is restricted', 'DataError');
    const column = this.resolve(expr);
    if (!column) throw dataError(unquote(expr));
    this.checkColumn(column);
    return { kind: 'column', column, alias: alias ?? column.fieldname };
  }

  /** reportview.validate_fields: only fields of the DocType (or standard columns) may be read. */
  private checkColumn(column: ColumnRef): void {
    const { meta, fieldname } = column;
    if (isStandard(fieldname)) return;
    const df = meta.getField(fieldname);
    if (!df || NO_VALUE_FIELDTYPES.has(df.fieldtype)) throw dataError(fieldname);
  }

  private parseFilterList(value: unknown): Condition[] {
    const parsed = parseJsonArg(value);
    if (parsed === undefined || parsed === null || parsed === '') return [];
    const out: Condition[] = [];
    if (isRecord(parsed)) {
      for (const [key, v] of Object.entries(parsed)) {
        if (Array.isArray(v)) out.push(this.makeCondition([this.meta.name, key, v[0], v[1]]));
        else out.push(this.makeCondition([this.meta.name, key, '=', v]));
      }
      return out;
    }
    if (!Array.isArray(parsed)) throw frappeThrow('Filter must be a tuple or list (in a list)');
    // A single filter given flat, e.g. ["name", "=", "x"].
    const items = parsed.length > 0 && !Array.isArray(parsed[0]) && !isRecord(parsed[0]) ? [parsed] : parsed;
    for (const f of items) {
      if (isRecord(f)) {
        const entries = Object.entries(f);
        const [key, v] = entries[0] ?? ['name', null];
        out.push(this.makeCondition(Array.isArray(v) ? [this.meta.name, key, v[0], v[1]] : [this.meta.name, key, '=', v]));
      } else if (Array.isArray(f)) {
        if (f.length === 3) out.push(this.makeCondition([this.meta.name, f[0], f[1], f[2]]));
        else if (f.length >= 4) out.push(this.makeCondition([f[0], f[1], f[2], f[3]]));
        else throw frappeThrow(`Filter must have 4 values (doctype, fieldname, operator, value): ${JSON.stringify(f)}`);
      } else {
        throw frappeThrow('Filter must be a tuple or list (in a list)');
      }
    }
    return out;
  }

  private makeCondition(parts: unknown[]): Condition {
    const [dt, fieldRaw, opRaw, value] = parts;
    const fieldname = str(fieldRaw);
    const operator = (str(opRaw) || '=').toLowerCase();
    if (!VALID_OPERATORS.has(operator)) {
      throw frappeThrow(`Operator must be one of ${[...VALID_OPERATORS].join(', ')}`);
    }
    let column: ColumnRef | undefined;
    if (fieldname.includes('.')) {
      column = this.resolve(fieldname, true);
      if (!column) throw dataError(fieldname);
    } else {
      const doctype = str(dt);
      const ownerMeta = doctype === this.meta.name ? this.meta : this.engine.meta(doctype);
      if (!ownerMeta) throw notFound('DocType', doctype);
      if (!isStandard(fieldname) && !ownerMeta.getField(fieldname)) throw dataError(fieldname);
      column = ownerMeta === this.meta ? { table: '', meta: this.meta, fieldname } : this.tableFor(ownerMeta.name, fieldname);
      if (!column) throw dataError(fieldname);
    }
    return { column, operator, value };
  }

  private baseRows(): JoinedRow[] {
    let docs: Doc[] = [...this.engine.tables.rows(this.meta.name)];
    if (!this.args.ignorePermissions && ownerConstraint(this.ctx, this.meta)) {
      const me = this.ctx.user.toLowerCase();
      docs = docs.filter((d) => str(d.owner).toLowerCase() === me);
    }
    let rows: JoinedRow[] = docs.map((main) => ({ main, tables: new Map() }));
    for (const [key, join] of this.joins) {
      const next: JoinedRow[] = [];
      for (const row of rows) {
        if (join.tableField) {
          const children = row.main[join.tableField.fieldname];
          const list = Array.isArray(children) ? children.filter(isRecord) : [];
          if (list.length === 0) next.push({ main: row.main, tables: new Map([...row.tables, [key, null]]) });
          for (const child of list) next.push({ main: row.main, tables: new Map([...row.tables, [key, child]]) });
        } else if (join.linkField) {
          const target = row.main[join.linkField.fieldname];
          const linked = typeof target === 'string' && target ? this.engine.tables.get(join.meta.name, target) ?? null : null;
          next.push({ main: row.main, tables: new Map([...row.tables, [key, linked]]) });
        }
      }
      rows = next;
    }
    return rows;
  }

  private value(row: JoinedRow, column: ColumnRef): unknown {
    const source = column.table === '' ? row.main : row.tables.get(column.table);
    if (!source) return null;
    return source[column.fieldname] ?? null;
  }

  run(): unknown[] {
    const args = this.args;
    const items = this.parseFields();
    const conditions = this.parseFilterList(args.filters);
    const orConditions = this.parseFilterList(args.orFilters);
    if (!args.ignorePermissions) {
      requirePermission(this.ctx, this.meta, 'read', args.parentDoctype ? this.engine.meta(args.parentDoctype) : undefined);
    }
    const groupBy = args.groupBy === undefined || args.groupBy === null || args.groupBy === '' ? undefined : str(args.groupBy);
    const order = this.parseOrder(args.orderBy, items);
    if (groupBy !== undefined && ORDER_GROUP_ILLEGAL.test(groupBy.toLowerCase())) throw frappeThrow('Illegal SQL Query');
    const groupColumns = groupBy ? groupBy.split(',').map((g) => this.resolve(g)).filter((c): c is ColumnRef => c !== undefined) : [];

    const rows = this.baseRows().filter(
      (row) => conditions.every((c) => this.test(row, c)) && (orConditions.length === 0 || orConditions.some((c) => this.test(row, c))),
    );

    const hasAggregate = items.some((i) => i.kind === 'aggregate');
    let output: { values: Map<string, unknown>; sortRow: JoinedRow | undefined }[];
    const starColumns = items.length === 1 && items[0]?.kind === 'star' ? this.starColumns() : undefined;
    const project = (row: JoinedRow): Map<string, unknown> => {
      const values = new Map<string, unknown>();
      if (starColumns) for (const c of starColumns) values.set(c.fieldname, this.value(row, c) ?? null);
      else for (const item of items) if (item.column) values.set(item.alias, this.value(row, item.column) ?? null);
      return values;
    };

    if (groupColumns.length > 0 || hasAggregate) {
      const groups = new Map<string, JoinedRow[]>();
      for (const row of rows) {
        const key = JSON.stringify(groupColumns.map((c) => groupKey(this.value(row, c))));
        const list = groups.get(key);
        if (list) list.push(row);
        else groups.set(key, [row]);
      }
      if (groups.size === 0 && groupColumns.length === 0) groups.set('[]', []);
      output = [...groups.values()].map((group) => {
        const values = new Map<string, unknown>();
        const first = group[0];
        for (const item of items) {
          if (item.kind === 'aggregate') values.set(item.alias, this.aggregate(item, group));
          else if (item.column) values.set(item.alias, first ? this.value(first, item.column) ?? null : null);
        }
        return { values, sortRow: first };
      });
    } else {
      output = rows.map((row) => ({ values: project(row), sortRow: row }));
    }

    if (order.length === 0 && groupColumns.length === 0 && !hasAggregate) {
      // Frappe 15's get_list sends no ORDER BY when none is asked for; InnoDB then scans the primary key,
      // so rows come by `name` in the table's collation, not in the order they were written.
      const nameColumn: ColumnRef = { table: '', meta: this.meta, fieldname: 'name' };
      output.sort((a, b) => compareValues(a.sortRow?.main.name, b.sortRow?.main.name, nameColumn));
    }
    if (order.length > 0) {
      output.sort((a, b) => {
        for (const o of order) {
          const va = o.alias !== undefined ? a.values.get(o.alias) : a.sortRow ? this.value(a.sortRow, o.column) : null;
          const vb = o.alias !== undefined ? b.values.get(o.alias) : b.sortRow ? this.value(b.sortRow, o.column) : null;
          const c = compareValues(va, vb, o.column);
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });
    }

    const start = Math.max(0, cint(args.limitStart));
    const length = cint(args.limitPageLength);
    const page = length > 0 ? output.slice(start, start + length) : output.slice(start);
    if (args.asList) return page.map((r) => [...r.values.values()]);
    return page.map((r) => Object.fromEntries(r.values));
  }

  private starColumns(): ColumnRef[] {
    const names: string[] = [...DEFAULT_FIELDS];
    for (const df of this.meta.valueFields) if (!cint(df.is_virtual) && !names.includes(df.fieldname)) names.push(df.fieldname);
    if (this.meta.istable) names.push(...CHILD_TABLE_FIELDS);
    return names.map((fieldname) => ({ table: '', meta: this.meta, fieldname }));
  }

  private aggregate(item: SelectItem, group: JoinedRow[]): unknown {
    const fn = item.fn ?? 'count';
    let values: unknown[] = item.allRows || !item.column ? group.map(() => 1) : group.map((r) => (item.column ? this.value(r, item.column) : null));
    values = values.filter((v) => v !== null && v !== undefined);
    if (item.distinct) values = [...new Map(values.map((v) => [groupKey(v), v])).values()];
    if (fn === 'count') return values.length;
    if (values.length === 0) return null;
    const ft = item.column?.meta.fieldtype(item.column.fieldname);
    if (fn === 'sum') {
      let acc = Dec.zero();
      for (const v of values) acc = acc.add(flt(v));
      return acc.toNumber();
    }
    if (fn === 'avg') {
      let acc = Dec.zero();
      for (const v of values) acc = acc.add(flt(v));
      return acc.div(values.length, 9).toNumber();
    }
    const sorted = [...values].sort((a, b) => compareValues(a, b, item.column));
    const picked = fn === 'min' ? sorted[0] : sorted[sorted.length - 1];
    return ft && (FLOAT_FIELDTYPES.has(ft) || INT_FIELDTYPES.has(ft)) ? flt(picked) : picked;
  }

  private parseOrder(orderBy: unknown, items: SelectItem[]): { column: ColumnRef; desc: boolean; alias?: string }[] {
    let text: string;
    if (orderBy === null) return [];
    if (orderBy === undefined || orderBy === '') {
      // No ORDER BY from the caller: the DocType's sort applies only to internal frappe.get_all.
      return [];
    }
    text = str(orderBy);
    if (text === 'KEEP_DEFAULT_ORDERING') text = `${this.meta.sortField} ${this.meta.sortOrder}`;
    const lower = text.toLowerCase();
    if (lower.includes('select') && lower.includes('from')) throw frappeThrow('Cannot use sub-query in order by');
    if (ORDER_GROUP_ILLEGAL.test(lower)) throw frappeThrow('Illegal SQL Query');
    const out: { column: ColumnRef; desc: boolean; alias?: string }[] = [];
    for (const part of text.split(',')) {
      const tokens = part.trim().split(/\s+/);
      const [fieldToken = '', dir = 'asc'] = tokens;
      if (!fieldToken) continue;
      if (/^sleep\(/i.test(fieldToken)) throw frappeThrow(`Cannot use ${part.trim()} in order/group by`);
      const aliased = items.find((i) => i.alias === unquote(fieldToken) && i.kind === 'aggregate');
      if (aliased) {
        out.push({ column: { table: '', meta: this.meta, fieldname: aliased.alias }, desc: dir.toLowerCase() === 'desc', alias: aliased.alias });
        continue;
      }
      const column = this.resolve(fieldToken);
      if (!column) throw frappeThrow(`Please select atleast 1 column from ${fieldToken} to sort/group`);
      if (!column.meta.hasColumn(column.fieldname)) {
        throw new FrappeError('OperationalError', {
          module: 'pymysql.err',
          status: 500,
          detail: `(1054, "Unknown column '${column.fieldname}' in 'order clause'")`,
        });
      }
      out.push({ column, desc: dir.toLowerCase() === 'desc' });
    }
    return out;
  }

  /** One filter against one joined row, with MariaDB's NULL and collation semantics. */
  private test(row: JoinedRow, c: Condition): boolean {
    const df = fieldOf(c.column.meta, c.column.fieldname);
    const ft = df?.fieldtype ?? 'Data';
    const kind = kindOf(c.column.fieldname, ft);
    const raw = this.value(row, c.column);
    const op = c.operator;
    const fieldname = c.column.fieldname;
    let canBeNull = !['name', 'modified', 'creation'].includes(fieldname) && kind !== 'number';

    if (op === 'is') {
      const set = raw !== null && raw !== '';
      if (c.value === 'set') return raw !== null && normalizeFor(kind, raw) !== normalizeFor(kind, '');
      if (c.value === 'not set') return !set;
      return false;
    }
    if (op === 'in' || op === 'not in') {
      let values: unknown[] = Array.isArray(c.value) ? c.value : typeof c.value === 'string' ? c.value.split(',') : c.value === null || c.value === undefined ? [] : [c.value];
      values = values.map((v) => (typeof v === 'string' ? v.trim() : v));
      if (op === 'in') canBeNull = canBeNull && (values.length === 0 || values.some((v) => v === null || v === ''));
      let actual = raw;
      if (actual === null) {
        if (!canBeNull) return false;
        actual = '';
      }
      const needle = normalizeFor(kind === 'number' ? 'number' : 'text', actual);
      const hit = (values.length === 0 ? [''] : values).some((v) => normalizeFor(kind === 'number' ? 'number' : 'text', v ?? '') === needle);
      return op === 'in' ? hit : !hit;
    }
    if (op === 'between' || op === 'timespan' || op === 'previous' || op === 'next') {
      const range = Array.isArray(c.value) ? c.value : [];
      if (raw === null) return false;
      if (kind === 'date' || kind === 'datetime') {
        const isDatetime = kind === 'datetime';
        const from = boundary(range[0], isDatetime, false);
        const to = boundary(range[1], isDatetime, true);
        const v = normalizeFor(kind, raw);
        return v >= from && v <= to;
      }
      const v = normalizeFor(kind, raw);
      return compareNormalized(v, normalizeFor(kind, range[0])) >= 0 && compareNormalized(v, normalizeFor(kind, range[1])) <= 0;
    }
    if (op.startsWith('descendants') || op.startsWith('not descendants') || op.startsWith('ancestors') || op.startsWith('not ancestors')) {
      return this.treeTest(c, raw);
    }
    if ((op === '>' || op === '>=') && (kind === 'date' || kind === 'datetime')) canBeNull = false;
    const valueTruthy = c.value !== null && c.value !== undefined && c.value !== '' && c.value !== 0;
    const useFallback = canBeNull && !(valueTruthy && (op === '=' || op === 'like'));
    let actual = raw;
    if (actual === null) {
      if (!useFallback) return false;
      actual = kind === 'number' ? 0 : kind === 'date' ? '0001-01-01' : kind === 'datetime' ? '0001-01-01 00:00:00.000000' : '';
    }
    if (op === 'like' || op === 'not like') {
      const pattern = likeToRegExp(str(c.value ?? ''));
      const hit = pattern.test(str(actual));
      return op === 'like' ? hit : !hit;
    }
    const a = normalizeFor(kind, actual);
    const b = normalizeFor(kind, c.value ?? (kind === 'number' ? 0 : ''));
    const cmp = compareNormalized(a, b);
    switch (op) {
      case '=':
        return cmp === 0;
      case '!=':
        return cmp !== 0;
      case '>':
        return cmp > 0;
      case '<':
        return cmp < 0;
      case '>=':
        return cmp >= 0;
      case '<=':
        return cmp <= 0;
      default:
        return false;
    }
  }

  /** Nested-set operators on tree DocTypes (Item Group, Customer Group, Territory). */
  private treeTest(c: Condition, raw: unknown): boolean {
    const df = fieldOf(c.column.meta, c.column.fieldname);
    const treeDoctype = df?.fieldtype === 'Link' ? str(df.options) : c.column.meta.name;
    const treeMeta = this.engine.meta(treeDoctype);
    const parentField = treeMeta?.fields.find((f) => f.fieldtype === 'Link' && f.options === treeDoctype && f.fieldname.startsWith('parent'))?.fieldname;
    if (!treeMeta || !parentField) return false;
    const parentOf = (name: string): string => str(this.engine.tables.get(treeMeta.name, name)?.[parentField]);
    const ancestorsOf = (name: string): string[] => {
      const out: string[] = [];
      let current = parentOf(name);
      while (current && !out.includes(current)) {
        out.push(current);
        current = parentOf(current);
      }
      return out;
    };
    const value = str(c.value);
    const v = str(raw);
    let hit: boolean;
    if (c.operator.includes('descendants')) {
      hit = ancestorsOf(v).some((a) => a.toLowerCase() === value.toLowerCase()) || (c.operator === 'descendants of (inclusive)' && v.toLowerCase() === value.toLowerCase());
    } else {
      hit = ancestorsOf(value).some((a) => a.toLowerCase() === v.toLowerCase());
    }
    return c.operator.startsWith('not') ? !hit : hit;
  }
}

type Kind = 'number' | 'date' | 'datetime' | 'time' | 'text';

function kindOf(fieldname: string, fieldtype: string): Kind {
  if (fieldname === 'creation' || fieldname === 'modified') return 'datetime';
  if (fieldname === 'docstatus' || fieldname === 'idx') return 'number';
  if (FLOAT_FIELDTYPES.has(fieldtype) || INT_FIELDTYPES.has(fieldtype) || fieldtype === 'Rating') return 'number';
  if (fieldtype === 'Date') return 'date';
  if (fieldtype === 'Datetime') return 'datetime';
  if (fieldtype === 'Time') return 'time';
  return 'text';
}

function fullDatetime(v: string): string {
  const n = normalizeDatetime(v);
  if (!n) return v;
  return n.length === 19 ? `${n}.000000` : n;
}

function normalizeFor(kind: Kind, v: unknown): string | number {
  if (kind === 'number') return flt(v);
  const text = str(v);
  if (kind === 'date') return normalizeDate(text) ?? text;
  if (kind === 'datetime') return fullDatetime(text);
  if (kind === 'time') {
    const t = normalizeTime(text);
    if (!t) return text;
    const [h = '0', rest = ''] = t.split(/:(.*)/s);
    const padded = `${h.padStart(2, '0')}:${rest}`;
    return padded.length === 8 ? `${padded}.000000` : padded;
  }
  // utf8mb4_unicode_ci: case-insensitive, trailing spaces ignored.
  return text.toLowerCase().replace(/ +$/, '');
}

function compareNormalized(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function boundary(v: unknown, isDatetime: boolean, end: boolean): string {
  const text = str(v);
  if (!isDatetime) return normalizeDate(text) ?? text;
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(text.trim())) {
    const d = normalizeDate(text) ?? text;
    return `${d} ${end ? '23:59:59.999999' : '00:00:00.000000'}`;
  }
  return fullDatetime(text);
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      re += pattern.charAt(++i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

function groupKey(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** ORDER BY comparison: NULLs first, strings case-insensitively, numbers numerically. */
function compareValues(a: unknown, b: unknown, column: ColumnRef | undefined): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  const ft = column ? column.meta.fieldtype(column.fieldname) ?? 'Data' : 'Data';
  const kind = column ? kindOf(column.fieldname, ft) : typeof a === 'number' ? 'number' : 'text';
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareNormalized(normalizeFor(kind, a), normalizeFor(kind, b));
}

export function runList(engine: Engine, ctx: Ctx, args: ListArgs): unknown[] {
  return new ListQuery(engine, ctx, args).run();
}
