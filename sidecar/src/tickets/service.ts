import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError, InvalidRequestError, NotFoundError, type Principal } from '../booking/contract';
import {
  balance as balanceOf,
  bookingDebitOperation,
  bookingRefundOperation,
  checkInDebit,
  checkInOperation,
  correctionEntries,
  creditsForInvoice,
  debitForBooking,
  expiryEntries,
  localDateOf,
  packTypesByItem,
  refundForBooking,
  remindersDue,
  returnsForCreditNote,
  ticketLedger,
  ticketsHeldBy,
  type DebitResult,
  type LedgerEntry,
  type LocalDate,
  type QuoteLine,
  type RefundResult,
  type TicketPackType,
} from '../domain';
import { ErpNotFoundError } from '../erp';
import { invoicesPaidBy } from '../money/documents';
import { QUEUE_NAMES, jobId } from '../queue/queues';
import type { TicketCatalogSnapshot } from './catalog';
import type { TicketContext } from './context';
import type {
  BookingDebitInput,
  BookingTickets,
  CheckInView,
  CorrectionInput,
  CorrectionView,
  TicketAllocationView,
  TicketBalanceView,
  TicketEntryView,
  TicketHistoryView,
  TicketOutcome,
  TicketService,
} from './contract';
import { invoiceDocSchema, invoiceForTickets } from './erp-doc';
import { creditNoteOperation, invoiceCreditOperation } from './operations';
import type { CustomerLedger } from './store';
import type { LoadReport, TicketSync } from './sync';
import type { ReminderJobData } from './writer';

/**
 * The ticket ledger's operations: what members and managers ask (balance, history, corrections,
 * check-ins), what the booking engine asks (debit, refund), what the ERP tells (invoices paid,
 * credit notes) and what the clock brings (expiry, reminders). Each one reads the member's ledger,
 * lets the domain decide, and applies the result in one script (`TicketContext.operate`).
 */

const paymentRow = z.looseObject({ posting_date: z.string().nullish() });

export const HISTORY_PAGE = { default: 50, max: 200 } as const;

/** What a booking's tickets paid and left to pay online, kept with its debit. */
const bookingNoteSchema = z.object({
  lines: z.array(z.object({ itemCode: z.string(), uom: z.string(), qty: z.number().int(), rate: z.number().int(), amount: z.number().int() })),
  coveredAmount: z.number().int(),
  onlineAmount: z.number().int(),
});

function noteOf(debit: Extract<DebitResult, { status: 'debited' }>): string {
  return JSON.stringify({ lines: [...debit.toPayOnline], coveredAmount: debit.coveredAmount, onlineAmount: debit.onlineAmount } satisfies z.input<typeof bookingNoteSchema>);
}

export interface DailyReport {
  today: LocalDate;
  customers: number;
  lotsExpired: number;
  ticketsExpired: number;
  reminders: number;
}

export interface InvoiceOutcome {
  /** Tickets credited (or taken back, negative, by a credit note) by this call. */
  tickets: number;
  status: 'credited' | 'returned' | 'already' | 'not_paid' | 'no_pack' | 'ignored';
}

const cursorOf = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
const keyOfCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

export function entryView(entry: LedgerEntry, erpNames: ReadonlyMap<string, string>): TicketEntryView {
  return {
    key: entry.key,
    type: entry.type,
    packType: entry.packType,
    quantity: entry.quantity,
    postingDate: entry.postingDate,
    expiresOn: entry.expiresOn ?? null,
    lot: entry.lot ?? null,
    booking: entry.booking ?? null,
    salesInvoice: entry.salesInvoice ?? null,
    reason: entry.reason ?? null,
    erpName: erpNames.get(entry.key) || null,
  };
}

export class TicketLedgerService implements TicketService, BookingTickets {
  constructor(
    private readonly ctx: TicketContext,
    private readonly sync: TicketSync,
  ) {}

  private get log() {
    return this.ctx.logger;
  }

  private requireManager(principal: Principal): void {
    if (!principal.isManager) throw new ForbiddenError('this action is for the place’s managers');
  }

  /** Whose tickets: a member's own; a manager names the customer. */
  private whose(principal: Principal, customer: string | undefined): string | null {
    if (customer === undefined || customer === principal.customer) return principal.customer;
    this.requireManager(principal);
    return customer;
  }

