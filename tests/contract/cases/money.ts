// Cases the money flows need (prepaid bookings, deposits, cancellations, refunds) and the recordings lack.
// No site recorded them, so each expected answer is written out here from ERPNext 15's source, cited in the
// case's comment: status, exception type and message compared by value, documents checked field by field.
// They run like the recorded cases, against the emulator or a real site (FRAPPE_URL, ...), which is how an
// expectation read from the source is held to the real thing. These are not in THEMES: the coverage test
// pairs THEMES with recording files one to one.
import type { Doc } from '../fixtures';
import { Ctx, type Scenario, type Theme } from '../scenario';
import { compareResponse, formatMismatches, isRecord, Substitution, type RecordedResponse } from '../shape';
import type { Reply } from '../site';
import { LINES, PAYMENT_NAME } from './common';

const MAKE_PAYMENT_REQUEST = '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_request';
const MAKE_PAYMENT_ENTRY = '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_entry';
const GET_PAYMENT_ENTRY = '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry';
const MAKE_SALES_RETURN = '/api/method/erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return';
const REQUEST_NAME = /^ACC-PRQ-\d{4}-\d{5}$/;

/** A case without a recording: its expectations are in its code. */
function unrecorded(name: string, run: (ctx: Ctx) => Promise<void>): Scenario {
  return { name, execute: run };
}

/** The answer of a frappe.throw(message, exc) as Frappe 15's v1 API renders it (compared like a recording). */
function thrown(message: string, options: { excType?: string; title?: string; module?: string } = {}): RecordedResponse {
  const excType = options.excType ?? 'ValidationError';
  const entry = { message, title: options.title ?? 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: '5f'.repeat(28) };
  return {
    status: 417,
    headers: { 'content-type': 'application/json' },
    body: {
      exception: `${options.module ?? 'frappe.exceptions'}.${excType}: ${message}`,
      exc_type: excType,
      exc: JSON.stringify(['Traceback (most recent call last):\n']),
      _server_messages: JSON.stringify([JSON.stringify(entry)]),
    },
  };
}

function expectAnswer(reply: Reply, expected: RecordedResponse, what: string): void {
  const mismatches = compareResponse(expected, reply, { names: new Substitution([]) });
  if (mismatches.length > 0) {
    throw new Error(`${what}: the answer differs from what ERPNext's source gives:\n${formatMismatches(mismatches)}\nanswer (${reply.status}): ${reply.text.slice(0, 1500)}`);
  }
}

/** The document in a 2xx answer (`data` or `message`). */
function docIn(reply: Reply, what: string): Doc {
  if (!reply.ok) throw new Error(`${what} failed: ${reply.summary()}`);
  const body = reply.json;
  const value = isRecord(body) ? ('message' in body ? body.message : body.data) : undefined;
  if (!isRecord(value) || typeof value.name !== 'string') throw new Error(`${what}: no document in the answer: ${reply.summary()}`);
  return value as Doc;
}

async function customer(ctx: Ctx): Promise<string> {
  return ctx.customer('Acme SARL');
}

/** A Sales Invoice of 800 (one training day) or 500 (five consulting hours at 100), as the recorded ones. */
async function invoice(ctx: Ctx, lines: 'eightHundred' | 'fiveHundred', state: 'draft' | 'submitted'): Promise<Doc> {
  const catalogue = await ctx.catalogue();
  return ctx.fx.invoice(catalogue, { customer: await customer(ctx), lines: LINES[lines], state });
}

/** make_payment_request as the sidecar calls it; the request is tracked for removal. */
async function makePaymentRequest(ctx: Ctx, invoiceName: string, submit: 0 | 1 = 0): Promise<Reply> {
  const reply = await ctx.site.call('POST', MAKE_PAYMENT_REQUEST, { json: { dt: 'Sales Invoice', dn: invoiceName, submit_doc: submit, mute_email: 1, return_doc: 1 } });
  const name = reply.at('message.name');
  if (reply.ok && typeof name === 'string') ctx.fx.track('Payment Request', name);
  return reply;
}

