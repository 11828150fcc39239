import { erpnextThrow, frappeThrow, type FrappeError } from '../errors';
import type { MethodRegistry } from '../http/methods';
import type { Doc } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import type { DocOp } from '../model/engine';
import { rows, str, truthy } from '../model/values';
import type { Site } from '../site';
import { cint, Dec, flt, mulRound, sum } from '../util/decimal';
import { pyFloatRepr } from '../util/pyjson';
import { moneyInWords } from '../util/words';
import { accountBalance, cancelGlEntries, companyAccounts, fmtMoney, looseDate, postGlEntries, requireFiscalYear, type GlLine } from './accounts';
import { refreshInvoiceStatus } from './sales-invoice';

const IGNORE_ON_CANCEL = ['GL Entry', 'Stock Ledger Entry', 'Payment Ledger Entry', 'Repost Payment Ledger', 'Repost Payment Ledger Items', 'Repost Accounting Ledger', 'Repost Accounting Ledger Items', 'Unreconcile Payment', 'Unreconcile Payment Entries', 'Bank Transaction'];

/** Python's "%s" of a Currency value ("500.0"). */
function pyAmount(v: unknown): string {
  return pyFloatRepr(flt(v));
}

/** payment_entry.InvalidPaymentEntry, a ValidationError (417) raised from ERPNext. */
function invalidPaymentEntry(message: string): FrappeError {
  return frappeThrow(message, 'InvalidPaymentEntry', { module: 'erpnext.accounts.doctype.payment_entry.payment_entry', excSource: 'erpnext (app)', status: 417 });
}

function partyLabel(site: Site, partyType: string, party: string): string {
  const doc = site.tables.get(partyType, party);
  if (!doc) return party;
  if (partyType === 'Customer') return str(doc.customer_name) || party;
  if (partyType === 'Supplier') return str(doc.supplier_name) || party;
  return party;
}

/** Outstanding of all submitted invoices of a customer (party_balance). */
function partyBalance(site: Site, customer: string): number {
  return sum([...site.tables.rows('Sales Invoice')].filter((si) => cint(si.docstatus) === 1 && si.customer === customer).map((si) => si.outstanding_amount));
}

function defaultBankAccount(site: Site, company: string, modeOfPayment: string | undefined, requested: string | undefined): string {
  if (requested && site.tables.has('Account', requested)) return requested;
  if (modeOfPayment) {
    const mop = site.tables.get('Mode of Payment', modeOfPayment);
    const row = mop ? rows(mop, 'accounts').find((a) => a.company === company) : undefined;
    if (row?.default_account) return str(row.default_account);
  }
  return companyAccounts(site, company).bank;
}

