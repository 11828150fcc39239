// /api/v2: documents, lists, counts, meta and methods, with its own envelope ({data} / {errors}).
import { nullKeys, rowNames, rows, scenario, withFilter, type Theme } from '../scenario';

export const v2: Theme = {
  name: 'v2',
  scenarios: [
    scenario('v2_create_customer', {
      setup: (ctx) => Promise.resolve(ctx.fresh('V2 Customer')),
      creates: 'Customer',
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('v2_get_item', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => {
        expect(r.at('data.item_code')).toBe(catalogue.code('SRV-CONSULT'));
        expect(r.at('data.standard_rate')).toBe(120);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('v2_get_missing', { setup: (ctx) => Promise.resolve(ctx.freshCode('NOPE')) }),
    scenario('v2_update_customer_patch', {
      setup: (ctx) => ctx.customer('V2 Customer', 'Company'),
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.customer_type')).toBe('Individual');
      },
    }),
    scenario('v2_update_customer_put', {
      setup: (ctx) => ctx.customer('V2 Customer', 'Individual'),
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.customer_type')).toBe('Company');
      },
    }),
    scenario('v2_delete_customer', {
      setup: (ctx) => ctx.customer('V2 Customer'),
      check: async (r, name, ctx) => {
        expect(r.at('data')).toBe('ok');
        expect((await ctx.site.call('GET', `/api/v2/document/Customer/${name}`)).status).toBe(404);
      },
    }),
    scenario('v2_duplicate', { setup: (ctx) => ctx.catalogue(), creates: 'Item' }),
    scenario('v2_validation_error', { setup: (ctx) => Promise.resolve(ctx.freshCode('V2-BROKEN')), creates: 'Item' }),
    scenario('v2_no_auth', {}),

    scenario('v2_list_default', {
      setup: (ctx) => ctx.shared.moreCustomersThanOnePage(),
      check: (r) => {
        expect(rows(r)).toHaveLength(20);
        for (const row of rows(r)) expect(Object.keys(row)).toEqual(['name']);
      },
    }),
    scenario('v2_list_item', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => {
        expect(rows(r)).toHaveLength(3);
        expect(rows(r)).toEqual(
          expect.arrayContaining([
            { name: catalogue.code('SRV-CONSULT'), item_name: 'Consulting hour' },
            { name: catalogue.code('SRV-SUPPORT'), item_name: 'Support plan' },
            { name: catalogue.code('SRV-TRAINING'), item_name: 'Training day' },
          ]),
        );
      },
    }),
    scenario('v2_list_paging', {
      setup: (ctx) => ctx.catalogue(),
      // Only the catalogue's items, so that the page is known: limit_start 1, limit 2, by name.
      query: (q, catalogue) => ({ ...q, filters: withFilter(q.filters, 'name', 'like', `${catalogue.tag}-%`) }),
      check: (r, catalogue) => {
        expect(rowNames(r)).toEqual([catalogue.code('PRD-WIDGET'), catalogue.code('SRV-CONSULT')]);
      },
    }),
    scenario('v2_count', {
      setup: (ctx) => ctx.customer('Acme SARL'),
      check: (r) => {
        expect(Number.isInteger(r.at('data'))).toBe(true);
        expect(r.at('data')).toBeGreaterThanOrEqual(1);
      },
    }),
    scenario('v2_meta', {
      setup: async (ctx) => {
        const name = await ctx.fx.customDocType('Ext Sync Log');
        ctx.rename('Ext Sync Log', name);
        return name;
      },
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect((r.at('data.fields') as { fieldname?: unknown }[]).map((f) => f.fieldname)).toEqual(['title', 'quantity', 'happened_at', 'customer', 'state']);
      },
    }),
    scenario('v2_method_get_logged_user', { check: (r, _s, ctx) => expect(r.at('data')).toBe(ctx.site.user) }),
    scenario('v2_method_post', {
      setup: (ctx) => ctx.catalogue(),
      check: (r) => expect(r.at('data')).toEqual({ item_name: 'Consulting hour' }),
    }),
  ],
};
