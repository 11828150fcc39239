import { z } from 'zod';
import { BOOKING_DOCTYPE } from '../booking/erp-doc';
import { centsFromDecimal, decimalFromCents, flag, textOf } from '../catalog/erp-values';
import type { Cents } from '../domain';
import { docstatusSchema, ErpNotFoundError, isOutcomeUnknown, namedRowSchema, type DocValues, type ErpPort } from '../erp';
import type { CreditRow, InvoiceRow, Line } from './plan';

/**
 * The ERP documents of the money flows, read and written through the ERP port: Sales Invoices (and their credit
 * notes), Payment Requests and Payment Entries, made the way ERPNext's own desk makes them (its whitelisted
 * methods for payment requests, payment proposals and returns). Every write that may have landed without an
 * answer (a timeout) is looked up before it is made again, so a retried job never makes a second document.
 */

export const SALES_INVOICE = 'Sales Invoice';
export const PAYMENT_REQUEST = 'Payment Request';
export const PAYMENT_ENTRY = 'Payment Entry';

const METHODS = {
  makePaymentRequest: 'erpnext.accounts.doctype.payment_request.payment_request.make_payment_request',
  getPaymentEntry: 'erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry',
  makeSalesReturn: 'erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return',
} as const;

const amount = z.union([z.number(), z.string()]);
const check = z.union([z.number(), z.boolean(), z.string()]).nullish();

const invoiceItemSchema = z.looseObject({
  name: z.string(),
  item_code: z.string(),
  description: z.string().nullish(),
  uom: z.string().nullish(),
  qty: z.number(),
  rate: amount,
  amount: amount,
  creneau_booking: z.string().nullish(),
  sales_invoice_item: z.string().nullish(),
});

const invoiceDocSchema = z.looseObject({
  name: z.string(),
  docstatus: docstatusSchema,
  status: z.string().nullish(),
  is_return: check,
  return_against: z.string().nullish(),
  po_no: z.string().nullish(),
  posting_date: z.string().nullish(),
  due_date: z.string().nullish(),
  currency: z.string().nullish(),
  total: amount,
  total_taxes_and_charges: amount.nullish(),
  grand_total: amount,
  rounded_total: amount.nullish(),
  outstanding_amount: amount.nullish(),
  items: z.array(invoiceItemSchema).default([]),
});
type InvoiceDoc = z.infer<typeof invoiceDocSchema>;

const paymentRequestSchema = z.looseObject({
  name: z.string(),
  docstatus: docstatusSchema,
  status: z.string().nullish(),
  grand_total: amount,
  outstanding_amount: amount.nullish(),
  payment_url: z.string().nullish(),
  reference_doctype: z.string().nullish(),
  reference_name: z.string().nullish(),
  currency: z.string().nullish(),
});
type PaymentRequestDoc = z.infer<typeof paymentRequestSchema>;

const paymentEntrySchema = z.looseObject({
  name: z.string(),
  docstatus: docstatusSchema,
  references: z.array(z.looseObject({ reference_doctype: z.string().nullish(), reference_name: z.string().nullish() })).nullish(),
});

const bookingDocSchema = z.looseObject({
  name: z.string(),
  cancellation_fee: amount.nullish(),
  quote_lines: z
    .array(z.looseObject({ item: z.string().nullish(), uom: z.string().nullish(), qty: z.number().nullish(), rate: amount.nullish() }))
    .nullish(),
});

const proposalSchema = z.looseObject({ doctype: z.string().optional(), items: z.array(z.looseObject({})).optional() });
const templateSchema = z.looseObject({
  name: z.string(),
  taxes: z.array(z.looseObject({})).default([]),
});
const settingsSchema = z.looseObject({ company: z.string().nullish(), post_paid_invoicing_day: z.union([z.number(), z.string()]).nullish() });

/** An invoice in cents: what the flows decide on. `total` is what is owed (rounded total, else grand total). */
export interface Invoice {
  name: string;
  docstatus: 0 | 1 | 2;
  status: string;
  isReturn: boolean;
  returnAgainst: string | null;
  key: string | null;
  postingDate: string | null;
  currency: string;
  /** Sum of the rows (rate × qty): the quote's terms. */
  lines: Cents;
  taxes: Cents;
  total: Cents;
  outstanding: Cents;
  rows: (InvoiceRow & { description: string | null; booking: string | null; amount: Cents })[];
}

