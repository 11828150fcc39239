// /api/method/frappe.client.*: get, get_list, get_count, get_value, insert, set_value, validate_link,
// and calls the site refuses.
import { CATALOGUE } from '../fixtures';
import { isRecord } from '../shape';
import { rowNames, rows, scenario, type Theme } from '../scenario';
import { LINES, recordedInvoice } from './common';

export const methods: Theme = {
  name: 'methods',
  scenarios: [
    scenario('method_get', {
      setup: (ctx) => ctx.customer('Globex SA'),
      // frappe.client.get returns every field, nulls included: the recorded null keys must be there.
      check: (r, name) => {
        expect(r.at('message.name')).toBe(name);
        expect(r.at('message.customer_name')).toBe(name);
      },
    }),
    scenario('method_get_missing', { setup: (ctx) => Promise.resolve(ctx.fresh('Nobody')) }),
    scenario('method_get_count', {
      setup: async (ctx) => {
        await ctx.customer('Many One', 'Individual');
        await ctx.customer('Many Two', 'Individual');
      },
      check: (r) => {
        expect(Number.isInteger(r.at('message'))).toBe(true);
        expect(r.at('message')).toBeGreaterThanOrEqual(2);
      },
    }),
    scenario('method_get_count_no_filters', {
      setup: (ctx) => ctx.catalogue(),
      check: (r) => {
        expect(Number.isInteger(r.at('message'))).toBe(true);
        expect(r.at('message')).toBeGreaterThanOrEqual(Object.keys(CATALOGUE).length);
      },
    }),
    scenario('method_get_list_default', {
      setup: (ctx) => ctx.shared.moreCustomersThanOnePage(),
      check: (r) => {
        expect(rows(r)).toHaveLength(20);
        for (const row of rows(r)) expect(Object.keys(row)).toEqual(['name']);
      },
    }),
    scenario('method_get_list_bad_limit_type', {
      setup: (ctx) => ctx.shared.moreCustomersThanOnePage(),
      // cint("abc") is 0, and 0 means no limit.
      check: (r, bulk) => {
        expect(rows(r).length).toBeGreaterThan(20);
        expect(rowNames(r)).toEqual(expect.arrayContaining(bulk));
      },
    }),
    scenario('method_get_list_get', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) =>
        expect(rows(r)).toEqual([
          { name: catalogue.code('SRV-CONSULT'), item_name: 'Consulting hour', standard_rate: 120 },
          { name: catalogue.code('SRV-SUPPORT'), item_name: 'Support plan', standard_rate: 50 },
        ]),
    }),
    scenario('method_get_list_post', {
      setup: async (ctx) => {
        const draft = await recordedInvoice(ctx, 'ACC-SINV-2026-00004', { customer: 'Acme SARL', lines: LINES.eightHundred });
        await recordedInvoice(ctx, 'ACC-SINV-2026-00002', { customer: 'Acme SARL', lines: LINES.consultAndSupport, state: 'cancelled' });
        return draft;
      },
      // Only this test's customer: the recorded filter (docstatus != 2) is kept, the customer added.
      body: (body, draft) => {
        if (!isRecord(body) || !isRecord(body.filters)) throw new Error('The recorded body has no filters object');
        return { ...body, filters: { ...body.filters, customer: ['=', draft.customer] } };
      },
      check: (r, draft) => {
        expect(rowNames(r)).toEqual([draft.name]);
        expect(r.at('message.0.status')).toBe('Draft');
        expect(r.at('message.0.grand_total')).toBe(800);
      },
    }),
    scenario('method_get_list_get_http_verb_post_only', { setup: (ctx) => Promise.resolve(ctx.fresh('Via GET')), creates: 'Customer' }),
    scenario('method_get_value', {
      setup: (ctx) => ctx.catalogue(),
      check: (r) => expect(r.at('message')).toEqual({ item_name: 'Consulting hour' }),
    }),
    scenario('method_get_value_missing', {
      setup: (ctx) => Promise.resolve(ctx.freshCode('NO-SUCH')),
      check: (r) => expect(r.at('message')).toEqual({}),
    }),
    scenario('method_get_value_multi', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndTraining }),
      check: (r, invoice) => {
        expect(r.at('message.name')).toBe(invoice.name);
        expect(r.at('message.grand_total')).toBe(1280);
        expect(r.at('message.status')).toBe('Draft');
      },
    }),
    scenario('method_insert', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Inserted Via Client')),
      creates: 'Customer',
      check: (r, name) => expect(r.at('message.name')).toBe(name),
    }),
    scenario('method_insert_many', {
      setup: (ctx) => Promise.resolve([ctx.fresh('Many One'), ctx.fresh('Many Two')]),
      creates: 'Customer',
      check: (r, names) => expect(r.at('message')).toEqual(names),
    }),
    scenario('method_set_value', {
      // This test changes an item, so it has items of its own.
      setup: async (ctx) => ctx.use(await ctx.fx.catalogue()),
      check: (r, catalogue) => {
        expect(r.at('message.name')).toBe(catalogue.code('PRD-GADGET'));
        expect(r.at('message.description')).toBe('A gadget (set_value)');
      },
    }),
    scenario('method_not_whitelisted', {}),
    scenario('method_unknown', {}),
    scenario('validate_link_existing', {
      setup: (ctx) => ctx.customer('Acme SARL'),
      check: (r, name, ctx) => expect(r.at('message')).toEqual({ name, customer_name: name, customer_group: ctx.site.info.customerGroup }),
    }),
    scenario('validate_link_missing', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Ghost Customer')),
      check: (r) => expect(r.at('message')).toEqual({ name: null }),
    }),
  ],
};