  private async requireCustomer(customer: string): Promise<{ customerGroup: string | undefined }> {
    const found = await this.ctx.catalog.customer(customer);
    if (!found) throw new NotFoundError(`no customer "${customer}"`);
    return found;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  balanceView(customer: string | null, ledger: CustomerLedger | undefined, catalog: TicketCatalogSnapshot, today: LocalDate): TicketBalanceView {
    const entries = ledger?.entries ?? [];
    const figures = balanceOf(entries, today, catalog.packTypes);
    const unitOf = new Map(catalog.packTypes.map((pack) => [pack.name, pack.unit]));
    const days = catalog.place.reminderDays;
    const soon = days > 0 ? remindersDue(entries, today, days) : [];
    return {
      customer,
      today,
      packs: figures.packs.map((pack) => ({
        packType: pack.packType,
        unit: pack.unit ?? null,
        tickets: pack.tickets,
        byExpiry: pack.byExpiry.map((bucket) => ({ expiresOn: bucket.expiresOn ?? null, tickets: bucket.tickets })),
        awaitingExpiry: pack.awaitingExpiry,
      })),
      expiringSoon: soon.map((r) => ({ packType: r.packType, unit: unitOf.get(r.packType) ?? null, tickets: r.tickets, expiresOn: r.expiresOn, daysLeft: r.daysLeft })),
      pendingErpWrites: ledger ? [...ledger.erpNames.values()].filter((name) => name === '').length : 0,
    };
  }

  async balance(principal: Principal, customer?: string): Promise<TicketBalanceView> {
    const whose = this.whose(principal, customer);
    const catalog = await this.ctx.catalog.snapshot();
    const today = this.ctx.today();
    if (whose === null) return this.balanceView(null, undefined, catalog, today);
    if (customer !== undefined && principal.isManager) await this.requireCustomer(whose);
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(whose));
    return this.balanceView(whose, ledger, catalog, today);
  }