export interface PaymentRequest {
  name: string;
  docstatus: 0 | 1 | 2;
  status: string;
  amount: Cents;
  outstanding: Cents;
  paymentUrl: string | null;
  currency: string;
}

const cents = (value: number | string | null | undefined, what: string): Cents => (value === null || value === undefined ? 0 : centsFromDecimal(value, what));

function invoiceFromDoc(doc: InvoiceDoc): Invoice {
  const what = `Sales Invoice ${doc.name}`;
  const grand = cents(doc.grand_total, `${what} grand_total`);
  const rounded = cents(doc.rounded_total, `${what} rounded_total`);
  return {
    name: doc.name,
    docstatus: doc.docstatus,
    status: doc.status ?? (doc.docstatus === 0 ? 'Draft' : doc.docstatus === 2 ? 'Cancelled' : 'Submitted'),
    isReturn: flag(doc.is_return),
    returnAgainst: doc.return_against ?? null,
    key: textOf(doc.po_no) ?? null,
    postingDate: doc.posting_date ?? null,
    currency: doc.currency ?? 'EUR',
    lines: cents(doc.total, `${what} total`),
    taxes: cents(doc.total_taxes_and_charges, `${what} total_taxes_and_charges`),
    total: rounded !== 0 ? rounded : grand,
    outstanding: cents(doc.outstanding_amount, `${what} outstanding_amount`),
    rows: doc.items.map((item) => ({
      rowName: item.name,
      itemCode: item.item_code,
      uom: item.uom ?? '',
      qty: item.qty,
      rate: cents(item.rate, `${what} row rate`),
      amount: cents(item.amount, `${what} row amount`),
      description: item.description ?? null,
      booking: item.creneau_booking ?? null,
    })),
  };
}

function requestFromDoc(doc: PaymentRequestDoc): PaymentRequest {
  const what = `Payment Request ${doc.name}`;
  return {
    name: doc.name,
    docstatus: doc.docstatus,
    status: doc.status ?? (doc.docstatus === 0 ? 'Draft' : 'Requested'),
    amount: cents(doc.grand_total, `${what} grand_total`),
    outstanding: doc.outstanding_amount === null || doc.outstanding_amount === undefined ? cents(doc.grand_total, what) : cents(doc.outstanding_amount, `${what} outstanding_amount`),
    paymentUrl: doc.payment_url?.trim() ? doc.payment_url : null,
    currency: doc.currency ?? 'EUR',
  };
}

/** A row as an invoice takes it: the quote's line, the booking it bills, and words for the accountant. */
export interface NewRow extends Line {
  booking: string;
  description: string;
}

export interface NewInvoice {
  customer: string;
  priceList: string | undefined;
  key: string;
  remarks: string;
  rows: readonly NewRow[];
}

interface TaxTemplate {
  name: string;
  rows: DocValues[];
}

/** Row fields ERPNext computes from qty, rate and the header (calculate_taxes_and_totals). */
const DERIVED_ROW_FIELDS: ReadonlySet<string> = new Set([
  'stock_qty', 'amount', 'net_rate', 'net_amount', 'base_rate', 'base_amount', 'base_net_rate', 'base_net_amount',
  'discount_amount', 'distributed_discount_amount', 'stock_uom_rate', 'item_tax_rate_amount',
]);

const TAX_ROW_FIELDS = ['charge_type', 'account_head', 'description', 'rate', 'cost_center', 'included_in_print_rate', 'row_id', 'tax_amount'] as const;

function rowValues(row: NewRow): DocValues {
  return { item_code: row.itemCode, uom: row.uom, qty: row.qty, rate: decimalFromCents(row.rate), description: row.description, creneau_booking: row.booking };
}

export interface BookingErpData {
  cancellationFee: Cents | null;
  lines: Line[];
}

/** The invoices a Payment Entry pays (none when it is gone): the money flows settle them, the ticket ledger credits their packs. */
export async function invoicesPaidBy(erp: ErpPort, paymentEntry: string): Promise<string[]> {
  try {
    const doc = await erp.getDoc(PAYMENT_ENTRY, paymentEntry, { schema: paymentEntrySchema });
    return [...new Set((doc.references ?? []).filter((r) => r.reference_doctype === SALES_INVOICE && r.reference_name).map((r) => r.reference_name ?? ''))];
  } catch (error) {
    if (error instanceof ErpNotFoundError) return [];
    throw error;
  }
}

export class MoneyErp {
  private settingsMemo: { value: { company: string | undefined; invoicingDay: number }; until: number } | undefined;
  private readonly templates = new Map<string, { value: TaxTemplate | undefined; until: number }>();

