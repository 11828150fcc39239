// A Sales Invoice's life: draft, edits, submit, cancel, delete, and what is refused on the way.
import { isRecord } from '../shape';
import { nullKeys, scenario, type Theme } from '../scenario';
import { INVOICE_NAME, LINES, recordedInvoice } from './common';

const draftOf00001 = { customer: 'Acme SARL', lines: LINES.consultAndSupport } as const;
// The same draft after update_sales_invoice_field had run on the recording site.
const remarkedDraftOf00001 = { ...draftOf00001, remarks: 'Updated over REST' } as const;

export const docstatus: Theme = {
  name: 'docstatus',
  scenarios: [
    scenario('create_sales_invoice_draft', {
      setup: async (ctx) => {
        await ctx.catalogue();
        return ctx.customer('Acme SARL');
      },
      creates: 'Sales Invoice',
      check: (r, customer) => {
        const name = r.at('data.name');
        expect(name).toMatch(INVOICE_NAME);
        expect(r.at('data.customer')).toBe(customer);
        expect(r.at('data.docstatus')).toBe(0);
        expect(r.at('data.status')).toBe('Draft');
        // 3 × 120 + 1 × 50, the second rate coming from the item's price.
        expect(r.at('data.items.1.rate')).toBe(50);
        expect(r.at('data.grand_total')).toBe(410);
        expect(r.at('data.outstanding_amount')).toBe(410);
        expect(r.at('data.items.0.parent')).toBe(name);
        expect(r.at('data.items.1.idx')).toBe(2);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('get_sales_invoice', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', draftOf00001),
      check: (r, invoice) => {
        expect(r.at('data.name')).toBe(invoice.name);
        expect(r.at('data.status')).toBe('Draft');
        expect(r.at('data.grand_total')).toBe(410);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('get_sales_invoice_submitted', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00007', { customer: 'Globex SA', lines: LINES.fiveHundred, state: 'submitted' }),
      check: (r) => {
        expect(r.at('data.docstatus')).toBe(1);
        expect(r.at('data.status')).toBe('Unpaid');
        expect(r.at('data.grand_total')).toBe(500);
        expect(r.at('data.outstanding_amount')).toBe(500);
      },
    }),
    scenario('get_cancelled_invoice', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Globex SA', lines: LINES.consultAndSupport, state: 'cancelled' }),
      check: (r) => {
        expect(r.at('data.docstatus')).toBe(2);
        expect(r.at('data.status')).toBe('Cancelled');
      },
    }),

    // -- edits of a draft -------------------------------------------------------------------------
    scenario('update_sales_invoice_field', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', draftOf00001),
      check: (r, invoice) => {
        expect(r.at('data.remarks')).toBe('Updated over REST');
        expect(r.at('data.modified')).not.toBe(invoice.modified);
      },
    }),
    scenario('update_sales_invoice_unknown_field', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', remarkedDraftOf00001),
      check: (r) => expect(Object.keys(r.at('data') as object)).not.toContain('no_such_field'),
    }),
    scenario('update_sales_invoice_child_rows', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00001', remarkedDraftOf00001);
        const items = invoice.items;
        const rowNames = Array.isArray(items) ? items.map((i) => (isRecord(i) ? i.name : undefined)) : [];
        const [consultRow, supportRow] = rowNames;
        if (typeof consultRow !== 'string' || typeof supportRow !== 'string') throw new Error(`The draft invoice has no item rows: ${JSON.stringify(items)}`);
        ctx.rename('klg96g2b2u', consultRow);
        return { consultRow, supportRow };
      },
      check: (r, { consultRow, supportRow }, ctx) => {
        const items = r.at('data.items') as unknown[];
        // The row sent with its name is updated, the one without is added, the one left out is gone.
        expect(items).toHaveLength(2);
        expect(r.at('data.items.0.name')).toBe(consultRow);
        expect(r.at('data.items.0.qty')).toBe(4);
        expect(r.at('data.items.1.item_code')).toBe(ctx.names.text('SRV-TRAINING'));
        expect([consultRow, supportRow]).not.toContain(r.at('data.items.1.name'));
        expect(r.at('data.grand_total')).toBe(1280);
      },
    }),
    scenario('update_sales_invoice_stale_modified', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00001', draftOf00001);
        if (invoice.modified === undefined) throw new Error('The draft invoice has no modified timestamp');
        await ctx.fx.update('Sales Invoice', invoice.name, { remarks: 'Updated over REST' });
        // The request carries the timestamp read before that update.
        ctx.rename('2026-11-28 16:09:32.750615', invoice.modified);
      },
    }),

    // -- submit -----------------------------------------------------------------------------------
    scenario('submit_via_put_docstatus', {
      setup: (ctx) =>
        recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, remarks: 'Updated over REST' }),
      check: (r) => {
        expect(r.at('data.docstatus')).toBe(1);
        expect(r.at('data.status')).toBe('Unpaid');
        expect(r.at('data.grand_total')).toBe(1280);
        expect(r.at('data.outstanding_amount')).toBe(1280);
      },
    }),
    scenario('submit_via_frappe_client_submit', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Globex SA', lines: LINES.consultAndSupport });
        return ctx.fx.get('Sales Invoice', invoice.name);
      },
      // The recorded body is the full document as the client had read it: this site's document.
      body: (_recorded, doc) => ({ doc }),
      check: (r, doc) => {
        expect(r.at('message.name')).toBe(doc.name);
        expect(r.at('message.docstatus')).toBe(1);
        expect(r.at('message.status')).toBe('Unpaid');
      },
    }),
    scenario('submit_already_submitted', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Globex SA', lines: LINES.consultAndSupport });
        const read = await ctx.fx.get('Sales Invoice', invoice.name);
        await ctx.site.must('submit the invoice', 'POST', '/api/method/frappe.client.submit', { json: { doc: read } });
        return read;
      },
      // The same document as read before the first submission: its modified is stale.
      body: (_recorded, doc) => ({ doc }),
    }),

    // -- cancel -----------------------------------------------------------------------------------
    scenario('cancel_via_frappe_client_cancel', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Globex SA', lines: LINES.consultAndSupport, state: 'submitted' }),
      check: (r) => {
        expect(r.at('message.docstatus')).toBe(2);
        expect(r.at('message.status')).toBe('Cancelled');
      },
    }),
    scenario('cancel_via_put_docstatus_2', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00005', { customer: 'Acme SARL', lines: LINES.twoHundred, state: 'submitted' }),
      check: (r) => {
        expect(r.at('data.docstatus')).toBe(2);
        expect(r.at('data.status')).toBe('Cancelled');
        expect(r.at('data.grand_total')).toBe(200);
      },
    }),
    scenario('cancel_draft_error', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00004', { customer: 'Acme SARL', lines: LINES.eightHundred }),
    }),

    // -- refused after submission -----------------------------------------------------------------
    scenario('update_submitted_allow_on_submit_field', {
      setup: (ctx) =>
        recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, remarks: 'Updated over REST', state: 'submitted' }),
    }),
    scenario('update_submitted_not_allowed_field', {
      setup: async (ctx) => {
        await recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, state: 'submitted' });
        await ctx.customer('Globex SA');
      },
    }),
    scenario('update_submitted_items', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, state: 'submitted' }),
    }),
    scenario('update_submitted_back_to_draft', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, state: 'submitted' }),
    }),

    // -- delete -----------------------------------------------------------------------------------
    scenario('delete_draft', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00003', draftOf00001),
      check: async (r, invoice, ctx) => {
        expect(r.at('data')).toBe('ok');
        expect((await ctx.site.call('GET', `/api/resource/Sales Invoice/${invoice.name}`)).status).toBe(404);
      },
    }),
    scenario('delete_missing_404', {
      setup: async (ctx) => {
        const invoice = await recordedInvoice(ctx, 'ACC-SINV-2026-00003', draftOf00001);
        await ctx.site.must('delete the draft', 'DELETE', `/api/resource/Sales Invoice/${invoice.name}`);
      },
    }),
    scenario('delete_submitted', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining, state: 'submitted' }),
    }),
    scenario('delete_cancelled', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Globex SA', lines: LINES.consultAndSupport, state: 'cancelled' }),
    }),
  ],
};
