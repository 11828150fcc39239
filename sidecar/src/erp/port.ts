import { z } from 'zod';
import type { ErpAuthenticationError } from './errors';

/**
 * The ERP port: everything the sidecar asks of Dokos/ERPNext goes through this interface. The
 * Frappe adapter (`frappe-adapter.ts`) implements it over REST; tests may implement it in memory.
 * Every method either resolves with data that passed a zod schema or rejects with an `ErpError`
 * subclass (`errors.ts`).
 */

// ---------------------------------------------------------------------------------------------
// Documents

export const docstatusSchema = z.union([z.literal(0), z.literal(1), z.literal(2)]);
export type Docstatus = z.infer<typeof docstatusSchema>;

/**
 * What every stored document carries, as `GET /api/resource/<doctype>/<name>` returns it. Other
 * fields pass through untyped; narrow them with `frappeDocSchema.extend({...})`.
 */
export const frappeDocSchema = z.looseObject({
  name: z.string().min(1),
  doctype: z.string().min(1),
  /** 0 draft, 1 submitted, 2 cancelled. */
  docstatus: docstatusSchema,
  /**
   * "YYYY-MM-DD HH:MM:SS.ffffff" in the site's time zone; the optimistic-lock token. A Single DocType
   * (settings) that was never saved has neither `modified` nor `creation`.
   */
  modified: z.string().min(1).optional(),
  creation: z.string().min(1).optional(),
  owner: z.string().optional(),
  modified_by: z.string().optional(),
  idx: z.number().int().optional(),
});
export type FrappeDoc = z.infer<typeof frappeDocSchema>;

/** A list row holds only the requested fields (just `name` when none are asked for). */
export type ListRow = Record<string, unknown>;

/** A row asked for its name alone (`fields: ['name']`): which documents match, not what they hold. */
export const namedRowSchema = z.looseObject({ name: z.string() });

/** Field values for an insert or an update; the adapter sends them as JSON. */
export type DocValues = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Filters: the list forms Frappe accepts, `[field, op, value]` and `[doctype, field, op, value]`

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type FilterScalar = z.infer<typeof scalarSchema>;

const comparisonOperatorSchema = z.enum(['=', '!=', '<', '>', '<=', '>=', 'like', 'not like']);
const setOperatorSchema = z.enum(['in', 'not in']);
const fieldSchema = z.string().min(1);
const rangeSchema = z.tuple([scalarSchema, scalarSchema]);
/** `is` tests for presence: `['customer', 'is', 'set']`. */
const presenceSchema = z.enum(['set', 'not set']);

export const filterSchema = z.union([
  z.tuple([fieldSchema, comparisonOperatorSchema, scalarSchema]),
  z.tuple([fieldSchema, setOperatorSchema, z.array(scalarSchema).readonly()]),
  z.tuple([fieldSchema, z.literal('between'), rangeSchema]),
  z.tuple([fieldSchema, z.literal('is'), presenceSchema]),
  z.tuple([fieldSchema, fieldSchema, comparisonOperatorSchema, scalarSchema]),
  z.tuple([fieldSchema, fieldSchema, setOperatorSchema, z.array(scalarSchema).readonly()]),
  z.tuple([fieldSchema, fieldSchema, z.literal('between'), rangeSchema]),
  z.tuple([fieldSchema, fieldSchema, z.literal('is'), presenceSchema]),
]);
/** One condition; the 4-element form names a child DocType (`['Sales Invoice Item', 'item_code', '=', 'X']`). */
export type Filter = z.infer<typeof filterSchema>;
export type FilterOperator =
  | z.infer<typeof comparisonOperatorSchema>
  | z.infer<typeof setOperatorSchema>
  | 'between'
  | 'is';

export const filtersSchema = z.array(filterSchema).readonly();

/** A field name to sort on: `modified`, or `table.field` for a child table column. */
export const orderByFieldSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'order by a plain field name, e.g. "modified"');

export const orderBySchema = z.object({
  field: orderByFieldSchema,
  order: z.enum(['asc', 'desc']),
});
export type OrderBy = z.infer<typeof orderBySchema>;

// ---------------------------------------------------------------------------------------------
// Options

export interface CallOptions {
  /** Time allowed for each attempt, in milliseconds; overrides the adapter's default. */
  timeoutMs?: number;
}

export interface WriteOptions extends CallOptions {
  /**
   * Set when repeating the write cannot do harm (it sets fields to fixed values, or the document
   * carries an external id the ERP checks). The write is then retried like a read, on network
   * errors, timeouts, 502 and 504 as well; otherwise only on 429 and 503.
   */
  idempotent?: boolean;
}

export interface LockedWriteOptions extends WriteOptions {
  /**
   * The `modified` value of the document the caller decided on. The ERP refuses the write with
   * `ErpTimestampMismatchError` when the document changed since.
   */
  modified?: string;
}

export interface WithSchema<T> {
  /** Validates (and types) the document or rows the ERP returns. */
  schema: z.ZodType<T>;
}

