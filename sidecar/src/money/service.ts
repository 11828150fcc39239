import type { Job, JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  ForbiddenError,
  InvalidRequestError,
  UnavailableError,
  type BookingEngine,
  type ErpChangeNotice,
  type Principal,
} from '../booking';
import { BOOKING_DOCTYPE } from '../booking/erp-doc';
import type { BookingRecord } from '../booking/record';
import { erpFromInstant, instantFromErp } from '../catalog/erp-values';
import { localDateOf, MINUTE_MS, percentOf, quote as quoteOf, sumCents, type BookingStatus, type Cents } from '../domain';
import type { ErpPort } from '../erp';
import type { Logger } from '../log';
import { changeJobId, jobId, PlaceQueues, QUEUE_NAMES } from '../queue/queues';
import type { PlaceKeyspace } from '../redis/keys';
import { withLock } from '../redis/locks';
import { feePercentOf } from '../tickets/bookings';
import type { BookingTickets } from '../tickets/contract';
import type { BookingDocumentsView, DocumentView, MoneyService, PaymentStartView, PostPaidReport } from './contract';
import { MoneyErp, PAYMENT_ENTRY, SALES_INVOICE, type Invoice, type NewRow, type PaymentRequest } from './documents';
import {
  adjustment,
  bookingDescription,
  covers,
  creditRows,
  invoiceKeys,
  isMonth,
  monthName,
  monthRange,
  paidOn,
  postPaidMonthDue,
  requiredNow,
  returnRows,
  sameLines,
  type BilledMode,
  type Line,
} from './plan';

/**
 * One place's money flows (README.md): bookings become ERP invoices, payment requests, credit notes and payment
 * entries. Each booking's documents are brought in line with its state by a job (after each version of the booking
 * reaches the ERP) that looks at what the ERP holds before it writes, so that it can run any number of times, in
 * any order, and pick up where an ERP outage left it. Payments are learnt from the ERP's webhooks and, as a safety
 * net, by polling the bookings that wait for one.
 */

/** A job of the place's `money` queue: each makes or looks at the ERP documents of the money flows. */
export type MoneyJob =
  /** Bring a booking's ERP documents in line with its state (invoice, expiry, cancellation, final bill). */
  | { kind: 'booking'; bookingId: string }
  /** A Sales Invoice or Payment Entry changed in the ERP (webhook). */
  | { kind: 'erp-change'; doctype: string; name: string }
  /** The safety net: every booking waiting for a payment is looked at again. */
  | { kind: 'poll' }
  /** The daily look at whether a post-paid month is due. */
  | { kind: 'post-paid-check' };

