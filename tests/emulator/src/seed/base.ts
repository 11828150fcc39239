import type { Doc } from '../meta/meta';
import { recordedStandardCustomFields } from '../meta/registry';
import { Ctx } from '../model/ctx';
import { Txn } from '../model/store';
import { isRecord, str } from '../model/values';
import { syncCustomFields, type Site } from '../site';
import { frappeHashName } from '../util/random';

export interface AdminCredentials {
  apiKey: string;
  apiSecret: string;
  password: string;
}

const COMPANY = 'Ref Company';
const ABBR = 'RC';

const MODULES: [string, string][] = [
  ['Core', 'frappe'], ['Custom', 'frappe'], ['Desk', 'frappe'], ['Integrations', 'frappe'], ['Email', 'frappe'],
  ['Contacts', 'frappe'], ['Geo', 'frappe'], ['Printing', 'frappe'], ['Website', 'frappe'], ['Automation', 'frappe'],
  ['Social', 'frappe'], ['Workflow', 'frappe'], ['Setup', 'erpnext'], ['Selling', 'erpnext'], ['Accounts', 'erpnext'],
  ['Stock', 'erpnext'], ['Buying', 'erpnext'], ['CRM', 'erpnext'], ['Projects', 'erpnext'], ['Support', 'erpnext'],
  ['Assets', 'erpnext'], ['Manufacturing', 'erpnext'], ['Utilities', 'erpnext'], ['Regional', 'erpnext'],
  ['Communication', 'erpnext'], ['Portal', 'erpnext'], ['Quality Management', 'erpnext'], ['Maintenance', 'erpnext'],
  ['Subcontracting', 'erpnext'], ['EDI', 'erpnext'], ['Telephony', 'erpnext'], ['Bulk Transaction', 'erpnext'],
  ['ERPNext Integrations', 'erpnext'],
];

/** Roles after ERPNext's install; desk_access decides System User vs Website User. */
const ROLES: [string, number][] = [
  ['Administrator', 1], ['System Manager', 1], ['Guest', 0], ['All', 0], ['Desk User', 1], ['Website Manager', 1],
  ['Accounts Manager', 1], ['Accounts User', 1], ['Auditor', 1], ['Sales Manager', 1], ['Sales User', 1],
  ['Sales Master Manager', 1], ['Purchase Manager', 1], ['Purchase User', 1], ['Purchase Master Manager', 1],
  ['Stock Manager', 1], ['Stock User', 1], ['Item Manager', 1], ['Manufacturing Manager', 1], ['Manufacturing User', 1],
  ['Projects Manager', 1], ['Projects User', 1], ['HR User', 1], ['HR Manager', 1], ['Employee', 1],
  ['Maintenance Manager', 1], ['Maintenance User', 1], ['Quality Manager', 1], ['Report Manager', 1],
  ['Dashboard Manager', 1], ['Workspace Manager', 1], ['Inbox User', 1], ['Blogger', 1], ['Knowledge Base Editor', 1],
  ['Knowledge Base Contributor', 1], ['Newsletter Manager', 1], ['Prepared Report User', 1], ['Script Manager', 1],
  ['Translator', 1], ['Fulfillment User', 1], ['Delivery Manager', 1], ['Delivery User', 1], ['Customer', 0],
  ['Supplier', 0], ['Analytics', 1],
];

const UOMS: [string, number][] = [
  ['Unit', 1], ['Nos', 1], ['Box', 1], ['Pair', 1], ['Set', 1], ['Piece', 1], ['Pack', 1], ['Carton', 1],
  ['Dozen', 1], ['Kg', 0], ['Gram', 0], ['Meter', 0], ['Centimeter', 0], ['Litre', 0], ['Millilitre', 0],
  ['Square Meter', 0], ['Cubic Meter', 0], ['Second', 0], ['Minute', 0], ['Hour', 0], ['Day', 0], ['Week', 0],
  ['Millisecond', 0], ['Microsecond', 0], ['Nanosecond', 0], ['Percent', 0],
];