/** A draft Payment Request for the invoice's outstanding (create_pr_in_draft_status saves it), optionally submitted. */
async function paymentRequest(ctx: Ctx, invoiceName: string, options: { amount?: number; submit?: boolean } = {}): Promise<Doc> {
  let pr = docIn(await makePaymentRequest(ctx, invoiceName), 'make_payment_request');
  if (pr.docstatus !== 0) throw new Error(`make_payment_request(submit_doc=0) gave docstatus ${String(pr.docstatus)}: this site's Accounts Settings do not create Payment Requests in draft`);
  if (options.amount !== undefined) pr = await ctx.fx.update('Payment Request', pr.name, { grand_total: options.amount });
  if (options.submit ?? false) pr = await ctx.fx.submit('Payment Request', pr.name);
  return pr;
}

/** Inserts a Payment Entry proposal (get_payment_entry or make_payment_entry) as submitted, tracked. */
async function submitPayment(ctx: Ctx, proposal: Record<string, unknown>, reference?: string): Promise<Doc> {
  return ctx.fx.insert('Payment Entry', { ...proposal, reference_no: reference ?? proposal.reference_no ?? ctx.fx.unique('VIR'), reference_date: ctx.today, docstatus: 1 });
}

async function proposalFor(ctx: Ctx, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await ctx.site.must(`ask for a payment proposal (${JSON.stringify(body)})`, 'POST', path, { json: body });
  const doc = reply.at('message');
  if (!isRecord(doc)) throw new Error(`No proposal in the answer: ${reply.summary()}`);
  return doc;
}

function references(doc: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(doc.references) ? (doc.references as unknown[]).filter(isRecord) : [];
}

async function state(ctx: Ctx, doctype: string, name: string): Promise<[unknown, unknown]> {
  const doc = await ctx.fx.get(doctype, name);
  return [doc.status, doc.outstanding_amount];
}

/** The message check_if_doc_is_linked / check_if_doc_is_dynamically_linked raise (raise_link_exists_exception). */
function linkExists(ctx: Ctx, doctype: string, name: string, linkedDoctype: string, linkedName: string): RecordedResponse {
  const slug = (dt: string): string => dt.toLowerCase().replace(/ /g, '-');
  const url = ctx.site.target.url;
  return thrown(
    `Cannot delete or cancel because ${doctype} <a href="${url}/app/${slug(doctype)}/${name}">${name}</a> is linked with ${linkedDoctype} <a href="${url}/app/${slug(linkedDoctype)}/${linkedName}">${linkedName}</a> `,
    { excType: 'LinkExistsError' },
  );
}

