// GET /api/resource/<doctype>: fields, filters in their several forms, ordering, paging.
//
// A site holds other records than the suite's, so where the recorded request had no filter the
// scenario adds one that selects this run's catalogue (`name like <tag>-%`) and says so; where the
// recording filtered, the filter is kept and its names renamed.
import { CATALOGUE, ITEM_KEYS, type Catalogue, type Doc, type ItemKey } from '../fixtures';
import { isRecord } from '../shape';
import { rowNames, rows, scenario, withFilter, type Ctx, type Theme } from '../scenario';
import { monthEnd, monthStart } from '../site';
import { LINES } from './common';

const onlyCatalogue = (query: Record<string, string>, catalogue: Catalogue): Record<string, string> => ({
  ...query,
  filters: withFilter(query.filters, 'name', 'like', `${catalogue.tag}-%`),
});

const codes = (catalogue: Catalogue, keys: readonly ItemKey[]): string[] => keys.map((k) => catalogue.code(k));

const sorted = (values: readonly string[]): string[] => [...values].sort();

async function invoicesOf(ctx: Ctx, states: readonly ('draft' | 'submitted')[]): Promise<{ customer: string; invoices: Doc[] }> {
  const catalogue = await ctx.catalogue();
  const customer = await ctx.customer('Acme SARL');
  const invoices: Doc[] = [];
  for (const state of states) invoices.push(await ctx.fx.invoice(catalogue, { customer, lines: LINES.consultAndSupport, state }));
  return { customer, invoices };
}