/** ERPNext's uom_conversion_data.json, Time category (the only one a booking site touches). */
const TIME_CONVERSIONS: [string, string, number][] = [
  ['Second', 'Day', 0.0000115742],
  ['Second', 'Hour', 0.000277777778],
  ['Second', 'Minute', 0.016667],
  ['Second', 'Second', 1],
  ['Second', 'Millisecond', 1000],
  ['Second', 'Microsecond', 1000000],
  ['Second', 'Nanosecond', 1000000000],
  ['Second', 'Week', 0.000001653439],
];

const COUNTRIES: [string, string, string, string][] = [
  ['France', 'fr', 'dd-mm-yyyy', 'Europe/Paris'],
  ['Belgium', 'be', 'dd-mm-yyyy', 'Europe/Brussels'],
  ['Switzerland', 'ch', 'dd.mm.yyyy', 'Europe/Zurich'],
  ['Luxembourg', 'lu', 'dd-mm-yyyy', 'Europe/Luxembourg'],
  ['Germany', 'de', 'dd.mm.yyyy', 'Europe/Berlin'],
  ['Spain', 'es', 'dd-mm-yyyy', 'Europe/Madrid'],
  ['Italy', 'it', 'dd-mm-yyyy', 'Europe/Rome'],
  ['United Kingdom', 'gb', 'dd-mm-yyyy', 'Europe/London'],
  ['United States', 'us', 'mm-dd-yyyy', 'America/New_York'],
  ['Canada', 'ca', 'mm-dd-yyyy', 'America/Toronto'],
];

const CURRENCIES: [string, string, number, string][] = [
  ['EUR', '€', 1, '# ###,##'],
  ['USD', '$', 0, '#,###.##'],
  ['GBP', '£', 0, '#,###.##'],
  ['CHF', 'CHF', 0, "#'###.##"],
  ['CAD', '$', 0, '#,###.##'],
];

interface AccountDef {
  name: string;
  parent?: string;
  rootType: string;
  group?: boolean;
  accountType?: string;
  taxRate?: number;
}