interface ListQuery {
  /** Fields to return; Frappe returns only `name` without them. Child fields: `items.item_code`. */
  fields?: readonly string[];
  /** All must hold (SQL AND). */
  filters?: readonly Filter[];
  /** At least one must hold (SQL OR), combined with `filters` by AND. */
  orFilters?: readonly Filter[];
  orderBy?: OrderBy | readonly OrderBy[];
}

export interface ListOptions extends ListQuery, CallOptions {
  /** Offset of the first row (0 for the first page). */
  limitStart?: number;
  /**
   * Rows per page, at least 1. Required: Frappe silently cuts an unbounded list at 20 rows, and
   * 0 means "everything"; use `listAll` for that.
   */
  limitPageLength: number;
}

export interface ListAllOptions extends ListQuery, CallOptions {
  /** Rows fetched per request (default 100). */
  pageSize?: number;
}

export interface CountOptions extends CallOptions {
  filters?: readonly Filter[];
}

export interface MethodCallOptions extends CallOptions {
  /** GET for read-only methods; POST for the rest (Frappe refuses GET on POST-only methods). */
  http: 'GET' | 'POST';
  /** Defaults to true for GET and false for POST; see `WriteOptions.idempotent`. */
  idempotent?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Member credentials

export interface VerifiedCredentials {
  ok: true;
  /** The ERP User id (usually the e-mail address). */
  user: string;
  fullName: string;
}

export interface RejectedCredentials {
  ok: false;
  error: ErpAuthenticationError;
}

export type CredentialCheck = VerifiedCredentials | RejectedCredentials;

// ---------------------------------------------------------------------------------------------
// The port

export interface ErpPort {
  /** One document. Rejects with `ErpNotFoundError` when it does not exist. */
  getDoc(doctype: string, name: string, options?: CallOptions): Promise<FrappeDoc>;
  getDoc<T>(doctype: string, name: string, options: CallOptions & WithSchema<T>): Promise<T>;

  /** One page of a list; the caller says how many rows it wants. */
  list(doctype: string, options: ListOptions): Promise<ListRow[]>;
  list<T>(doctype: string, options: ListOptions & WithSchema<T>): Promise<T[]>;

  /**
   * Every row, page after page. The order is made total by adding `name` (the primary key) as the
   * last sort key, so that offset paging neither skips nor repeats rows while nothing is written.
   */
  listAll(doctype: string, options?: ListAllOptions): Promise<ListRow[]>;
  listAll<T>(doctype: string, options: ListAllOptions & WithSchema<T>): Promise<T[]>;

  count(doctype: string, options?: CountOptions): Promise<number>;

  /**
   * Some fields of the first document matching `target` (a name, or filters); null when none
   * matches.
   */
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

  insert(doctype: string, doc: DocValues, options?: WriteOptions): Promise<FrappeDoc>;
  insert<T>(doctype: string, doc: DocValues, options: WriteOptions & WithSchema<T>): Promise<T>;

  /** PUT: the given fields change, the others stay. A child table sent is replaced as a whole. */
  update(doctype: string, name: string, changes: DocValues, options?: LockedWriteOptions): Promise<FrappeDoc>;
  update<T>(
    doctype: string,
    name: string,
    changes: DocValues,
    options: LockedWriteOptions & WithSchema<T>,
  ): Promise<T>;

  delete(doctype: string, name: string, options?: WriteOptions): Promise<void>;

  /** Draft (0) to submitted (1). */
  submit(doctype: string, name: string, options?: LockedWriteOptions): Promise<FrappeDoc>;
  submit<T>(doctype: string, name: string, options: LockedWriteOptions & WithSchema<T>): Promise<T>;

  /** Submitted (1) to cancelled (2). */
  cancel(doctype: string, name: string, options?: LockedWriteOptions): Promise<FrappeDoc>;
  cancel<T>(doctype: string, name: string, options: LockedWriteOptions & WithSchema<T>): Promise<T>;

  /**
   * Writes fields straight to the database row (frappe.client.set_value): validations run, but the
   * document is not loaded by the caller. Returns the whole document.
   */
  setValue(doctype: string, name: string, values: DocValues, options?: WriteOptions): Promise<FrappeDoc>;
  setValue<T>(
    doctype: string,
    name: string,
    values: DocValues,
    options: WriteOptions & WithSchema<T>,
  ): Promise<T>;

  /**
   * Up to 200 documents of one DocType in one request and one transaction: all are created or
   * none. Resolves with their names in the order given.
   */
  insertMany(doctype: string, docs: readonly DocValues[], options?: WriteOptions): Promise<string[]>;

  /** A whitelisted method (`/api/method/<method>`); resolves with its `message`. */
  call(method: string, args: Record<string, unknown>, options: MethodCallOptions): Promise<unknown>;
  call<T>(method: string, args: Record<string, unknown>, options: MethodCallOptions & WithSchema<T>): Promise<T>;

  /** The user the API key belongs to. */
  getLoggedUser(options?: CallOptions): Promise<string>;

  /**
   * Checks a member's ERP portal login (usr, pwd) in a session of its own, then logs that session
   * out. A wrong password or an unknown user resolves with `ok: false`; an unreachable ERP rejects.
   */
  verifyUserCredentials(usr: string, pwd: string, options?: CallOptions): Promise<CredentialCheck>;
}
