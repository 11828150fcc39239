// Custom DocTypes and Custom Fields created over REST, as the sidecar's installer does on a
// hosted site, and records of a custom DocType: naming, coercion, validation.
import { rows, scenario, withFilter, type Ctx, type Theme } from '../scenario';
import { HASH_NAME } from './common';

const FIELDNAMES = ['title', 'quantity', 'happened_at', 'customer', 'state'];

const fieldnames = (fields: unknown): unknown[] => (Array.isArray(fields) ? fields.map((f: unknown) => (f as { fieldname?: unknown }).fieldname) : []);

/** A custom DocType standing for a recorded one, renamed. */
async function customDocType(ctx: Ctx, recorded: 'Ext Sync Log' | 'Ext Mapping'): Promise<string> {
  const name = await ctx.fx.customDocType(recorded);
  ctx.rename(recorded, name);
  return name;
}

export const customisation: Theme = {
  name: 'customisation',
  scenarios: [
    // -- DocTypes -----------------------------------------------------------------------------------
    scenario('doctype_create_custom_hash', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Ext Sync Log')),
      creates: 'DocType',
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.custom')).toBe(1);
        expect(r.at('data.autoname')).toBe('hash');
        expect(fieldnames(r.at('data.fields'))).toEqual(FIELDNAMES);
      },
    }),
    scenario('doctype_create_custom_format_naming', {
      setup: (ctx) => Promise.resolve(ctx.fresh('Ext Mapping')),
      creates: 'DocType',
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.autoname')).toBe('format:EXT-{YYYY}-{#####}');
        expect(fieldnames(r.at('data.fields'))).toEqual(['title', 'quantity', 'remote_id']);
      },
    }),
    scenario('doctype_create_duplicate', { setup: (ctx) => customDocType(ctx, 'Ext Sync Log'), creates: 'DocType' }),
    scenario('doctype_create_bad_fieldtype', { setup: (ctx) => Promise.resolve(ctx.fresh('Ext Bad Field')), creates: 'DocType' }),
    scenario('doctype_create_no_module', { setup: (ctx) => Promise.resolve(ctx.fresh('Ext No Module')), creates: 'DocType' }),
    scenario('doctype_create_standard_not_dev_mode', { setup: (ctx) => Promise.resolve(ctx.fresh('Ext Standard Thing')), creates: 'DocType' }),
    scenario('get_doctype_meta', {
      setup: (ctx) => customDocType(ctx, 'Ext Sync Log'),
      check: (r, name) => {
        expect(r.at('data.name')).toBe(name);
        expect(r.at('data.module')).toBe('Custom');
        expect(fieldnames(r.at('data.fields'))).toEqual(FIELDNAMES);
      },
    }),

    // -- records of a custom DocType ----------------------------------------------------------------
    scenario('custom_doctype_insert_record', {
      setup: async (ctx) => {
        await customDocType(ctx, 'Ext Sync Log');
        return ctx.customer('Acme SARL');
      },
      creates: 'Ext Sync Log',
      check: (r, customer) => {
        expect(r.at('data.name')).toMatch(HASH_NAME);
        expect(r.at('data')).toMatchObject({ title: 'first sync', quantity: 3, customer, state: 'Closed' });
      },
    }),
    scenario('custom_doctype_insert_int_as_string', {
      setup: (ctx) => customDocType(ctx, 'Ext Sync Log'),
      creates: 'Ext Sync Log',
      check: (r, _s, ctx) => {
        expect(r.at('data.quantity')).toBe(42);
        // The insert answer echoes the Datetime as sent; the stored form differs (next case).
        expect(r.at('data.happened_at')).toBe(`${ctx.today}T10:15:00`);
        expect(r.at('data.state')).toBe('Open');
      },
    }),
    scenario('custom_doctype_get_coerced_record', {
      setup: async (ctx) => {
        const doctype = await customDocType(ctx, 'Ext Sync Log');
        const record = await ctx.fx.insert(doctype, { title: 'coercion', quantity: '42', happened_at: `${ctx.today}T10:15:00` });
        ctx.rename('l5oovq7aco', record.name);
      },
      check: (r, _s, ctx) => {
        expect(r.at('data.quantity')).toBe(42);
        expect(r.at('data.happened_at')).toBe(`${ctx.today} 10:15:00`);
      },
    }),
    scenario('custom_doctype_list', {
      setup: async (ctx) => {
        const doctype = await customDocType(ctx, 'Ext Sync Log');
        const customer = await ctx.customer('Acme SARL');
        await ctx.fx.insert(doctype, { title: 'first sync', quantity: 3, happened_at: `${ctx.today} 10:15:00`, customer, state: 'Closed' });
        await ctx.fx.insert(doctype, { title: 'coercion', quantity: '42', happened_at: `${ctx.today}T10:15:00` });
        return customer;
      },
      check: (r, customer, ctx) => {
        expect(rows(r)).toHaveLength(2);
        expect(rows(r)).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ title: 'first sync', quantity: 3, customer, state: 'Closed' }),
            expect.objectContaining({ title: 'coercion', quantity: 42, customer: null, state: 'Open', happened_at: `${ctx.today} 10:15:00` }),
          ]),
        );
      },
    }),
    scenario('custom_doctype_insert_bad_select', { setup: (ctx) => customDocType(ctx, 'Ext Sync Log'), creates: 'Ext Sync Log' }),
    scenario('custom_doctype_insert_missing_reqd', { setup: (ctx) => customDocType(ctx, 'Ext Sync Log'), creates: 'Ext Sync Log' }),
    scenario('custom_doctype_insert_missing_link', {
      setup: async (ctx) => {
        await customDocType(ctx, 'Ext Sync Log');
        ctx.fresh('Ghost Customer');
      },
      creates: 'Ext Sync Log',
    }),
    scenario('custom_doctype_format_naming_insert', {
      setup: (ctx) => customDocType(ctx, 'Ext Mapping'),
      creates: 'Ext Mapping',
      check: (r, _s, ctx) => {
        expect(r.at('data.name')).toMatch(/^EXT-\d{4}-\d{5}$/);
        expect(String(r.at('data.name')).slice(4, 8)).toBe(ctx.today.slice(0, 4));
      },
    }),
    scenario('custom_doctype_unique_violation', {
      setup: async (ctx) => {
        const doctype = await customDocType(ctx, 'Ext Mapping');
        await ctx.fx.insert(doctype, { title: 'm1', quantity: 1, remote_id: 'R-1' });
      },
      creates: 'Ext Mapping',
    }),

    // -- Custom Fields ------------------------------------------------------------------------------
    scenario('custom_field_create', {
      setup: (ctx) => Promise.resolve(ctx.renameAll(ctx.fx.customFieldNames())),
      creates: 'Custom Field',
      check: (r, _s, ctx) => {
        // An explicit fieldname is kept as given.
        const fieldname = ctx.names.text('external_ref');
        expect(r.at('data.name')).toBe(`Sales Invoice-${fieldname}`);
        expect(r.at('data.fieldname')).toBe(fieldname);
      },
    }),
    scenario('custom_field_create_duplicate', {
      setup: async (ctx) => {
        ctx.renameAll(ctx.fx.customFieldNames());
        await ctx.fx.customField('external_ref');
      },
      creates: 'Custom Field',
    }),
    scenario('custom_field_create_no_fieldname', {
      setup: async (ctx) => {
        ctx.renameAll(ctx.fx.customFieldNames());
        await ctx.fx.customField('external_ref');
      },
      creates: 'Custom Field',
      check: (r, _s, ctx) => {
        // A label-only field is named custom_<scrubbed label>.
        const fieldname = ctx.names.text('custom_sync_state');
        expect(r.at('data.fieldname')).toBe(fieldname);
        expect(r.at('data.name')).toBe(`Sales Invoice-${fieldname}`);
      },
    }),
    scenario('custom_field_list', {
      setup: async (ctx) => {
        ctx.renameAll(ctx.fx.customFieldNames());
        await ctx.fx.customField('external_ref');
        await ctx.fx.customField('custom_sync_state');
      },
      query: (q, _s, ctx) => ({ ...q, filters: withFilter(q.filters, 'fieldname', 'like', `%_${ctx.fx.tag}`) }),
      check: (r, _s, ctx) => {
        const names = ctx.names;
        expect(rows(r)).toEqual(
          expect.arrayContaining([
            { name: `Sales Invoice-${names.text('external_ref')}`, dt: 'Sales Invoice', fieldname: names.text('external_ref'), label: 'External Ref', fieldtype: 'Data' },
            {
              name: `Sales Invoice-${names.text('custom_sync_state')}`,
              dt: 'Sales Invoice',
              fieldname: names.text('custom_sync_state'),
              label: names.text('Sync State'),
              fieldtype: 'Select',
            },
          ]),
        );
        expect(rows(r)).toHaveLength(2);
      },
    }),
    scenario('custom_field_use_on_sales_invoice', {
      setup: async (ctx) => {
        ctx.renameAll(ctx.fx.customFieldNames());
        await ctx.fx.customField('external_ref');
        await ctx.fx.customField('custom_sync_state');
        await ctx.catalogue();
        return ctx.customer('Initech SAS');
      },
      creates: 'Sales Invoice',
      check: (r, customer, ctx) => {
        expect(r.at('data.customer')).toBe(customer);
        expect(r.at(`data.${ctx.names.text('external_ref')}`)).toBe('EXT-42');
        expect(r.at(`data.${ctx.names.text('custom_sync_state')}`)).toBe('Pending');
        expect(r.at('data.grand_total')).toBe(50);
      },
    }),
  ],
};
