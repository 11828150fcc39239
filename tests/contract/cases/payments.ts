// Paying an invoice: ERPNext's payment proposal, Payment Entries, Payment Requests, and the
// invoice's status and outstanding amount afterwards.
import { scenario, type Theme } from '../scenario';
import { LINES, PAYMENT_NAME, recordedInvoice } from './common';

const unpaid500 = { customer: 'Globex SA', lines: LINES.fiveHundred, state: 'submitted' } as const;
const unpaid800 = { customer: 'Acme SARL', lines: LINES.eightHundred, state: 'submitted' } as const;

export const payments: Theme = {
  name: 'payments',
  scenarios: [
    scenario('method_get_payment_entry', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00007', unpaid500),
      check: (r, invoice, ctx) => {
        const { receivableAccount, bankAccount } = ctx.site.info;
        // An unsaved proposal: the client adds a reference and inserts it.
        expect(r.at('message.__islocal')).toBe(1);
        expect(r.at('message.name') ?? null).toBeNull();
        expect(r.at('message.docstatus')).toBe(0);
        expect(r.at('message.payment_type')).toBe('Receive');
        expect(r.at('message.party')).toBe(invoice.customer);
        expect(r.at('message.paid_amount')).toBe(500);
        expect(r.at('message.references.0.reference_name')).toBe(invoice.name);
        expect(r.at('message.references.0.allocated_amount')).toBe(500);
        if (receivableAccount !== undefined) expect(r.at('message.paid_from')).toBe(receivableAccount);
        if (bankAccount !== undefined) expect(r.at('message.paid_to')).toBe(bankAccount);
      },
    }),
    scenario('create_payment_entry', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00007', unpaid500);
        return { invoice, proposal: await ctx.fx.proposedPayment(invoice.name) };
      },
      // The recorded body is get_payment_entry's proposal plus a reference number: this site's proposal.
      body: (_recorded, { proposal }) => ({ ...proposal, reference_no: 'VIR-0001' }),
      creates: 'Payment Entry',
      check: (r, { invoice }) => {
        expect(r.at('data.name')).toMatch(PAYMENT_NAME);
        expect(r.at('data.docstatus')).toBe(0);
        expect(r.at('data.status')).toBe('Draft');
        expect(r.at('data.paid_amount')).toBe(500);
        expect(r.at('data.references.0.reference_name')).toBe(invoice.name);
      },
    }),
    scenario('create_payment_entry_partial_submitted', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00006', unpaid800);
        return { invoice, proposal: await ctx.fx.proposedPayment(invoice.name, 300) };
      },
      body: (_recorded, { proposal }) => ({ ...proposal, docstatus: 1, reference_no: 'VIR-0002' }),
      creates: 'Payment Entry',
      check: async (r, { invoice }, ctx) => {
        expect(r.at('data.name')).toMatch(PAYMENT_NAME);
        expect(r.at('data.docstatus')).toBe(1);
        expect(r.at('data.status')).toBe('Submitted');
        expect(r.at('data.paid_amount')).toBe(300);
        expect(r.at('data.references.0.allocated_amount')).toBe(300);
        const after = await ctx.fx.get('Sales Invoice', invoice.name);
        expect([after.status, after.outstanding_amount]).toEqual(['Partly Paid', 500]);
      },
    }),
    scenario('submit_payment_entry', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00007', unpaid500);
        const payment = await ctx.fx.pay(invoice.name, { submit: false, reference: 'VIR-0001' });
        ctx.rename('ACC-PAY-2026-00001', payment.name);
        return invoice;
      },
      check: async (r, invoice, ctx) => {
        expect(r.at('data.docstatus')).toBe(1);
        expect(r.at('data.status')).toBe('Submitted');
        const after = await ctx.fx.get('Sales Invoice', invoice.name);
        expect([after.status, after.outstanding_amount]).toEqual(['Paid', 0]);
      },
    }),
    scenario('get_sales_invoice_after_payment', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00007', unpaid500);
        await ctx.fx.pay(invoice.name);
      },
      check: (r) => {
        expect(r.at('data.status')).toBe('Paid');
        expect(r.at('data.outstanding_amount')).toBe(0);
        expect(r.at('data.grand_total')).toBe(500);
      },
    }),
    scenario('method_get_value_after_payment', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00007', unpaid500);
        await ctx.fx.pay(invoice.name);
      },
      // paid_amount is the POS amount paid at the till, not the payments received.
      check: (r) => expect(r.at('message')).toEqual({ status: 'Paid', outstanding_amount: 0, grand_total: 500, paid_amount: 0 }),
    }),
    scenario('get_sales_invoice_partly_paid', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00006', unpaid800);
        await ctx.fx.pay(invoice.name, { amount: 300 });
      },
      check: (r) => expect(r.at('message')).toEqual({ status: 'Partly Paid', outstanding_amount: 500, grand_total: 800 }),
    }),
    scenario('method_make_payment_request', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00006', unpaid800),
      creates: 'Payment Request',
      check: (r, invoice) => {
        expect(r.at('message.name')).toMatch(/^ACC-PRQ-\d{4}-\d{5}$/);
        expect(r.at('message.docstatus')).toBe(0);
        expect(r.at('message.status')).toBe('Draft');
        expect(r.at('message.payment_request_type')).toBe('Inward');
        expect(r.at('message.reference_doctype')).toBe('Sales Invoice');
        expect(r.at('message.reference_name')).toBe(invoice.name);
        expect(r.at('message.grand_total')).toBe(800);
      },
    }),
    scenario('method_make_payment_request_submit', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00006', unpaid800);
        const first = await ctx.site.must(
          'make a first payment request',
          'POST',
          '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_request',
          { json: { dt: 'Sales Invoice', dn: invoice.name, submit_doc: 0, mute_email: 1, return_doc: 1 } },
        );
        const name = first.at('message.name');
        if (typeof name !== 'string') throw new Error(`make_payment_request returned no document: ${first.summary()}`);
        ctx.fx.track('Payment Request', name);
        ctx.rename('ACC-PRQ-2026-00001', name);
        return name;
      },
      creates: 'Payment Request',
      check: (r, first) => {
        // The existing draft comes back, still a draft, and without a payment gateway no URL.
        expect(r.at('message.name')).toBe(first);
        expect(r.at('message.docstatus')).toBe(0);
        expect(r.at('message.payment_url')).toBeNull();
      },
    }),
  ],
};
