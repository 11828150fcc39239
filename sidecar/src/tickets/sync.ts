import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UnavailableError, type ErpChangeNotice } from '../booking/contract';
import { BOOKING_DOCTYPE } from '../booking/erp-doc';
import { erpFromInstant, instantFromErp } from '../catalog/erp-values';
import { ticketLedger, type LedgerEntry } from '../domain';
import { ErpNotFoundError } from '../erp';
import { changeJobId, QUEUE_NAMES } from '../queue/queues';
import { RedisLock, waitForRelease, withLock } from '../redis/locks';
import type { TicketContext } from './context';
import { entryFromDoc, keyOfDoc, LEDGER_DOCTYPE, LEDGER_FIELDS, ledgerDocSchema, PACK_TYPE_DOCTYPE, type LedgerDoc } from './erp-doc';
import { operationOf } from './operations';

/**
 * The ledger's way in from the ERP, the system of record: entries typed or cancelled in the desk
 * (webhooks, and a reconciliation that catches what webhooks missed), a whole load of the ledger
 * when Redis has none, and a member's reload when what Redis holds and what the ERP holds differ.
 * A member is reloaded as a whole (their entries in the ERP, plus those of ours on their way to it)
 * in one compare-and-set, so that a debit running meanwhile is never lost nor applied twice.
 */

export interface LoadReport {
  customers: number;
  entries: number;
  /** ERP entries the domain could not take (listed in the log for staff). */
  skipped: number;
  tookMs: number;
}

export interface TicketReconcileReport {
  customersChecked: number;
  customersReloaded: number;
  invoicesChecked: number;
}

/** A load that died leaves movements paused this long at most; a live one extends it. */
const LOAD_TTL_MS = 120_000;
/** How long a process waits for another one's load before it gives up with a 503. */
const OTHER_LOAD_WAIT_MS = 5 * 60_000;
const bookingRow = z.looseObject({ name: z.string(), external_id: z.string().nullish() });
const customerRow = z.looseObject({ customer: z.string(), modified: z.string().nullish() });
const invoiceRow = z.looseObject({ name: z.string(), modified: z.string().nullish() });

/** Reacts to a Sales Invoice or Payment Entry change (the credit side lives in the service). */
export interface InvoiceListener {
  onInvoiceChanged(name: string): Promise<unknown>;
  onPaymentEntryChanged(name: string): Promise<unknown>;
}

export class TicketSync {
  private loading: Promise<LoadReport> | undefined;
  /** Set by the engine: re-creates the job schedulers after a load (Redis may have lost them). */
  afterLoad: () => Promise<void> = () => Promise.resolve();
  invoices: InvoiceListener | undefined;

  constructor(private readonly ctx: TicketContext) {}

  private get log() {
    return this.ctx.logger;
  }

  // -------------------------------------------------------------------------------------------
  // Mapping ERP entries

  /** Booking ERP names → Créneau ids, for the entries' booking links. */
  private async bookingIds(docs: readonly LedgerDoc[]): Promise<Map<string, string>> {
    const names = [...new Set(docs.map((doc) => doc.booking?.trim() ?? '').filter((name) => name !== ''))];
    const ids = new Map<string, string>();
    for (let i = 0; i < names.length; i += 200) {
      const rows = await this.ctx.erp.listAll(BOOKING_DOCTYPE, { fields: ['name', 'external_id'], filters: [['name', 'in', names.slice(i, i + 200)]], schema: bookingRow });
      for (const row of rows) if (row.external_id) ids.set(row.name, row.external_id);
    }
    return ids;
  }