export function registerPayments(site: Site, methods: MethodRegistry): { getPaymentEntry: GetPaymentEntry } {
  const engine = site.engine;

  const accountType = (account: unknown): string => str(site.tables.get('Account', str(account))?.account_type);
  const accountCurrency = (account: unknown): string => str(site.tables.get('Account', str(account))?.account_currency) || 'EUR';

  // -------------------------------------------------------------- get_payment_entry
  const getPaymentEntry = (ctx: Ctx, args: Record<string, unknown>): Doc => {
    const dt = str(args.dt);
    const dn = str(args.dn);
    if (dt !== 'Sales Invoice') throw erpnextThrow(`Payment Entry against ${dt} is not supported by this site`);
    // No docstatus check here, as in ERPNext: inserting the proposal is what refuses a draft invoice.
    const ref = engine.getDoc(dt, dn);
    const company = str(ref.company);
    const outstanding = flt(ref.outstanding_amount);
    const receive = outstanding >= 0;
    // set_grand_total_and_outstanding_amount: `if party_amount:`, so 0 means the whole outstanding.
    const partyAmount = flt(args.party_amount) ? flt(args.party_amount) : undefined;
    const amount = partyAmount ?? Math.abs(outstanding);
    const bank = defaultBankAccount(site, company, undefined, args.bank_account === undefined ? undefined : str(args.bank_account));
    const debtors = str(ref.debit_to);
    const pe = engine.newDoc(ctx, 'Payment Entry');
    const today = site.clock.today();
    Object.assign(pe, {
      payment_type: receive ? 'Receive' : 'Pay',
      posting_date: today,
      company,
      party_type: 'Customer',
      party: ref.customer,
      party_name: ref.customer_name,
      party_balance: partyBalance(site, str(ref.customer)),
      paid_from: receive ? debtors : bank,
      paid_from_account_type: receive ? accountType(debtors) : accountType(bank),
      paid_from_account_currency: accountCurrency(receive ? debtors : bank),
      paid_from_account_balance: accountBalance(site, receive ? debtors : bank),
      paid_to: receive ? bank : debtors,
      paid_to_account_type: receive ? accountType(bank) : accountType(debtors),
      paid_to_account_currency: accountCurrency(receive ? bank : debtors),
      paid_to_account_balance: accountBalance(site, receive ? bank : debtors),
      paid_amount: amount,
      received_amount: amount,
      base_paid_amount: amount,
      base_received_amount: amount,
      source_exchange_rate: 1,
      target_exchange_rate: 1,
      paid_amount_after_tax: 0,
      base_paid_amount_after_tax: 0,
      received_amount_after_tax: 0,
      base_received_amount_after_tax: 0,
      total_allocated_amount: amount,
      base_total_allocated_amount: amount,
      unallocated_amount: 0,
      difference_amount: 0,
      base_total_taxes_and_charges: 0,
      total_taxes_and_charges: 0,
      reference_date: args.reference_date ?? today,
    });
    const meta = engine.requireMeta('Payment Entry');
    const tf = meta.getField('references');
    const row = tf
      ? engine.initChild(pe, meta, tf, {
          modified: ref.modified,
          modified_by: ref.modified_by,
          docstatus: 0,
          reference_doctype: dt,
          reference_name: ref.name,
          due_date: ref.due_date,
          payment_term_outstanding: 0,
          total_amount: partyAmount ?? (flt(ref.rounded_total) || flt(ref.grand_total)),
          outstanding_amount: partyAmount ?? outstanding,
          // The reference's own (signed) outstanding: a credit note's row is negative, its payment a refund.
          allocated_amount: partyAmount ?? outstanding,
          exchange_rate: 1,
          exchange_gain_loss: 0,
          account: debtors,
          payment_request_outstanding: 0,
        }, 1)
      : undefined;
    pe.references = row ? [row] : [];
    // A proposal made from a Payment Request already names it; otherwise open requests are allocated.
    if (!truthy(args.created_from_payment_request)) allocateOpenPaymentRequests(pe.references as Doc[]);
    return pe;
  };

  /**
   * allocate_open_payment_requests_to_references (payment_entry.py): each reference row takes the oldest open
   * Payment Request of its document (submitted, not Paid, outstanding > 0); a row larger than that request's
   * outstanding is split, the rest going to the next request or to no request.
   */
  const allocateOpenPaymentRequests = (references: Doc[]): void => {
    const open = new Map<string, Map<string, Dec>>();
    const key = (dt: unknown, dn: unknown): string => `${str(dt)}\u0000${str(dn)}`;
    const wanted = new Set(references.filter((r) => r.reference_doctype && r.reference_name && flt(r.allocated_amount)).map((r) => key(r.reference_doctype, r.reference_name)));
    if (wanted.size === 0) return;
    const candidates = [...site.tables.rows('Payment Request')]
      .filter((pr) => wanted.has(key(pr.reference_doctype, pr.reference_name)) && cint(pr.docstatus) === 1 && pr.status !== 'Paid' && flt(pr.outstanding_amount) > 0)
      .sort((a, b) => str(a.transaction_date || a.creation).localeCompare(str(b.transaction_date || b.creation)));
    for (const pr of candidates) {
      const k = key(pr.reference_doctype, pr.reference_name);
      const byName = open.get(k) ?? new Map<string, Dec>();
      byName.set(str(pr.name), Dec.of(pr.outstanding_amount));
      open.set(k, byName);
    }
    const first = (m: Map<string, Dec>): [string, Dec] | undefined => m.entries().next().value;
    let rowNumber = 1;
    while (rowNumber <= references.length) {
      const row = references[rowNumber - 1];
      if (!row) break;
      row.idx = rowNumber;
      const requests = open.get(key(row.reference_doctype, row.reference_name));
      const head = requests ? first(requests) : undefined;
      if (!requests || !head) {
        rowNumber += 1;
        continue;
      }
      const [request, requestOutstanding] = head;
      let allocated = Dec.of(row.allocated_amount);
      row.payment_request = request;
      if (requestOutstanding.cmp(allocated) === 0) {
        requests.delete(request);
        rowNumber += 1;
      } else if (requestOutstanding.cmp(allocated) > 0) {
        requests.set(request, requestOutstanding.sub(allocated));
        rowNumber += 1;
      } else {
        requests.delete(request);
        row.allocated_amount = requestOutstanding.round(2).toNumber();
        allocated = allocated.sub(requestOutstanding).round(2);
        while (!allocated.isZero()) {
          const copy: Doc = { ...structuredClone(row), __islocal: 1 };
          delete copy.name;
          references.splice(rowNumber, 0, copy);
          const next = first(requests);
          copy.idx = rowNumber + 1;
          copy.payment_request = next ? next[0] : null;
          const nextOutstanding = next ? next[1] : undefined;
          copy.allocated_amount = (nextOutstanding && !nextOutstanding.isZero() && nextOutstanding.cmp(allocated) < 0 ? nextOutstanding : allocated).round(2).toNumber();
          if (!next || !nextOutstanding || nextOutstanding.isZero()) {
            rowNumber += 2;
            break;
          } else if (nextOutstanding.cmp(allocated) === 0) {
            requests.delete(next[0]);
            rowNumber += 2;
            break;
          } else if (nextOutstanding.cmp(allocated) > 0) {
            requests.set(next[0], nextOutstanding.sub(allocated));
            rowNumber += 2;
            break;
          } else {
            allocated = allocated.sub(nextOutstanding).round(2);
            requests.delete(next[0]);
            rowNumber += 1;
          }
        }
      }
    }
  };

  methods.register('erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry', {
    params: ['dt', 'dn', 'party_amount', 'bank_account', 'bank_amount', 'party_type', 'payment_type', 'reference_date', 'ignore_permissions', 'created_from_payment_request'],
    required: ['dt', 'dn'],
    fn: ({ ctx, args }) => engine.responseForm(engine.requireMeta('Payment Entry'), getPaymentEntry(ctx, args)),
  });

  // -------------------------------------------------------------- Payment Entry
  const validate = (op: DocOp): void => {
    const { doc, ctx } = op;
    const paymentType = str(doc.payment_type);
    if (!['Receive', 'Pay', 'Internal Transfer'].includes(paymentType)) throw erpnextThrow('Payment Type must be one of Receive, Pay and Internal Transfer');
    if (!doc.company) doc.company = site.defaults.company ?? null;
    const company = str(doc.company);
    const acc = companyAccounts(site, company);
    if (paymentType !== 'Internal Transfer') {
      if (!doc.party_type || !doc.party) throw erpnextThrow(`Party Type and Party is mandatory for ${paymentType === 'Receive' ? 'Receivable' : 'Payable'} account`);
      if (!doc.party_name) doc.party_name = partyLabel(site, str(doc.party_type), str(doc.party));
      const partyAccount = acc.receivable;
      if (paymentType === 'Receive' && !doc.paid_from) doc.paid_from = partyAccount;
      if (paymentType === 'Pay' && !doc.paid_to) doc.paid_to = partyAccount;
    }
    const bank = defaultBankAccount(site, company, doc.mode_of_payment ? str(doc.mode_of_payment) : undefined, undefined);
    if (paymentType === 'Receive' && !doc.paid_to) doc.paid_to = bank;
    if (paymentType === 'Pay' && !doc.paid_from) doc.paid_from = bank;
    doc.paid_from_account_type = accountType(doc.paid_from);
    doc.paid_to_account_type = accountType(doc.paid_to);
    doc.paid_from_account_currency = doc.paid_from_account_currency ?? accountCurrency(doc.paid_from);
    doc.paid_to_account_currency = doc.paid_to_account_currency ?? accountCurrency(doc.paid_to);
    if (!flt(doc.source_exchange_rate)) doc.source_exchange_rate = 1;
    if (!flt(doc.target_exchange_rate)) doc.target_exchange_rate = 1;
    if (!doc.posting_date) doc.posting_date = site.clock.today();
    const postingDate = looseDate(doc.posting_date) ?? site.clock.today();
    requireFiscalYear(site, postingDate, company, ctx);

    const bankAccount = paymentType === 'Receive' ? doc.paid_to : doc.paid_from;
    if (accountType(bankAccount) === 'Bank' && !(doc.reference_no && doc.reference_date)) {
      throw erpnextThrow('Reference No and Reference Date is mandatory for Bank transaction');
    }
    if (!flt(doc.received_amount) && flt(doc.paid_amount)) doc.received_amount = doc.paid_amount;
    if (!flt(doc.paid_amount) && flt(doc.received_amount)) doc.paid_amount = doc.received_amount;
    doc.base_paid_amount = mulRound(doc.paid_amount, doc.source_exchange_rate, 2);
    doc.base_received_amount = mulRound(doc.received_amount, doc.target_exchange_rate, 2);
    doc.paid_amount_after_tax = flt(doc.paid_amount);
    doc.base_paid_amount_after_tax = flt(doc.base_paid_amount);
    doc.received_amount_after_tax = flt(doc.received_amount);
    doc.base_received_amount_after_tax = flt(doc.base_received_amount);

    for (const ref of rows(doc, 'references')) {
      const refDoctype = str(ref.reference_doctype);
      const refName = str(ref.reference_name);
      if (refDoctype !== 'Sales Invoice') continue;
      const invoice = site.tables.get('Sales Invoice', refName);
      if (!invoice) throw frappeThrow(`Sales Invoice ${refName} not found`, 'DoesNotExistError');
      if (cint(invoice.docstatus) !== 1) throw erpnextThrow(`${refDoctype} ${refName} must be submitted`);
      if (invoice.customer !== doc.party) throw erpnextThrow(`${refDoctype} ${refName} is not associated with ${str(doc.party_type)} ${str(doc.party)}`);
      ref.total_amount = flt(invoice.rounded_total) || flt(invoice.grand_total);
      ref.outstanding_amount = flt(invoice.outstanding_amount);
      ref.due_date = invoice.due_date;
      ref.exchange_rate = flt(ref.exchange_rate) || 1;
      ref.account = ref.account ?? invoice.debit_to;
      ref.exchange_gain_loss = flt(ref.exchange_gain_loss);
      ref.payment_term_outstanding = flt(ref.payment_term_outstanding);
      ref.payment_request_outstanding = flt(ref.payment_request_outstanding);
      const allocated = flt(ref.allocated_amount);
      const outstanding = flt(ref.outstanding_amount);
      if ((outstanding >= 0 && allocated > outstanding) || (outstanding < 0 && allocated < outstanding)) {
        throw erpnextThrow(`Row #${cint(ref.idx)}: Allocated Amount cannot be greater than outstanding amount.`);
      }
      if (allocated < 0 && outstanding >= 0) throw erpnextThrow(`Row #${cint(ref.idx)}: Allocated amount cannot be negative`);
    }
    // validate_allocated_amount_as_per_payment_request
    for (const ref of rows(doc, 'references')) {
      if (!ref.payment_request) continue;
      const request = site.tables.get('Payment Request', str(ref.payment_request));
      if (request && flt(ref.allocated_amount) > flt(request.outstanding_amount)) {
        const link = `<a href="${ctx.baseUrl}/app/payment-request/${str(request.name)}">${str(request.name)}</a>`;
        throw erpnextThrow(`Row #${cint(ref.idx)}: Allocated Amount cannot be greater than Outstanding Amount of Payment Request ${link}`);
      }
    }
    // validate_payment_against_negative_invoice: money paid out to a customer only settles credit notes.
    if ((paymentType === 'Pay' && doc.party_type === 'Customer') || (paymentType === 'Receive' && doc.party_type === 'Supplier')) {
      const negative = sum(rows(doc, 'references').filter((r) => flt(r.outstanding_amount) < 0).map((r) => Math.abs(flt(r.outstanding_amount))));
      const paid = paymentType === 'Receive' ? flt(doc.paid_amount) : flt(doc.received_amount);
      if (!negative) {
        throw invalidPaymentEntry(`Cannot ${paymentType} ${doc.party_type === 'Customer' ? 'to' : 'from'} ${str(doc.party_type)} without any negative outstanding invoice`);
      }
      if (paid > negative) throw invalidPaymentEntry(`Paid Amount cannot be greater than total negative outstanding amount ${pyAmount(negative)}`);
    }
    // set_total_allocated_amount takes the absolute sum: a refund's rows carry negative allocations.
    const totalAllocated = Math.abs(sum(rows(doc, 'references').map((r) => r.allocated_amount)));
    doc.total_allocated_amount = totalAllocated;
    doc.base_total_allocated_amount = totalAllocated;
    const base = paymentType === 'Receive' ? flt(doc.base_received_amount) : flt(doc.base_paid_amount);
    if (totalAllocated > base && paymentType !== 'Internal Transfer') {
      throw erpnextThrow(`Total allocated amount (${pyAmount(totalAllocated)}) is greater than the paid amount (${pyAmount(base)}).`);
    }
    doc.unallocated_amount = Dec.of(base).sub(totalAllocated).round(2).toNumber();
    doc.difference_amount = 0;
    doc.title = paymentType === 'Internal Transfer' ? `${str(doc.paid_from)}-${str(doc.paid_to)}` : doc.party;
    if (!cint(doc.custom_remarks)) {
      const currency = paymentType === 'Receive' ? str(doc.paid_to_account_currency) : str(doc.paid_from_account_currency);
      const amount = paymentType === 'Receive' ? doc.paid_amount : doc.received_amount;
      const lines = [`Amount ${currency} ${pyAmount(amount)} ${paymentType === 'Receive' ? 'received from' : 'to'} ${str(doc.party)}`];
      if (doc.reference_no) lines.push(`Transaction reference no ${str(doc.reference_no)} dated ${str(doc.reference_date)}`);
      for (const ref of rows(doc, 'references')) {
        if (flt(ref.allocated_amount)) lines.push(`Amount ${acc.currency} ${pyAmount(ref.allocated_amount)} against ${str(ref.reference_doctype)} ${str(ref.reference_name)}`);
      }
      doc.remarks = lines.join('\n');
    }
    const wordsAmount = paymentType === 'Receive' ? flt(doc.received_amount) : flt(doc.paid_amount);
    doc.in_words = moneyInWords(wordsAmount, paymentType === 'Receive' ? str(doc.paid_to_account_currency) : str(doc.paid_from_account_currency));
    doc.base_in_words = moneyInWords(paymentType === 'Receive' ? flt(doc.base_received_amount) : flt(doc.base_paid_amount), acc.currency);
    doc.status = cint(doc.docstatus) === 1 ? 'Submitted' : cint(doc.docstatus) === 2 ? 'Cancelled' : 'Draft';
  };

  const applyToInvoices = (doc: Doc, ctx: Ctx, sign: 1 | -1): void => {
    for (const ref of rows(doc, 'references')) {
      if (ref.reference_doctype !== 'Sales Invoice') continue;
      const invoice = engine.stored('Sales Invoice', str(ref.reference_name));
      if (!invoice) continue;
      const outstanding = Dec.of(invoice.outstanding_amount).sub(Dec.of(ref.allocated_amount).mul(sign)).round(2).toNumber();
      engine.dbSet(ctx, 'Sales Invoice', str(invoice.name), { outstanding_amount: outstanding });
      refreshInvoiceStatus(site, ctx, str(invoice.name));
      ref.outstanding_amount = outstanding;
    }
    updatePaymentRequests(rows(doc, 'references'), ctx, sign === -1);
  };

  /**
   * update_payment_requests_as_per_pe_references (payment_request.py): each reference naming a Payment Request
   * moves its outstanding by the allocated amount and sets its status from it. frappe.db.bulk_update writes them:
   * no document event, so no webhook, fires for the Payment Request.
   */
  const updatePaymentRequests = (references: Doc[], ctx: Ctx, cancel: boolean): void => {
    const outstandingByName = new Map<string, Dec>();
    for (const ref of references) {
      if (!ref.payment_request) continue;
      const name = str(ref.payment_request);
      const request = engine.stored('Payment Request', name);
      if (!request) continue;
      const before = outstandingByName.get(name) ?? Dec.of(request.outstanding_amount);
      const after = (cancel ? before.add(ref.allocated_amount) : before.sub(ref.allocated_amount)).round(2);
      outstandingByName.set(name, after);
      if (!cancel && after.cmp(0) < 0) {
        throw erpnextThrow(`The allocated amount is greater than the outstanding amount of Payment Request ${name}`, 'ValidationError', 'Invalid Allocated Amount');
      }
      let status: string | undefined;
      if (after.cmp(request.grand_total) === 0) status = request.payment_request_type === 'Outward' ? 'Initiated' : 'Requested';
      else if (after.isZero()) status = 'Paid';
      else if (after.cmp(0) > 0) status = 'Partially Paid';
      engine.dbSet(ctx, 'Payment Request', name, { outstanding_amount: after.toNumber(), ...(status ? { status } : {}) });
    }
  };

  site.registerController('Payment Entry', {
    ignoreLinkedDoctypesOnCancel: IGNORE_ON_CANCEL,
    validate,
    onSubmit: ({ doc, ctx, meta }) => {
      doc.status = 'Submitted';
      applyToInvoices(doc, ctx, 1);
      const postingDate = looseDate(doc.posting_date) ?? site.clock.today();
      const fy = requireFiscalYear(site, postingDate, str(doc.company), ctx);
      const receive = doc.payment_type === 'Receive';
      // Receive: the bank is debited, the party's account credited per reference. Pay (a refund): the party's
      // account is debited per reference (credit notes carry negative allocations), the bank credited.
      const partyAccount = str(receive ? doc.paid_from : doc.paid_to);
      const partyLine = (amount: number, againstVoucherType: string, againstVoucher: string): GlLine => ({
        account: partyAccount,
        debit: receive ? 0 : amount,
        credit: receive ? amount : 0,
        partyType: str(doc.party_type),
        party: str(doc.party),
        againstVoucherType,
        againstVoucher,
      });
      const lines: GlLine[] = [
        receive ? { account: str(doc.paid_to), debit: flt(doc.base_received_amount), credit: 0 } : { account: str(doc.paid_from), debit: 0, credit: flt(doc.base_paid_amount) },
        ...rows(doc, 'references').map((r) => partyLine(Math.abs(flt(r.allocated_amount)), str(r.reference_doctype), str(r.reference_name))),
      ];
      if (flt(doc.unallocated_amount)) lines.push(partyLine(flt(doc.unallocated_amount), 'Payment Entry', str(doc.name)));
      postGlEntries(site, ctx, doc, lines, postingDate, fy);
      engine.dbPut(ctx, meta, doc);
    },
    beforeCancel: ({ doc }) => {
      doc.status = 'Cancelled';
    },
    onCancel: ({ doc, ctx, meta }) => {
      applyToInvoices(doc, ctx, -1);
      cancelGlEntries(site, ctx, 'Payment Entry', str(doc.name));
      engine.dbPut(ctx, meta, doc);
    },
  });

  // -------------------------------------------------------------- Payment Request
  // Read from ERPNext 15's payment_request.py: make_payment_request, get_amount,
  // get_existing_payment_request_amount, validate_payment_request_amount, before_submit, on_cancel,
  // create_payment_entry, make_payment_entry.

  /** get_gateway_details: the named Payment Gateway Account (none if it does not exist), else the default one. */
  const gatewayAccount = (name?: string): Doc | undefined => {
    if (name) return site.tables.get('Payment Gateway Account', name);
    for (const g of site.tables.rows('Payment Gateway Account')) if (cint(g.is_default)) return g;
    return undefined;
  };

  /** get_amount: what is left to request on the reference, 0 when nothing is. */
  const requestableAmount = (ref: Doc): Dec => {
    const dt = str(ref.doctype);
    let amount: Dec;
    if (dt === 'Sales Order' || dt === 'Purchase Order') amount = Dec.of(flt(ref.rounded_total) || flt(ref.grand_total)).sub(flt(ref.advance_paid));
    else amount = Dec.of(ref.outstanding_amount);
    amount = amount.round(2);
    return amount.cmp(0) > 0 ? amount : Dec.zero();
  };

  /** get_existing_payment_request_amount: the outstanding of the reference's submitted Payment Requests. */
  const requestedAmount = (ref: Doc, exceptName?: string): Dec => {
    let total = Dec.zero();
    for (const pr of site.tables.rows('Payment Request')) {
      if (pr.reference_doctype === ref.doctype && pr.reference_name === ref.name && cint(pr.docstatus) === 1 && pr.name !== exceptName) total = total.add(pr.outstanding_amount);
    }
    return total;
  };

  site.registerController('Payment Request', {
    validate: ({ doc, isNew }) => {
      if (isNew) doc.status = 'Draft';
      if (!doc.reference_doctype || !doc.reference_name) throw erpnextThrow('To create a Payment Request reference document is required');
      // validate_payment_request_amount. No docstatus check: a draft invoice can be requested (its outstanding
      // is its grand total); paying it is what fails, when the Payment Entry refuses a draft reference.
      if (flt(doc.grand_total) === 0 && doc.grand_total !== null && doc.grand_total !== undefined) {
        throw erpnextThrow('Amount cannot be zero', 'ValidationError', 'Invalid Amount');
      }
      const ref = engine.getDoc(str(doc.reference_doctype), str(doc.reference_name));
      if (ref.order_type !== 'Shopping Cart') {
        const refAmount = requestableAmount(ref);
        if (refAmount.isZero()) throw erpnextThrow('Payment Entry is already created');
        if (requestedAmount(ref).add(Dec.of(doc.grand_total).round(2)).round(2).cmp(refAmount) > 0) {
          throw erpnextThrow(`Total Payment Request amount cannot be greater than ${str(doc.reference_doctype)} amount`);
        }
      }
    },
    beforeSubmit: ({ doc, ctx }) => {
      doc.outstanding_amount = doc.grand_total;
      doc.status = doc.payment_request_type === 'Outward' ? 'Initiated' : 'Requested';
      // set_payment_request_url: only a gateway whose controller answers gives a URL (get_payment_url).
      if (doc.payment_request_type === 'Inward' && doc.payment_channel !== 'Phone' && doc.payment_account && doc.payment_gateway) {
        const controller = site.paymentGatewayController;
        if (controller && site.tables.has('Payment Gateway', str(doc.payment_gateway))) doc.payment_url = controller.paymentUrl(ctx, doc);
      }
    },
    onCancel: ({ doc, ctx }) => {
      // check_if_payment_entry_exists
      if (doc.status === 'Paid') {
        const linked = [...site.tables.rows('Payment Entry')].some(
          (pe) => cint(pe.docstatus) < 2 && rows(pe, 'references').some((r) => r.reference_name === doc.reference_name),
        );
        if (linked) throw erpnextThrow('Payment Entry already exists', 'ValidationError', 'Error');
      }
      // set_as_cancelled: a db_set, so on_change runs again.
      doc.status = 'Cancelled';
      engine.dbSetDoc(ctx, 'Payment Request', str(doc.name), { status: 'Cancelled' });
    },
  });

  methods.register('erpnext.accounts.doctype.payment_request.payment_request.make_payment_request', {
    params: [],
    kwargs: true,
    allowGuest: true,
    fn: ({ ctx, args }) => {
      const allowed = ['Sales Order', 'Purchase Order', 'Sales Invoice', 'Purchase Invoice', 'POS Invoice', 'Fees'];
      const dt = str(args.dt);
      if (!allowed.includes(dt)) throw erpnextThrow(`Payment Requests cannot be created against: <strong>${dt}</strong>`);
      const ref = engine.getDoc(dt, str(args.dn));
      const gateway = gatewayAccount(args.payment_gateway_account ? str(args.payment_gateway_account) : undefined);
      let grandTotal = requestableAmount(ref);
      if (grandTotal.isZero()) throw erpnextThrow('Payment Entry is already created');
      const existing = requestedAmount(ref);
      if (!existing.isZero()) {
        grandTotal = grandTotal.sub(existing).round(2);
        if (grandTotal.isZero()) throw erpnextThrow('Payment Request is already created');
      }
      const draft = [...site.tables.rows('Payment Request')].find((p) => p.reference_doctype === dt && p.reference_name === ref.name && cint(p.docstatus) === 0);
      const meta = engine.requireMeta('Payment Request');
      let pr: Doc;
      return ctx.asSystem(() => {
        if (draft) {
          engine.dbSet(ctx, 'Payment Request', str(draft.name), { grand_total: grandTotal.toNumber() }, false);
          pr = engine.getDoc('Payment Request', str(draft.name));
        } else {
          pr = engine.buildDoc(meta, {
            ...engine.newDoc(ctx, 'Payment Request'),
            payment_gateway_account: gateway?.name ?? null,
            payment_gateway: gateway?.payment_gateway ?? null,
            payment_account: gateway?.payment_account ?? null,
            payment_channel: gateway?.payment_channel ?? '',
            payment_request_type: args.payment_request_type ?? (['Purchase Order', 'Purchase Invoice'].includes(dt) ? 'Outward' : 'Inward'),
            currency: ref.currency,
            party_account_currency: ref.party_account_currency ?? ref.currency ?? null,
            grand_total: grandTotal.toNumber(),
            mode_of_payment: args.mode_of_payment ?? null,
            email_to: args.recipient_id ?? ref.owner,
            subject: `Payment Request for ${str(args.dn)}`,
            message: gateway?.message
              ? str(gateway.message)
              : `<p>Hello,</p>\n\n<p>Requesting payment against ${dt} ${str(ref.name)} for amount ${fmtMoney(site, flt(ref.grand_total), str(ref.currency))}</p>\n\n<a href="{{ payment_url }}">Make Payment</a>\n\n<p>If you have any questions, please get back to us.</p>\n\n<p>Thank you for your business!</p>`,
            reference_doctype: dt,
            reference_name: ref.name,
            company: ref.company,
            party_type: args.party_type ?? 'Customer',
            party: args.party ?? ref.customer,
            bank_account: '',
            party_name: args.party_name ?? ref.customer_name,
            cost_center: ref.cost_center ?? null,
            project: ref.project ?? null,
          });
          if (site.settings.createPaymentRequestInDraft()) engine.insert(ctx, pr);
          if (truthy(args.submit_doc)) {
            if (truthy(pr.__unsaved) || truthy(pr.__islocal)) engine.insert(ctx, pr);
            engine.submit(ctx, pr);
          }
        }
        return truthy(args.return_doc) ? engine.responseForm(meta, pr) : engine.fullForm(meta, pr);
      });
    },
  });

  methods.register('erpnext.accounts.doctype.payment_request.payment_request.make_payment_entry', {
    params: ['docname'],
    required: ['docname'],
    fn: ({ ctx, args }) => {
      const pr = engine.getDoc('Payment Request', str(args.docname));
      return engine.fullForm(engine.requireMeta('Payment Entry'), createPaymentEntryFromRequest(site, ctx, pr, { getPaymentEntry, submit: false }));
    },
  });

  return { getPaymentEntry };
}