  async history(principal: Principal, query: { customer?: string | undefined; before?: string | undefined; limit?: number | undefined }): Promise<TicketHistoryView> {
    const whose = this.whose(principal, query.customer);
    if (whose === null) return { customer: null, entries: [], next: null };
    if (query.customer !== undefined && principal.isManager) await this.requireCustomer(whose);
    const limit = Math.min(HISTORY_PAGE.max, Math.max(1, query.limit ?? HISTORY_PAGE.default));
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(whose));
    const newestFirst = [...ledger.entries].reverse();
    let from = 0;
    if (query.before !== undefined) {
      const key = keyOfCursor(query.before);
      const at = newestFirst.findIndex((entry) => entry.key === key);
      if (at < 0) {
        throw new InvalidRequestError('INVALID_CURSOR', {
          fr: 'Curseur de page inconnu : reprenez l’historique depuis le début',
          en: 'Unknown page cursor: read the history again from the start',
        });
      }
      from = at + 1;
    }
    const page = newestFirst.slice(from, from + limit);
    const last = page[page.length - 1];
    return {
      customer: whose,
      entries: page.map((entry) => entryView(entry, ledger.erpNames)),
      next: last && from + limit < newestFirst.length ? cursorOf(last.key) : null,
    };
  }

  async ticketsOfBooking(customer: string, bookingId: string): Promise<TicketAllocationView[]> {
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(customer));
    const lots = ticketLedger(ledger.entries).lots;
    return [...ticketsHeldBy(ledger.entries, customer, bookingId)]
      .filter(([, tickets]) => tickets > 0)
      .map(([lot, tickets]) => ({ lot, tickets, packType: lots.get(lot)?.packType ?? '', expiresOn: lots.get(lot)?.expiresOn ?? null }));
  }

  // -------------------------------------------------------------------------------------------
  // Bookings

  async debitForBooking(input: BookingDebitInput): Promise<DebitResult> {
    const resource = await this.ctx.catalog.resourceUse(input.resourceId, input.itemCode);
    const today = this.ctx.today();
    const { result } = await this.ctx.operate(input.customer, (ledger, catalog) => {
      const decision = debitForBooking(
        ledger.entries,
        catalog.packTypes,
        {
          bookingId: input.bookingId,
          customer: input.customer,
          customerGroup: input.customerGroup,
          resource,
          lines: input.lines,
          start: input.start,
          end: input.end,
          today,
          mode: input.mode,
        },
        catalog.settings,
      );
      const entries = decision.ok && decision.status === 'debited' ? decision.entries : [];
      const note = decision.ok && decision.status === 'debited' ? { key: this.ctx.store.bookingNoteKey(input.bookingId), value: noteOf(decision) } : undefined;
      return { operation: bookingDebitOperation(input.bookingId), entries, result: decision, ...(note ? { note } : {}) };
    });
    // Tickets paid nothing of it (partial mode): the note goes alone, there is no debit to keep it with.
    if (result.ok && result.status === 'debited' && result.entries.length === 0) await this.ctx.store.setBookingNote(input.bookingId, noteOf(result));
    return result;
  }

  async onlineLinesOf(bookingId: string): Promise<QuoteLine[] | undefined> {
    const raw = await this.ctx.store.bookingNote(bookingId);
    if (raw === undefined) return undefined;
    const parsed = bookingNoteSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data.lines : undefined;
  }

  async refundForBooking(input: { bookingId: string; customer: string; feePercent: number }): Promise<RefundResult> {
    const today = this.ctx.today();
    const { result } = await this.ctx.operate(input.customer, (ledger) => {
      const decision = refundForBooking(ledger.entries, { customer: input.customer, bookingId: input.bookingId, feePercent: input.feePercent, today });
      return { operation: bookingRefundOperation(input.bookingId), entries: decision.entries, result: decision };
    });
    if (result.forfeited > 0) {
      this.log.info({ place: this.ctx.place.id, booking: input.bookingId, forfeited: result.forfeited }, 'tickets of a cancelled booking not given back: their lots have expired');
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Managers

  async checkIn(principal: Principal, input: { customer: string; resourceId: string; at?: number | undefined }): Promise<TicketOutcome<CheckInView>> {
    this.requireManager(principal);
    const member = await this.requireCustomer(input.customer);
    if (!(await this.ctx.catalog.resourceExists(input.resourceId))) throw new NotFoundError(`no resource "${input.resourceId}"`);
    const resource = await this.ctx.catalog.resourceUse(input.resourceId);
    const at = input.at ?? this.ctx.now();
    const { result } = await this.ctx.operate(input.customer, (ledger, catalog) => {
      const decision = checkInDebit(ledger.entries, catalog.packTypes, { customer: input.customer, customerGroup: member.customerGroup, resource, at }, catalog.settings);
      const entries = decision.ok && decision.status === 'debited' ? decision.entries : [];
      return { operation: checkInOperation(input.customer, localDateOf(at, catalog.settings.zone)), entries, result: decision };
    });
    if (!result.ok) return { ok: false, reasons: [result.reason] };
    const catalog = await this.ctx.catalog.snapshot();
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(input.customer));
    const entries = result.status === 'debited' ? result.entries : result.written;
    return {
      ok: true,
      value: {
        customer: input.customer,
        resourceId: input.resourceId,
        status: result.status,
        unit: result.status === 'debited' ? result.unit : null,
        entries: entries.map((entry) => entryView(entry, ledger.erpNames)),
        balance: this.balanceView(input.customer, ledger, catalog, this.ctx.today()),
      },
    };
  }

  async correct(principal: Principal, customer: string, input: CorrectionInput, idempotencyKey?: string): Promise<TicketOutcome<CorrectionView>> {
    this.requireManager(principal);
    await this.requireCustomer(customer);
    if (!Number.isInteger(input.quantity) || input.quantity === 0) {
      throw new InvalidRequestError('INVALID_QUANTITY', {
        fr: `Une correction ajoute ou retire un nombre entier de tickets autre que 0 (reçu ${String(input.quantity)})`,
        en: `A correction adds or takes a whole number of tickets other than 0 (got ${String(input.quantity)})`,
      });
    }
    const key = idempotencyKey
      ? `correction:${createHash('sha256').update(`${principal.user}\u0000${idempotencyKey}`).digest('hex').slice(0, 24)}`
      : `correction:${randomBytes(12).toString('hex')}`;
    const today = this.ctx.today();
    const reason = `${input.reason} — ${principal.fullName || principal.user}`;
    const { result } = await this.ctx.operate(customer, (ledger, catalog) => {
      const decision = correctionEntries(
        ledger.entries,
        catalog.packTypes,
        { key, customer, packType: input.packType, quantity: input.quantity, lot: input.lot, expiresOn: input.expiresOn, reason },
        today,
      );
      return { operation: key, entries: decision.ok ? decision.entries : [], result: decision };
    });
    if (!result.ok) return { ok: false, reasons: [result.reason] };
    const catalog = await this.ctx.catalog.snapshot();
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(customer));
    this.log.info({ place: this.ctx.place.id, customer, by: principal.user, packType: input.packType, quantity: input.quantity }, 'staff correction of tickets');
    return {
      ok: true,
      value: { customer, entries: result.entries.map((entry) => entryView(entry, ledger.erpNames)), balance: this.balanceView(customer, ledger, catalog, today) },
    };
  }

  async reload(principal: Principal): Promise<LoadReport> {
    this.requireManager(principal);
    return this.sync.load('demand');
  }

  // -------------------------------------------------------------------------------------------
  // Invoices: credits when a pack is paid (or submitted), returns by credit notes

  private packsOf(catalog: TicketCatalogSnapshot): Map<string, TicketPackType> | undefined {
    try {
      return packTypesByItem(catalog.packTypes);
    } catch (error) {
      this.log.error({ place: this.ctx.place.id, err: error }, 'two ticket pack types are sold by the same item: no pack is credited until one is changed');
      return undefined;
    }
  }

  /** When the invoice was paid: the latest of its submitted Payment Entries, else its posting date. */
  private async paymentDate(invoice: string, fallback: LocalDate): Promise<LocalDate> {
    const rows = await this.ctx.erp.listAll('Payment Entry', {
      fields: ['posting_date'],
      filters: [
        ['docstatus', '=', 1],
        ['Payment Entry Reference', 'reference_name', '=', invoice],
      ],
      schema: paymentRow,
    });
    const dates = rows.map((row) => row.posting_date ?? '').filter((date) => date !== '').sort();
    return dates[dates.length - 1] ?? fallback;
  }

  /** A Sales Invoice changed (submitted, paid, cancelled), or a credit note was submitted. Idempotent. */
  async onInvoiceChanged(name: string): Promise<InvoiceOutcome> {
    let doc;
    try {
      doc = await this.ctx.erp.getDoc('Sales Invoice', name, { schema: invoiceDocSchema });
    } catch (error) {
      if (error instanceof ErpNotFoundError) return { tickets: 0, status: 'ignored' };
      throw error;
    }
    const catalog = await this.ctx.catalog.snapshot();
    const packs = this.packsOf(catalog);
    if (!packs || !doc.items.some((row) => packs.has(row.item_code ?? ''))) return { tickets: 0, status: 'no_pack' };
    const invoice = invoiceForTickets(doc);
    const today = this.ctx.today();

    if (invoice.kind === 'credit_note') {
      if (invoice.docstatus !== 1) return { tickets: 0, status: 'ignored' };
      const { result, outcome } = await this.ctx.operate(doc.customer, (ledger, current) => {
        const returned = returnsForCreditNote(ledger.entries, current.packTypes, invoice.creditNote, today);
        return { operation: creditNoteOperation(name), entries: returned.entries, result: returned };
      });
      for (const line of result.outcomes) {
        if (line.notReclaimed > 0) {
          this.log.warn(
            { place: this.ctx.place.id, creditNote: name, line: line.line, lot: line.lot, notReclaimed: line.notReclaimed },
            'credit note pays back tickets already used or expired: they stay used; staff decide what to bill',
          );
        }
      }
      const tickets = result.entries.reduce((sum, entry) => sum + entry.quantity, 0);
      return { tickets, status: outcome === 'applied' ? 'returned' : 'already' };
    }

    if (invoice.docstatus !== 1 || (catalog.place.creditOn === 'payment' && !invoice.paid)) {
      if (invoice.docstatus === 2 || (invoice.docstatus === 1 && !invoice.paid)) await this.warnIfCredited(doc.customer, name, invoice.docstatus === 2 ? 'cancelled' : 'no longer paid');
      return { tickets: 0, status: 'not_paid' };
    }
    const paidOn = catalog.place.creditOn === 'submission' ? invoice.postingDate : await this.paymentDate(name, invoice.postingDate);
    const { result, outcome } = await this.ctx.operate(doc.customer, (_ledger, current) => {
      const credits = creditsForInvoice(invoice.invoice, current.packTypes, paidOn);
      return { operation: invoiceCreditOperation(name), entries: credits.entries, result: credits };
    });
    for (const problem of result.problems) this.log.warn({ place: this.ctx.place.id, invoice: name, line: problem.line }, problem.en);
    const tickets = result.entries.reduce((sum, entry) => sum + entry.quantity, 0);
    return { tickets: outcome === 'applied' ? tickets : 0, status: outcome === 'applied' ? 'credited' : 'already' };
  }

  private async warnIfCredited(customer: string, invoice: string, what: string): Promise<void> {
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(customer));
    const credited = ledger.entries.filter((entry) => entry.type === 'credit' && entry.salesInvoice === invoice).reduce((sum, entry) => sum + entry.quantity, 0);
    if (credited > 0) {
      this.log.warn({ place: this.ctx.place.id, invoice, customer, credited }, `invoice ${what} after its pack was credited: the tickets stay; enter a correction if they must go`);
    }
  }

  async onPaymentEntryChanged(name: string): Promise<InvoiceOutcome[]> {
    const invoices = await invoicesPaidBy(this.ctx.erp, name);
    const outcomes: InvoiceOutcome[] = [];
    for (const invoice of invoices) outcomes.push(await this.onInvoiceChanged(invoice));
    return outcomes;
  }

  // -------------------------------------------------------------------------------------------
  // The daily run: expiry entries and reminders

  async runDaily(at: number = this.ctx.now()): Promise<DailyReport> {
    const today = this.ctx.today(at);
    const catalog = await this.ctx.catalog.snapshot();
    const customers = await this.ctx.withLedger(() => this.ctx.store.customers(), 60_000);
    let lotsExpired = 0;
    let ticketsExpired = 0;
    let reminders = 0;
    for (const customer of customers) {
      const { result, outcome } = await this.ctx.operate(customer, (ledger) => {
        const expired = expiryEntries(ledger.entries, today);
        return { operation: '', entries: expired, wholeLedger: true, result: expired };
      });
      if (outcome === 'applied') {
        lotsExpired += result.length;
        ticketsExpired += result.reduce((sum, entry) => sum - entry.quantity, 0);
      }
      if (catalog.place.reminderDays > 0) reminders += await this.queueReminders(customer, today, catalog);
    }
    const report = { today, customers: customers.length, lotsExpired, ticketsExpired, reminders };
    this.log.info({ place: this.ctx.place.id, ...report }, 'daily ticket run: expiry and reminders');
    return report;
  }

  private async queueReminders(customer: string, today: LocalDate, catalog: TicketCatalogSnapshot): Promise<number> {
    const ledger = await this.ctx.withLedger(() => this.ctx.store.read(customer));
    const due = remindersDue(ledger.entries, today, catalog.place.reminderDays);
    if (due.length === 0) return 0;
    const sent = await this.ctx.redis.smismember(this.ctx.store.key('reminded'), ...due.map((r) => r.key));
    const unitOf = new Map(catalog.packTypes.map((pack) => [pack.name, pack.unit]));
    let queued = 0;
    for (const [i, reminder] of due.entries()) {
      if (sent[i] === 1) continue;
      const unit = unitOf.get(reminder.packType);
      const data: ReminderJobData = { reminder, ...(unit ? { unit } : {}) };
      await this.ctx.queues.add(QUEUE_NAMES.ticketWrites, 'reminder', data, {
        jobId: jobId('tr', reminder.key),
        ...this.ctx.writeRetries(),
      });
      queued++;
    }
    return queued;
  }

  /**
   * Queues again the ERP writes whose job got lost (a crash between the decision and the queue, a
   * job failed for good), and the balance rows left behind their ledger.
   */
  async sweep(): Promise<{ requeued: number; balances: number }> {
    const due = await this.ctx.store.due(this.ctx.now(), this.ctx.options.sweepAfterMs);
    for (const item of due) await this.ctx.enqueueEntry(item);
    const stale = due.length === 0 ? await this.ctx.store.staleBalances() : [];
    for (const { customer, version } of stale) await this.ctx.enqueueBalance(customer, version);
    if (due.length > 0 || stale.length > 0) this.log.info({ place: this.ctx.place.id, requeued: due.length, balances: stale.length }, 'ticket sweep');
    return { requeued: due.length, balances: stale.length };
  }
}