  /** The domain's entries of submitted ERP entries (one member's or all), in the ERP's order. */
  private async mapDocs(docs: readonly LedgerDoc[]): Promise<{ entries: { entry: LedgerEntry; erpName: string }[]; skipped: number }> {
    const keyByName = new Map(docs.map((doc) => [doc.name, keyOfDoc(doc)]));
    const bookingIds = await this.bookingIds(docs);
    const entries: { entry: LedgerEntry; erpName: string }[] = [];
    let skipped = 0;
    for (const doc of docs) {
      const mapped = entryFromDoc(doc, { keyOfName: (name) => keyByName.get(name), bookingIdOf: (name) => bookingIds.get(name) });
      if (mapped.ok) {
        entries.push({ entry: mapped.entry, erpName: mapped.erpName });
      } else {
        skipped++;
        this.log.error({ place: this.ctx.place.id, erpName: doc.name, customer: doc.customer }, `ticket ledger entry of the ERP left out: ${mapped.error}`);
      }
    }
    return { entries, skipped };
  }

  private submittedEntries(customer?: string): Promise<LedgerDoc[]> {
    return this.ctx.erp.listAll(LEDGER_DOCTYPE, {
      fields: [...LEDGER_FIELDS],
      filters: [['docstatus', '=', 1], ...(customer === undefined ? [] : [['customer', '=', customer] as ['customer', '=', string]])],
      orderBy: { field: 'creation', order: 'asc' },
      pageSize: 500,
      schema: ledgerDocSchema,
    });
  }

  /** What REPLACE needs: the lots' tickets left, the entries with their ERP names, the operations done. */
  private replacement(entries: readonly { entry: LedgerEntry; erpName: string }[]) {
    const folded = ticketLedger(entries.map((e) => e.entry));
    const lots = new Map([...folded.lots.values()].map((lot) => [lot.key, lot.remaining]));
    const operations = [...new Set(entries.map((e) => operationOf(e.entry)))];
    return { lots, operations, anomalies: folded.anomalies };
  }

  // -------------------------------------------------------------------------------------------
  // One member