export type GetPaymentEntry = (ctx: Ctx, args: Record<string, unknown>) => Doc;

/**
 * PaymentRequest.create_payment_entry: ERPNext's proposal for the request's outstanding amount (all of the
 * reference's outstanding when the request has none yet, a draft), paid into the request's payment account,
 * referenced by the request's name; inserted and submitted when `submit`.
 */
export function createPaymentEntryFromRequest(site: Site, ctx: Ctx, pr: Doc, options: { getPaymentEntry: GetPaymentEntry; submit: boolean }): Doc {
  const engine = site.engine;
  const pe = options.getPaymentEntry(ctx, {
    dt: pr.reference_doctype,
    dn: pr.reference_name,
    party_amount: pr.outstanding_amount,
    bank_account: pr.payment_account,
    bank_amount: pr.outstanding_amount,
    created_from_payment_request: true,
  });
  pe.mode_of_payment = pr.mode_of_payment ?? null;
  // The request's name stands in for the bank reference that a Bank account demands.
  pe.reference_no = pr.name;
  pe.reference_date = site.clock.today();
  pe.remarks = `Payment Entry against ${str(pr.reference_doctype)} ${str(pr.reference_name)} via Payment Request ${str(pr.name)}`;
  // _allocate_payment_request_to_pe_references with the single row get_payment_entry makes.
  for (const r of rows(pe, 'references')) r.payment_request = pr.name;
  pe.cost_center = pr.cost_center ?? null;
  pe.project = pr.project ?? null;
  if (options.submit) {
    ctx.asSystem(() => engine.insert(ctx, pe));
    engine.submit(ctx, pe);
  }
  return pe;
}
