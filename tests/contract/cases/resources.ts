// /api/resource CRUD on Customer and Item, and the errors of a bad insert.
import { frenchDate, addDays } from '../site';
import { nullKeys, scenario, type Theme } from '../scenario';

export const resources: Theme = {
  name: 'resources',
  scenarios: [
    // -- create -----------------------------------------------------------------------------------
    scenario('create_customer', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Acme SARL')),
      creates: 'Customer',
      check: (r, name, ctx) => {
        // Customers are named by customer_name.
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.customer_group')).toBe(ctx.site.info.customerGroup);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('create_customer_duplicate', {
      setup: (ctx) => ctx.customer('Acme SARL'),
      creates: 'Customer',
      check: (r, existing) => expect(r.at('data.name')).toBe(`${existing} - 1`),
    }),
    scenario('create_customer_form_encoded', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Form Encoded Co')),
      creates: 'Customer',
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.customer_type')).toBe('Individual');
      },
    }),
    scenario('create_item_service', {
      setup: async (ctx) => {
        await ctx.catalogue();
        return ctx.freshCode('SRV-CONSULT');
      },
      creates: 'Item',
      check: (r, code) => {
        expect(r.at('data.name')).toBe(code);
        expect(r.at('data.standard_rate')).toBe(120);
        expect(r.at('data.is_stock_item')).toBe(0);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),

    // -- read -------------------------------------------------------------------------------------
    scenario('get_customer', {
      setup: (ctx) => ctx.customer('Acme SARL'),
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.customer_type')).toBe('Company');
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('get_item', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue, ctx) => {
        expect(r.at('data.item_code')).toBe(catalogue.code('SRV-CONSULT'));
        expect(r.at('data.item_group')).toBe(catalogue.groups.Services);
        expect(r.at('data.standard_rate')).toBe(120);
        expect(r.at('data.item_defaults.0.company')).toBe(ctx.site.info.company);
        expect(nullKeys(r.at('data'))).toEqual([]);
      },
    }),
    scenario('get_customer_missing_404', { setup: (ctx) => Promise.resolve(ctx.fresh('No Such Customer')) }),
    scenario('get_item_missing_404', { setup: (ctx) => Promise.resolve(ctx.freshCode('NO-SUCH-ITEM')) }),
    scenario('get_unknown_doctype', {}),
    scenario('update_missing_doc_404', {}),

    // -- invalid input ----------------------------------------------------------------------------
    scenario('create_invalid_json', {}),
    scenario('create_unknown_doctype', {}),
    scenario('create_customer_missing_mandatory', { creates: 'Customer' }),
    scenario('create_customer_invalid_select', { setup: (ctx) => Promise.resolve(ctx.fresh('Bad Select Co')), creates: 'Customer' }),
    scenario('create_item_duplicate', { setup: (ctx) => ctx.catalogue(), creates: 'Item' }),
    scenario('create_item_missing_mandatory', { setup: (ctx) => Promise.resolve(ctx.freshCode('SRV-BROKEN')), creates: 'Item' }),
    scenario('create_item_link_missing', { setup: (ctx) => Promise.resolve(ctx.freshCode('SRV-BADLINK')), creates: 'Item' }),
    scenario('create_sales_invoice_missing_customer', { setup: (ctx) => ctx.catalogue(), creates: 'Sales Invoice' }),
    scenario('create_sales_invoice_missing_customer_link', {
      setup: async (ctx) => {
        await ctx.catalogue();
        ctx.fresh('Ghost Customer');
      },
      creates: 'Sales Invoice',
    }),
    scenario('create_sales_invoice_missing_item_link', {
      setup: async (ctx) => {
        await ctx.customer('Acme SARL');
        ctx.freshCode('NO-SUCH-ITEM');
      },
      creates: 'Sales Invoice',
    }),
    scenario('create_sales_invoice_no_items', { setup: (ctx) => ctx.customer('Acme SARL'), creates: 'Sales Invoice' }),
    scenario('create_sales_invoice_due_before_posting', {
      setup: async (ctx) => {
        await ctx.catalogue();
        await ctx.customer('Acme SARL');
        ctx.rename('2026-01-01', addDays(ctx.today, -1));
      },
      creates: 'Sales Invoice',
    }),
    scenario('create_sales_invoice_bad_date_format', {
      setup: async (ctx) => {
        await ctx.catalogue();
        await ctx.customer('Acme SARL');
        ctx.rename('28/11/2026', frenchDate(ctx.today));
      },
      creates: 'Sales Invoice',
    }),
  ],
};