  /**
   * Makes Redis hold what the ERP holds of one member, plus the entries of ours still on their way
   * to it. Nothing is written when both already agree. Returns whether it changed anything.
   */
  async resyncCustomer(customer: string, why: string): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.ctx.withLedger(() => this.ctx.store.read(customer), 60_000);
      const docs = await this.submittedEntries(customer);
      const erpKeys = new Set(docs.map(keyOfDoc));
      // Redis and the ERP agree when the ERP has nothing Redis does not know and Redis has nothing
      // written that the ERP no longer has (an entry of ours in the ERP but not yet marked written
      // is the writer's business, not a difference).
      const unknown = [...erpKeys].filter((key) => !current.erpNames.has(key));
      const gone = [...current.erpNames].filter(([key, name]) => name !== '' && !erpKeys.has(key));
      if (unknown.length === 0 && gone.length === 0) return false;
      const { entries } = await this.mapDocs(docs);
      const pending = current.entries.filter((entry) => current.erpNames.get(entry.key) === '' && !erpKeys.has(entry.key));
      const merged = [...entries, ...pending.map((entry) => ({ entry, erpName: '' }))];
      const { lots, operations, anomalies } = this.replacement(merged);
      const result = await this.ctx.withLedger(
        () => this.ctx.store.replace({ customer, expectedVersion: current.version, entries: merged, lots, operations }),
        60_000,
      );
      if (result.kind === 'version') continue;
      this.log.info({ place: this.ctx.place.id, customer, why, entries: merged.length, pending: pending.length, anomalies: anomalies.length }, 'member’s tickets reloaded from the ERP');
      for (const anomaly of anomalies) this.log.warn({ place: this.ctx.place.id, customer, anomaly }, 'ticket ledger anomaly in the ERP (a staff entry taking more than a lot holds?)');
      await this.ctx.enqueueBalance(customer, result.version).catch(() => undefined);
      return true;
    }
    throw new UnavailableError(`the tickets of customer ${customer} kept changing while they were reloaded from the ERP`, 2);
  }

  // -------------------------------------------------------------------------------------------
  // The whole ledger

  /** Loads the whole ledger (at start when Redis has none, after it was emptied, on demand); one process does it. */
  load(source: 'start' | 'wipe' | 'demand'): Promise<LoadReport> {
    this.loading ??= this.runLoad(source).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async runLoad(source: 'start' | 'wipe' | 'demand'): Promise<LoadReport> {
    const { redis, store } = this.ctx;
    const lockKey = store.key('lock', 'load');
    const nothing: LoadReport = { customers: 0, entries: 0, skipped: 0, tookMs: 0 };
    return withLock(
      redis,
      lockKey,
      60_000,
      0,
      async () => {
        if (!(await store.isReady())) return this.loadEverything(source);
        return source === 'demand' ? this.reloadEveryone() : nothing;
      },
      // Another process is loading it: its load is this one.
      async () => {
        if (!(await waitForRelease(redis, lockKey, OTHER_LOAD_WAIT_MS))) {
          throw new UnavailableError('another sidecar process has been loading the ticket ledger for five minutes', 30);
        }
        return nothing;
      },
    );
  }

  /** Redis has no ledger: every movement waits (BUILDING) while it is loaded, then it is marked ready. */
  private async loadEverything(source: 'start' | 'wipe' | 'demand'): Promise<LoadReport> {
    const { redis, store } = this.ctx;
    const started = Date.now();
    const generation = randomBytes(6).toString('hex');
    const building = await RedisLock.claim(redis, store.buildingKey(), generation, LOAD_TTL_MS);
    const stopKeepAlive = building.keepAlive();
    try {
      const docs = await this.submittedEntries();
      const { entries, skipped } = await this.mapDocs(docs);
      const byCustomer = new Map<string, { entry: LedgerEntry; erpName: string }[]>();
      for (const item of entries) {
        const list = byCustomer.get(item.entry.customer) ?? [];
        list.push(item);
        byCustomer.set(item.entry.customer, list);
      }
      for (const [customer, list] of byCustomer) {
        const { lots, operations } = this.replacement(list);
        await store.replace({ customer, expectedVersion: undefined, entries: list, lots, operations, build: true });
      }
      await store.markReady(generation);
      const report: LoadReport = { customers: byCustomer.size, entries: entries.length, skipped, tookMs: Date.now() - started };
      this.log.info({ place: this.ctx.place.id, source, ...report }, 'ticket ledger loaded from the ERP');
      if (!(await redis.exists(store.key('watermark')))) await redis.set(store.key('watermark'), erpFromInstant(this.ctx.now(), this.ctx.place.timeZone));
      await this.afterLoad();
      // Balance rows are brought up to date for everyone.
      for (const customer of byCustomer.keys()) await this.ctx.enqueueBalance(customer, 0).catch(() => undefined);
      return report;
    } finally {
      stopKeepAlive();
      await building.release().catch(() => undefined);
    }
  }

  /** On demand, with a ledger in place: each member is reloaded on its own, movements go on meanwhile. */
  private async reloadEveryone(): Promise<LoadReport> {
    const started = Date.now();
    const rows = await this.ctx.erp.listAll(LEDGER_DOCTYPE, { fields: ['customer'], filters: [['docstatus', '=', 1]], pageSize: 500, schema: customerRow });
    const customers = new Set([...rows.map((row) => row.customer), ...(await this.ctx.store.customers())]);
    let entries = 0;
    for (const customer of customers) {
      await this.resyncCustomer(customer, 'reload on demand');
      entries += (await this.ctx.store.read(customer)).entries.length;
    }
    const report: LoadReport = { customers: customers.size, entries, skipped: 0, tookMs: Date.now() - started };
    this.log.info({ place: this.ctx.place.id, source: 'demand', ...report }, 'ticket ledger reloaded from the ERP');
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Changes made in the ERP

  async notify(change: ErpChangeNotice): Promise<void> {
    if (!INTERESTING.has(change.doctype)) return;
    await this.ctx.queues.add(QUEUE_NAMES.ticketChanges, 'change', change, {
      jobId: changeJobId('tc', change, this.ctx.now()),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1_000 },
    });
  }

  async changeJob(change: ErpChangeNotice): Promise<void> {
    switch (change.doctype) {
      case LEDGER_DOCTYPE:
        await this.ledgerChanged(change.name);
        return;
      case 'Sales Invoice':
        await this.invoices?.onInvoiceChanged(change.name);
        return;
      case 'Payment Entry':
        await this.invoices?.onPaymentEntryChanged(change.name);
        return;
      default:
        await this.ctx.catalog.invalidate();
    }
  }

  /** An entry submitted or cancelled in the ERP. Our own writes echo back: those are known and change nothing. */
  private async ledgerChanged(name: string): Promise<void> {
    let doc: LedgerDoc;
    try {
      doc = await this.ctx.erp.getDoc(LEDGER_DOCTYPE, name, { schema: ledgerDocSchema });
    } catch (error) {
      if (error instanceof ErpNotFoundError) return;
      throw error;
    }
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(doc.customer), 60_000);
    const key = keyOfDoc(doc);
    const known = ledger.erpNames.has(key);
    if (doc.docstatus === 1 && known) return;
    if (doc.docstatus === 0) return;
    await this.resyncCustomer(doc.customer, doc.docstatus === 2 ? `entry ${name} cancelled in the ERP` : `entry ${name} submitted in the ERP`);
  }

  // -------------------------------------------------------------------------------------------
  // Reconciliation: what webhooks missed

  reconcile(): Promise<TicketReconcileReport> {
    // Another process reconciling now covers this run too.
    return withLock(this.ctx.redis, this.ctx.store.key('lock', 'reconcile'), 10 * 60_000, 0, () => this.reconcileLocked(), () => ({
      customersChecked: 0,
      customersReloaded: 0,
      invoicesChecked: 0,
    }));
  }

  private async reconcileLocked(): Promise<TicketReconcileReport> {
    const { erp, redis, store } = this.ctx;
    const zone = this.ctx.place.timeZone;
    const watermarkKey = store.key('watermark');
    const watermark = (await redis.get(watermarkKey)) ?? erpFromInstant(this.ctx.now(), zone);
    const since = erpFromInstant(instantFromErp(watermark, zone, 'ticket watermark') - this.ctx.options.reconcileOverlapMs, zone);
    let latest = watermark;

    const changed = await erp.listAll(LEDGER_DOCTYPE, { fields: ['customer', 'modified'], filters: [['modified', '>=', since]], schema: customerRow });
    const customers = new Set(changed.map((row) => row.customer));
    for (const row of changed) if (row.modified && row.modified > latest) latest = row.modified;
    let reloaded = 0;
    for (const customer of customers) if (await this.resyncCustomer(customer, 'reconciliation')) reloaded++;

    const catalog = await this.ctx.catalog.snapshot();
    const items = [...new Set(catalog.packTypes.map((pack) => pack.itemCode))];
    let invoicesChecked = 0;
    if (items.length > 0 && this.invoices) {
      const invoices = await erp.listAll('Sales Invoice', {
        fields: ['name', 'modified'],
        filters: [
          ['docstatus', '=', 1],
          ['modified', '>=', since],
          ['Sales Invoice Item', 'item_code', 'in', items],
        ],
        schema: invoiceRow,
      });
      for (const invoice of new Map(invoices.map((row) => [row.name, row])).values()) {
        await this.invoices.onInvoiceChanged(invoice.name);
        invoicesChecked++;
        if (invoice.modified && invoice.modified > latest) latest = invoice.modified;
      }
    }
    await redis.set(watermarkKey, latest);
    const report = { customersChecked: customers.size, customersReloaded: reloaded, invoicesChecked };
    this.log.info({ place: this.ctx.place.id, ...report }, 'ticket ledger reconciled with the ERP');
    return report;
  }
}

/** The DocTypes whose changes matter to the ledger; the others are left to the booking engine. */
const INTERESTING: ReadonlySet<string> = new Set([LEDGER_DOCTYPE, PACK_TYPE_DOCTYPE, 'Creneau Settings', 'Sales Invoice', 'Payment Entry', 'UOM Conversion Factor']);