/** The "Standard" chart of accounts of ERPNext, as far as a sale and its payment reach. */
const ACCOUNTS: AccountDef[] = [
  { name: 'Application of Funds (Assets)', rootType: 'Asset', group: true },
  { name: 'Current Assets', parent: 'Application of Funds (Assets)', rootType: 'Asset', group: true },
  { name: 'Accounts Receivable', parent: 'Current Assets', rootType: 'Asset', group: true },
  { name: 'Debtors', parent: 'Accounts Receivable', rootType: 'Asset', accountType: 'Receivable' },
  { name: 'Bank Accounts', parent: 'Current Assets', rootType: 'Asset', group: true, accountType: 'Bank' },
  { name: 'Bank Account', parent: 'Bank Accounts', rootType: 'Asset', accountType: 'Bank' },
  { name: 'Cash In Hand', parent: 'Current Assets', rootType: 'Asset', group: true, accountType: 'Cash' },
  { name: 'Cash', parent: 'Cash In Hand', rootType: 'Asset', accountType: 'Cash' },
  { name: 'Stock Assets', parent: 'Current Assets', rootType: 'Asset', group: true, accountType: 'Stock' },
  { name: 'Stock In Hand', parent: 'Stock Assets', rootType: 'Asset', accountType: 'Stock' },
  { name: 'Source of Funds (Liabilities)', rootType: 'Liability', group: true },
  { name: 'Current Liabilities', parent: 'Source of Funds (Liabilities)', rootType: 'Liability', group: true },
  { name: 'Accounts Payable', parent: 'Current Liabilities', rootType: 'Liability', group: true },
  { name: 'Creditors', parent: 'Accounts Payable', rootType: 'Liability', accountType: 'Payable' },
  { name: 'Duties and Taxes', parent: 'Current Liabilities', rootType: 'Liability', group: true, accountType: 'Tax' },
  { name: 'VAT 20%', parent: 'Duties and Taxes', rootType: 'Liability', accountType: 'Tax', taxRate: 20 },
  { name: 'VAT 10%', parent: 'Duties and Taxes', rootType: 'Liability', accountType: 'Tax', taxRate: 10 },
  { name: 'VAT 5.5%', parent: 'Duties and Taxes', rootType: 'Liability', accountType: 'Tax', taxRate: 5.5 },
  { name: 'VAT 2.1%', parent: 'Duties and Taxes', rootType: 'Liability', accountType: 'Tax', taxRate: 2.1 },
  { name: 'Stock Received But Not Billed', parent: 'Current Liabilities', rootType: 'Liability', accountType: 'Stock Received But Not Billed' },
  { name: 'Equity', rootType: 'Equity', group: true },
  { name: 'Capital Stock', parent: 'Equity', rootType: 'Equity', accountType: 'Equity' },
  { name: 'Income', rootType: 'Income', group: true },
  { name: 'Direct Income', parent: 'Income', rootType: 'Income', group: true, accountType: 'Income Account' },
  { name: 'Sales', parent: 'Direct Income', rootType: 'Income', accountType: 'Income Account' },
  { name: 'Service', parent: 'Direct Income', rootType: 'Income', accountType: 'Income Account' },
  { name: 'Indirect Income', parent: 'Income', rootType: 'Income', group: true, accountType: 'Income Account' },
  { name: 'Expenses', rootType: 'Expense', group: true },
  { name: 'Direct Expenses', parent: 'Expenses', rootType: 'Expense', group: true },
  { name: 'Stock Expenses', parent: 'Direct Expenses', rootType: 'Expense', group: true },
  { name: 'Cost of Goods Sold', parent: 'Stock Expenses', rootType: 'Expense', accountType: 'Cost of Goods Sold' },
  { name: 'Stock Adjustment', parent: 'Stock Expenses', rootType: 'Expense', accountType: 'Stock Adjustment' },
  { name: 'Indirect Expenses', parent: 'Expenses', rootType: 'Expense', group: true },
  { name: 'Round Off', parent: 'Indirect Expenses', rootType: 'Expense', accountType: 'Round Off' },
  { name: 'Write Off', parent: 'Indirect Expenses', rootType: 'Expense' },
  { name: 'Exchange Gain/Loss', parent: 'Indirect Expenses', rootType: 'Expense' },
];

const VAT_TEMPLATES: [string, number, number][] = [
  ['France VAT 20%', 20, 1],
  ['France VAT 10%', 10, 0],
  ['France VAT 5.5%', 5.5, 0],
  ['France VAT 2.1%', 2.1, 0],
];

/** Writes a document straight into the tables (seeding skips validation, as bench migrate does). */
export class Seeder {
  private readonly ctx: Ctx;
  private readonly stamp: string;
  private counter = 0;

  constructor(private readonly site: Site) {
    this.ctx = new Ctx('Administrator', new Set(['Administrator']), new Txn(site.tables), 'http://127.0.0.1:8000');
    this.stamp = site.clock.now();
  }

  put(doctype: string, data: Doc): Doc {
    const engine = this.site.engine;
    const meta = engine.requireMeta(doctype);
    const base = engine.newDoc(this.ctx, meta.name);
    const doc = engine.buildDoc(meta, { ...base, ...data });
    doc.owner = 'Administrator';
    doc.modified_by = 'Administrator';
    doc.creation = data.creation ?? this.stamp;
    doc.modified = data.modified ?? this.stamp;
    doc.docstatus = data.docstatus ?? 0;
    doc.idx = data.idx ?? 0;
    if (!doc.name) throw new Error(`Seed ${doctype} needs a name`);
    for (const { row } of engine.children(meta, doc)) {
      row.name = row.name ?? frappeHashName(this.site.clock.epochMs() + this.counter++ * 100, this.site.rng);
      row.owner = 'Administrator';
      row.modified_by = 'Administrator';
      row.creation = doc.creation;
      row.modified = doc.modified;
      row.docstatus = doc.docstatus;
    }
    const stored = engine.storedForm(meta, doc);
    this.site.tables.put(meta.name, stored);
    return stored;
  }
}

