import { createHash, randomBytes } from 'node:crypto';
import type { Doc, DocField, Meta } from './meta/meta';
import { completeDocTypeDoc, MetaRegistry, readAppDocTypes, recordedDocTypes } from './meta/registry';
import { Ctx } from './model/ctx';
import { Engine, type Controller } from './model/engine';
import { Tables, Txn } from './model/store';
import { isRecord, str } from './model/values';
import { SiteClock } from './util/clock';
import { cint } from './util/decimal';
import { frappeHashName, Rng } from './util/random';

export const STANDARD_USERS = ['Administrator', 'Guest'];
/** Roles every logged-in user has without them being assigned (frappe.permissions.AUTOMATIC_ROLES). */
export const AUTOMATIC_ROLES = ['Guest', 'All', 'Desk User', 'Administrator'];

/** What the Payment Request asks of a payment gateway's controller (payments.utils.get_payment_gateway_controller). */
export interface PaymentGatewayController {
  /** controller.get_payment_url, called while a Payment Request with a gateway is submitted. */
  paymentUrl(ctx: Ctx, paymentRequest: Doc): string;
}

export interface SessionRecord {
  sid: string;
  user: string;
  createdMs: number;
}

export interface SiteOptions {
  clock?: SiteClock;
  randomSeed?: number;
  addonDocTypeDirs?: string[];
}

