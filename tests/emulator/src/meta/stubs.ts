import type { DocField, DocPerm } from './meta';

/**
 * Standard DocTypes of Frappe/ERPNext that the recorded metadata references but does not
 * include. Only the fields the emulator reads or seeds are declared; any other referenced
 * DocType gets an empty stand-in, which behaves like an empty table on a fresh site (a Link to
 * it fails validation, as it would on the reference site).
 */
export interface StubDef {
  name: string;
  module?: string;
  istable?: boolean;
  issingle?: boolean;
  isSubmittable?: boolean;
  autoname?: string;
  titleField?: string;
  fields?: DocField[];
  permissions?: DocPerm[];
}

const f = (fieldname: string, fieldtype: string, label: string, extra: Partial<DocField> = {}): DocField => ({
  fieldname,
  fieldtype,
  label,
  ...extra,
});

const READ_ALL: DocPerm[] = [
  { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1, report: 1, export: 1, share: 1, print: 1, email: 1 },
  { role: 'All', read: 1, report: 1 },
];

const ACCOUNTS: DocPerm[] = [
  { role: 'Accounts Manager', read: 1, write: 1, create: 1, delete: 1, report: 1, export: 1, share: 1, print: 1, email: 1 },
  { role: 'Accounts User', read: 1, report: 1 },
  { role: 'Sales User', read: 1 },
  { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 },
];

const SETTINGS: DocPerm[] = [{ role: 'System Manager', read: 1, write: 1, create: 1, print: 1, email: 1, share: 1 }];