export const lists: Theme = {
  name: 'lists',
  scenarios: [
    scenario('list_item_default', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => {
        // Without fields, only the name.
        expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ITEM_KEYS)));
        for (const row of rows(r)) expect(Object.keys(row)).toEqual(['name']);
      },
    }),
    scenario('list_item_fields', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => {
        const expected = ITEM_KEYS.map((k) => ({ name: catalogue.code(k), item_name: CATALOGUE[k].item_name }));
        expect(rows(r)).toEqual(expect.arrayContaining(expected));
        expect(rows(r)).toHaveLength(expected.length);
      },
    }),
    scenario('list_item_fields_star', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => {
        expect(rows(r)).toHaveLength(1);
        expect(codes(catalogue, ITEM_KEYS)).toContain(r.at('data.0.item_code'));
      },
    }),
    scenario('list_item_as_dict_false', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => {
        const data = r.at('data') as unknown[];
        expect(data).toHaveLength(2);
        const byCode = new Map(ITEM_KEYS.map((k) => [catalogue.code(k), CATALOGUE[k].item_name] as const));
        for (const row of data) {
          // Rows are arrays of the field values, in the order of `fields`.
          expect(Array.isArray(row)).toBe(true);
          const [code, itemName] = row as unknown[];
          expect(byCode.get(String(code))).toBe(itemName);
        }
      },
    }),
    scenario('list_item_filters_list_of_lists', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => {
        expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ['SRV-CONSULT', 'SRV-SUPPORT', 'SRV-TRAINING'])));
        for (const row of rows(r)) expect(row.item_group).toBe(catalogue.groups.Services);
      },
    }),
    scenario('list_item_filters_4_elements', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ['PRD-GADGET', 'PRD-WIDGET']))),
    }),
    scenario('list_item_filters_dict', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ['SRV-CONSULT', 'SRV-SUPPORT', 'SRV-TRAINING']))),
    }),
    scenario('list_item_filters_dict_operator', {
      setup: async (ctx) => {
        const catalogue = await ctx.catalogue();
        ctx.rename('SRV-%', `${catalogue.tag}-SRV-%`);
        return catalogue;
      },
      check: (r, catalogue) => {
        const expected = (['SRV-CONSULT', 'SRV-SUPPORT', 'SRV-TRAINING'] as const).map((k) => ({ name: catalogue.code(k), standard_rate: CATALOGUE[k].standard_rate }));
        expect(rows(r)).toEqual(expect.arrayContaining(expected));
        expect(rows(r)).toHaveLength(3);
      },
    }),
    scenario('list_item_filters_in', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ['SRV-CONSULT', 'PRD-WIDGET']))),
    }),
    scenario('list_item_or_filters', {
      setup: (ctx) => ctx.catalogue(),
      check: (r, catalogue) => expect(sorted(rowNames(r))).toEqual(sorted(codes(catalogue, ['SRV-CONSULT', 'PRD-GADGET']))),
    }),
    scenario('list_item_group_by_count', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => {
        expect(rows(r)).toEqual(
          expect.arrayContaining([
            { item_group: catalogue.groups.Products, n: 2 },
            { item_group: catalogue.groups.Services, n: 3 },
          ]),
        );
        expect(rows(r)).toHaveLength(2);
      },
    }),
    scenario('list_item_order_by', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      // item_name desc: Widget, Training day, Support plan, Gadget, Consulting hour.
      check: (r, catalogue) => expect(rowNames(r)).toEqual(codes(catalogue, ['PRD-WIDGET', 'SRV-TRAINING', 'SRV-SUPPORT', 'PRD-GADGET', 'SRV-CONSULT'])),
    }),
    scenario('list_item_paging', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => expect(rowNames(r)).toEqual(codes(catalogue, ['PRD-WIDGET', 'SRV-CONSULT'])),
    }),
    scenario('list_item_paging_limit_alias', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue) => expect(rowNames(r)).toEqual(codes(catalogue, ['PRD-GADGET', 'PRD-WIDGET'])),
    }),
    scenario('list_item_page_length_zero', {
      setup: async (ctx) => ({ catalogue: await ctx.catalogue(), bulk: await ctx.shared.moreItemsThanOnePage() }),
      // Kept unfiltered: 0 means every row, more than a default page, this file's items among them.
      check: (r, { catalogue, bulk }) => {
        expect(rows(r).length).toBeGreaterThan(20);
        expect(rowNames(r)).toEqual(expect.arrayContaining([...codes(catalogue, ITEM_KEYS), ...bulk]));
      },
    }),
    scenario('list_child_table_field', {
      setup: (ctx) => ctx.catalogue(),
      query: (q, catalogue) => onlyCatalogue(q, catalogue),
      check: (r, catalogue, ctx) => {
        expect(rows(r)).toHaveLength(3);
        for (const row of rows(r)) {
          expect(codes(catalogue, ITEM_KEYS)).toContain(row.name);
          // `item_defaults.company` comes back under the child field's own name.
          expect(row.company).toBe(ctx.site.info.company);
        }
      },
    }),
    scenario('list_item_bad_field', {}),
    scenario('list_item_bad_filter_json', {}),
    scenario('list_item_sql_injection_order_by', {}),
    scenario('list_unknown_doctype', {}),

    // -- page length --------------------------------------------------------------------------------
    scenario('list_customer_default_page_length', {
      setup: (ctx) => ctx.shared.moreCustomersThanOnePage(),
      check: (r) => {
        expect(rows(r)).toHaveLength(20);
        for (const row of rows(r)) expect(Object.keys(row)).toEqual(['name']);
      },
    }),
    scenario('list_large_page_length', {
      setup: (ctx) => ctx.shared.moreCustomersThanOnePage(),
      // No cap: every customer, more than a default page.
      check: (r, bulk) => {
        expect(rows(r).length).toBeGreaterThan(20);
        expect(rowNames(r)).toEqual(expect.arrayContaining(bulk));
      },
    }),
    scenario('list_customer_fields', {
      setup: async (ctx) => [await ctx.customer('Acme SARL'), await ctx.customer('Form Encoded Co', 'Individual')] as const,
      query: (q, _s, ctx) => ({ ...q, filters: withFilter(q.filters, 'name', 'like', `% ${ctx.fx.tag}`) }),
      check: (r, [company, individual]) => {
        expect(rows(r)).toHaveLength(2);
        expect(rows(r)).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ name: company, customer_name: company, customer_type: 'Company' }),
            expect.objectContaining({ name: individual, customer_name: individual, customer_type: 'Individual' }),
          ]),
        );
      },
    }),

    // -- Sales Invoice lists --------------------------------------------------------------------------
    scenario('list_sales_invoice_child_filter', {
      setup: async (ctx) => {
        // Items of this test alone, so that no other invoice holds them.
        const catalogue = ctx.use(await ctx.fx.catalogue());
        const customer = await ctx.customer('Acme SARL');
        const withTraining = [
          await ctx.fx.invoice(catalogue, { customer, lines: [{ item: 'SRV-TRAINING', qty: 2 }] }),
          await ctx.fx.invoice(catalogue, { customer, lines: LINES.consultAndTraining }),
        ];
        await ctx.fx.invoice(catalogue, { customer, lines: LINES.consultAndSupport });
        return { customer, withTraining: withTraining.map((d) => d.name) };
      },
      check: (r, { customer, withTraining }) => {
        expect(sorted(rowNames(r))).toEqual(sorted(withTraining));
        for (const row of rows(r)) expect(row.customer).toBe(customer);
      },
    }),
    scenario('list_sales_invoice_date_filter', {
      setup: async (ctx) => {
        ctx.rename('2026-11-01', monthStart(ctx.today));
        ctx.rename('2026-11-30', monthEnd(ctx.today));
        return invoicesOf(ctx, ['submitted', 'draft', 'submitted']);
      },
      query: (q, { customer }) => ({ ...q, filters: withFilter(q.filters, 'customer', '=', customer) }),
      check: (r, { invoices }, ctx) => {
        const submitted = invoices.filter((d) => d.docstatus === 1).map((d) => d.name);
        expect(sorted(rowNames(r))).toEqual(sorted(submitted));
        for (const row of rows(r)) expect(row.posting_date).toBe(ctx.today);
      },
    }),
    scenario('list_sales_invoice_fields', {
      setup: (ctx) => invoicesOf(ctx, ['draft', 'submitted']),
      query: (q, { customer }) => ({ ...q, filters: withFilter(q.filters, 'customer', '=', customer) }),
      check: (r, { invoices }, ctx) => {
        // order_by creation asc: the draft was created first.
        expect(rowNames(r)).toEqual(invoices.map((d) => d.name));
        expect(rows(r).map((row) => [row.status, row.docstatus, row.grand_total, row.outstanding_amount, row.currency])).toEqual([
          ['Draft', 0, 410, 410, ctx.site.info.currency],
          ['Unpaid', 1, 410, 410, ctx.site.info.currency],
        ]);
      },
    }),
    scenario('list_sales_invoice_modified_gt', {
      setup: async (ctx) => {
        const made = await invoicesOf(ctx, ['draft', 'draft', 'draft']);
        const [first] = made.invoices;
        if (first?.modified === undefined) throw new Error('The first invoice has no modified timestamp');
        ctx.rename('2026-11-28 16:10:00', first.modified);
        return { ...made, since: first.modified };
      },
      query: (q, { customer }) => ({ ...q, filters: withFilter(q.filters, 'customer', '=', customer) }),
      check: (r, { invoices, since }) => {
        const later = invoices.filter((d) => (d.modified ?? '') > since);
        expect(later.length).toBeGreaterThan(0);
        expect(rowNames(r)).toEqual(later.sort((a, b) => (a.modified ?? '').localeCompare(b.modified ?? '')).map((d) => d.name));
        for (const row of rows(r)) expect(String(row.modified) > since).toBe(true);
      },
    }),
    scenario('get_doctype_list_url_encoded', {
      setup: (ctx) => invoicesOf(ctx, ['draft']),
      // The recording site had no invoice yet ([]); with one, the rows are name-only objects.
      check: (r) => {
        expect(rows(r).length).toBeGreaterThan(0);
        for (const row of rows(r)) expect(isRecord(row) && Object.keys(row)).toEqual(['name']);
      },
    }),
  ],
};