  constructor(
    readonly erp: ErpPort,
    private readonly now: () => number,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Reads

  /** Every invoice and credit note with a row billing this booking (Sales Invoice Item `creneau_booking`). */
  async invoicesOf(bookingErpName: string): Promise<Invoice[]> {
    const rows = await this.erp.list(SALES_INVOICE, {
      fields: ['name'],
      filters: [[`${SALES_INVOICE} Item`, 'creneau_booking', '=', bookingErpName]],
      orderBy: { field: 'creation', order: 'asc' },
      limitPageLength: 100,
      schema: namedRowSchema,
    });
    return this.invoicesNamed(rows);
  }

  /** The invoices a list answered, each read once, in the list's order; one deleted meanwhile is left out. */
  private async invoicesNamed(rows: readonly { name: string }[]): Promise<Invoice[]> {
    const invoices: Invoice[] = [];
    for (const name of new Set(rows.map((row) => row.name))) {
      const invoice = await this.invoice(name);
      if (invoice) invoices.push(invoice);
    }
    return invoices;
  }

  async invoice(name: string): Promise<Invoice | undefined> {
    try {
      return invoiceFromDoc(await this.erp.getDoc(SALES_INVOICE, name, { schema: invoiceDocSchema }));
    } catch (error) {
      if (error instanceof ErpNotFoundError) return undefined;
      throw error;
    }
  }

  /** Invoices carrying `key` (po_no) for a customer, cancelled ones left out. */
  async invoicesByKey(customer: string, key: string): Promise<Invoice[]> {
    const rows = await this.erp.list(SALES_INVOICE, {
      fields: ['name'],
      filters: [
        ['customer', '=', customer],
        ['po_no', '=', key],
        ['docstatus', '<', 2],
      ],
      limitPageLength: 20,
      schema: namedRowSchema,
    });
    return this.invoicesNamed(rows);
  }

  /** Booking names among `names` that an invoice (draft or submitted) already bills. */
  async alreadyBilled(names: readonly string[]): Promise<Set<string>> {
    const billed = new Set<string>();
    for (let i = 0; i < names.length; i += 100) {
      const chunk = names.slice(i, i + 100);
      const rows = await this.erp.listAll(SALES_INVOICE, {
        fields: ['name'],
        filters: [
          [`${SALES_INVOICE} Item`, 'creneau_booking', 'in', chunk],
          ['docstatus', '<', 2],
          ['is_return', '=', 0],
        ],
        schema: namedRowSchema,
      });
      for (const invoice of await this.invoicesNamed(rows)) {
        for (const row of invoice.rows) if (row.booking && chunk.includes(row.booking)) billed.add(row.booking);
      }
    }
    return billed;
  }

  async requestsOf(invoice: string): Promise<PaymentRequest[]> {
    const rows = await this.erp.list(PAYMENT_REQUEST, {
      fields: ['name', 'docstatus', 'status', 'grand_total', 'outstanding_amount', 'payment_url', 'currency'],
      filters: [
        ['reference_doctype', '=', SALES_INVOICE],
        ['reference_name', '=', invoice],
      ],
      orderBy: { field: 'creation', order: 'asc' },
      limitPageLength: 50,
      schema: paymentRequestSchema,
    });
    return rows.map(requestFromDoc);
  }

  invoicesPaidBy(paymentEntry: string): Promise<string[]> {
    return invoicesPaidBy(this.erp, paymentEntry);
  }

  /** What the ERP's Creneau Booking holds that the money flows need: its quote lines and the fee a cancellation kept. */
  async booking(erpName: string): Promise<BookingErpData | undefined> {
    try {
      const doc = await this.erp.getDoc(BOOKING_DOCTYPE, erpName, { schema: bookingDocSchema });
      const what = `${BOOKING_DOCTYPE} ${erpName}`;
      return {
        cancellationFee: doc.cancellation_fee === null || doc.cancellation_fee === undefined ? null : cents(doc.cancellation_fee, `${what} cancellation_fee`),
        lines: (doc.quote_lines ?? [])
          .filter((row) => row.item && row.uom && row.qty)
          .map((row) => ({ itemCode: row.item ?? '', uom: row.uom ?? '', qty: row.qty ?? 0, rate: cents(row.rate, `${what} quote line rate`) })),
      };
    } catch (error) {
      if (error instanceof ErpNotFoundError) return undefined;
      throw error;
    }
  }

  /** The company Créneau invoices for (Creneau Settings, else the ERP's default) and the post-paid invoicing day. */
  async settings(): Promise<{ company: string | undefined; invoicingDay: number }> {
    if (this.settingsMemo && this.settingsMemo.until > this.now()) return this.settingsMemo.value;
    let company: string | undefined;
    let invoicingDay = 1;
    try {
      const doc = await this.erp.getDoc('Creneau Settings', 'Creneau Settings', { schema: settingsSchema });
      company = textOf(doc.company);
      const day = Number(doc.post_paid_invoicing_day ?? 1);
      invoicingDay = Number.isInteger(day) && day >= 1 && day <= 31 ? day : 1;
    } catch (error) {
      if (!(error instanceof ErpNotFoundError)) throw error;
    }
    if (!company) {
      const defaults = await this.erp.getValue('Global Defaults', 'Global Defaults', ['default_company'], { schema: z.looseObject({ default_company: z.string().nullish() }) }).catch(() => null);
      company = defaults?.default_company ?? undefined;
    }
    const value = { company, invoicingDay };
    this.settingsMemo = { value, until: this.now() + 60_000 };
    return value;
  }

  /**
   * The tax template a new invoice of this customer gets in the desk: the company's template for the customer's
   * tax category, else the company's default one (ERPNext's set_taxes: is_default and company). Its rows are
   * copied as the desk copies them; the ERP computes every amount.
   */
  private async taxTemplate(customer: string, company: string | undefined): Promise<TaxTemplate | undefined> {
    const category = await this.erp
      .getValue('Customer', customer, ['tax_category'], { schema: z.looseObject({ tax_category: z.string().nullish() }) })
      .then((row) => row?.tax_category ?? undefined);
    const memoKey = `${company ?? ''}|${category ?? ''}`;
    const memo = this.templates.get(memoKey);
    if (memo && memo.until > this.now()) return memo.value;
    const base: [string, '=', string | number][] = [['disabled', '=', 0]];
    if (company) base.push(['company', '=', company]);
    const find = async (extra: [string, '=', string | number]): Promise<string | undefined> => {
      const rows = await this.erp.list('Sales Taxes and Charges Template', { fields: ['name'], filters: [...base, extra], orderBy: { field: 'name', order: 'asc' }, limitPageLength: 1, schema: namedRowSchema });
      return rows[0]?.name;
    };
    const name = (category ? await find(['tax_category', '=', category]) : undefined) ?? (await find(['is_default', '=', 1]));
    let value: TaxTemplate | undefined;
    if (name) {
      const doc = await this.erp.getDoc('Sales Taxes and Charges Template', name, { schema: templateSchema });
      value = {
        name,
        rows: doc.taxes.map((row) => Object.fromEntries(TAX_ROW_FIELDS.filter((field) => row[field] !== undefined && row[field] !== null).map((field) => [field, row[field]]))),
      };
    }
    this.templates.set(memoKey, { value, until: this.now() + 60_000 });
    return value;
  }

  // -------------------------------------------------------------------------------------------
  // Invoices

  /**
   * A draft invoice with these rows at these rates (the price list named so that the accountant sees where they come
   * from; pricing rules left out, the rates being the quote's), for the company Créneau invoices for, with the tax
   * template the desk would pick for this customer. A lost answer is looked up by its key before retrying.
   */
  async createInvoice(spec: NewInvoice): Promise<Invoice> {
    const { company } = await this.settings();
    const taxes = await this.taxTemplate(spec.customer, company);
    const values: DocValues = {
      customer: spec.customer,
      ...(company ? { company } : {}),
      ...(spec.priceList ? { selling_price_list: spec.priceList } : {}),
      ignore_pricing_rule: 1,
      po_no: spec.key,
      remarks: spec.remarks,
      items: spec.rows.map(rowValues),
      ...(taxes ? { taxes_and_charges: taxes.name, taxes: taxes.rows } : {}),
    };
    try {
      return invoiceFromDoc(await this.erp.insert(SALES_INVOICE, values, { schema: invoiceDocSchema }));
    } catch (error) {
      if (isOutcomeUnknown(error)) {
        const found = (await this.invoicesByKey(spec.customer, spec.key))[0];
        if (found) return found;
      }
      throw error;
    }
  }

  /** Replaces a draft's rows: those it keeps (by name) stay as they are, the new ones are added, the rest removed. */
  async setDraftRows(invoice: Invoice, keep: readonly string[], rows: readonly NewRow[]): Promise<Invoice> {
    const items: DocValues[] = [...keep.map((name) => ({ name })), ...rows.map(rowValues)];
    return invoiceFromDoc(await this.erp.update(SALES_INVOICE, invoice.name, { items }, { idempotent: false, schema: invoiceDocSchema }));
  }

  async submitInvoice(invoice: Invoice): Promise<Invoice> {
    if (invoice.docstatus === 1) return invoice;
    try {
      return invoiceFromDoc(await this.erp.submit(SALES_INVOICE, invoice.name, { schema: invoiceDocSchema }));
    } catch (error) {
      const after = await this.afterUnknown(error, invoice.name);
      if (after?.docstatus === 1) return after;
      throw error;
    }
  }

  async cancelInvoice(invoice: Invoice): Promise<void> {
    if (invoice.docstatus !== 1) return;
    try {
      await this.erp.cancel(SALES_INVOICE, invoice.name);
    } catch (error) {
      const after = await this.afterUnknown(error, invoice.name);
      if (after?.docstatus !== 2) throw error;
    }
  }

  /**
   * Deletes a draft invoice. The booking's own link to it (Creneau Booking `sales_invoice`, set for the accountant)
   * would block the delete (a Link to a document is a back link Frappe refuses to break), so it is cleared first.
   */
  async deleteDraftInvoice(invoice: Invoice, bookingErpName: string): Promise<void> {
    const linked = await this.erp.getValue(BOOKING_DOCTYPE, bookingErpName, ['sales_invoice'], { schema: z.looseObject({ sales_invoice: z.string().nullish() }) });
    if (linked?.sales_invoice === invoice.name) await this.erp.setValue(BOOKING_DOCTYPE, bookingErpName, { sales_invoice: null });
    await this.deleteDraft(SALES_INVOICE, invoice.name);
  }

  async deleteDraft(doctype: string, name: string): Promise<void> {
    try {
      await this.erp.delete(doctype, name, { idempotent: true });
    } catch (error) {
      if (!(error instanceof ErpNotFoundError)) throw error;
    }
  }

  /**
   * A submitted credit note against `original` with these rows, built from ERPNext's own proposal
   * (make_sales_return: the original's accounts, taxes and row links) with the quantities and rates given.
   * `update_outstanding_for_self: 0` puts the credit on the original, so that its outstanding says what is left
   * to pay, or, below zero, what the place owes back.
   */
  async createCreditNote(original: Invoice, rows: readonly CreditRow[], remarks: string): Promise<Invoice> {
    const proposal = await this.erp.call(METHODS.makeSalesReturn, { source_name: original.name }, { http: 'POST', idempotent: true, schema: proposalSchema });
    const proposed = new Map<string, Record<string, unknown>>();
    for (const item of proposal.items ?? []) {
      const link = item.sales_invoice_item;
      if (typeof link === 'string') proposed.set(link, item);
    }
    const bookings = new Map(original.rows.map((row) => [row.rowName, row.booking]));
    const items = rows.map((row) => {
      const base = proposed.get(row.rowName);
      if (!base) throw new Error(`make_sales_return on ${original.name} proposed no row for ${row.rowName}`);
      // What the ERP derives from qty and rate is left for it to compute again.
      const kept = Object.fromEntries(Object.entries(base).filter(([field]) => !DERIVED_ROW_FIELDS.has(field)));
      const factor = typeof base.conversion_factor === 'number' && base.conversion_factor > 0 ? base.conversion_factor : 1;
      // The booking each row bills, so that the credit note is found with the booking's other documents.
      return { ...kept, qty: -row.qty, stock_qty: -Math.round(row.qty * factor * 1e6) / 1e6, rate: decimalFromCents(row.rate), creneau_booking: bookings.get(row.rowName) ?? null };
    });
    const values: DocValues = { ...proposal, items, update_outstanding_for_self: 0, remarks, docstatus: 1 };
    try {
      return invoiceFromDoc(await this.erp.insert(SALES_INVOICE, values, { schema: invoiceDocSchema }));
    } catch (error) {
      if (isOutcomeUnknown(error)) {
        const found = await this.creditNotesAgainst(original.name);
        const last = found[found.length - 1];
        if (last) return last;
      }
      throw error;
    }
  }

  /** Submitted credit notes against an invoice. */
  async creditNotesAgainst(invoice: string): Promise<Invoice[]> {
    const rows = await this.erp.list(SALES_INVOICE, {
      fields: ['name'],
      filters: [
        ['is_return', '=', 1],
        ['return_against', '=', invoice],
        ['docstatus', '=', 1],
      ],
      orderBy: { field: 'creation', order: 'asc' },
      limitPageLength: 50,
      schema: namedRowSchema,
    });
    return this.invoicesNamed(rows);
  }

  // -------------------------------------------------------------------------------------------
  // Payment requests

  /**
   * ERPNext's make_payment_request for the invoice. With Accounts Settings' create_pr_in_draft_status (the
   * default) it leaves a draft whose amount is what the invoice still owes less what other open requests ask;
   * `amount` (a deposit) replaces it. Then the draft is submitted: that is when a site with an online gateway
   * gives it its payment_url. `requests` are the invoice's requests as the caller has just listed them.
   */
  async requestPayment(invoice: Invoice, amount: Cents | undefined, requests: readonly PaymentRequest[]): Promise<PaymentRequest> {
    let draft = requests.find((request) => request.docstatus === 0);
    draft ??= await this.erp
      .call(METHODS.makePaymentRequest, { dt: SALES_INVOICE, dn: invoice.name, submit_doc: 0, mute_email: 1, return_doc: 1 }, { http: 'POST', idempotent: false, schema: paymentRequestSchema })
      .then(requestFromDoc, async (error: unknown) => {
        if (isOutcomeUnknown(error)) {
          const found = (await this.requestsOf(invoice.name)).find((request) => request.docstatus === 0);
          if (found) return found;
        }
        throw error;
      });
    if (draft.docstatus === 1) return draft;
    if (amount !== undefined && draft.amount !== amount) {
      draft = requestFromDoc(await this.erp.update(PAYMENT_REQUEST, draft.name, { grand_total: decimalFromCents(amount) }, { idempotent: true, schema: paymentRequestSchema }));
    }
    try {
      return requestFromDoc(await this.erp.submit(PAYMENT_REQUEST, draft.name, { schema: paymentRequestSchema }));
    } catch (error) {
      if (isOutcomeUnknown(error)) {
        const after = (await this.requestsOf(invoice.name)).find((request) => request.name === draft.name);
        if (after?.docstatus === 1) return after;
      }
      throw error;
    }
  }

  /** A request no one paid is withdrawn: cancelled when submitted, deleted while a draft. Paid ones stay. */
  async withdrawRequest(request: PaymentRequest): Promise<void> {
    if (request.docstatus === 0) {
      await this.deleteDraft(PAYMENT_REQUEST, request.name);
      return;
    }
    if (request.docstatus !== 1 || request.status === 'Paid' || request.status === 'Cancelled') return;
    try {
      await this.erp.cancel(PAYMENT_REQUEST, request.name);
    } catch (error) {
      if (!isOutcomeUnknown(error)) throw error;
      const still = await this.erp.getValue(PAYMENT_REQUEST, request.name, ['docstatus'], { schema: z.looseObject({ docstatus: z.number() }) });
      if (still?.docstatus !== 2) throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Payments recorded by staff

  /**
   * A payment (or, on a negative outstanding, a refund) of the whole outstanding of an invoice, as the desk makes
   * it: ERPNext's get_payment_entry proposal (which also settles the invoice's open payment request), submitted.
   */
  async recordPayment(invoice: Invoice, input: { modeOfPayment: string | undefined; reference: string; date: string }): Promise<string> {
    const proposal = await this.erp.call(METHODS.getPaymentEntry, { dt: SALES_INVOICE, dn: invoice.name }, { http: 'POST', idempotent: true, schema: z.looseObject({}) });
    const values: DocValues = {
      ...proposal,
      ...(input.modeOfPayment ? { mode_of_payment: input.modeOfPayment } : {}),
      reference_no: input.reference,
      reference_date: input.date,
      docstatus: 1,
    };
    try {
      const doc = await this.erp.insert(PAYMENT_ENTRY, values, { schema: namedRowSchema });
      return doc.name;
    } catch (error) {
      if (isOutcomeUnknown(error)) {
        const rows = await this.erp.list(PAYMENT_ENTRY, { fields: ['name'], filters: [['reference_no', '=', input.reference], ['docstatus', '=', 1]], limitPageLength: 1, schema: namedRowSchema });
        if (rows[0]) return rows[0].name;
      }
      throw error;
    }
  }

  private async afterUnknown(error: unknown, invoice: string): Promise<Invoice | undefined> {
    if (!isOutcomeUnknown(error)) return undefined;
    return this.invoice(invoice);
  }
}
