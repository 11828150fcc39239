// Calls the sidecar's money flows make that neither the recordings nor the money cases cover: an invoice at the
// quote's rates with the taxes of the site's default template, a partial credit note made from ERPNext's return
// proposal (two returned rows on one original row, the second at a lower rate) that credits the original
// (update_outstanding_for_self 0), and the refund then paid against the original invoice. Expectations are written
// from ERPNext 15's source, cited per case; they run against the emulator or a real site (FRAPPE_URL, ...).
import type { Doc } from '../fixtures';
import { Ctx, type Scenario, type Theme } from '../scenario';
import { isRecord } from '../shape';
import { LINES } from './common';

const GET_PAYMENT_ENTRY = '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry';
const MAKE_SALES_RETURN = '/api/method/erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return';

function unrecorded(name: string, run: (ctx: Ctx) => Promise<void>): Scenario {
  return { name, execute: run };
}

function rows(doc: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = doc[field];
  return Array.isArray(value) ? (value as unknown[]).filter(isRecord) : [];
}

async function proposal(ctx: Ctx, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await ctx.site.must(`ask for a proposal (${JSON.stringify(body)})`, 'POST', path, { json: body });
  const doc = reply.at('message');
  if (!isRecord(doc)) throw new Error(`No proposal in the answer: ${reply.summary()}`);
  return doc;
}

async function paidInvoice(ctx: Ctx): Promise<Doc> {
  const catalogue = await ctx.catalogue();
  const invoice = await ctx.fx.invoice(catalogue, { customer: await ctx.customer('Acme SARL'), lines: LINES.fiveHundred, state: 'submitted' });
  await ctx.fx.insert('Payment Entry', { ...(await proposal(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: invoice.name })), reference_no: ctx.fx.unique('VIR'), reference_date: ctx.today, docstatus: 1 });
  return invoice;
}

/**
 * make_sales_return's proposal with its one row returned twice: one unit at the original rate and one at half of it
 * (what the sidecar sends to credit 150.00 of 5 × 100.00), crediting the original invoice.
 */
async function partialCreditNote(ctx: Ctx, original: Doc): Promise<Doc> {
  const proposed = await proposal(ctx, MAKE_SALES_RETURN, { source_name: original.name });
  const [row] = rows(proposed, 'items');
  if (!row) throw new Error('make_sales_return proposed no row');
  const computed = new Set(['stock_qty', 'amount', 'net_rate', 'net_amount', 'base_rate', 'base_amount', 'base_net_rate', 'base_net_amount', 'discount_amount']);
  const base = Object.fromEntries(Object.entries(row).filter(([field]) => !computed.has(field)));
  return ctx.fx.insert('Sales Invoice', {
    ...proposed,
    items: [
      { ...base, qty: -1, stock_qty: -1, rate: 100 },
      { ...base, qty: -1, stock_qty: -1, rate: 50 },
    ],
    update_outstanding_for_self: 0,
    docstatus: 1,
  });
}

async function state(ctx: Ctx, name: string): Promise<[unknown, unknown]> {
  const doc = await ctx.fx.get('Sales Invoice', name);
  return [doc.status, doc.outstanding_amount];
}