function passwordHash(password: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${password}`).digest('hex');
}

/**
 * One Frappe site: DocTypes, tables, the document engine, credentials and sessions. The HTTP
 * layer turns requests into calls on it; tests reach it through the handle's `store`.
 */
export class Site {
  readonly registry = new MetaRegistry();
  readonly tables = new Tables();
  readonly clock: SiteClock;
  /** Naming hashes and generated secrets. */
  readonly rng: Rng;
  readonly controllers = new Map<string, Controller>();
  readonly engine: Engine;
  readonly sessions = new Map<string, SessionRecord>();
  /** Global defaults (company, currency, country, fiscal_year) that prefill Link fields. */
  readonly defaults: Record<string, string> = {};
  /** The Single-DocType settings the ERPNext controllers read, as currently saved. */
  readonly settings = {
    get: (doctype: string, field: string): unknown => this.engine.stored(doctype, doctype)?.[field],
    sellingPriceList: (): string => str(this.settings.get('Selling Settings', 'selling_price_list')) || 'Standard Selling',
    custMasterName: (): string => str(this.settings.get('Selling Settings', 'cust_master_name')) || 'Customer Name',
    itemNamingBy: (): string => str(this.settings.get('Stock Settings', 'item_naming_by')) || 'Item Code',
    autoInsertItemPrice: (): boolean => cint(this.settings.get('Stock Settings', 'auto_insert_price_list_rate_if_missing')) === 1,
    unlinkPaymentOnCancellation: (): boolean => cint(this.settings.get('Accounts Settings', 'unlink_payment_on_cancellation_of_invoice')) === 1,
    createPaymentRequestInDraft: (): boolean => cint(this.settings.get('Accounts Settings', 'create_pr_in_draft_status')) === 1,
  };
  /** The controller serving the site's Payment Gateways; none on a plain ERPNext site (no payment URL then). */
  paymentGatewayController: PaymentGatewayController | undefined;
  private readonly docEventListeners: ((ctx: Ctx, meta: Meta, doc: Doc, method: string, inInsert: boolean) => void)[] = [];

  constructor(options: SiteOptions = {}) {
    this.clock = options.clock ?? new SiteClock();
    this.rng = new Rng(options.randomSeed);
    this.engine = new Engine({
      registry: this.registry,
      tables: this.tables,
      clock: this.clock,
      rng: this.rng,
      controllers: this.controllers,
      defaults: () => this.defaults,
      seriesVariable: (part, doc) => this.seriesVariable(part, doc),
      onDocEvent: (ctx, meta, doc, method, inInsert) => {
        for (const listener of this.docEventListeners) listener(ctx, meta, doc, method, inInsert);
      },
      savePassword: (ctx, doctype, name, fieldname, value) => this.setSecret(ctx, doctype, name, fieldname, value),
    });
    this.loadDocTypes(options.addonDocTypeDirs ?? []);
  }

  onDocEvent(listener: (ctx: Ctx, meta: Meta, doc: Doc, method: string, inInsert: boolean) => void): void {
    this.docEventListeners.push(listener);
  }

  registerController(doctype: string, controller: Controller): void {
    this.controllers.set(doctype, controller);
  }

  private seriesVariable(part: string, doc: Doc): string | undefined {
    if (part === 'FY') {
      const fy = this.defaults.fiscal_year;
      return fy ?? undefined;
    }
    if (part === 'ABBR') {
      const company = str(doc.company) || this.defaults.company;
      return company ? str(this.tables.get('Company', company)?.abbr) : undefined;
    }
    return undefined;
  }

  /** Standard DocTypes from the recorded metadata, the add-on's, and stand-ins for the rest. */
  private loadDocTypes(addonDirs: string[]): void {
    for (const doc of recordedDocTypes()) {
      this.registry.put(doc);
      this.tables.put('DocType', doc);
    }
    const stamp = this.clock.now();
    let counter = 0;
    const childName = (): string => frappeHashName(this.clock.epochMs() + counter++ * 100, this.rng);
    const addonModules = new Set<string>();
    for (const dir of addonDirs) {
      for (const raw of readAppDocTypes(dir)) {
        const doc = completeDocTypeDoc(raw, stamp, childName);
        this.registry.put(doc);
        this.tables.put('DocType', doc);
        if (doc.module) addonModules.add(str(doc.module));
      }
    }
    for (const doc of this.registry.stubDocs()) {
      const full = completeDocTypeDoc(doc, '2013-02-18 17:55:21', childName);
      this.registry.put(full);
      this.tables.put('DocType', full);
    }
    this.addonModules = addonModules;
  }

  /** Modules of the add-on's DocTypes (their Module Def records are seeded like an installed app). */
  addonModules = new Set<string>();

  // ------------------------------------------------------------ contexts

  rolesOf(user: string): Set<string> {
    if (user === 'Guest') return new Set(['Guest']);
    if (user === 'Administrator') {
      const all = new Set<string>(AUTOMATIC_ROLES);
      for (const role of this.tables.rows('Role')) all.add(str(role.name));
      return all;
    }
    const roles = new Set<string>(['All', 'Guest']);
    const doc = this.tables.get('User', user);
    if (!doc) return roles;
    if (str(doc.user_type) === 'System User') roles.add('Desk User');
    const rows = Array.isArray(doc.roles) ? doc.roles : [];
    for (const row of rows) {
      if (!isRecord(row) || !row.role) continue;
      const role = this.tables.get('Role', str(row.role));
      if (role && cint(role.disabled)) continue;
      roles.add(str(row.role));
    }
    return roles;
  }

  newCtx(user: string, baseUrl = 'http://127.0.0.1:8000'): Ctx {
    return new Ctx(user, this.rolesOf(user), new Txn(this.tables), baseUrl);
  }

  /**
   * Runs `fn` in one transaction: committed if it returns, rolled back if it throws (Frappe
   * rolls the database back on any exception, the message log survives).
   */
  transact<T>(ctx: Ctx, fn: (ctx: Ctx) => T): T {
    try {
      const result = fn(ctx);
      ctx.txn.commit();
      return result;
    } catch (err) {
      ctx.txn.rollback();
      throw err;
    }
  }

  /** Seeding and test access: a transaction as Administrator with permissions ignored. */
  asAdministrator<T>(fn: (ctx: Ctx) => T): T {
    const ctx = this.newCtx('Administrator');
    return this.transact(ctx, (c) => c.asSystem(() => fn(c)));
  }

  // ------------------------------------------------------------ secrets (Frappe's __Auth table)

  private authKey(doctype: string, name: string, fieldname: string): string {
    return `${doctype}\u0000${name.toLowerCase()}\u0000${fieldname}`;
  }

  setSecret(ctx: Ctx, doctype: string, name: string, fieldname: string, value: string): void {
    const key = this.authKey(doctype, name, fieldname);
    if (fieldname === 'password') {
      const salt = randomBytes(8).toString('hex');
      ctx.txn.put('__Auth', { name: key, salt, hash: passwordHash(value, salt) });
    } else {
      ctx.txn.put('__Auth', { name: key, value });
    }
  }

  getSecret(doctype: string, name: string, fieldname: string): string | undefined {
    const row = this.tables.get('__Auth', this.authKey(doctype, name, fieldname));
    return typeof row?.value === 'string' ? row.value : undefined;
  }

  checkPassword(user: string, password: string): boolean {
    const row = this.tables.get('__Auth', this.authKey('User', user, 'password'));
    if (!row || typeof row.salt !== 'string') return false;
    return row.hash === passwordHash(password, row.salt);
  }

  /** The user owning an API key (auth.validate_api_key_secret). */
  userByApiKey(apiKey: string): string | undefined {
    for (const user of this.tables.rows('User')) {
      if (user.api_key === apiKey) return str(user.name);
    }
    return undefined;
  }

  // ------------------------------------------------------------ sessions

  createSession(user: string): SessionRecord {
    // Frappe's sid: 56 hex characters (a sha224 digest).
    const sid = createHash('sha224').update(randomBytes(32)).digest('hex');
    const record = { sid, user, createdMs: this.clock.epochMs() };
    this.sessions.set(sid, record);
    this.tables.version++;
    return record;
  }

  clearSessions(user: string): void {
    for (const [sid, s] of this.sessions) if (s.user === user) this.sessions.delete(sid);
    this.tables.version++;
  }

  endSession(sid: string): void {
    if (this.sessions.delete(sid)) this.tables.version++;
  }
}

/**
 * Merges the stored Custom Fields of `doctype` (of every DocType, when none is named) into the DocTypes' meta, the
 * way frappe.get_meta serves them. Seeding, the Custom Field controller and a restart from a data file all go
 * through here, so that a restored site serves its custom fields exactly as the site that added them did.
 */
export function syncCustomFields(site: Site, doctype?: string): void {
  const byDt = new Map<string, DocField[]>();
  // Named, the DocType is synced even with no field left: that is how a deleted Custom Field leaves its meta.
  if (doctype !== undefined) byDt.set(doctype, []);
  for (const cf of site.tables.rows('Custom Field')) {
    const dt = str(cf.dt);
    if (doctype !== undefined && dt !== doctype) continue;
    const fields = byDt.get(dt) ?? [];
    fields.push({ ...cf, fieldname: str(cf.fieldname), fieldtype: str(cf.fieldtype) || 'Data', is_custom_field: 1 });
    byDt.set(dt, fields);
  }
  for (const [dt, fields] of byDt) site.registry.setCustomFields(dt, fields);
}