function treeRows(seeder: Seeder, doctype: string, nameField: string, parentField: string, root: string, leaves: string[]): void {
  seeder.put(doctype, { name: root, [nameField]: root, is_group: 1, [parentField]: '' });
  for (const leaf of leaves) seeder.put(doctype, { name: leaf, [nameField]: leaf, is_group: 0, [parentField]: root });
}

/** The minimal records every site has, whatever the seed (Frappe's own install). */
export function seedFramework(site: Site, admin: AdminCredentials): void {
  const s = new Seeder(site);
  for (const [name, app] of MODULES) s.put('Module Def', { name, module_name: name, app_name: app, custom: 0 });
  for (const module of site.addonModules) {
    if (!site.tables.has('Module Def', module)) s.put('Module Def', { name: module, module_name: module, app_name: 'creneau', custom: 0 });
  }
  for (const [name, desk] of ROLES) s.put('Role', { name, role_name: name, desk_access: desk, disabled: 0 });
  for (const field of recordedStandardCustomFields()) {
    const { parent: _p, parentfield: _pf, parenttype: _pt, doctype: _d, name: _n, fields: _f, permissions: _pe, actions: _a, links: _l, states: _s, ...data } = field;
    const dt = str(field.dt);
    s.put('Custom Field', { ...data, name: `${dt}-${str(field.fieldname)}`, dt, is_system_generated: 1 });
  }
  syncCustomFields(site);
  s.put('User Type', { name: 'System User', is_standard: 1 });
  s.put('User Type', { name: 'Website User', is_standard: 1 });
  s.put('Language', { name: 'en', language_code: 'en', language_name: 'English', enabled: 1 });
  s.put('Language', { name: 'fr', language_code: 'fr', language_name: 'Français', enabled: 1 });
  for (const g of ['Male', 'Female', 'Non-Conforming', 'Transgender', 'Genderqueer', 'Other', 'Prefer not to say']) {
    s.put('Gender', { name: g, gender: g });
  }
  for (const sal of ['Mr', 'Ms', 'Mx', 'Mrs', 'Dr', 'Prof', 'Madam', 'Miss', 'Master']) s.put('Salutation', { name: sal, salutation: sal });
  for (const [name, code, dateFormat, tz] of COUNTRIES) {
    s.put('Country', { name, country_name: name, code, date_format: dateFormat, time_format: 'HH:mm:ss', time_zones: tz });
  }
  for (const [code, symbol, enabled, numberFormat] of CURRENCIES) {
    s.put('Currency', {
      name: code,
      currency_name: code,
      enabled,
      fraction: code === 'CHF' ? 'Rappen' : 'Cent',
      fraction_units: 100,
      smallest_currency_fraction_value: code === 'CHF' ? 0.05 : 0.01,
      symbol,
      number_format: numberFormat,
    });
  }
  s.put('User', {
    name: 'Administrator',
    email: 'admin@example.com',
    first_name: 'Administrator',
    full_name: 'Administrator',
    user_type: 'System User',
    enabled: 1,
    language: 'en',
    time_zone: 'Europe/Paris',
    api_key: admin.apiKey,
    api_secret: '*'.repeat(admin.apiSecret.length),
    roles: [{ role: 'Administrator' }, { role: 'System Manager' }],
  });
  s.put('User', { name: 'Guest', email: 'guest@example.com', first_name: 'Guest', full_name: 'Guest', user_type: 'Website User', enabled: 1, roles: [{ role: 'Guest' }] });
  site.transact(site.newCtx('Administrator'), (ctx) => {
    site.setSecret(ctx, 'User', 'Administrator', 'password', admin.password);
    site.setSecret(ctx, 'User', 'Administrator', 'api_secret', admin.apiSecret);
  });
}