export const moneyFlows: Theme = {
  name: 'money flows of the sidecar (cases without a recording)',
  scenarios: [
    // AccountsController.validate → calculate_taxes_and_totals: with `taxes` given (the desk copies the template's
    // rows, get_taxes_and_charges) and ignore_pricing_rule set, the typed rates stay (set_missing_item_details only
    // fills empty fields; price_list_rate keeps the list's), each row amount = rate × qty and each On Net Total tax =
    // rate % of the net total. po_no is a plain Data field, echoed. Submitting leaves it Unpaid for its grand total.
    unrecorded('invoice_at_quote_rates_with_the_default_template_taxes', async (ctx) => {
      const templates = await ctx.site.must('find the default tax template', 'GET', '/api/resource/Sales Taxes and Charges Template', {
        query: { fields: JSON.stringify(['name']), filters: JSON.stringify([['is_default', '=', 1], ['company', '=', ctx.site.info.company]]), limit_page_length: '1' },
      });
      const name = templates.at('data.0.name');
      if (typeof name !== 'string') throw new Error(`this site's company ${ctx.site.info.company} has no default Sales Taxes and Charges Template`);
      const template = await ctx.fx.get('Sales Taxes and Charges Template', name);
      const taxRows = rows(template, 'taxes');
      if (taxRows.length === 0 || taxRows.some((t) => t.charge_type !== 'On Net Total' || Number(t.included_in_print_rate ?? 0) !== 0)) {
        throw new Error(`the default template ${name} is not a plain "On Net Total" one: this case does not apply`);
      }
      const copied = taxRows.map((t) => ({ charge_type: t.charge_type, account_head: t.account_head, description: t.description, rate: t.rate, cost_center: t.cost_center, included_in_print_rate: 0 }));
      const catalogue = await ctx.catalogue();
      const key = ctx.fx.unique('CRN-BKG');
      const draft = await ctx.fx.insert('Sales Invoice', {
        customer: await ctx.customer('Acme SARL'),
        ignore_pricing_rule: 1,
        po_no: key,
        taxes_and_charges: name,
        taxes: copied,
        items: [{ item_code: catalogue.code('SRV-CONSULT'), qty: 2, rate: 90 }],
      });
      const [item] = rows(draft, 'items');
      expect([item?.rate, item?.amount, item?.price_list_rate, draft.total, draft.po_no, draft.taxes_and_charges]).toEqual([90, 180, 120, 180, key, name]);
      const taxes = taxRows.reduce((sum, t) => sum + Math.round(180 * Number(t.rate)) / 100, 0);
      expect([draft.total_taxes_and_charges, draft.grand_total]).toEqual([taxes, 180 + taxes]);
      const submitted = await ctx.fx.submit('Sales Invoice', draft.name);
      expect([submitted.status, submitted.outstanding_amount]).toEqual(['Unpaid', 180 + taxes]);
    }),

    // validate_return → validate_returned_items: a row carrying sales_invoice_item is checked against that row
    // (quantity returned ≤ quantity sold, per row; rate ≤ the row's rate), so two rows of −1 at 100.00 and 50.00 pass.
    // With update_outstanding_for_self 0, get_gl_entries books the credit against return_against and
    // update_voucher_outstanding moves the original's outstanding to −150.00; SalesInvoice.set_status gives the
    // original "Credit Note Issued" (a submitted return exists, nothing outstanding) and the note "Return".
    unrecorded('partial_credit_note_credits_the_paid_original', async (ctx) => {
      const original = await paidInvoice(ctx);
      const credit = await partialCreditNote(ctx, original);
      expect([credit.docstatus, credit.is_return, credit.return_against, credit.total, credit.grand_total]).toEqual([1, 1, original.name, -150, -150]);
      expect(rows(credit, 'items').map((row) => [row.qty, row.rate, row.amount])).toEqual([
        [-1, 100, -100],
        [-1, 50, -50],
      ]);
      expect(await state(ctx, original.name)).toEqual(['Credit Note Issued', -150]);
      expect((await ctx.fx.get('Sales Invoice', credit.name)).status).toBe('Return');
    }),

    // get_payment_entry on the original, whose outstanding is now negative: set_payment_type gives "Pay" (a Sales
    // Invoice without positive outstanding), paid_amount = |outstanding| and the row's allocated_amount the signed
    // outstanding; validate_payment_against_negative_invoice accepts it (the reference has a negative outstanding).
    // Submitting it brings the original's outstanding to 0.
    unrecorded('refund_paid_against_the_credited_original', async (ctx) => {
      const original = await paidInvoice(ctx);
      await partialCreditNote(ctx, original);
      const refund = await proposal(ctx, GET_PAYMENT_ENTRY, { dt: 'Sales Invoice', dn: original.name });
      expect([refund.payment_type, refund.paid_amount]).toEqual(['Pay', 150]);
      expect(rows(refund, 'references').map((r) => [r.reference_name, r.allocated_amount])).toEqual([[original.name, -150]]);
      const payment = await ctx.fx.insert('Payment Entry', { ...refund, reference_no: ctx.fx.unique('RMB'), reference_date: ctx.today, docstatus: 1 });
      expect([payment.docstatus, payment.total_allocated_amount]).toEqual([1, 150]);
      expect(await state(ctx, original.name)).toEqual(['Credit Note Issued', 0]);
    }),
  ],
};