export interface MoneyOptions {
  /** Attempts of each job and the first backoff delay (exponential); defaults 15 and 1 s. */
  attempts?: number;
  backoffMs?: number;
  /** How often the bookings waiting for a payment are looked at again (default 60 s). */
  pollEveryMs?: number;
  /** When the post-paid check runs, on the place's wall clock (cron; default 06:00 every day). */
  postPaidCheckPattern?: string;
  /** Run the workers and schedulers in this process (default true). */
  workers?: boolean;
  concurrency?: number;
  /** How long an HTTP request waits for another operation on the same booking (default 10 s). */
  lockWaitMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface MoneyDeps {
  place: { id: string; name: string; timeZone: string; erp: ErpPort; keys: PlaceKeyspace };
  engine: BookingEngine;
  redis: Redis;
  redisUrl: string;
  logger: Logger;
  now?: () => number;
  options?: MoneyOptions;
  /** The ticket ledger: a booking paid with tickets is billed for what they left to pay online, and only that. */
  tickets?: Pick<BookingTickets, 'onlineLinesOf'>;
}

const BILLED_MODES: ReadonlySet<string> = new Set<BilledMode>(['online', 'on_site', 'deposit']);
const isBilled = (mode: string): mode is BilledMode => BILLED_MODES.has(mode);

/** Statuses in which the booking's own invoice stands (drafted, or paid and kept). */
const HOLDING: readonly BookingStatus[] = ['pending_approval', 'awaiting_payment', 'confirmed', 'checked_in', 'no_show'];

/** Post-paid bookings a month bills: the time used or held, and cancellations that kept a fee. */
const POST_PAID_STATUSES = ['Confirmed', 'Checked In', 'Completed', 'No Show', 'Cancelled'];

const postPaidRowSchema = z.looseObject({
  name: z.string(),
  customer: z.string().nullish(),
  status: z.string().nullish(),
  resource: z.string().nullish(),
  starts_at: z.string().nullish(),
  ends_at: z.string().nullish(),
});

/** How a fee row's description starts: what tells a draft that bills only the fee already. */
const FEE_DESCRIPTION = "Frais d'annulation";

/** One shape for a cancellation fee's row, whether a booking's cancellation or a post-paid month bills it. */
function feeRow(itemCode: string, fee: Cents, booking: string, description: string): NewRow {
  return { itemCode, uom: '', qty: 1, rate: fee, booking, description: `${FEE_DESCRIPTION} : ${description}` };
}

function formatMoney(cents: Cents, currency: string): string {
  try {
    return new Intl.NumberFormat('fr-FR', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export class PlaceMoney implements MoneyService {
  private readonly docs: MoneyErp;
  private readonly queues: PlaceQueues;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly options: Required<Omit<MoneyOptions, 'lockDurationMs' | 'stalledIntervalMs'>> & Pick<MoneyOptions, 'lockDurationMs' | 'stalledIntervalMs'>;
  private started = false;

  constructor(private readonly deps: MoneyDeps) {
    this.now = deps.now ?? Date.now;
    this.logger = deps.logger;
    this.docs = new MoneyErp(deps.place.erp, this.now);
    this.queues = new PlaceQueues(deps.place.keys, deps.redisUrl, deps.logger);
    this.options = {
      attempts: 15,
      backoffMs: 1_000,
      pollEveryMs: 60_000,
      postPaidCheckPattern: '0 6 * * *',
      workers: true,
      concurrency: 4,
      lockWaitMs: 10_000,
      ...deps.options,
    };
    // Registered at once, so that no booking version reaching the ERP after the engine starts goes unseen.
    deps.engine.onSynced((record) => this.onSynced(record));
  }

  private get engine(): BookingEngine {
    return this.deps.engine;
  }

  private key(...parts: (string | number)[]): string {
    return this.deps.place.keys.key('money', ...parts);
  }

  private log(fields: Record<string, unknown>, message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.logger[level]({ place: this.deps.place.id, ...fields }, message);
  }

  async start(): Promise<void> {
    if (this.started || !this.options.workers) return;
    this.started = true;
    this.queues.work(QUEUE_NAMES.money, (job: Job<MoneyJob>) => this.process(job.data), {
      concurrency: this.options.concurrency,
      lockDurationMs: this.options.lockDurationMs,
      stalledIntervalMs: this.options.stalledIntervalMs,
    });
    await this.queues.every(QUEUE_NAMES.money, 'money-poll', this.options.pollEveryMs, 'poll', { kind: 'poll' } satisfies MoneyJob);
    await this.queues.cron(QUEUE_NAMES.money, 'money-post-paid', this.options.postPaidCheckPattern, this.deps.place.timeZone, 'post-paid-check', {
      kind: 'post-paid-check',
    } satisfies MoneyJob);
  }

  close(): Promise<void> {
    return this.queues.close();
  }

  /** The job's name is its kind, so that BullMQ's own views tell the jobs apart. */
  private enqueue(job: MoneyJob, options: JobsOptions): Promise<void> {
    return this.queues.add(QUEUE_NAMES.money, job.kind, job, options);
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  private retries(): { attempts: number; backoff: { type: 'exponential'; delay: number } } {
    return { attempts: this.options.attempts, backoff: { type: 'exponential', delay: this.options.backoffMs } };
  }

  /**
   * How a booking is billed: by its payment mode; a booking paid with tickets, online for what the
   * tickets left to pay (not at all when they paid it whole).
   */
  private async billedMode(record: BookingRecord): Promise<BilledMode | undefined> {
    if (isBilled(record.paymentMode)) return record.paymentMode;
    if (record.paymentMode !== 'tickets' || !this.deps.tickets) return undefined;
    const rest = await this.deps.tickets.onlineLinesOf(record.id);
    return rest && rest.length > 0 ? 'online' : undefined;
  }

  private async onSynced(record: BookingRecord): Promise<void> {
    if (!(await this.billedMode(record))) return;
    await this.enqueue({ kind: 'booking', bookingId: record.id }, { jobId: jobId('b', record.id, record.version), ...this.retries() });
  }

  /** A document changed in the ERP (the add-on's Webhooks): payments arrive this way. */
  async notify(change: ErpChangeNotice): Promise<void> {
    if (change.doctype !== SALES_INVOICE && change.doctype !== PAYMENT_ENTRY) return;
    if (change.event === 'on_trash') return;
    await this.enqueue(
      { kind: 'erp-change', doctype: change.doctype, name: change.name },
      { jobId: changeJobId('e', change, this.now()), ...this.retries() },
    );
  }

  private async process(job: MoneyJob): Promise<void> {
    switch (job.kind) {
      case 'booking':
        await this.withBooking(job.bookingId, () => this.reconcile(job.bookingId));
        return;
      case 'erp-change':
        await this.onErpChange(job.doctype, job.name);
        return;
      case 'poll':
        await this.poll();
        return;
      case 'post-paid-check':
        await this.checkPostPaid();
        return;
    }
  }

  /** One operation on a booking's documents at a time, across processes. */
  private withBooking<T>(bookingId: string, fn: () => Promise<T>, waitMs = this.options.lockWaitMs): Promise<T> {
    return withLock(this.deps.redis, this.key('lock', bookingId), 15_000, waitMs, fn, () => {
      throw new UnavailableError(`the payment documents of booking ${bookingId} are being prepared: try again in a moment`, 2);
    });
  }

  private async pending(bookingId: string, waiting: boolean): Promise<void> {
    if (waiting) await this.deps.redis.zadd(this.key('pending'), this.now(), bookingId);
    else await this.deps.redis.zrem(this.key('pending'), bookingId);
  }

  private async onErpChange(doctype: string, name: string): Promise<void> {
    const invoices = doctype === SALES_INVOICE ? [name] : await this.docs.invoicesPaidBy(name);
    const bookings = new Set<string>();
    for (const invoiceName of invoices) {
      const invoice = await this.docs.invoice(invoiceName);
      for (const row of invoice?.rows ?? []) if (row.booking) bookings.add(row.booking);
    }
    for (const erpName of bookings) {
      const id = await this.engine.bookingIdByErpName(erpName);
      if (!id) continue;
      await this.withBooking(id, () => this.settleById(id));
    }
  }

  /** The safety net for lost webhooks: every booking waiting for a payment is looked at again. */
  private async poll(): Promise<void> {
    const key = this.key('pending');
    // Nobody pays a hold a week after it started: such entries are left behind by a lost expiry.
    await this.deps.redis.zremrangebyscore(key, '-inf', String(this.now() - 7 * 24 * 3600_000));
    for (const id of await this.deps.redis.zrange(key, '0', '-1')) {
      try {
        await this.withBooking(id, async () => {
          const record = await this.engine.booking(id);
          if (!record) await this.pending(id, false);
          else await this.settle(record);
        }, 0);
      } catch (error) {
        this.log({ booking: id, err: error }, 'payment check failed; the next poll tries again', 'warn');
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // A booking's documents, brought in line with its state

  private ownInvoice(record: BookingRecord, docs: readonly Invoice[]): Invoice | undefined {
    const key = invoiceKeys.booking(record.erpName ?? '');
    return docs.find((doc) => !doc.isReturn && doc.docstatus < 2 && doc.key === key);
  }

  private bookingRows(record: BookingRecord, invoice: Invoice): Invoice['rows'] {
    return invoice.rows.filter((row) => row.booking === record.erpName);
  }

  private async reconcile(bookingId: string): Promise<void> {
    const record = await this.engine.booking(bookingId);
    if (!record || !(await this.billedMode(record))) return;
    if (!record.erpName) throw new Error(`booking ${bookingId} is not in the ERP yet`);
    const docs = await this.docs.invoicesOf(record.erpName);
    switch (record.status) {
      case 'requested':
        return;
      case 'awaiting_payment':
        await this.settle(record, await this.ensureInvoice(record, docs));
        return;
      case 'completed':
        if (record.paymentMode === 'deposit') await this.finalBill(record, docs);
        else await this.ensureInvoice(record, docs);
        await this.pending(record.id, false);
        return;
      case 'expired':
      case 'rejected':
        await this.release(record, docs);
        return;
      case 'cancelled':
        await this.cancellation(record, docs);
        return;
      default:
        if (HOLDING.includes(record.status)) await this.ensureInvoice(record, docs);
        await this.pending(record.id, false);
    }
  }

  private async describe(record: BookingRecord): Promise<{ resourceName: string; itemCode: string | undefined; zone: string }> {
    const snapshot = await this.engine.catalog.snapshot();
    const entry = snapshot.resources.get(record.resourceId);
    return { resourceName: entry?.resource.name ?? record.resourceId, itemCode: entry?.resource.itemCode, zone: entry?.resource.timeZone ?? snapshot.siteTimeZone };
  }

  /** The booking's quote as invoice rows: the index's quote, else the lines the ERP's Creneau Booking holds. */
  private async quoteRows(record: BookingRecord, lines?: readonly Line[]): Promise<NewRow[]> {
    const erpName = record.erpName ?? '';
    let source: readonly Line[] | undefined = lines ?? (record.paymentMode === 'tickets' ? ((await this.deps.tickets?.onlineLinesOf(record.id)) ?? []) : record.quote?.lines);
    // The ERP booking's lines are its whole quote: never what tickets left to pay.
    if ((!source || source.length === 0) && record.paymentMode !== 'tickets') source = (await this.docs.booking(erpName))?.lines ?? [];
    source ??= [];
    const { resourceName, zone } = await this.describe(record);
    const description = bookingDescription(resourceName, record.start, record.end, zone);
    return source.map((line) => ({ itemCode: line.itemCode, uom: line.uom, qty: line.qty, rate: line.rate, booking: erpName, description }));
  }

  private async priceList(record: BookingRecord): Promise<string | undefined> {
    if (record.quote?.priceList) return record.quote.priceList;
    return this.memberPriceList(record.customer);
  }

  /** The customer's price list as the catalog resolves it; none when the catalog cannot tell (the ERP then picks). */
  private memberPriceList(customer: string): Promise<string | undefined> {
    return this.engine.catalog.member(customer).then(
      (member) => member.priceList,
      () => undefined,
    );
  }

  private async createInvoice(record: BookingRecord, rows: readonly NewRow[], key: string, remarks: string): Promise<Invoice> {
    const invoice = await this.docs.createInvoice({ customer: record.customer, priceList: await this.priceList(record), key, remarks, rows });
    this.log({ booking: record.id, erpName: record.erpName, invoice: invoice.name, key }, 'draft invoice made in the ERP');
    return invoice;
  }

  /**
   * The booking's own invoice: made as a draft when missing (staff may still amend it); while it is a draft, the rows
   * billing the booking follow its quote (a booking moved before it was paid), the rows staff added stay.
   */
  private async ensureInvoice(record: BookingRecord, docs: readonly Invoice[]): Promise<Invoice | undefined> {
    const erpName = record.erpName ?? '';
    let own = this.ownInvoice(record, docs);
    const rows = await this.quoteRows(record);
    if (rows.length === 0) {
      this.log({ booking: record.id, erpName }, 'booking without quote lines: no invoice made (bill it in the ERP)', 'warn');
      return own;
    }
    if (own?.docstatus === 1 && paidOn(own) === 0 && !sameLines(this.bookingRows(record, own), rows)) {
      // Moved to another price after the member chose to pay, before paying: the invoice no longer says what the
      // booking costs. Nothing was paid on it, so it is withdrawn and a new draft follows the booking.
      await this.withdrawRequests(own);
      await this.docs.cancelInvoice(own);
      this.log({ booking: record.id, invoice: own.name }, 'unpaid invoice of a booking moved to another price cancelled; a new draft follows');
      own = undefined;
    }
    if (!own) {
      const made = await this.createInvoice(record, rows, invoiceKeys.booking(erpName), `Réservation ${erpName} (Créneau)`);
      await this.deps.place.erp.setValue(BOOKING_DOCTYPE, erpName, { sales_invoice: made.name }).catch((error: unknown) => {
        this.log({ booking: record.id, invoice: made.name, err: error }, 'could not link the invoice on the booking', 'warn');
      });
      return made;
    }
    if (own.docstatus === 0) return this.draftFollows(record, own, rows, () => Promise.resolve(rows), 'draft invoice rows follow the booking');
    return own;
  }

  /**
   * A draft's rows billing the booking are made to bill `lines`, the rows staff added staying. `rows` (which may read
   * the ERP) is only asked for when the draft bills something else.
   */
  private async draftFollows(record: BookingRecord, draft: Invoice, lines: readonly Line[], rows: () => Promise<readonly NewRow[]>, message: string): Promise<Invoice> {
    if (sameLines(this.bookingRows(record, draft), lines)) return draft;
    const kept = draft.rows.filter((row) => row.booking !== (record.erpName ?? '')).map((row) => row.rowName);
    const updated = await this.docs.setDraftRows(draft, kept, await rows());
    this.log({ booking: record.id, invoice: draft.name }, message);
    return updated;
  }

  /**
   * Whether the payment the booking waits for is on its invoice; if so, the booking is confirmed. A caller that has
   * just read or written the booking's own invoice passes it, which spares reading every invoice of the booking again.
   */
  private async settle(record: BookingRecord, current?: Invoice): Promise<boolean> {
    if (record.status !== 'awaiting_payment') {
      await this.pending(record.id, false);
      return false;
    }
    const mode = await this.billedMode(record);
    if (!record.erpName || !mode) return false;
    const own = current ?? this.ownInvoice(record, await this.docs.invoicesOf(record.erpName));
    if (own?.docstatus !== 1) return false;
    if (!covers(own, await this.requiredOn(record, mode, own))) return false;
    if (record.holdExpiresAt !== null && record.holdExpiresAt <= this.now()) {
      // Its seats may be someone else's by now: the expiry pays the money back with a credit note.
      this.log({ booking: record.id, invoice: own.name }, 'payment recorded after the hold ended: it will be paid back', 'warn');
      return false;
    }
    const outcome = await this.engine.paymentReceived(record.id, Math.max(0, record.amountDueNow - record.amountPaid));
    if (outcome.ok) this.log({ booking: record.id, invoice: own.name, status: outcome.value.status }, 'payment recorded in the ERP: booking confirmed');
    else this.log({ booking: record.id, reasons: outcome.reasons.map((r) => r.code) }, 'payment recorded in the ERP, booking not changed', 'warn');
    await this.pending(record.id, false);
    return outcome.ok;
  }

  /** What must be paid on the invoice before the booking is confirmed, with its resource's deposit percentage as the catalog has it now. */
  private async requiredOn(record: BookingRecord, mode: BilledMode, invoice: Invoice): Promise<Cents> {
    const resource = (await this.engine.catalog.snapshot()).domainResources.get(record.resourceId);
    return requiredNow(mode, invoice.total, resource?.depositPercent ?? 0);
  }

  /** settle on the booking as the index holds it now, not on a copy read before the lock was taken or the ERP written. */
  private async settleById(bookingId: string): Promise<void> {
    const record = await this.engine.booking(bookingId);
    if (record) await this.settle(record);
  }

  /** Withdraws the payment requests nobody paid. */
  private async withdrawRequests(invoice: Invoice): Promise<void> {
    for (const request of await this.docs.requestsOf(invoice.name)) await this.docs.withdrawRequest(request);
  }

  /**
   * A hold ended or a manager said no: the payment requests are withdrawn first (a submitted one blocks cancelling
   * its invoice, a draft one deleting it), then the invoice is cancelled, or deleted while a draft. Money that
   * arrived anyway is paid back: a credit note for all of it.
   */
  private async release(record: BookingRecord, docs: readonly Invoice[]): Promise<void> {
    const own = this.ownInvoice(record, docs);
    if (own) {
      await this.withdrawRequests(own);
      if (own.docstatus === 0) {
        await this.docs.deleteDraftInvoice(own, record.erpName ?? '');
        this.log({ booking: record.id, invoice: own.name }, 'draft invoice of an unpaid booking deleted');
      } else if (paidOn(own) > 0) {
        await this.credit(record, own, docs, 0, 'Remboursement : paiement reçu après la fin de la réservation provisoire');
      } else {
        await this.docs.cancelInvoice(own);
        this.log({ booking: record.id, invoice: own.name }, 'invoice of an unpaid booking cancelled');
      }
    }
    await this.pending(record.id, false);
  }

  /** A credit note leaving `fee` billed on the invoice (once: a second look finds the first). */
  private async credit(record: BookingRecord, invoice: Invoice, docs: readonly Invoice[], fee: Cents, remarks: string): Promise<void> {
    if (docs.some((doc) => doc.isReturn && doc.docstatus === 1 && doc.returnAgainst === invoice.name)) return;
    if ((await this.docs.creditNotesAgainst(invoice.name)).length > 0) return;
    const amount = Math.max(0, invoice.lines - fee);
    if (amount === 0) return;
    const note = await this.docs.createCreditNote(invoice, creditRows(invoice.rows, amount), `${remarks} (${record.erpName ?? record.id})`);
    this.log({ booking: record.id, invoice: invoice.name, creditNote: note.name, amount }, 'credit note made in the ERP');
  }

  /**
   * The cancellation policy's outcome as ERP documents. The fee is what the booking recorded when it was cancelled.
   * A draft invoice keeps only the fee (or goes); a submitted one gets a credit note for all but the fee, whatever
   * was paid on it, so that its outstanding says what is still owed (the fee not paid yet) or owed back (the refund).
   * An unpaid invoice without a fee is simply cancelled.
   */
  private async cancellation(record: BookingRecord, docs: readonly Invoice[]): Promise<void> {
    const erpName = record.erpName ?? '';
    let fee = (await this.docs.booking(erpName))?.cancellationFee ?? record.cancellationFee ?? 0;
    if (record.paymentMode === 'tickets') {
      // The fee was counted on the whole price; tickets keep their share of it in tickets, this
      // invoice the same share of what it bills.
      const policy = (await this.engine.catalog.snapshot()).rules.cancellationPolicy;
      const online = sumCents(((await this.deps.tickets?.onlineLinesOf(record.id)) ?? []).map((line) => line.amount));
      fee = percentOf(online, feePercentOf(record.price, fee, policy));
    }
    const own = this.ownInvoice(record, docs);
    await this.pending(record.id, false);
    const { resourceName, itemCode, zone } = await this.describe(record);
    const billFee = (): NewRow => feeRow(itemCode ?? record.quote?.lines[0]?.itemCode ?? '', fee, erpName, bookingDescription(resourceName, record.start, record.end, zone));
    if (!own) {
      const feeKey = invoiceKeys.fee(erpName);
      if (fee > 0 && !docs.some((doc) => doc.key === feeKey && doc.docstatus < 2)) {
        await this.createInvoice(record, [billFee()], feeKey, `Frais d'annulation de la réservation ${erpName} (Créneau)`);
      }
      return;
    }
    await this.withdrawRequests(own);
    if (own.docstatus === 0) {
      if (fee === 0) {
        await this.docs.deleteDraftInvoice(own, record.erpName ?? '');
        this.log({ booking: record.id, invoice: own.name }, 'draft invoice of a cancelled booking deleted');
      } else if (!(own.rows.length === 1 && own.rows[0]?.rate === fee && own.rows[0].qty === 1 && own.rows[0].description?.startsWith(FEE_DESCRIPTION))) {
        await this.docs.setDraftRows(own, [], [billFee()]);
        this.log({ booking: record.id, invoice: own.name, fee }, 'draft invoice of a cancelled booking now bills its fee');
      }
      return;
    }
    if (fee === 0 && paidOn(own) === 0) {
      await this.docs.cancelInvoice(own);
      this.log({ booking: record.id, invoice: own.name }, 'unpaid invoice of a cancelled booking cancelled');
      return;
    }
    await this.credit(record, own, docs, fee, 'Avoir : annulation de la réservation');
  }

  /** What a machine's time used costs: the quote on [check-in, check-out], at least the resource's minimum time. */
  private async usedLines(record: BookingRecord): Promise<Line[] | undefined> {
    if (record.checkedInAt === null) return undefined;
    const snapshot = await this.engine.catalog.snapshot();
    const resource = snapshot.domainResources.get(record.resourceId);
    const priceList = await this.priceList(record);
    if (!resource || !priceList) return undefined;
    const book = await this.engine.catalog.prices(priceList);
    // Arriving early is not using the machine; staying late is.
    const start = Math.max(record.checkedInAt, record.start);
    const end = Math.max(record.checkedOutAt ?? record.end, start + resource.minMinutes * MINUTE_MS, start + MINUTE_MS);
    const result = quoteOf(resource, book.items.get(resource.itemCode) ?? {}, { start, end, seats: record.seats });
    if (!result.ok) {
      this.log({ booking: record.id, reason: result.reason.code }, 'the time used cannot be priced: the booked time stays billed', 'warn');
      return undefined;
    }
    return result.quote.lines.map((line) => ({ itemCode: line.itemCode, uom: line.uom, qty: line.qty, rate: line.rate }));
  }

  /**
   * A machine's final bill: the booked invoice (its deposit paid on it) corrected to the time used, with a credit note
   * for what was booked and not used and an invoice for what was used beyond, so that the documents together bill
   * exactly the quote of the time used.
   */
  private async finalBill(record: BookingRecord, docs: readonly Invoice[]): Promise<void> {
    const erpName = record.erpName ?? '';
    const used = await this.usedLines(record);
    let own = this.ownInvoice(record, docs);
    own ??= await this.ensureInvoice(record, docs);
    if (!own || !used) return;
    if (own.docstatus === 0) {
      await this.draftFollows(record, own, used, () => this.quoteRows(record, used), 'draft invoice now bills the time used');
      return;
    }
    const original = own;
    const credits = docs.filter((doc) => doc.isReturn && doc.docstatus === 1 && doc.returnAgainst === original.name);
    const supplementKey = invoiceKeys.supplement(erpName);
    const supplement = docs.find((doc) => !doc.isReturn && doc.docstatus < 2 && doc.key === supplementKey);
    const billed = [original, ...credits, ...(supplement ? [supplement] : [])].flatMap((doc) => this.bookingRows(record, doc));
    const diff = adjustment(billed, used);
    if (diff.remove.length > 0) {
      const note = await this.docs.createCreditNote(original, returnRows(this.bookingRows(record, original), diff.remove), `Avoir : temps réellement utilisé (${erpName})`);
      this.log({ booking: record.id, invoice: original.name, creditNote: note.name }, 'credit note for booked time not used');
    }
    if (diff.add.length > 0) {
      const rows = await this.quoteRows(record, diff.add);
      let extra = supplement;
      if (extra?.docstatus === 0) extra = await this.docs.setDraftRows(extra, [], rows);
      extra ??= await this.createInvoice(record, rows, supplementKey, `Temps utilisé au-delà de la réservation ${erpName} (Créneau)`);
      await this.docs.submitInvoice(extra);
      this.log({ booking: record.id, invoice: extra.name }, 'invoice for time used beyond the booking');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Members and managers

  private documentView(invoice: Invoice, requests: readonly PaymentRequest[]): DocumentView {
    return {
      kind: invoice.isReturn ? 'credit_note' : 'invoice',
      name: invoice.name,
      status: invoice.status,
      docstatus: invoice.docstatus,
      postingDate: invoice.postingDate,
      currency: invoice.currency,
      returnAgainst: invoice.returnAgainst,
      lines: invoice.lines,
      taxes: invoice.taxes,
      total: invoice.total,
      outstanding: invoice.docstatus === 1 ? invoice.outstanding : 0,
      rows: invoice.rows.map((row) => ({ itemCode: row.itemCode, uom: row.uom, qty: row.qty, rate: row.rate, amount: row.amount, description: row.description })),
      paymentRequests: requests
        .filter((request) => request.docstatus === 1)
        .map((request) => ({ name: request.name, status: request.status, amount: request.amount, outstanding: request.outstanding, paymentUrl: request.paymentUrl })),
    };
  }

  private async documentsOf(record: BookingRecord): Promise<BookingDocumentsView> {
    const docs = record.erpName ? await this.docs.invoicesOf(record.erpName) : [];
    const views: DocumentView[] = [];
    for (const doc of docs) {
      const requests = !doc.isReturn && doc.docstatus === 1 ? await this.docs.requestsOf(doc.name) : [];
      views.push(this.documentView(doc, requests));
    }
    const submitted = views.filter((view) => view.docstatus === 1);
    return {
      bookingId: record.id,
      erpName: record.erpName,
      currency: docs[0]?.currency ?? record.quote?.currency ?? 'EUR',
      documents: views,
      toPay: submitted.reduce((sum, view) => sum + Math.max(0, view.outstanding), 0),
      toRefund: submitted.reduce((sum, view) => sum + Math.max(0, -view.outstanding), 0),
    };
  }

  /** The booking, if this principal may see it (another member's is "not found", as everywhere). */
  private async visible(principal: Principal, bookingId: string): Promise<BookingRecord> {
    await this.engine.service.get(principal, bookingId);
    const record = await this.engine.booking(bookingId);
    if (!record) throw new UnavailableError(`booking ${bookingId} is being rebuilt in the index`, 2);
    return record;
  }

  private requireManager(principal: Principal): void {
    if (!principal.isManager) throw new ForbiddenError('this action is for the place’s managers');
  }

  private static nothingToPay(status: string): InvalidRequestError {
    return new InvalidRequestError('NOTHING_TO_PAY', { fr: `Rien à payer pour cette réservation (${status})`, en: `Nothing to pay for this booking (${status})` });
  }

  async documents(principal: Principal, bookingId: string): Promise<BookingDocumentsView> {
    return this.documentsOf(await this.visible(principal, bookingId));
  }

  async startPayment(principal: Principal, bookingId: string): Promise<PaymentStartView> {
    await this.visible(principal, bookingId);
    return this.withBooking(bookingId, async () => {
      const record = await this.engine.booking(bookingId);
      if (!record) throw new UnavailableError(`booking ${bookingId} is being rebuilt in the index`, 2);
      if (!(await this.billedMode(record))) throw PlaceMoney.nothingToPay(record.paymentMode);
      if (!record.erpName) throw new UnavailableError('the booking is still being recorded in the ERP: its invoice is not ready yet, try again in a moment', 2);
      const awaiting = record.status === 'awaiting_payment';
      if (awaiting && record.holdExpiresAt !== null && record.holdExpiresAt <= this.now()) {
        throw new InvalidRequestError('HOLD_ENDED', {
          fr: 'Le délai pour payer cette réservation est passé : réservez à nouveau',
          en: 'The time to pay for this booking has run out: book again',
        });
      }
      let docs = await this.docs.invoicesOf(record.erpName);
      if ((HOLDING.includes(record.status) && record.status !== 'pending_approval') || record.status === 'completed') {
        const own = await this.ensureInvoice(record, docs);
        if (own) await this.docs.submitInvoice(own);
        docs = await this.docs.invoicesOf(record.erpName);
      }
      const own = this.ownInvoice(record, docs);
      const target = awaiting ? own : docs.find((doc) => !doc.isReturn && doc.docstatus === 1 && doc.outstanding > 0);
      if (!target || target.docstatus !== 1) throw PlaceMoney.nothingToPay(record.status);
      if (target.outstanding <= 0) {
        await this.settle(record, own);
        return this.startView(record, target, [], undefined, 'nothing_due');
      }
      const requests = await this.docs.requestsOf(target.name);
      const open = requests.find((r) => r.docstatus === 1 && r.status !== 'Paid' && r.status !== 'Cancelled' && r.outstanding > 0);
      let request = open;
      if (!request) {
        let amount: Cents | undefined;
        if (awaiting && record.paymentMode === 'deposit') {
          amount = (await this.requiredOn(record, 'deposit', target)) - paidOn(target);
          if (amount <= 0) {
            await this.settle(record, own);
            return this.startView(record, target, requests, undefined, 'nothing_due');
          }
        }
        request = await this.docs.requestPayment(target, amount, requests);
        this.log({ booking: record.id, invoice: target.name, paymentRequest: request.name, online: request.paymentUrl !== null }, 'payment request made in the ERP');
      }
      if (awaiting) await this.pending(record.id, true);
      // A request made just now is not in the list read before it.
      const shown = request === open ? requests : await this.docs.requestsOf(target.name);
      return this.startView(record, target, shown, request, request.paymentUrl ? 'redirect' : 'offline');
    });
  }

  private startView(record: BookingRecord, invoice: Invoice, requests: readonly PaymentRequest[], request: PaymentRequest | undefined, next: PaymentStartView['next']): PaymentStartView {
    const amount = next === 'nothing_due' ? 0 : (request?.outstanding ?? invoice.outstanding);
    const money = formatMoney(amount, invoice.currency);
    return {
      bookingId: record.id,
      next,
      paymentUrl: request?.paymentUrl ?? null,
      paymentRequest: request?.name ?? null,
      amount,
      currency: invoice.currency,
      invoice: this.documentView(invoice, requests),
      instructions:
        next === 'offline'
          ? {
              fr: `Le lieu ne propose pas de paiement en ligne : réglez ${money} à l'accueil, ou par virement en indiquant la facture ${invoice.name}.`,
              en: `This place takes no online payment: pay ${money} at the front desk, or by bank transfer quoting invoice ${invoice.name}.`,
            }
          : null,
    };
  }

  async recordDeskPayment(principal: Principal, bookingId: string, input: { modeOfPayment?: string; reference?: string }): Promise<BookingDocumentsView> {
    this.requireManager(principal);
    const visible = await this.visible(principal, bookingId);
    return this.withBooking(bookingId, async () => {
      const erpName = visible.erpName;
      if (!erpName) throw new UnavailableError('the booking is still being recorded in the ERP: try again in a moment', 2);
      const record = (await this.engine.booking(bookingId)) ?? visible;
      if (!(await this.billedMode(record))) throw PlaceMoney.nothingToPay(record.paymentMode);
      let docs = await this.docs.invoicesOf(erpName);
      const own = this.ownInvoice(record, docs);
      if (own?.docstatus === 0 && record.status !== 'cancelled') {
        await this.docs.submitInvoice(own);
        docs = await this.docs.invoicesOf(erpName);
      }
      const target = docs.find((doc) => !doc.isReturn && doc.docstatus === 1 && doc.outstanding > 0);
      if (!target) throw PlaceMoney.nothingToPay(record.status);
      const zone = (await this.engine.catalog.snapshot()).siteTimeZone;
      const payment = await this.docs.recordPayment(target, {
        modeOfPayment: input.modeOfPayment ?? 'Cash',
        reference: input.reference ?? `Créneau ${erpName} ${erpFromInstant(this.now(), zone)}`,
        date: localDateOf(this.now(), zone),
      });
      this.log({ booking: record.id, invoice: target.name, paymentEntry: payment, by: principal.user }, 'payment at the desk recorded in the ERP');
      await this.settleById(bookingId);
      return this.documentsOf((await this.engine.booking(bookingId)) ?? record);
    });
  }

  async recordRefund(principal: Principal, bookingId: string, input: { modeOfPayment?: string; reference?: string }): Promise<BookingDocumentsView> {
    this.requireManager(principal);
    const visible = await this.visible(principal, bookingId);
    return this.withBooking(bookingId, async () => {
      const erpName = visible.erpName;
      if (!erpName) throw PlaceMoney.nothingToPay(visible.status);
      const docs = await this.docs.invoicesOf(erpName);
      const owed = docs.filter((doc) => doc.docstatus === 1 && doc.outstanding < 0);
      if (owed.length === 0) {
        throw new InvalidRequestError('NOTHING_TO_REFUND', { fr: 'Rien à rembourser pour cette réservation', en: 'Nothing to pay back for this booking' });
      }
      const zone = (await this.engine.catalog.snapshot()).siteTimeZone;
      for (const doc of owed) {
        const payment = await this.docs.recordPayment(doc, {
          modeOfPayment: input.modeOfPayment,
          reference: input.reference ?? `Remboursement Créneau ${erpName} ${doc.name}`,
          date: localDateOf(this.now(), zone),
        });
        this.log({ booking: bookingId, invoice: doc.name, paymentEntry: payment, by: principal.user }, 'refund recorded in the ERP');
      }
      return this.documentsOf(visible);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Post-paid months

  async invoicePostPaid(principal: Principal, month: string): Promise<PostPaidReport> {
    this.requireManager(principal);
    if (!isMonth(month)) throw new InvalidRequestError('INVALID_MONTH', { fr: `« ${month} » n'est pas un mois AAAA-MM`, en: `"${month}" is not a month YYYY-MM` });
    return this.runPostPaid(month);
  }

  /**
   * What the daily job does: on Creneau Settings' invoicing day (or later, if that day was missed), the previous
   * month is invoiced; undefined when nothing is due.
   */
  async checkPostPaid(): Promise<PostPaidReport | undefined> {
    const { invoicingDay } = await this.docs.settings();
    const zone = (await this.engine.catalog.snapshot()).siteTimeZone;
    const lastKey = this.key('post-paid', 'last');
    const due = postPaidMonthDue(localDateOf(this.now(), zone), invoicingDay, (await this.deps.redis.get(lastKey)) ?? undefined);
    if (!due) return undefined;
    const report = await this.runPostPaid(due);
    await this.deps.redis.set(lastKey, due);
    this.log({ month: due, invoices: report.invoices.length, skipped: report.skipped.length }, 'post-paid month invoiced');
    return report;
  }

  /**
   * One draft invoice per post-paid customer with every booking of the month not billed yet (the time held or used,
   * and the fees of cancellations), for the accountant to review and submit. A booking already on an invoice is
   * never billed again, so a second run (or one after new bookings) only adds what is missing, to the month's
   * draft while it is one.
   */
  private runPostPaid(month: string): Promise<PostPaidReport> {
    return withLock(this.deps.redis, this.key('lock', 'post-paid', month), 30_000, 0, () => this.postPaidLocked(month), () => {
      throw new UnavailableError(`the post-paid invoicing of ${month} is running already`, 10);
    });
  }

  private async postPaidLocked(month: string): Promise<PostPaidReport> {
    const snapshot = await this.engine.catalog.snapshot();
    const zone = snapshot.siteTimeZone;
    const range = monthRange(month, zone);
    const now = this.now();
    const rows = await this.deps.place.erp.listAll(BOOKING_DOCTYPE, {
      fields: ['name', 'customer', 'status', 'resource', 'starts_at', 'ends_at'],
      filters: [
        ['payment_mode', '=', 'Post Paid'],
        ['starts_at', '>=', erpFromInstant(range.start, zone)],
        ['starts_at', '<', erpFromInstant(range.end, zone)],
        ['status', 'in', POST_PAID_STATUSES],
      ],
      orderBy: { field: 'starts_at', order: 'asc' },
      schema: postPaidRowSchema,
    });
    const report: PostPaidReport = { month, invoices: [], alreadyBilled: [], skipped: [] };
    const byCustomer = new Map<string, z.infer<typeof postPaidRowSchema>[]>();
    for (const row of rows) {
      if (!row.customer || !row.starts_at || !row.ends_at) continue;
      // Held time is billed once it has passed; a confirmed booking still to come waits for next month's run.
      if ((row.status === 'Confirmed' || row.status === 'Checked In') && instantFromErp(row.ends_at, zone, `${BOOKING_DOCTYPE} ${row.name} ends_at`) > now) continue;
      byCustomer.set(row.customer, [...(byCustomer.get(row.customer) ?? []), row]);
    }
    const billed = await this.docs.alreadyBilled(rows.map((row) => row.name));
    const key = invoiceKeys.month(month);
    for (const [customer, bookings] of byCustomer) {
      const todo = bookings.filter((row) => !billed.has(row.name));
      if (todo.length === 0) {
        report.alreadyBilled.push(customer);
        continue;
      }
      const newRows: NewRow[] = [];
      const names: string[] = [];
      for (const row of todo) {
        const data = await this.docs.booking(row.name);
        const entry = row.resource ? snapshot.resources.get(row.resource) : undefined;
        const description = bookingDescription(
          entry?.resource.name ?? row.resource ?? row.name,
          instantFromErp(row.starts_at ?? '', zone, `${BOOKING_DOCTYPE} ${row.name} starts_at`),
          instantFromErp(row.ends_at ?? '', zone, `${BOOKING_DOCTYPE} ${row.name} ends_at`),
          zone,
        );
        if (row.status === 'Cancelled') {
          const fee = data?.cancellationFee ?? 0;
          if (fee <= 0) continue;
          const itemCode = entry?.resource.itemCode ?? data?.lines[0]?.itemCode;
          if (!itemCode) {
            report.skipped.push({ booking: row.name, reason: 'no item to bill the cancellation fee with' });
            continue;
          }
          newRows.push(feeRow(itemCode, fee, row.name, description));
        } else {
          const lines = data?.lines ?? [];
          if (lines.length === 0) {
            report.skipped.push({ booking: row.name, reason: 'the booking has no quote lines in the ERP' });
            continue;
          }
          for (const line of lines) newRows.push({ ...line, booking: row.name, description });
        }
        names.push(row.name);
      }
      if (newRows.length === 0) {
        // Only cancellations that kept nothing were left.
        report.alreadyBilled.push(customer);
        continue;
      }
      const drafts = (await this.docs.invoicesByKey(customer, key)).filter((doc) => doc.docstatus === 0);
      const draft = drafts[0];
      let invoice: Invoice;
      if (draft) {
        invoice = await this.docs.setDraftRows(draft, draft.rows.map((r) => r.rowName), newRows);
      } else {
        invoice = await this.docs.createInvoice({
          customer,
          priceList: await this.memberPriceList(customer),
          key,
          remarks: `Réservations de ${monthName(month).fr}, payables en fin de mois (Créneau)`,
          rows: newRows,
        });
      }
      report.invoices.push({ customer, invoice: invoice.name, bookings: names, created: !draft });
      this.log({ customer, invoice: invoice.name, bookings: names.length, month }, draft ? 'post-paid draft invoice completed' : 'post-paid draft invoice made in the ERP');
    }
    return report;
  }
}