/** A fresh ERPNext 15 site after the setup wizard (France, EUR, "Ref Company"), as recorded. */
export function seedErpnext(site: Site): void {
  const s = new Seeder(site);
  const year = Number(site.clock.today().slice(0, 4));
  for (const y of [year - 1, year, year + 1]) {
    s.put('Fiscal Year', { name: String(y), year: String(y), year_start_date: `${y}-01-01`, year_end_date: `${y}-12-31`, disabled: 0 });
  }
  for (const [name, whole] of UOMS) s.put('UOM', { name, uom_name: name, enabled: 1, must_be_whole_number: whole });
  let n = 0;
  for (const [from, to, value] of TIME_CONVERSIONS) {
    s.put('UOM Conversion Factor', { name: `uomconv${String(++n).padStart(3, '0')}`, category: 'Time', from_uom: from, to_uom: to, value });
  }
  treeRows(s, 'Item Group', 'item_group_name', 'parent_item_group', 'All Item Groups', ['Products', 'Raw Material', 'Services', 'Sub Assemblies', 'Consumable']);
  treeRows(s, 'Customer Group', 'customer_group_name', 'parent_customer_group', 'All Customer Groups', ['Commercial', 'Individual', 'Non Profit', 'Government']);
  treeRows(s, 'Territory', 'territory_name', 'parent_territory', 'All Territories', ['France', 'Rest Of The World']);

  s.put('Company', {
    name: COMPANY,
    company_name: COMPANY,
    abbr: ABBR,
    default_currency: 'EUR',
    country: 'France',
    chart_of_accounts: 'Standard',
    create_chart_of_accounts_based_on: 'Standard Template',
    default_bank_account: `Bank Account - ${ABBR}`,
    default_cash_account: `Cash - ${ABBR}`,
    default_receivable_account: `Debtors - ${ABBR}`,
    default_payable_account: `Creditors - ${ABBR}`,
    default_income_account: `Sales - ${ABBR}`,
    default_expense_account: `Cost of Goods Sold - ${ABBR}`,
    write_off_account: `Write Off - ${ABBR}`,
    exchange_gain_loss_account: `Exchange Gain/Loss - ${ABBR}`,
    round_off_account: `Round Off - ${ABBR}`,
    round_off_cost_center: `Main - ${ABBR}`,
    cost_center: `Main - ${ABBR}`,
    stock_adjustment_account: `Stock Adjustment - ${ABBR}`,
    default_inventory_account: `Stock In Hand - ${ABBR}`,
    stock_received_but_not_billed: `Stock Received But Not Billed - ${ABBR}`,
    enable_perpetual_inventory: 1,
  });
  for (const a of ACCOUNTS) {
    s.put('Account', {
      name: `${a.name} - ${ABBR}`,
      account_name: a.name,
      company: COMPANY,
      root_type: a.rootType,
      report_type: ['Income', 'Expense'].includes(a.rootType) ? 'Profit and Loss' : 'Balance Sheet',
      account_type: a.accountType ?? '',
      parent_account: a.parent ? `${a.parent} - ${ABBR}` : '',
      is_group: a.group ? 1 : 0,
      account_currency: 'EUR',
      tax_rate: a.taxRate ?? 0,
      freeze_account: 'No',
    });
  }
  s.put('Cost Center', { name: COMPANY, cost_center_name: COMPANY, company: COMPANY, is_group: 1, parent_cost_center: '' });
  s.put('Cost Center', { name: `Main - ${ABBR}`, cost_center_name: 'Main', company: COMPANY, is_group: 0, parent_cost_center: COMPANY });
  s.put('Warehouse', { name: `All Warehouses - ${ABBR}`, warehouse_name: 'All Warehouses', company: COMPANY, is_group: 1 });
  for (const w of ['Stores', 'Work In Progress', 'Finished Goods', 'Goods In Transit']) {
    s.put('Warehouse', { name: `${w} - ${ABBR}`, warehouse_name: w, company: COMPANY, is_group: 0, parent_warehouse: `All Warehouses - ${ABBR}` });
  }
  s.put('Price List', { name: 'Standard Selling', price_list_name: 'Standard Selling', currency: 'EUR', selling: 1, buying: 0, enabled: 1 });
  s.put('Price List', { name: 'Standard Buying', price_list_name: 'Standard Buying', currency: 'EUR', selling: 0, buying: 1, enabled: 1 });
  const modes: [string, string, string | undefined][] = [
    ['Cash', 'Cash', `Cash - ${ABBR}`],
    ['Credit Card', 'Bank', undefined],
    ['Wire Transfer', 'Bank', undefined],
    ['Bank Draft', 'Bank', undefined],
    ['Cheque', 'Bank', undefined],
  ];
  for (const [name, type, account] of modes) {
    s.put('Mode of Payment', {
      name,
      mode_of_payment: name,
      type,
      enabled: 1,
      accounts: account ? [{ company: COMPANY, default_account: account }] : [],
    });
  }
  for (const [title, rate, isDefault] of VAT_TEMPLATES) {
    s.put('Sales Taxes and Charges Template', {
      name: `${title} - ${ABBR}`,
      title,
      company: COMPANY,
      is_default: isDefault,
      disabled: 0,
      taxes: [
        {
          charge_type: 'On Net Total',
          account_head: `${title.replace('France ', '')} - ${ABBR}`,
          description: title.replace('France ', ''),
          rate,
          cost_center: `Main - ${ABBR}`,
          included_in_print_rate: 0,
        },
      ],
    });
  }
  s.put('Global Defaults', { name: 'Global Defaults', default_company: COMPANY, default_currency: 'EUR', country: 'France', current_fiscal_year: String(year), hide_currency_symbol: 'No' });
  s.put('Selling Settings', { name: 'Selling Settings', cust_master_name: 'Customer Name', selling_price_list: 'Standard Selling', so_required: 'No', dn_required: 'No', allow_multiple_items: 1 });
  s.put('Stock Settings', { name: 'Stock Settings', item_naming_by: 'Item Code', stock_uom: 'Nos', valuation_method: 'FIFO', default_warehouse: `Stores - ${ABBR}`, auto_insert_price_list_rate_if_missing: 1 });
  s.put('Accounts Settings', { name: 'Accounts Settings', unlink_payment_on_cancellation_of_invoice: 1, create_pr_in_draft_status: 1 });
  s.put('System Settings', {
    name: 'System Settings', country: 'France', language: 'en', time_zone: 'Europe/Paris', date_format: 'dd-mm-yyyy',
    time_format: 'HH:mm:ss', number_format: '# ###,##', currency: 'EUR', rounding_method: "Banker's Rounding (legacy)",
    allow_error_traceback: 1, setup_complete: 1,
  });
  // Global defaults the setup wizard leaves (Global Defaults, Stock and Selling Settings on_update).
  Object.assign(site.defaults, {
    company: COMPANY,
    currency: 'EUR',
    country: 'France',
    fiscal_year: String(year),
    stock_uom: 'Nos',
    default_warehouse: `Stores - ${ABBR}`,
    selling_price_list: 'Standard Selling',
    buying_price_list: 'Standard Buying',
  });
}

/** Records created by seeding, for the persistence layer (they are rebuilt at start, never saved). */
export function isSeedOnlyDoctype(doctype: string): boolean {
  return doctype === 'DocType';
}

export function companyAbbr(site: Site, company: unknown): string {
  const doc = site.tables.get('Company', str(company));
  return doc && isRecord(doc) ? str(doc.abbr) : ABBR;
}
