import { erpnextThrow, frappeThrow } from '../errors';
import type { Doc } from '../meta/meta';
import type { DocOp } from '../model/engine';
import { isRecord, str, truthy } from '../model/values';
import type { Site } from '../site';
import { addDays, addMonths } from '../util/clock';
import { cint, flt } from '../util/decimal';

/** frappe.model.naming.append_number_if_name_exists */
export function appendNumberIfExists(site: Site, doctype: string, value: string, separator = '-'): string {
  if (!site.tables.has(doctype, value)) return value;
  const re = new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${separator}(\\d+)$`, 'i');
  let max = 0;
  for (const row of site.tables.rows(doctype)) {
    const m = re.exec(str(row.name));
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${value}${separator}${max + 1}`;
}

export function registerMasters(site: Site): void {
  const engine = site.engine;

  // -------------------------------------------------------------- Customer
  site.registerController('Customer', {
    autoname: (op: DocOp) => {
      const { doc, ctx } = op;
      if (site.settings.custMasterName() !== 'Customer Name') return;
      const customerName = str(doc.customer_name).trim();
      if (!customerName) return;
      if (!site.tables.has('Customer', customerName)) {
        doc.name = customerName;
        return;
      }
      // SUBSTRING_INDEX(name, ' ', -1) of every "<name> - %" row, the highest + 1.
      const prefix = `${customerName} - `.toLowerCase();
      let count = 0;
      for (const row of site.tables.rows('Customer')) {
        const name = str(row.name);
        if (!name.toLowerCase().includes(prefix)) continue;
        const last = Number(name.split(' ').at(-1));
        if (Number.isInteger(last) && last > count) count = last;
      }
      const newName = `${customerName} - ${count + 1}`;
      ctx.msgprint(`Changed customer name to '${newName}' as '${customerName}' already exists.`, { title: 'Note', indicator: 'yellow' });
      doc.name = newName;
    },
    validate: ({ doc }) => {
      if (site.tables.has('Customer Group', str(doc.name))) {
        throw erpnextThrow('A Customer Group exists with same name please change the Customer name or rename the Customer Group', 'NameError');
      }
      if (!doc.language) doc.language = 'en';
    },
  });

  // -------------------------------------------------------------- Item
  const defaultCompany = (): string => site.defaults.company ?? '';
  site.registerController('Item', {
    autoname: ({ doc }) => {
      if (site.settings.itemNamingBy() !== 'Item Code') return;
      if (!truthy(doc.item_code)) {
        throw erpnextThrow('Item Code is mandatory because Item is not automatically numbered');
      }
      doc.item_code = str(doc.item_code).trim();
      doc.name = doc.item_code;
    },
    validate: ({ doc }) => {
      if (!truthy(doc.item_name)) doc.item_name = doc.item_code;
      if (!str(doc.description).replace(/<[^>]*>/g, '').trim()) doc.description = doc.item_name;
      const uoms = Array.isArray(doc.uoms) ? (doc.uoms as Doc[]) : [];
      const seen = new Set<string>();
      for (const row of uoms) {
        const uom = str(row.uom);
        if (seen.has(uom)) throw erpnextThrow(`Unit of Measure ${uom} has been entered more than once in Conversion Factor Table`);
        seen.add(uom);
        if (uom === doc.stock_uom) row.conversion_factor = 1;
      }
      if (doc.stock_uom && !seen.has(str(doc.stock_uom))) {
        const row = engine.initChild(doc, engine.requireMeta('Item'), engine.requireMeta('Item').getField('uoms') ?? { fieldname: 'uoms', fieldtype: 'Table', options: 'UOM Conversion Detail' }, { uom: doc.stock_uom, conversion_factor: 1 }, uoms.length + 1);
        if (row) uoms.push(row);
      }
      doc.uoms = uoms;
      const defaults = Array.isArray(doc.item_defaults) ? (doc.item_defaults as Doc[]) : [];
      if (defaults.length === 0 && defaultCompany()) {
        const meta = engine.requireMeta('Item');
        const tf = meta.getField('item_defaults');
        const warehouse = `Stores - ${str(site.tables.get('Company', defaultCompany())?.abbr)}`;
        const row = tf ? engine.initChild(doc, meta, tf, { company: defaultCompany(), default_warehouse: site.tables.has('Warehouse', warehouse) ? warehouse : null }, 1) : undefined;
        if (row) defaults.push(row);
      }
      doc.item_defaults = defaults;
      const customers = Array.isArray(doc.customer_items) ? (doc.customer_items as Doc[]) : [];
      doc.customer_code = customers.map((c) => str(c.ref_code)).filter(Boolean).join(',');
      if (cint(doc.is_stock_item) === 0 && cint(doc.is_fixed_asset) === 0) doc.opening_stock = doc.opening_stock ?? 0;
    },
    afterInsert: ({ doc, ctx }) => {
      if (!flt(doc.standard_rate)) return;
      const defaults = Array.isArray(doc.item_defaults) && doc.item_defaults.length > 0 ? (doc.item_defaults as Doc[]) : [{}];
      for (const d of defaults) {
        const priceList = str(d.default_price_list) || site.settings.sellingPriceList();
        const pl = site.tables.get('Price List', priceList);
        if (!pl) continue;
        ctx.asSystem(() =>
          engine.insert(ctx, {
            doctype: 'Item Price',
            price_list: priceList,
            item_code: doc.name,
            uom: doc.stock_uom,
            brand: doc.brand ?? null,
            currency: pl.currency,
            price_list_rate: doc.standard_rate,
          }),
        );
      }
    },
    onTrash: ({ doc, ctx }) => {
      // Item.on_trash deletes its prices and bins before Frappe looks for links.
      for (const price of [...site.tables.rows('Item Price')]) {
        if (str(price.item_code).toLowerCase() === str(doc.name).toLowerCase()) ctx.txn.remove('Item Price', str(price.name));
      }
    },
  });

  // -------------------------------------------------------------- Item Price
  site.registerController('Item Price', {
    validate: ({ doc }) => {
      const item = site.tables.get('Item', str(doc.item_code));
      if (!item) throw erpnextThrow(`Item ${str(doc.item_code)} not found.`);
      const pl = site.tables.get('Price List', str(doc.price_list));
      if (!pl || !cint(pl.enabled)) {
        throw erpnextThrow(`The price list <a href="#Form/Price List/${str(doc.price_list)}">${str(doc.price_list)}</a> does not exist or is disabled`);
      }
      doc.buying = pl.buying;
      doc.selling = pl.selling;
      doc.currency = pl.currency;
      doc.item_name = item.item_name;
      doc.item_description = item.description;
      if (doc.valid_from && doc.valid_upto && str(doc.valid_upto) < str(doc.valid_from)) {
        throw erpnextThrow('Valid From Date must be lesser than Valid Upto Date.');
      }
      for (const other of site.tables.rows('Item Price')) {
        if (other.name === doc.name) continue;
        const same = ['item_code', 'price_list', 'uom', 'customer', 'supplier', 'batch_no'].every(
          (f) => str(other[f]).toLowerCase() === str(doc[f]).toLowerCase(),
        );
        const overlap = (!other.valid_upto || !doc.valid_from || str(other.valid_upto) >= str(doc.valid_from)) &&
          (!doc.valid_upto || !other.valid_from || str(doc.valid_upto) >= str(other.valid_from));
        if (same && overlap && cint(other.packing_unit) === cint(doc.packing_unit)) {
          throw erpnextThrow('Item Price appears multiple times based on Price List, Supplier/Customer, Currency, Item, Batch, UOM, Qty, and Dates.', 'ItemPriceDuplicateItem');
        }
      }
    },
  });

  // -------------------------------------------------------------- Contact / Address
  site.registerController('Contact', {
    autoname: ({ doc }) => {
      let name = [doc.first_name, doc.middle_name, doc.last_name].map((v) => str(v).trim()).filter(Boolean).join(' ') || str(doc.company_name);
      const links = Array.isArray(doc.links) ? (doc.links as unknown[]).filter(isRecord) : [];
      const first = links[0];
      if (first?.link_name) name = `${name}-${str(first.link_name).trim()}`;
      doc.name = appendNumberIfExists(site, 'Contact', name);
    },
    validate: ({ doc }) => {
      doc.full_name = [doc.first_name, doc.middle_name, doc.last_name].map((v) => str(v).trim()).filter(Boolean).join(' ') || str(doc.company_name) || null;
      const emails = Array.isArray(doc.email_ids) ? (doc.email_ids as Doc[]) : [];
      const primaryEmail = emails.find((e) => cint(e.is_primary)) ?? emails[0];
      if (primaryEmail && !doc.email_id) doc.email_id = primaryEmail.email_id;
      const phones = Array.isArray(doc.phone_nos) ? (doc.phone_nos as Doc[]) : [];
      const mobile = phones.find((p) => cint(p.is_primary_mobile_no));
      if (mobile) doc.mobile_no = mobile.phone;
      const phone = phones.find((p) => cint(p.is_primary_phone));
      if (phone) doc.phone = phone.phone;
    },
  });
  site.registerController('Address', {
    autoname: ({ doc }) => {
      if (!doc.address_title) throw frappeThrow('Address Title is mandatory.');
      doc.name = appendNumberIfExists(site, 'Address', `${str(doc.address_title).trim()}-${str(doc.address_type).trim()}`);
    },
  });

  // -------------------------------------------------------------- Subscription
  site.registerController('Subscription', {
    validate: (op) => {
      const { doc } = op;
      if (!['Customer', 'Supplier'].includes(str(doc.party_type))) throw erpnextThrow('Party Type must be Customer or Supplier');
      const today = site.clock.today();
      if (!doc.start_date) doc.start_date = today;
      if (doc.trial_period_start && !doc.trial_period_end) throw erpnextThrow('Trial Period End Date Cannot be before Trial Period Start Date');
      const plans = Array.isArray(doc.plans) ? (doc.plans as Doc[]) : [];
      const first = plans[0] ? site.tables.get('Subscription Plan', str(plans[0].plan)) : undefined;
      const interval = str(first?.billing_interval) || 'Month';
      const count = cint(first?.billing_interval_count) || 1;
      if (!doc.current_invoice_start) doc.current_invoice_start = doc.trial_period_start ?? doc.start_date;
      if (!doc.current_invoice_end) {
        const start = str(doc.current_invoice_start);
        const end =
          interval === 'Day' ? addDays(start, count) : interval === 'Week' ? addDays(start, 7 * count) : interval === 'Year' ? addMonths(start, 12 * count) : addMonths(start, count);
        doc.current_invoice_end = addDays(end, -1);
      }
      if (op.isNew || !doc.status) doc.status = doc.trial_period_start && str(doc.trial_period_end) >= today ? 'Trialing' : 'Active';
    },
  });
}