export const STUB_DOCTYPES: StubDef[] = [
  {
    name: 'Global Defaults',
    module: 'Setup',
    issingle: true,
    fields: [
      f('default_company', 'Link', 'Default Company', { options: 'Company' }),
      f('country', 'Link', 'Country', { options: 'Country' }),
      f('default_distance_unit', 'Link', 'Default Distance Unit', { options: 'UOM' }),
      f('current_fiscal_year', 'Link', 'Current Fiscal Year', { options: 'Fiscal Year' }),
      f('default_currency', 'Link', 'Default Currency', { options: 'Currency', reqd: 1 }),
      f('hide_currency_symbol', 'Select', 'Hide Currency Symbol', { options: '\nNo\nYes' }),
      f('disable_rounded_total', 'Check', 'Disable Rounded Total'),
      f('disable_in_words', 'Check', 'Disable In Words'),
    ],
    permissions: SETTINGS,
  },
  {
    name: 'Selling Settings',
    module: 'Selling',
    issingle: true,
    fields: [
      f('cust_master_name', 'Select', 'Customer Naming By', { options: 'Customer Name\nNaming Series\nAuto Name', default: 'Customer Name' }),
      f('customer_group', 'Link', 'Default Customer Group', { options: 'Customer Group' }),
      f('territory', 'Link', 'Default Territory', { options: 'Territory' }),
      f('selling_price_list', 'Link', 'Default Price List', { options: 'Price List' }),
      f('so_required', 'Select', 'Is Sales Order Required for Sales Invoice & Delivery Note Creation?', { options: 'No\nYes' }),
      f('dn_required', 'Select', 'Is Delivery Note Required for Sales Invoice Creation?', { options: 'No\nYes' }),
      f('allow_multiple_items', 'Check', 'Allow Item to be Added Multiple Times in a Transaction'),
      f('maintain_same_sales_rate', 'Check', 'Maintain Same Rate Throughout Sales Cycle'),
    ],
    permissions: SETTINGS,
  },
  {
    name: 'Stock Settings',
    module: 'Stock',
    issingle: true,
    fields: [
      f('item_naming_by', 'Select', 'Item Naming By', { options: 'Item Code\nNaming Series', default: 'Item Code' }),
      f('item_group', 'Link', 'Default Item Group', { options: 'Item Group' }),
      f('stock_uom', 'Link', 'Default Stock UOM', { options: 'UOM' }),
      f('valuation_method', 'Select', 'Default Valuation Method', { options: 'FIFO\nMoving Average\nLIFO' }),
      f('default_warehouse', 'Link', 'Default Warehouse', { options: 'Warehouse' }),
      f('auto_insert_price_list_rate_if_missing', 'Check', 'Auto Insert Item Price If Missing'),
      f('update_existing_price_list_rate', 'Check', 'Update Existing Price List Rate'),
      f('allow_negative_stock', 'Check', 'Allow Negative Stock'),
    ],
    permissions: SETTINGS,
  },
  {
    name: 'Accounts Settings',
    module: 'Accounts',
    issingle: true,
    fields: [
      f('unlink_payment_on_cancellation_of_invoice', 'Check', 'Unlink Payment on Cancellation of Invoice', { default: '1' }),
      f('unlink_advance_payment_on_cancelation_of_order', 'Check', 'Unlink Advance Payment on Cancellation of Order', { default: '1' }),
      f('create_pr_in_draft_status', 'Check', 'Create in Draft Status', { default: '1' }),
      f('over_billing_allowance', 'Currency', 'Over Billing Allowance (%)'),
      f('check_supplier_invoice_uniqueness', 'Check', 'Check Supplier Invoice Number Uniqueness'),
    ],
    permissions: SETTINGS,
  },
  {
    name: 'System Settings',
    module: 'Core',
    issingle: true,
    fields: [
      f('country', 'Link', 'Country', { options: 'Country' }),
      f('language', 'Link', 'Language', { options: 'Language', reqd: 1 }),
      f('time_zone', 'Autocomplete', 'Time Zone'),
      f('date_format', 'Select', 'Date Format', { options: 'dd-mm-yyyy\ndd.mm.yyyy\ndd/mm/yyyy\nmm/dd/yyyy\nmm-dd-yyyy\nyyyy-mm-dd' }),
      f('time_format', 'Select', 'Time Format', { options: 'HH:mm:ss\nHH:mm' }),
      f('number_format', 'Select', 'Number Format', { options: '#,###.##\n#.###,##\n# ###.##\n# ###,##\n#\'###.##\n#, ###.##\n#,##,###.##\n#,###.###\n#.###\n#,###' }),
      f('currency', 'Link', 'Currency', { options: 'Currency' }),
      f('float_precision', 'Select', 'Float Precision', { options: '\n2\n3\n4\n5\n6\n7\n8\n9' }),
      f('currency_precision', 'Select', 'Currency Precision', { options: '\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9' }),
      f('rounding_method', 'Select', 'Rounding Method', { options: "Banker's Rounding (legacy)\nBanker's Rounding\nCommercial Rounding" }),
      f('allow_error_traceback', 'Check', 'Show Full Error and Allow Reporting of Issues to the Developer', { default: '1' }),
      f('setup_complete', 'Check', 'Setup Complete'),
      f('enable_onboarding', 'Check', 'Enable Onboarding'),
    ],
    permissions: SETTINGS,
  },
  {
    name: 'GL Entry',
    module: 'Accounts',
    isSubmittable: true,
    autoname: 'hash',
    fields: [
      f('posting_date', 'Date', 'Posting Date'),
      f('transaction_date', 'Date', 'Transaction Date'),
      f('account', 'Link', 'Account', { options: 'Account' }),
      f('party_type', 'Link', 'Party Type', { options: 'DocType' }),
      f('party', 'Dynamic Link', 'Party', { options: 'party_type' }),
      f('cost_center', 'Link', 'Cost Center', { options: 'Cost Center' }),
      f('debit', 'Currency', 'Debit Amount'),
      f('credit', 'Currency', 'Credit Amount'),
      f('account_currency', 'Link', 'Account Currency', { options: 'Currency' }),
      f('debit_in_account_currency', 'Currency', 'Debit Amount in Account Currency'),
      f('credit_in_account_currency', 'Currency', 'Credit Amount in Account Currency'),
      f('against', 'Text', 'Against'),
      f('voucher_type', 'Link', 'Voucher Type', { options: 'DocType' }),
      f('voucher_no', 'Dynamic Link', 'Voucher No', { options: 'voucher_type' }),
      f('against_voucher_type', 'Link', 'Against Voucher Type', { options: 'DocType' }),
      f('against_voucher', 'Dynamic Link', 'Against Voucher', { options: 'against_voucher_type' }),
      f('is_opening', 'Select', 'Is Opening', { options: 'No\nYes' }),
      f('is_advance', 'Select', 'Is Advance', { options: 'No\nYes' }),
      f('fiscal_year', 'Link', 'Fiscal Year', { options: 'Fiscal Year' }),
      f('company', 'Link', 'Company', { options: 'Company' }),
      f('remarks', 'Text', 'Remarks'),
      f('is_cancelled', 'Check', 'Is Cancelled'),
    ],
    permissions: [
      { role: 'Accounts User', read: 1, report: 1, export: 1 },
      { role: 'Accounts Manager', read: 1, report: 1, export: 1 },
      { role: 'Auditor', read: 1, report: 1 },
    ],
  },
  {
    name: 'Module Def',
    module: 'Core',
    autoname: 'field:module_name',
    fields: [
      f('module_name', 'Data', 'Module Name', { reqd: 1, unique: 1 }),
      f('custom', 'Check', 'Custom'),
      f('app_name', 'Data', 'App Name', { mandatory_depends_on: 'eval:!doc.custom' }),
      f('restrict_to_domain', 'Link', 'Restrict To Domain', { options: 'Domain' }),
    ],
    permissions: [
      { role: 'Administrator', read: 1, write: 1, create: 1, delete: 1 },
      { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 },
    ],
  },
  {
    name: 'Territory',
    autoname: 'field:territory_name',
    fields: [
      f('territory_name', 'Data', 'Territory Name', { reqd: 1, unique: 1 }),
      f('parent_territory', 'Link', 'Parent Territory', { options: 'Territory' }),
      f('is_group', 'Check', 'Is Group'),
      f('territory_manager', 'Link', 'Territory Manager', { options: 'Sales Person' }),
      f('lft', 'Int', 'lft', { read_only: 1, hidden: 1 }),
      f('rgt', 'Int', 'rgt', { read_only: 1, hidden: 1 }),
      f('old_parent', 'Link', 'Old Parent', { options: 'Territory' }),
    ],
    permissions: READ_ALL,
  },
  {
    name: 'Account',
    module: 'Accounts',
    fields: [
      f('disabled', 'Check', 'Disable'),
      f('account_name', 'Data', 'Account Name', { reqd: 1 }),
      f('account_number', 'Data', 'Account Number'),
      f('is_group', 'Check', 'Is Group'),
      f('company', 'Link', 'Company', { options: 'Company', reqd: 1 }),
      f('root_type', 'Select', 'Root Type', { options: '\nAsset\nLiability\nIncome\nExpense\nEquity' }),
      f('report_type', 'Select', 'Report Type', { options: '\nBalance Sheet\nProfit and Loss' }),
      f('account_currency', 'Link', 'Currency', { options: 'Currency' }),
      f('parent_account', 'Link', 'Parent Account', { options: 'Account' }),
      f('account_type', 'Select', 'Account Type', {
        options:
          '\nAccumulated Depreciation\nAsset Received But Not Billed\nBank\nCash\nChargeable\nCapital Work in Progress\nCost of Goods Sold\nCurrent Asset\nCurrent Liability\nDepreciation\nDirect Expense\nDirect Income\nEquity\nExpense Account\nExpenses Included In Asset Valuation\nExpenses Included In Valuation\nFixed Asset\nIncome Account\nIndirect Expense\nIndirect Income\nLiability\nPayable\nReceivable\nRound Off\nRound Off for Opening\nStock\nStock Adjustment\nStock Received But Not Billed\nService Received But Not Billed\nTax\nTemporary',
      }),
      f('tax_rate', 'Float', 'Rate'),
      f('freeze_account', 'Select', 'Frozen', { options: 'No\nYes' }),
      f('balance_must_be', 'Select', 'Balance must be', { options: '\nDebit\nCredit' }),
      f('lft', 'Int', 'Lft', { read_only: 1, hidden: 1 }),
      f('rgt', 'Int', 'Rgt', { read_only: 1, hidden: 1 }),
      f('old_parent', 'Data', 'Old Parent', { read_only: 1, hidden: 1 }),
    ],
    permissions: ACCOUNTS,
  },
  {
    name: 'Cost Center',
    module: 'Accounts',
    fields: [
      f('cost_center_name', 'Data', 'Cost Center Name', { reqd: 1 }),
      f('cost_center_number', 'Data', 'Cost Center Number'),
      f('parent_cost_center', 'Link', 'Parent Cost Center', { options: 'Cost Center' }),
      f('company', 'Link', 'Company', { options: 'Company', reqd: 1 }),
      f('is_group', 'Check', 'Is Group'),
      f('disabled', 'Check', 'Disabled'),
      f('lft', 'Int', 'lft', { read_only: 1, hidden: 1 }),
      f('rgt', 'Int', 'rgt', { read_only: 1, hidden: 1 }),
      f('old_parent', 'Link', 'Old Parent', { options: 'Cost Center' }),
    ],
    permissions: ACCOUNTS,
  },
  {
    name: 'Warehouse',
    module: 'Stock',
    fields: [
      f('disabled', 'Check', 'Disabled'),
      f('warehouse_name', 'Data', 'Warehouse Name', { reqd: 1 }),
      f('is_group', 'Check', 'Is Group Warehouse'),
      f('parent_warehouse', 'Link', 'Parent Warehouse', { options: 'Warehouse' }),
      f('company', 'Link', 'Company', { options: 'Company', reqd: 1 }),
      f('account', 'Link', 'Account', { options: 'Account' }),
      f('lft', 'Int', 'lft', { read_only: 1, hidden: 1 }),
      f('rgt', 'Int', 'rgt', { read_only: 1, hidden: 1 }),
      f('old_parent', 'Link', 'Old Parent', { options: 'Warehouse' }),
    ],
    permissions: READ_ALL,
  },
  {
    name: 'Fiscal Year',
    module: 'Accounts',
    autoname: 'field:year',
    fields: [
      f('year', 'Data', 'Year Name', { reqd: 1, unique: 1 }),
      f('disabled', 'Check', 'Disabled'),
      f('is_short_year', 'Check', 'Is Short/Long Year'),
      f('year_start_date', 'Date', 'Year Start Date', { reqd: 1 }),
      f('year_end_date', 'Date', 'Year End Date', { reqd: 1 }),
      f('auto_created', 'Check', 'Auto Created'),
    ],
    permissions: ACCOUNTS,
  },
  {
    name: 'Country',
    module: 'Geo',
    autoname: 'field:country_name',
    fields: [
      f('country_name', 'Data', 'Country Name', { reqd: 1, unique: 1 }),
      f('date_format', 'Data', 'Date Format'),
      f('time_format', 'Data', 'Time Format'),
      f('time_zones', 'Text', 'Time Zones'),
      f('code', 'Data', 'Code'),
    ],
    permissions: READ_ALL,
  },
  {
    name: 'Language',
    module: 'Core',
    autoname: 'field:language_code',
    fields: [
      f('enabled', 'Check', 'Enabled', { default: '1' }),
      f('language_code', 'Data', 'Language Code', { reqd: 1, unique: 1 }),
      f('language_name', 'Data', 'Language Name', { reqd: 1 }),
      f('flag', 'Data', 'Flag'),
      f('based_on', 'Link', 'Based On', { options: 'Language' }),
    ],
    permissions: READ_ALL,
  },
  {
    name: 'Salutation',
    module: 'Contacts',
    autoname: 'field:salutation',
    fields: [f('salutation', 'Data', 'Salutation', { reqd: 1, unique: 1 })],
    permissions: READ_ALL,
  },
  {
    name: 'Gender',
    module: 'Contacts',
    autoname: 'field:gender',
    fields: [f('gender', 'Data', 'Gender', { unique: 1 })],
    permissions: READ_ALL,
  },
  {
    name: 'User Type',
    module: 'Core',
    autoname: 'Prompt',
    fields: [f('is_standard', 'Check', 'Is Standard')],
    permissions: READ_ALL,
  },
  {
    name: 'UOM Conversion Factor',
    module: 'Setup',
    autoname: 'hash',
    fields: [
      f('category', 'Link', 'Category', { options: 'UOM Category' }),
      f('from_uom', 'Link', 'From', { options: 'UOM', reqd: 1 }),
      f('to_uom', 'Link', 'To', { options: 'UOM', reqd: 1 }),
      f('value', 'Float', 'Value', { reqd: 1 }),
    ],
    permissions: READ_ALL,
  },
  {
    name: 'Payment Gateway',
    module: 'Integrations',
    autoname: 'field:gateway',
    fields: [
      f('gateway', 'Data', 'Gateway', { reqd: 1, unique: 1 }),
      f('gateway_settings', 'Link', 'Gateway Settings', { options: 'DocType' }),
      f('gateway_controller', 'Dynamic Link', 'Gateway Controller', { options: 'gateway_settings' }),
    ],
  },
  {
    // frappe/integrations/doctype/integration_request: a payment gateway's log of one payment attempt.
    name: 'Integration Request',
    module: 'Integrations',
    autoname: 'hash',
    fields: [
      f('request_id', 'Data', 'Request ID', { read_only: 1 }),
      f('integration_request_service', 'Data', 'Service', { read_only: 1 }),
      f('is_remote_request', 'Check', 'Is Remote Request?', { read_only: 1 }),
      f('request_description', 'Data', 'Request Description', { read_only: 1 }),
      f('status', 'Select', 'Status', { options: '\nQueued\nAuthorized\nCompleted\nCancelled\nFailed', default: 'Queued' }),
      f('url', 'Small Text', 'URL', { read_only: 1 }),
      f('request_headers', 'Code', 'Request Headers', { read_only: 1 }),
      f('data', 'Code', 'Request Data', { read_only: 1 }),
      f('output', 'Code', 'Output', { read_only: 1 }),
      f('error', 'Code', 'Error', { read_only: 1 }),
      f('reference_doctype', 'Link', 'Reference Document Type', { options: 'DocType', read_only: 1 }),
      f('reference_docname', 'Dynamic Link', 'Reference Document Name', { options: 'reference_doctype', read_only: 1 }),
    ],
    permissions: [{ role: 'System Manager', read: 1, write: 1, create: 1, delete: 1, report: 1, export: 1 }],
  },
  {
    // frappe/core/doctype/error_log: what frappe.log_error writes (a gateway callback that failed, for one).
    name: 'Error Log',
    module: 'Core',
    autoname: 'hash',
    fields: [
      f('seen', 'Check', 'Seen'),
      f('reference_doctype', 'Link', 'Reference DocType', { options: 'DocType' }),
      f('reference_name', 'Data', 'Reference Name'),
      f('method', 'Data', 'Title'),
      f('error', 'Code', 'Error'),
      f('trace_id', 'Data', 'Trace ID'),
    ],
    permissions: [{ role: 'System Manager', read: 1, delete: 1, report: 1, export: 1 }],
  },
  {
    name: 'Tax Category',
    module: 'Accounts',
    autoname: 'field:title',
    fields: [f('title', 'Data', 'Title', { reqd: 1, unique: 1 }), f('disabled', 'Check', 'Disabled')],
    permissions: READ_ALL,
  },
  {
    name: 'Supplier',
    module: 'Buying',
    autoname: 'field:supplier_name',
    fields: [
      f('supplier_name', 'Data', 'Supplier Name', { reqd: 1 }),
      f('supplier_group', 'Link', 'Supplier Group', { options: 'Supplier Group' }),
    ],
  },
  {
    name: 'Payment Terms Template',
    module: 'Accounts',
    autoname: 'field:template_name',
    fields: [f('template_name', 'Data', 'Template Name', { unique: 1 })],
    permissions: READ_ALL,
  },
  {
    name: 'Party Account',
    module: 'Accounts',
    istable: true,
    fields: [
      f('company', 'Link', 'Company', { options: 'Company', reqd: 1 }),
      f('account', 'Link', 'Default Account', { options: 'Account' }),
      f('advance_account', 'Link', 'Default Advance Account', { options: 'Account' }),
    ],
  },
  {
    name: 'Portal User',
    module: 'Core',
    istable: true,
    fields: [f('user', 'Link', 'User', { options: 'User', reqd: 1 })],
  },
  {
    name: 'Sales Team',
    module: 'Selling',
    istable: true,
    fields: [
      f('sales_person', 'Link', 'Sales Person', { options: 'Sales Person', reqd: 1 }),
      f('allocated_percentage', 'Float', 'Contribution (%)'),
      f('allocated_amount', 'Currency', 'Contribution to Net Total'),
      f('commission_rate', 'Data', 'Commission Rate'),
      f('incentives', 'Currency', 'Incentives'),
    ],
  },
  {
    name: 'Sales Invoice Payment',
    module: 'Accounts',
    istable: true,
    fields: [
      f('default', 'Check', 'Default'),
      f('mode_of_payment', 'Link', 'Mode of Payment', { options: 'Mode of Payment', reqd: 1 }),
      f('amount', 'Currency', 'Amount', { reqd: 1 }),
      f('account', 'Link', 'Account', { options: 'Account' }),
      f('type', 'Data', 'Type'),
      f('base_amount', 'Currency', 'Base Amount (Company Currency)'),
    ],
  },
  {
    name: 'Payment Entry Deduction',
    module: 'Accounts',
    istable: true,
    fields: [
      f('account', 'Link', 'Account', { options: 'Account', reqd: 1 }),
      f('cost_center', 'Link', 'Cost Center', { options: 'Cost Center', reqd: 1 }),
      f('amount', 'Currency', 'Amount', { reqd: 1 }),
      f('is_exchange_gain_loss', 'Check', 'Is Exchange Gain / Loss?'),
      f('description', 'Small Text', 'Description'),
    ],
  },
  {
    name: 'Mode of Payment Account',
    module: 'Accounts',
    istable: true,
    fields: [
      f('company', 'Link', 'Company', { options: 'Company' }),
      f('default_account', 'Link', 'Default Account', { options: 'Account' }),
    ],
  },
  {
    name: 'Price List Country',
    module: 'Stock',
    istable: true,
    fields: [f('country', 'Link', 'Country', { options: 'Country', reqd: 1 })],
  },
  {
    name: 'Item Barcode',
    module: 'Stock',
    istable: true,
    fields: [
      f('barcode', 'Data', 'Barcode', { unique: 1 }),
      f('barcode_type', 'Select', 'Barcode Type', { options: '\nEAN\nUPC-A\nCODE-39' }),
      f('uom', 'Link', 'UOM', { options: 'UOM' }),
    ],
  },
  {
    name: 'Item Customer Detail',
    module: 'Stock',
    istable: true,
    fields: [
      f('customer_name', 'Link', 'Customer', { options: 'Customer' }),
      f('customer_group', 'Link', 'Customer Group', { options: 'Customer Group' }),
      f('ref_code', 'Data', 'Ref Code', { reqd: 1 }),
    ],
  },
  {
    name: 'Item Tax',
    module: 'Stock',
    istable: true,
    fields: [
      f('item_tax_template', 'Link', 'Item Tax Template', { options: 'Item Tax Template', reqd: 1 }),
      f('tax_category', 'Link', 'Tax Category', { options: 'Tax Category' }),
      f('valid_from', 'Date', 'Valid From'),
      f('minimum_net_rate', 'Float', 'Minimum Net Rate'),
      f('maximum_net_rate', 'Float', 'Maximum Net Rate'),
    ],
  },
  {
    name: 'Has Role',
    module: 'Core',
    istable: true,
    fields: [f('role', 'Link', 'Role', { options: 'Role' })],
  },
  {
    name: 'DefaultValue',
    module: 'Core',
    istable: true,
    fields: [f('defkey', 'Data', 'Key', { reqd: 1 }), f('defvalue', 'Text', 'Value')],
  },
  {
    name: 'DocType Action',
    module: 'Core',
    istable: true,
    fields: [
      f('label', 'Data', 'Label', { reqd: 1 }),
      f('action_type', 'Select', 'Action Type', { options: 'Server Action\nRoute', reqd: 1 }),
      f('action', 'Small Text', 'Action / Route', { reqd: 1 }),
      f('group', 'Data', 'Group'),
      f('hidden', 'Check', 'Hidden'),
      f('custom', 'Check', 'Custom'),
    ],
  },
  {
    name: 'DocType Link',
    module: 'Core',
    istable: true,
    fields: [
      f('link_doctype', 'Link', 'Link DocType', { options: 'DocType', reqd: 1 }),
      f('link_fieldname', 'Data', 'Link Fieldname', { reqd: 1 }),
      f('parent_doctype', 'Link', 'Parent DocType', { options: 'DocType' }),
      f('table_fieldname', 'Data', 'Table Fieldname'),
      f('group', 'Data', 'Group'),
      f('hidden', 'Check', 'Hidden'),
      f('is_child_table', 'Check', 'Is Child Table'),
      f('custom', 'Check', 'Custom'),
    ],
  },
  {
    name: 'DocType State',
    module: 'Core',
    istable: true,
    fields: [
      f('title', 'Data', 'Title', { reqd: 1 }),
      f('color', 'Select', 'Color', { options: 'Blue\nCyan\nGray\nGreen\nLight Blue\nOrange\nPink\nPurple\nRed\nYellow', reqd: 1 }),
      f('custom', 'Check', 'Custom'),
    ],
  },
];
