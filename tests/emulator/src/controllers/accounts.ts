import { erpnextThrow, FrappeError } from '../errors';
import type { Doc } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { normalizeDate, str } from '../model/values';
import type { Site } from '../site';
import { Dec, flt, sum } from '../util/decimal';

/** frappe.utils.getdate on what ERPNext validations see: ISO dates, and day-first d/m/Y like the site's format. */
export function looseDate(value: unknown): string | undefined {
  const text = str(value).trim();
  if (!text) return undefined;
  const iso = normalizeDate(text);
  if (iso) return iso;
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (!m) return undefined;
  return normalizeDate(`${m[3] ?? ''}-${m[2] ?? ''}-${m[1] ?? ''}`);
}

/** frappe.utils.formatdate with the site's dd-mm-yyyy format. */
export function formatDate(iso: string): string {
  const [y = '', m = '', d = ''] = iso.split('-');
  return `${d}-${m}-${y}`;
}

/** frappe.utils.fmt_money with the currency's number format ("# ###,##" for EUR: "€ 1 280,00"). */
export function fmtMoney(site: Site, amount: number, currency: string): string {
  const cur = site.tables.get('Currency', currency);
  const format = str(cur?.number_format) || '#,###.##';
  const symbol = str(cur?.symbol) || currency;
  const decimalSep = format.length >= 3 ? format.charAt(format.length - 3) : '.';
  const groupSep = format.length >= 5 ? format.charAt(1) : ',';
  const fixed = Dec.of(Math.abs(amount)).round(2).toString();
  const [intPart = '0', fracRaw = ''] = fixed.split('.');
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, groupSep === '#' ? '' : groupSep);
  const body = `${amount < 0 ? '-' : ''}${grouped}${decimalSep}${fracRaw.padEnd(2, '0')}`;
  return Number(cur?.symbol_on_right) ? `${body} ${symbol}` : `${symbol} ${body}`;
}

/** Company defaults the accounting controllers read. */
export function companyAccounts(site: Site, company: string): {
  abbr: string;
  receivable: string;
  income: string;
  expense: string;
  costCenter: string;
  bank: string;
  cash: string;
  roundOff: string;
  currency: string;
} {
  const c = site.tables.get('Company', company);
  if (!c) throw erpnextThrow(`Company ${company} does not exist`);
  return {
    abbr: str(c.abbr),
    receivable: str(c.default_receivable_account),
    income: str(c.default_income_account),
    expense: str(c.default_expense_account),
    costCenter: str(c.cost_center),
    bank: str(c.default_bank_account),
    cash: str(c.default_cash_account),
    roundOff: str(c.round_off_account),
    currency: str(c.default_currency) || 'EUR',
  };
}

/** erpnext.accounts.utils.get_fiscal_year: the active Fiscal Year holding `date`. */
export function requireFiscalYear(site: Site, date: string, company: string, ctx: Ctx): string {
  for (const fy of site.tables.rows('Fiscal Year')) {
    if (Number(fy.disabled)) continue;
    if (str(fy.year_start_date) <= date && date <= str(fy.year_end_date)) return str(fy.name);
  }
  const message = `Date ${formatDate(date)} is not in any active Fiscal Year for <strong>${company}</strong>`;
  ctx.msgprint(message);
  throw new FrappeError('FiscalYearError', { detail: message, module: 'erpnext.accounts.utils', excSource: 'erpnext (app)' });
}

export interface GlLine {
  account: string;
  debit: number;
  credit: number;
  partyType?: string;
  party?: string;
  againstVoucherType?: string;
  againstVoucher?: string;
  costCenter?: string;
  against?: string;
}

/** Posts GL Entries for a voucher (they are what makes a cancelled invoice undeletable). */
export function postGlEntries(site: Site, ctx: Ctx, voucher: Doc, lines: GlLine[], postingDate: string, fiscalYear: string): void {
  for (const line of lines) {
    if (flt(line.debit) === 0 && flt(line.credit) === 0) continue;
    ctx.asSystem(() =>
      site.engine.insert(ctx, {
        doctype: 'GL Entry',
        docstatus: 1,
        posting_date: postingDate,
        transaction_date: postingDate,
        account: line.account,
        party_type: line.partyType ?? null,
        party: line.party ?? null,
        cost_center: line.costCenter ?? null,
        debit: line.debit,
        credit: line.credit,
        account_currency: 'EUR',
        debit_in_account_currency: line.debit,
        credit_in_account_currency: line.credit,
        against: line.against ?? null,
        voucher_type: voucher.doctype,
        voucher_no: voucher.name,
        against_voucher_type: line.againstVoucherType ?? null,
        against_voucher: line.againstVoucher ?? null,
        is_opening: 'No',
        is_advance: 'No',
        fiscal_year: fiscalYear,
        company: voucher.company,
        remarks: voucher.remarks ?? null,
        is_cancelled: 0,
      }, { ignoreLinks: true }),
    );
  }
}

/** make_reverse_gl_entries: the original entries are flagged, reversing ones posted. */
export function cancelGlEntries(site: Site, ctx: Ctx, doctype: string, name: string): void {
  const entries = [...site.tables.rows('GL Entry')].filter((e) => e.voucher_type === doctype && e.voucher_no === name && !Number(e.is_cancelled));
  for (const e of entries) {
    site.engine.dbSet(ctx, 'GL Entry', str(e.name), { is_cancelled: 1 });
    ctx.asSystem(() =>
      site.engine.insert(ctx, {
        doctype: 'GL Entry',
        docstatus: 1,
        posting_date: e.posting_date,
        transaction_date: e.transaction_date,
        account: e.account,
        party_type: e.party_type,
        party: e.party,
        cost_center: e.cost_center,
        debit: e.credit,
        credit: e.debit,
        account_currency: e.account_currency,
        debit_in_account_currency: e.credit_in_account_currency,
        credit_in_account_currency: e.debit_in_account_currency,
        voucher_type: e.voucher_type,
        voucher_no: e.voucher_no,
        against_voucher_type: e.against_voucher_type,
        against_voucher: e.against_voucher,
        is_opening: 'No',
        is_advance: 'No',
        fiscal_year: e.fiscal_year,
        company: e.company,
        remarks: `On cancellation of ${str(e.voucher_no)}`,
        is_cancelled: 1,
      }, { ignoreLinks: true }),
    );
  }
}

/** Balance of an account from its GL entries (debit − credit), optionally for one party. */
export function accountBalance(site: Site, account: string, party?: { type: string; name: string }): number {
  const amounts: number[] = [];
  for (const e of site.tables.rows('GL Entry')) {
    if (e.account !== account || Number(e.is_cancelled)) continue;
    if (party && (e.party_type !== party.type || e.party !== party.name)) continue;
    amounts.push(flt(e.debit) - flt(e.credit));
  }
  return sum(amounts);
}
