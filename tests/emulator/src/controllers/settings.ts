import { str } from '../model/values';
import type { Site } from '../site';

/**
 * Saving these Singles updates the global defaults that prefill Link fields, like their
 * on_update hooks do with frappe.db.set_default.
 */
const DEFAULT_KEYS: Record<string, Record<string, string>> = {
  'Global Defaults': { default_company: 'company', default_currency: 'currency', country: 'country', current_fiscal_year: 'fiscal_year' },
  'Selling Settings': { customer_group: 'customer_group', territory: 'territory', selling_price_list: 'selling_price_list' },
  'Stock Settings': { item_group: 'item_group', stock_uom: 'stock_uom', default_warehouse: 'default_warehouse' },
};

export function registerSettings(site: Site): void {
  for (const [doctype, keys] of Object.entries(DEFAULT_KEYS)) {
    site.registerController(doctype, {
      onUpdate: ({ doc, ctx }) => {
        const previous: Record<string, string | undefined> = {};
        for (const [field, key] of Object.entries(keys)) {
          previous[key] = site.defaults[key];
          const value = str((doc)[field]);
          if (value) site.defaults[key] = value;
          else Reflect.deleteProperty(site.defaults, key);
        }
        ctx.txn.onRollback(() => {
          for (const [key, value] of Object.entries(previous)) {
            if (value === undefined) Reflect.deleteProperty(site.defaults, key);
            else site.defaults[key] = value;
          }
        });
      },
    });
  }
}