export const money: Theme = {
  name: 'money (cases without a recording)',
  scenarios: [
    // make_payment_request has no docstatus check: get_amount takes the reference's outstanding_amount, which
    // a draft Sales Invoice already holds (its grand total); validate_payment_request_amount only compares
    // amounts; before_submit sets status "Requested" (Inward) and outstanding_amount = grand_total.
    unrecorded('payment_request_against_draft_invoice', async (ctx) => {
      const draft = await invoice(ctx, 'eightHundred', 'draft');
      const made = await makePaymentRequest(ctx, draft.name);
      const pr = docIn(made, 'make_payment_request on a draft invoice');
      expect(pr.name).toMatch(REQUEST_NAME);
      expect([pr.docstatus, pr.status, pr.grand_total, pr.reference_doctype, pr.reference_name]).toEqual([0, 'Draft', 800, 'Sales Invoice', draft.name]);
      const submitted = await ctx.fx.submit('Payment Request', pr.name);
      expect([submitted.docstatus, submitted.status, submitted.outstanding_amount]).toEqual([1, 'Requested', 800]);
      expect((await ctx.fx.get('Sales Invoice', draft.name)).docstatus).toBe(0);
    }),

    // PaymentRequest.create_payment_entry(submit=False) via make_payment_entry: get_payment_entry has no
    // docstatus check, so a proposal comes back; PaymentEntry.validate → validate_reference_documents then
    // refuses it: frappe.throw(_("{0} {1} must be submitted")) (ValidationError, 417). A gateway's callback
    // ends the same way: the money is taken, no Payment Entry is made.
    unrecorded('payment_entry_for_request_against_draft_invoice', async (ctx) => {
      const draft = await invoice(ctx, 'eightHundred', 'draft');
      const pr = await paymentRequest(ctx, draft.name, { submit: true });
      const proposal = await proposalFor(ctx, MAKE_PAYMENT_ENTRY, { docname: pr.name });
      expect(references(proposal).map((r) => [r.reference_name, r.allocated_amount, r.payment_request])).toEqual([[draft.name, 800, pr.name]]);
      const reply = await ctx.site.call('POST', '/api/resource/Payment Entry', { json: { ...proposal, docstatus: 1 } });
      expectAnswer(reply, thrown(`Sales Invoice ${draft.name} must be submitted`), 'Saving a payment of a draft invoice');
      expect(await state(ctx, 'Payment Request', pr.name)).toEqual(['Requested', 800]);
    }),

    // frappe/model/delete_doc.py check_if_doc_is_dynamically_linked: Payment Request.reference_name is a
    // Dynamic Link, and a linked document that is not cancelled (docstatus < 2) blocks a delete with
    // raise_link_exists_exception (LinkExistsError, 417). Deleting the draft request first frees the invoice.
    unrecorded('delete_draft_invoice_with_payment_request', async (ctx) => {
      const draft = await invoice(ctx, 'eightHundred', 'draft');
      const pr = await paymentRequest(ctx, draft.name);
      const blocked = await ctx.site.call('DELETE', `/api/resource/Sales Invoice/${draft.name}`);
      expectAnswer(blocked, linkExists(ctx, 'Sales Invoice', draft.name, 'Payment Request', pr.name), 'Deleting a draft invoice with a payment request');
      expect((await ctx.site.call('DELETE', `/api/resource/Payment Request/${pr.name}`)).status).toBe(202);
      const deleted = await ctx.site.call('DELETE', `/api/resource/Sales Invoice/${draft.name}`);
      expect([deleted.status, deleted.at('data')]).toEqual([202, 'ok']);
    }),

    // Same function: only `refdoc.docstatus < 2` blocks a delete, so a cancelled Payment Request does not.
    unrecorded('delete_draft_invoice_after_cancelling_its_payment_request', async (ctx) => {
      const draft = await invoice(ctx, 'eightHundred', 'draft');
      const pr = await paymentRequest(ctx, draft.name, { submit: true });
      const cancelled = await ctx.fx.cancel('Payment Request', pr.name);
      expect([cancelled.docstatus, cancelled.status]).toEqual([2, 'Cancelled']);
      const deleted = await ctx.site.call('DELETE', `/api/resource/Sales Invoice/${draft.name}`);
      expect([deleted.status, deleted.at('data')]).toEqual([202, 'ok']);
    }),

    // Document.cancel → check_no_back_links_exist → check_if_doc_is_dynamically_linked(method="Cancel"): a
    // submitted Payment Request (docstatus 1) blocks cancelling its invoice, Payment Request not being in
    // SalesInvoice.on_cancel's ignore_linked_doctypes. Cancelling the request first lets the invoice go.
    unrecorded('cancel_invoice_with_open_payment_request', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const pr = await paymentRequest(ctx, unpaid.name, { submit: true });
      const blocked = await ctx.site.call('POST', '/api/method/frappe.client.cancel', { json: { doctype: 'Sales Invoice', name: unpaid.name } });
      expectAnswer(blocked, linkExists(ctx, 'Sales Invoice', unpaid.name, 'Payment Request', pr.name), 'Cancelling an invoice with an open payment request');
      await ctx.fx.cancel('Payment Request', pr.name);
      const cancelled = await ctx.fx.cancel('Sales Invoice', unpaid.name);
      expect([cancelled.docstatus, cancelled.status]).toEqual([2, 'Cancelled']);
    }),

    // A deposit. validate_payment_request_amount: existing requests' outstanding + this grand_total may not
    // exceed get_amount (the invoice's outstanding), so a part is allowed. create_payment_entry pays the
    // request's outstanding_amount (party_amount) and names the request on the reference row;
    // update_payment_requests_as_per_pe_references sets it "Paid" at 0. make_payment_request then asks for
    // get_amount − get_existing_payment_request_amount (outstanding of submitted requests, now 0) = the rest.
    unrecorded('payment_request_deposit_then_rest', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const deposit = await paymentRequest(ctx, unpaid.name, { amount: 240, submit: true });
      expect([deposit.status, deposit.grand_total, deposit.outstanding_amount]).toEqual(['Requested', 240, 240]);
      const proposal = await proposalFor(ctx, MAKE_PAYMENT_ENTRY, { docname: deposit.name });
      expect([proposal.payment_type, proposal.paid_amount, proposal.reference_no]).toEqual(['Receive', 240, deposit.name]);
      expect(references(proposal).map((r) => [r.reference_name, r.allocated_amount, r.payment_request])).toEqual([[unpaid.name, 240, deposit.name]]);
      const payment = await submitPayment(ctx, proposal);
      expect(payment.name).toMatch(PAYMENT_NAME);
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Partly Paid', 560]);
      expect(await state(ctx, 'Payment Request', deposit.name)).toEqual(['Paid', 0]);
      const rest = docIn(await makePaymentRequest(ctx, unpaid.name), 'make_payment_request for the rest');
      expect([rest.docstatus, rest.grand_total]).toEqual([0, 560]);
    }),

    // validate_payment_request_amount: flt(existing + grand_total) > ref_amount → frappe.throw(_("Total Payment
    // Request amount cannot be greater than {0} amount").format(self.reference_doctype)).
    unrecorded('payment_request_more_than_invoice', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const pr = await paymentRequest(ctx, unpaid.name);
      const reply = await ctx.site.call('PUT', `/api/resource/Payment Request/${pr.name}`, { json: { grand_total: 900 } });
      expectAnswer(reply, thrown('Total Payment Request amount cannot be greater than Sales Invoice amount'), 'Asking for more than the invoice');
    }),

    // validate_payment_request_amount: `if self.grand_total == 0: frappe.throw(_("{0} cannot be zero")
    // .format(self.get_label_from_fieldname("grand_total")), title=_("Invalid Amount"))`; the label is "Amount".
    unrecorded('payment_request_zero_amount', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const pr = await paymentRequest(ctx, unpaid.name);
      const reply = await ctx.site.call('PUT', `/api/resource/Payment Request/${pr.name}`, { json: { grand_total: 0 } });
      expectAnswer(reply, thrown('Amount cannot be zero', { title: 'Invalid Amount' }), 'Asking for nothing');
    }),

    // make_payment_request: grand_total −= get_existing_payment_request_amount; `if not grand_total:
    // frappe.throw(_("Payment Request is already created"))` when a submitted request covers everything.
    unrecorded('payment_request_already_requested', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      await paymentRequest(ctx, unpaid.name, { submit: true });
      const reply = await makePaymentRequest(ctx, unpaid.name);
      expectAnswer(reply, thrown('Payment Request is already created'), 'A second request for a fully requested invoice');
    }),

    // get_payment_entry (created_from_payment_request False) → allocate_open_payment_requests_to_references:
    // the reference row takes the invoice's open request (submitted, not Paid, outstanding > 0), so a payment
    // recorded at the desk settles the request as well (update_payment_requests_as_per_pe_references).
    unrecorded('payment_entry_settles_open_payment_request', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const pr = await paymentRequest(ctx, unpaid.name, { submit: true });
      const proposal = await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: unpaid.name });
      expect(references(proposal).map((r) => [r.reference_name, r.allocated_amount, r.payment_request])).toEqual([[unpaid.name, 800, pr.name]]);
      await submitPayment(ctx, proposal);
      expect(await state(ctx, 'Payment Request', pr.name)).toEqual(['Paid', 0]);
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Paid', 0]);
    }),

    // get_payment_entry(party_amount=300) pays part; a second get_payment_entry proposes the new outstanding
    // (set_grand_total_and_outstanding_amount reads doc.outstanding_amount), and paying it leaves 0, "Paid".
    unrecorded('payment_entry_partial_then_rest', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      await submitPayment(ctx, await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: unpaid.name, party_amount: 300 }));
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Partly Paid', 500]);
      const rest = await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: unpaid.name });
      expect([rest.paid_amount, references(rest).map((r) => r.allocated_amount)]).toEqual([500, [500]]);
      await submitPayment(ctx, rest);
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Paid', 0]);
    }),

    // PaymentEntry.on_cancel: make_gl_entries(cancel=1) delinks the payment ledger entries, and
    // update_voucher_outstanding → SalesInvoice.set_status(update=True) puts the invoice back to "Unpaid".
    unrecorded('cancel_payment_entry', async (ctx) => {
      const unpaid = await invoice(ctx, 'fiveHundred', 'submitted');
      const payment = await submitPayment(ctx, await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: unpaid.name }));
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Paid', 0]);
      const cancelled = await ctx.fx.cancel('Payment Entry', payment.name);
      expect([cancelled.docstatus, cancelled.status]).toEqual([2, 'Cancelled']);
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Unpaid', 500]);
    }),

    // PaymentEntry.on_cancel → update_payment_requests(cancel=True): the request's outstanding grows back by
    // the allocated amount, and at its grand total the status is "Requested" again.
    unrecorded('cancel_payment_entry_of_payment_request', async (ctx) => {
      const unpaid = await invoice(ctx, 'eightHundred', 'submitted');
      const deposit = await paymentRequest(ctx, unpaid.name, { amount: 240, submit: true });
      const payment = await submitPayment(ctx, await proposalFor(ctx, MAKE_PAYMENT_ENTRY, { docname: deposit.name }));
      expect(await state(ctx, 'Payment Request', deposit.name)).toEqual(['Paid', 0]);
      await ctx.fx.cancel('Payment Entry', payment.name);
      expect(await state(ctx, 'Payment Request', deposit.name)).toEqual(['Requested', 240]);
      expect(await state(ctx, 'Sales Invoice', unpaid.name)).toEqual(['Unpaid', 800]);
    }),

    // A credit note against a paid invoice: make_sales_return maps the rows negated; update_outstanding_for_self
    // defaults to 1, so the return's GL entry is against itself (against_voucher = doc.name in
    // get_gl_entries) and the credit stays on the note: outstanding −500, status "Return"
    // (SalesInvoice.set_status); the original is not touched and stays "Paid".
    unrecorded('credit_note_against_paid_invoice', async (ctx) => {
      const paid = await invoice(ctx, 'fiveHundred', 'submitted');
      await submitPayment(ctx, await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: paid.name }));
      const proposal = await proposalFor(ctx, MAKE_SALES_RETURN, { source_name: paid.name });
      expect([proposal.is_return, proposal.return_against]).toEqual([1, paid.name]);
      const credit = await ctx.fx.insert('Sales Invoice', { ...proposal, docstatus: 1 });
      expect([credit.docstatus, credit.is_return, credit.grand_total, credit.status, credit.outstanding_amount]).toEqual([1, 1, -500, 'Return', -500]);
      expect(await state(ctx, 'Sales Invoice', credit.name)).toEqual(['Return', -500]);
      expect(await state(ctx, 'Sales Invoice', paid.name)).toEqual(['Paid', 0]);
    }),

    // Refunding that credit note: get_payment_entry on it gives payment_type "Pay" (set_payment_type: a Sales
    // Invoice without positive outstanding), paid_amount 500 and the row's allocated_amount −500 (its
    // outstanding); set_total_allocated_amount takes the absolute sum and
    // validate_payment_against_negative_invoice accepts it. The note's outstanding goes to 0, still "Return".
    unrecorded('refund_credit_note', async (ctx) => {
      const paid = await invoice(ctx, 'fiveHundred', 'submitted');
      await submitPayment(ctx, await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: paid.name }));
      const credit = await ctx.fx.insert('Sales Invoice', { ...(await proposalFor(ctx, MAKE_SALES_RETURN, { source_name: paid.name })), docstatus: 1 });
      const refund = await proposalFor(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: credit.name });
      expect([refund.payment_type, refund.paid_amount, refund.party]).toEqual(['Pay', 500, paid.customer]);
      expect(references(refund).map((r) => [r.reference_name, r.allocated_amount])).toEqual([[credit.name, -500]]);
      const payment = await submitPayment(ctx, refund);
      expect([payment.docstatus, payment.total_allocated_amount, payment.unallocated_amount]).toEqual([1, 500, 0]);
      expect(await state(ctx, 'Sales Invoice', credit.name)).toEqual(['Return', 0]);
      expect(await state(ctx, 'Sales Invoice', paid.name)).toEqual(['Paid', 0]);
    }),
  ],
};
