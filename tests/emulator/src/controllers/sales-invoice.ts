import { erpnextThrow, frappeThrow, notFound, pythonError, type FrappeError, type ServerMessage } from '../errors';
import type { MethodRegistry } from '../http/methods';
import { TABLE_FIELDTYPES as TABLE_TYPES, type Doc, type Meta } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import type { DocOp } from '../model/engine';
import { rows, str, truthy } from '../model/values';
import type { Site } from '../site';
import { cint, Dec, flt, mulRound, sum } from '../util/decimal';
import { pyFloatRepr } from '../util/pyjson';
import { moneyInWords } from '../util/words';
import { cancelGlEntries, companyAccounts, looseDate, postGlEntries, requireFiscalYear, type GlLine } from './accounts';

const IGNORE_ON_CANCEL = [
  'GL Entry', 'Stock Ledger Entry', 'Repost Item Valuation', 'Repost Payment Ledger', 'Repost Payment Ledger Items',
  'Repost Accounting Ledger', 'Repost Accounting Ledger Items', 'Unreconcile Payment', 'Unreconcile Payment Entries',
  'Payment Ledger Entry', 'Serial and Batch Bundle', 'Bank Transaction',
];

function round2(v: Dec): number {
  return v.round(2).toNumber();
}

/**
 * ERPNext's price lookup (get_price_list_rate_for): the customer's price, else the general one, for the row's UOM
 * (a price without UOM fits any), else the stock UOM's × factor; the most recent `valid_from` wins.
 * `undefined` when the item has no price at all, which is what lets a typed rate become its price.
 */
export function priceListRate(site: Site, itemCode: string, priceList: string, uom: string, stockUom: string, conversionFactor: number, customer: string | undefined, date: string): number | undefined {
  const candidates = [...site.tables.rows('Item Price')]
    .filter(
      (p) =>
        str(p.item_code).toLowerCase() === itemCode.toLowerCase() &&
        str(p.price_list) === priceList &&
        !p.batch_no &&
        str(p.valid_from || '2000-01-01') <= date &&
        str(p.valid_upto || '2500-12-31') >= date,
    )
    .sort((a, b) => (str(a.valid_from) < str(b.valid_from) ? 1 : str(a.valid_from) > str(b.valid_from) ? -1 : 0));
  const pick = (u: string, withCustomer: boolean): Doc | undefined =>
    candidates.find((p) => (!p.uom || str(p.uom) === u) && (withCustomer ? p.customer === customer : !p.customer && !p.supplier));
  let price = customer ? pick(uom, true) : undefined;
  if (!price) {
    price = pick(uom, false);
    if (!price && uom !== stockUom) price = pick(stockUom, false);
  }
  if (!price) return undefined;
  if (str(price.uom) === uom) return flt(price.price_list_rate);
  const pl = site.tables.get('Price List', priceList);
  if (cint(pl?.price_not_uom_dependent)) return flt(price.price_list_rate);
  return mulRound(price.price_list_rate, conversionFactor, 9);
}

/** erpnext.stock.get_item_details.get_conversion_factor */
export function conversionFactor(site: Site, item: Doc, uom: string): number {
  for (const row of rows(item, 'uoms')) if (str(row.uom) === uom) return flt(row.conversion_factor) || 1;
  const stockUom = str(item.stock_uom);
  if (uom === stockUom) return 1;
  const factors = [...site.tables.rows('UOM Conversion Factor')];
  const exact = factors.find((f) => f.from_uom === uom && f.to_uom === stockUom);
  if (exact) return flt(exact.value);
  const inverse = factors.find((f) => f.from_uom === stockUom && f.to_uom === uom);
  if (inverse && flt(inverse.value)) return Dec.of(1).div(inverse.value, 9).toNumber();
  for (const first of factors) {
    if (first.to_uom !== stockUom) continue;
    const second = factors.find((f) => f.from_uom === first.from_uom && f.to_uom === uom);
    if (second && flt(second.value)) return Dec.of(first.value).div(second.value, 9).toNumber();
  }
  return 1;
}

/** Sales Invoice status (SalesInvoice.set_status). */
export function invoiceStatus(site: Site, doc: Doc, today: string): string {
  const docstatus = cint(doc.docstatus);
  if (docstatus === 2) return 'Cancelled';
  if (docstatus === 0) return 'Draft';
  const outstanding = flt(doc.outstanding_amount, 2);
  const total = flt(doc.rounded_total) || flt(doc.grand_total);
  const schedule = rows(doc, 'payment_schedule');
  let overdue = false;
  if (outstanding > 0) {
    if (cint(doc.is_pos) || schedule.length === 0) overdue = str(doc.due_date) < today;
    else {
      const payable = sum(schedule.filter((p) => str(p.due_date) < today).map((p) => p.payment_amount));
      overdue = total - outstanding < payable;
    }
  }
  if (overdue) return 'Overdue';
  if (outstanding > 0 && outstanding < total) return 'Partly Paid';
  if (outstanding > 0 && str(doc.due_date) >= today) return 'Unpaid';
  if (!cint(doc.is_return)) {
    for (const other of site.tables.rows('Sales Invoice')) {
      if (cint(other.is_return) && other.return_against === doc.name && cint(other.docstatus) === 1) return 'Credit Note Issued';
    }
  }
  if (cint(doc.is_return)) return 'Return';
  if (outstanding <= 0) return 'Paid';
  return 'Submitted';
}

/**
 * Recomputes an invoice's status after its outstanding changed: update_voucher_outstanding calls
 * set_status(update=True), whose db_set runs the invoice's on_change (webhooks on it fire) even when the
 * status stays the same.
 */
export function refreshInvoiceStatus(site: Site, ctx: Ctx, name: string): void {
  const doc = site.engine.stored('Sales Invoice', name);
  if (!doc) return;
  site.engine.dbSetDoc(ctx, 'Sales Invoice', name, { status: invoiceStatus(site, doc, site.clock.today()) });
}

/** Quantities already credited per original row by submitted returns (get_already_returned_items). */
function alreadyReturned(site: Site, originalName: string, exceptName?: string): Map<string, { qty: number; stockQty: number }> {
  const out = new Map<string, { qty: number; stockQty: number }>();
  for (const ret of site.tables.rows('Sales Invoice')) {
    if (ret.return_against !== originalName || !cint(ret.is_return) || cint(ret.docstatus) !== 1 || ret.name === exceptName) continue;
    for (const it of rows(ret, 'items')) {
      const key = `${str(it.item_code)}\u0000${str(it.sales_invoice_item)}`;
      const seen = out.get(key) ?? { qty: 0, stockQty: 0 };
      out.set(key, { qty: Dec.of(seen.qty).add(Math.abs(flt(it.qty))).round(9).toNumber(), stockQty: Dec.of(seen.stockQty).add(Math.abs(flt(it.stock_qty))).round(9).toNumber() });
    }
  }
  return out;
}

/**
 * erpnext.controllers.sales_and_purchase_return.validate_return for a credit note: the original must match
 * (company, customer, submitted) for anything to be checked, as in ERPNext; rows mapped from an original row
 * (`sales_invoice_item`, what make_sales_return sets) are held to what is left to return, other rows only get
 * ERPNext's non-blocking "does not exist" message.
 */
function validateReturnAgainst(site: Site, ctx: Ctx, doc: Doc): void {
  const againstName = str(doc.return_against);
  const original = site.tables.get('Sales Invoice', againstName);
  if (!original) throw erpnextThrow(`Invalid Return Against: ${againstName}`);
  if (original.company !== doc.company || original.customer !== doc.customer || cint(original.docstatus) !== 1) return;
  const stamp = (d: Doc): string => `${str(d.posting_date)} ${str(d.posting_time || '00:00:00')}`;
  if (stamp(doc) < stamp(original)) {
    const [date = '', time = ''] = stamp(original).split(' ');
    const [y, m, d] = date.split('-');
    throw erpnextThrow(`Posting timestamp must be after ${d ?? ''}-${m ?? ''}-${y ?? ''} ${time.slice(0, 8)}`);
  }
  if (flt(doc.conversion_rate) !== flt(original.conversion_rate)) {
    throw erpnextThrow(`Exchange Rate must be same as Sales Invoice ${againstName} (${pyFloatRepr(flt(original.conversion_rate))})`);
  }
  const originalRows = new Map(rows(original, 'items').map((r) => [`${str(r.item_code)}\u0000${str(r.name)}`, r]));
  const returned = alreadyReturned(site, againstName, str(doc.name));
  let itemsReturned = false;
  for (const it of rows(doc, 'items')) {
    const mapped = truthy(it.sales_invoice_item);
    if (it.item_code && flt(it.qty) < 0) {
      const key = `${str(it.item_code)}\u0000${str(it.sales_invoice_item)}`;
      const ref = mapped ? originalRows.get(key) : undefined;
      if (!ref) {
        const message = `Row # ${String(cint(it.idx))}: Returned Item ${str(it.item_code)} does not exist in Sales Invoice ${againstName}`;
        if (mapped) throw erpnextThrow(message);
        ctx.msgprint(message);
      } else {
        const referenceQty = flt(ref.stock_qty);
        const done = returned.get(key)?.stockQty ?? 0;
        const maxReturnable = Dec.of(referenceQty).sub(done).round(9).toNumber();
        if (referenceQty) {
          if (flt(it.stock_qty) > 0) throw erpnextThrow('Stock Qty must be negative in return document');
          if (done >= referenceQty && flt(it.stock_qty)) throw stockOverReturn(`Item ${str(it.item_code)} has already been returned`);
          if (Math.abs(flt(it.stock_qty)) > maxReturnable) {
            throw stockOverReturn(`Row # ${String(cint(it.idx))}: Cannot return more than ${pyFloatRepr(maxReturnable)} for Item ${str(it.item_code)}`);
          }
        }
        if (flt(ref.rate) && flt(it.rate) > flt(ref.rate)) {
          throw erpnextThrow(`Row # ${String(cint(it.idx))}: Rate cannot be greater than the rate used in Sales Invoice ${againstName}`);
        }
      }
      itemsReturned = true;
    } else if (it.item_name) {
      itemsReturned = true;
    }
  }
  if (!itemsReturned) throw erpnextThrow('Atleast one item should be entered with negative quantity in return document');
}

function stockOverReturn(message: string): FrappeError {
  return frappeThrow(message, 'StockOverReturnError', { module: 'erpnext.controllers.sales_and_purchase_return', excSource: 'erpnext (app)', status: 417 });
}

/**
 * ERPNext's determine_exclusive_rate: with taxes "included in print rate" the typed rate is gross, and each row's
 * net amount is the gross amount divided by (1 + the included tax fractions), so taxes are computed on that.
 */
function excludeInclusiveTaxes(items: Doc[], taxes: Doc[], conversionRate: number): void {
  taxes.forEach((tax, i) => {
    if (!cint(tax.included_in_print_rate)) return;
    const idx = String(cint(tax.idx) || i + 1);
    const chargeType = str(tax.charge_type);
    if (chargeType === 'Actual') throw erpnextThrow(`Charge of type 'Actual' in row ${idx} cannot be included in Item Rate or Paid Amount`);
    const rowId = cint(tax.row_id);
    if (chargeType === 'On Previous Row Amount' && !cint(taxes[rowId - 1]?.included_in_print_rate)) {
      throw erpnextThrow(`To include tax in row ${idx} in Item rate, taxes in rows ${String(rowId)} must also be included`);
    }
    if (chargeType === 'On Previous Row Total' && !taxes.slice(0, rowId - 1).every((t) => cint(t.included_in_print_rate))) {
      throw erpnextThrow(`To include tax in row ${idx} in Item rate, taxes in rows 1 - ${String(rowId)} must also be included`);
    }
  });
  for (const it of items) {
    const qty = flt(it.qty);
    if (!qty) continue;
    const fractions: Dec[] = [];
    const grandFractions: Dec[] = [];
    let cumulated = Dec.zero();
    let perQty = Dec.zero();
    taxes.forEach((tax, i) => {
      let fraction = Dec.zero();
      if (cint(tax.included_in_print_rate)) {
        const rate = Dec.of(flt(tax.rate)).div(100, 9);
        const previous = cint(tax.row_id) - 1;
        const chargeType = str(tax.charge_type);
        if (chargeType === 'On Net Total') fraction = rate;
        else if (chargeType === 'On Previous Row Amount') fraction = rate.mul(fractions[previous] ?? Dec.zero()).round(12);
        else if (chargeType === 'On Previous Row Total') fraction = rate.mul(grandFractions[previous] ?? Dec.zero()).round(12);
        else if (chargeType === 'On Item Quantity') perQty = perQty.add(Dec.of(flt(tax.rate)).mul(qty));
      }
      fractions[i] = fraction;
      grandFractions[i] = (i === 0 ? Dec.of(1) : (grandFractions[i - 1] ?? Dec.of(1))).add(fraction);
      cumulated = cumulated.add(fraction);
    });
    if (cumulated.isZero() && perQty.isZero()) continue;
    it.net_amount = Dec.of(it.amount).sub(perQty).div(Dec.of(1).add(cumulated), 12).round(2).toNumber();
    it.net_rate = Dec.of(it.net_amount).div(qty, 9).round(2).toNumber();
    it.base_net_amount = mulRound(it.net_amount, conversionRate, 2);
    it.base_net_rate = mulRound(it.net_rate, conversionRate, 2);
  }
}

export function registerSalesInvoice(site: Site, methods: MethodRegistry): void {
  const engine = site.engine;

  /** erpnext.stock.get_item_details.insert_item_price: a rate typed for an unpriced item becomes its price. */
  const insertItemPrice = (row: Doc, item: Doc, priceList: string): void => {
    const pl = site.tables.get('Price List', priceList);
    if (!pl || !currentCtx) return;
    const ctx = currentCtx;
    const rate = flt(row.conversion_factor) ? Dec.of(row.rate).div(row.conversion_factor, 9).toNumber() : flt(row.rate);
    const existing = [...site.tables.rows('Item Price')].find((p) => p.item_code === item.name && p.price_list === priceList && p.currency === pl.currency);
    if (existing) return;
    ctx.asSystem(() => engine.insert(ctx, { doctype: 'Item Price', price_list: priceList, item_code: item.name, currency: pl.currency, price_list_rate: rate, uom: item.stock_uom }));
    const note: ServerMessage = { message: `Item Price added for ${str(item.name)} in Price List ${priceList}`, title: 'Message', alert: 1 };
    ctx.messages.push(note);
  };
  let currentCtx: Ctx | undefined;

  const itemDetails = (row: Doc, header: { company: string; priceList: string; customer: string; date: string; conversionRate: number }): void => {
    const itemCode = str(row.item_code);
    const item = site.tables.get('Item', itemCode);
    if (!item) throw notFound('Item', itemCode);
    const acc = companyAccounts(site, header.company);
    const defaults = rows(item, 'item_defaults').find((d) => d.company === header.company);
    const setIfEmpty = (field: string, value: unknown): void => {
      if (row[field] === null || row[field] === undefined || row[field] === '') row[field] = value;
    };
    row.item_code = item.name;
    setIfEmpty('item_name', item.item_name);
    setIfEmpty('description', item.description);
    row.item_group = item.item_group;
    row.image = str(item.image);
    row.stock_uom = item.stock_uom;
    setIfEmpty('uom', item.sales_uom ?? item.stock_uom);
    if (!flt(row.conversion_factor)) row.conversion_factor = conversionFactor(site, item, str(row.uom));
    setIfEmpty('income_account', defaults?.income_account ?? acc.income);
    setIfEmpty('expense_account', defaults?.expense_account ?? acc.expense);
    setIfEmpty('cost_center', defaults?.selling_cost_center ?? acc.costCenter);
    setIfEmpty('warehouse', defaults?.default_warehouse ?? `Stores - ${acc.abbr}`);
    row.is_fixed_asset = item.is_fixed_asset ?? 0;
    row.enable_deferred_revenue = item.enable_deferred_revenue ?? 0;
    row.weight_per_unit = item.weight_per_unit ?? 0;
    row.item_tax_rate = row.item_tax_rate ?? '{}';
    row.grant_commission = item.grant_commission ?? 0;
    if (!flt(row.price_list_rate)) {
      const found = priceListRate(site, itemCode, header.priceList, str(row.uom), str(item.stock_uom), flt(row.conversion_factor), header.customer, header.date);
      row.price_list_rate = found ?? 0;
      if (found === undefined && flt(row.rate) && site.settings.autoInsertItemPrice()) insertItemPrice(row, item, header.priceList);
    }
    // get_basic_details answers 0.0 for an unpriced item, so the mandatory Rate is never missing.
    for (const f of ['rate', 'base_rate', 'discount_percentage', 'discount_amount']) if (row[f] === null || row[f] === undefined || row[f] === '') row[f] = 0;
  };

  /** calculate_taxes_and_totals for an invoice (items, taxes, totals, outstanding). */
  const calculate = (doc: Doc): void => {
    const conversionRate = flt(doc.conversion_rate) || 1;
    const items = rows(doc, 'items');
    let total = Dec.zero();
    let totalQty = Dec.zero();
    for (const it of items) {
      const plr = flt(it.price_list_rate);
      const discountPct = flt(it.discount_percentage);
      if (discountPct === 100) it.rate = 0;
      else if (plr && !flt(it.rate)) {
        it.rate = Dec.of(plr).mul(Dec.of(100).sub(discountPct)).div(100, 9).round(2).toNumber();
        it.discount_amount = Dec.of(plr).mul(discountPct).div(100, 9).round(2).toNumber();
      } else if (plr > 0) {
        it.discount_amount = Dec.of(plr).sub(flt(it.rate)).round(2).toNumber();
      }
      it.rate_with_margin = flt(it.rate_with_margin);
      it.base_rate_with_margin = flt(it.base_rate_with_margin);
      it.margin_rate_or_amount = flt(it.margin_rate_or_amount);
      it.amount = mulRound(it.rate, it.qty, 2);
      it.net_rate = flt(it.rate);
      it.net_amount = it.amount;
      it.stock_qty = mulRound(it.qty, it.conversion_factor || 1, 6);
      it.stock_uom_rate = flt(it.conversion_factor) ? Dec.of(it.rate).div(it.conversion_factor, 9).round(2).toNumber() : flt(it.rate);
      for (const f of ['price_list_rate', 'rate', 'net_rate', 'amount', 'net_amount']) {
        it[`base_${f}`] = mulRound(it[f], conversionRate, 2);
      }
      it.total_weight = mulRound(it.weight_per_unit, it.stock_qty, 2);
      total = total.add(flt(it.amount));
      totalQty = totalQty.add(flt(it.qty));
    }
    doc.total_qty = totalQty.toNumber();
    doc.total = round2(total);
    const taxes = rows(doc, 'taxes');
    if (taxes.some((t) => cint(t.included_in_print_rate))) excludeInclusiveTaxes(items, taxes, conversionRate);
    doc.net_total = sum(items.map((i) => i.net_amount));
    doc.base_total = mulRound(doc.total, conversionRate, 2);
    doc.base_net_total = mulRound(doc.net_total, conversionRate, 2);
    doc.total_net_weight = sum(items.map((i) => i.total_weight));

    // Taxes: each row's amount is the unrounded sum over items, rounded once.
    let running = Dec.of(doc.net_total);
    const perRow: Dec[] = [];
    taxes.forEach((tax, i) => {
      const rate = flt(tax.rate);
      let amount = Dec.zero();
      const detail: Record<string, [number, number]> = {};
      const chargeType = str(tax.charge_type);
      for (const it of items) {
        let current: Dec;
        if (chargeType === 'Actual') {
          current = flt(doc.net_total) ? Dec.of(tax.tax_amount).mul(it.net_amount).div(doc.net_total, 9) : Dec.zero();
        } else if (chargeType === 'On Previous Row Amount') {
          const prev = perRow[cint(tax.row_id) - 1] ?? Dec.zero();
          current = flt(doc.net_total) ? prev.mul(rate).div(100, 9).mul(it.net_amount).div(doc.net_total, 9) : Dec.zero();
        } else if (chargeType === 'On Previous Row Total') {
          const prevTotal = Dec.of(taxes[cint(tax.row_id) - 1]?.total ?? doc.net_total);
          current = flt(doc.net_total) ? prevTotal.mul(rate).div(100, 9).mul(it.net_amount).div(doc.net_total, 9) : Dec.zero();
        } else if (chargeType === 'On Item Quantity') {
          current = Dec.of(rate).mul(it.stock_qty);
        } else {
          current = Dec.of(it.net_amount).mul(rate).div(100, 9);
        }
        amount = amount.add(current);
        const key = str(it.item_code);
        const prevDetail = detail[key];
        detail[key] = [rate, Dec.of(prevDetail?.[1] ?? 0).add(current).round(9).toNumber()];
      }
      const taxAmount = chargeType === 'Actual' ? Dec.of(tax.tax_amount).round(2) : amount.round(2);
      perRow[i] = taxAmount;
      tax.tax_amount = taxAmount.toNumber();
      tax.tax_amount_after_discount_amount = tax.tax_amount;
      tax.base_tax_amount = mulRound(tax.tax_amount, conversionRate, 2);
      tax.base_tax_amount_after_discount_amount = tax.base_tax_amount;
      running = running.add(taxAmount);
      tax.total = running.round(2).toNumber();
      tax.base_total = mulRound(tax.total, conversionRate, 2);
      tax.item_wise_tax_detail = JSON.stringify(detail);
      if (!tax.description) tax.description = tax.account_head;
    });
    // adjust_grand_total_for_inclusive_tax: prices that include tax must add up to what was typed, so a
    // rounding difference of at most 0.05 is moved into the grand total.
    let grandTotalDiff = 0;
    const last = taxes[taxes.length - 1];
    if (last && taxes.some((t) => cint(t.included_in_print_rate))) {
      const exclusive = sum(taxes.filter((t) => !cint(t.included_in_print_rate)).map((t) => t.tax_amount));
      const diff = Dec.of(doc.total).add(exclusive).sub(flt(last.total)).round(2).toNumber();
      if (diff && Math.abs(diff) <= 0.05) grandTotalDiff = diff;
    }
    const taxesTotal = sum(taxes.map((t) => t.tax_amount));
    doc.total_taxes_and_charges = taxesTotal;
    doc.base_total_taxes_and_charges = mulRound(taxesTotal, conversionRate, 2);
    let grand = Dec.of(doc.net_total).add(taxesTotal).add(grandTotalDiff);
    // Additional discount on the grand total.
    const pct = flt(doc.additional_discount_percentage);
    if (pct) doc.discount_amount = grand.mul(pct).div(100, 9).round(2).toNumber();
    if (flt(doc.discount_amount)) grand = grand.sub(flt(doc.discount_amount));
    doc.base_discount_amount = mulRound(doc.discount_amount, conversionRate, 2);
    doc.grand_total = round2(grand);
    doc.base_grand_total = mulRound(doc.grand_total, conversionRate, 2);
    if (cint(doc.disable_rounded_total)) {
      doc.rounded_total = 0;
      doc.base_rounded_total = 0;
      doc.rounding_adjustment = 0;
    } else {
      const fraction = flt(site.tables.get('Currency', str(doc.currency))?.smallest_currency_fraction_value);
      const rounded = fraction ? Dec.of(doc.grand_total).div(fraction, 9).round(0).mul(fraction).round(2) : Dec.of(doc.grand_total).round(0);
      doc.rounded_total = rounded.toNumber();
      doc.rounding_adjustment = rounded.sub(doc.grand_total).round(2).toNumber();
      doc.base_rounded_total = mulRound(doc.rounded_total, conversionRate, 2);
      doc.base_rounding_adjustment = mulRound(doc.rounding_adjustment, conversionRate, 2);
    }
    const words = Math.abs(flt(doc.rounded_total) || flt(doc.grand_total));
    doc.in_words = moneyInWords(words, str(doc.currency));
    doc.base_in_words = moneyInWords(Math.abs(flt(doc.base_rounded_total) || flt(doc.base_grand_total)), companyAccounts(site, str(doc.company)).currency);
    doc.amount_eligible_for_commission = sum(items.filter((i) => cint(i.grant_commission)).map((i) => i.base_net_amount));
    doc.total_commission = mulRound(doc.amount_eligible_for_commission, Dec.of(flt(doc.commission_rate)).div(100, 9), 2);
    doc.paid_amount = flt(doc.paid_amount);
    doc.base_paid_amount = mulRound(doc.paid_amount, conversionRate, 2);
    doc.total_advance = flt(doc.total_advance);
    doc.write_off_amount = flt(doc.write_off_amount);
    doc.base_write_off_amount = mulRound(doc.write_off_amount, conversionRate, 2);
    const againstReturn = cint(doc.is_return) && truthy(doc.return_against) && !cint(doc.is_pos);
    if (!againstReturn) {
      const payable = Dec.of(flt(doc.rounded_total) || flt(doc.grand_total)).sub(flt(doc.total_advance)).sub(flt(doc.write_off_amount));
      doc.outstanding_amount = payable.sub(flt(doc.paid_amount)).round(2).toNumber();
    } else if (cint(doc.docstatus) === 0) {
      doc.outstanding_amount = flt(doc.outstanding_amount);
    }
  };

  const setPaymentSchedule = (doc: Doc, meta: Meta): void => {
    const grand = flt(doc.rounded_total) || flt(doc.grand_total);
    const schedule = rows(doc, 'payment_schedule');
    if (schedule.length === 0) {
      const tf = meta.getField('payment_schedule');
      const row = tf ? engine.initChild(doc, meta, tf, { due_date: doc.due_date, invoice_portion: 100, payment_amount: grand, outstanding: grand }, 1) : undefined;
      if (row) schedule.push(row);
    }
    for (const row of schedule) {
      if (flt(row.invoice_portion)) {
        row.payment_amount = Dec.of(grand).mul(flt(row.invoice_portion)).div(100, 9).round(2).toNumber();
        row.base_payment_amount = mulRound(row.payment_amount, flt(doc.conversion_rate) || 1, 2);
        row.outstanding = row.payment_amount;
        row.base_outstanding = row.base_payment_amount;
      }
      row.discount = flt(row.discount);
      row.paid_amount = flt(row.paid_amount);
      row.base_paid_amount = flt(row.base_paid_amount);
      row.discounted_amount = flt(row.discounted_amount);
      if (!row.due_date) row.due_date = doc.due_date;
    }
    doc.payment_schedule = schedule;
  };

  const validate = (op: DocOp): void => {
    const { doc, ctx, meta } = op;
    const today = site.clock.today();
    if (!cint(doc.is_return) && !cint(doc.is_debit_note)) {
      for (const it of rows(doc, 'items')) {
        if (!flt(it.qty)) {
          throw erpnextThrow(`Row #${cint(it.idx)}: Quantity for Item <strong>${str(it.item_code)}</strong> cannot be zero.`, 'InvalidQtyError', 'Invalid Quantity');
        }
      }
    }
    if (!cint(doc.set_posting_time)) {
      const now = site.clock.now();
      doc.posting_date = now.slice(0, 10);
      doc.posting_time = now.slice(11);
    }
    if (!doc.company) doc.company = site.defaults.company ?? null;
    const company = str(doc.company);
    const acc = companyAccounts(site, company);

    if (!truthy(doc.customer)) throw erpnextThrow('Please select Customer first');
    const customer = site.tables.get('Customer', str(doc.customer));
    if (!customer) throw pythonError('AttributeError', "'NoneType' object has no attribute 'payment_terms'", { excSource: 'erpnext (app)' });
    doc.customer = customer.name;
    const postingDate = looseDate(doc.posting_date) ?? today;

    // Party details (erpnext.accounts.party._get_party_details)
    if (!doc.customer_name) doc.customer_name = customer.customer_name;
    if (!doc.customer_group) doc.customer_group = customer.customer_group ?? null;
    if (!doc.territory) doc.territory = customer.territory ?? null;
    if (!doc.language) doc.language = customer.language ?? 'en';
    const group = customer.customer_group ? site.tables.get('Customer Group', str(customer.customer_group)) : undefined;
    if (!doc.selling_price_list) {
      doc.selling_price_list = customer.default_price_list ?? group?.default_price_list ?? site.settings.sellingPriceList();
    }
    const priceList = site.tables.get('Price List', str(doc.selling_price_list));
    if (!doc.price_list_currency) doc.price_list_currency = priceList?.currency ?? acc.currency;
    if (!doc.currency) doc.currency = customer.default_currency ?? acc.currency;
    if (!flt(doc.conversion_rate)) doc.conversion_rate = 1;
    if (!flt(doc.plc_conversion_rate)) doc.plc_conversion_rate = 1;
    const partyAccount = rows(customer, 'accounts').find((a) => a.company === company)?.account ?? group?.accounts;
    if (!doc.debit_to) doc.debit_to = typeof partyAccount === 'string' ? partyAccount : acc.receivable;
    doc.party_account_currency = doc.party_account_currency ?? acc.currency;
    if (doc.tax_category === null || doc.tax_category === undefined) doc.tax_category = customer.tax_category ?? '';
    if (doc.po_no === null || doc.po_no === undefined) doc.po_no = '';
    doc.is_internal_customer = customer.is_internal_customer ?? 0;

    const items = rows(doc, 'items');
    if (items.length === 0) {
      throw pythonError('TypeError', "unsupported operand type(s) for -: 'NoneType' and 'float'", { excSource: 'erpnext (app)' });
    }
    currentCtx = ctx;
    for (const it of items) {
      itemDetails(it, { company, priceList: str(doc.selling_price_list), customer: str(doc.customer), date: postingDate, conversionRate: flt(doc.conversion_rate) });
    }

    // Taxes from the template when none were given.
    if (doc.taxes_and_charges && rows(doc, 'taxes').length === 0) {
      const template = site.tables.get('Sales Taxes and Charges Template', str(doc.taxes_and_charges));
      if (!template) throw frappeThrow(`Could not find Sales Taxes and Charges Template: ${str(doc.taxes_and_charges)}`, 'LinkValidationError');
      const tf = meta.getField('taxes');
      const list: Doc[] = [];
      for (const t of rows(template, 'taxes')) {
        const { name: _n, parent: _p, parentfield: _pf, parenttype: _pt, idx: _i, owner: _o, creation: _c, modified: _m, modified_by: _mb, docstatus: _d, doctype: _dt, ...data } = t;
        const row = tf ? engine.initChild(doc, meta, tf, data, list.length + 1) : undefined;
        if (row) list.push(row);
      }
      doc.taxes = list;
    }
    for (const t of rows(doc, 'taxes')) {
      if (!t.cost_center) t.cost_center = acc.costCenter;
      if (!t.account_currency) t.account_currency = site.tables.get('Account', str(t.account_head))?.account_currency ?? acc.currency;
      t.included_in_print_rate = cint(t.included_in_print_rate);
      t.included_in_paid_amount = cint(t.included_in_paid_amount);
      t.dont_recompute_tax = cint(t.dont_recompute_tax);
    }

    calculate(doc);
    if (!cint(doc.is_return) && flt(doc.base_grand_total) < 0) throw erpnextThrow('Grand Total cannot be negative');
    if (cint(doc.is_return) && doc.return_against) validateReturnAgainst(site, ctx, doc);

    requireFiscalYear(site, postingDate, company, ctx);
    if (!doc.due_date) doc.due_date = postingDate;
    const dueDate = looseDate(doc.due_date);
    if (dueDate && dueDate < postingDate && !cint(doc.is_return)) throw erpnextThrow('Due Date cannot be before Posting / Supplier Invoice Date');
    setPaymentSchedule(doc, meta);
    doc.against_income_account = [...new Set(items.map((i) => str(i.income_account)).filter(Boolean))].join(',');
    doc.status = invoiceStatus(site, doc, today);
  };

  const glLines = (doc: Doc): GlLine[] => {
    const againstVoucher = cint(doc.is_return) && doc.return_against && !cint(doc.update_outstanding_for_self) ? str(doc.return_against) : str(doc.name);
    const grand = flt(doc.rounded_total) || flt(doc.grand_total);
    const lines: GlLine[] = [];
    const signed = (account: string, amount: number, asDebit: boolean, extra: Partial<GlLine> = {}): void => {
      const positive = amount >= 0;
      const value = Math.abs(amount);
      const debit = asDebit === positive ? value : 0;
      const credit = asDebit === positive ? 0 : value;
      lines.push({ account, debit, credit, ...extra });
    };
    signed(str(doc.debit_to), grand, true, { partyType: 'Customer', party: str(doc.customer), againstVoucherType: 'Sales Invoice', againstVoucher });
    const byAccount = new Map<string, Dec>();
    for (const it of rows(doc, 'items')) {
      const account = str(it.income_account);
      byAccount.set(account, (byAccount.get(account) ?? Dec.zero()).add(flt(it.base_net_amount)));
    }
    for (const [account, amount] of byAccount) signed(account, amount.round(2).toNumber(), false, { costCenter: str(rows(doc, 'items')[0]?.cost_center) });
    for (const t of rows(doc, 'taxes')) signed(str(t.account_head), flt(t.base_tax_amount), false, { costCenter: str(t.cost_center) });
    if (flt(doc.rounding_adjustment)) signed(companyAccounts(site, str(doc.company)).roundOff, flt(doc.rounding_adjustment), false);
    return lines;
  };

  site.registerController('Sales Invoice', {
    ignoreLinkedDoctypesOnCancel: IGNORE_ON_CANCEL,
    validate,
    beforeSubmit: ({ doc }) => {
      if (!truthy(doc.remarks)) doc.remarks = 'No Remarks';
    },
    onSubmit: ({ doc, ctx }) => {
      const againstSelf = !cint(doc.is_return) || !doc.return_against || cint(doc.update_outstanding_for_self);
      if (cint(doc.is_return) && doc.return_against && cint(doc.update_outstanding_for_self)) {
        doc.outstanding_amount = flt(doc.rounded_total) || flt(doc.grand_total);
      }
      postGlEntries(site, ctx, doc, glLines(doc), looseDate(doc.posting_date) ?? site.clock.today(), requireFiscalYear(site, looseDate(doc.posting_date) ?? site.clock.today(), str(doc.company), ctx));
      if (!againstSelf) {
        const original = engine.stored('Sales Invoice', str(doc.return_against));
        if (original) {
          const outstanding = Dec.of(original.outstanding_amount).add(flt(doc.rounded_total) || flt(doc.grand_total)).round(2).toNumber();
          engine.dbSet(ctx, 'Sales Invoice', str(original.name), { outstanding_amount: outstanding });
          refreshInvoiceStatus(site, ctx, str(original.name));
        }
      }
      doc.status = invoiceStatus(site, doc, site.clock.today());
      // The row is already written: update_voucher_outstanding's set_value and set_status's db_set land on it
      // (without a new `modified`, the document being mid-save).
      engine.dbSet(ctx, 'Sales Invoice', str(doc.name), { outstanding_amount: doc.outstanding_amount, status: doc.status }, false);
    },
    beforeCancel: ({ doc }) => {
      doc.status = 'Cancelled';
    },
    onCancel: ({ doc, ctx }) => {
      if (site.settings.unlinkPaymentOnCancellation()) {
        for (const pe of [...site.tables.rows('Payment Entry')]) {
          if (cint(pe.docstatus) !== 1) continue;
          const refs = rows(pe, 'references');
          const linked = refs.filter((r) => r.reference_doctype === 'Sales Invoice' && r.reference_name === doc.name);
          if (linked.length === 0) continue;
          const released = sum(linked.map((r) => r.allocated_amount));
          const remaining = refs.filter((r) => !linked.includes(r)).map((r, i): Doc => ({ ...r, idx: i + 1 }));
          const updated: Doc = {
            ...pe,
            references: remaining,
            total_allocated_amount: sum(remaining.map((r) => r.allocated_amount)),
            base_total_allocated_amount: sum(remaining.map((r) => r.allocated_amount)),
            unallocated_amount: Dec.of(pe.unallocated_amount).add(released).round(2).toNumber(),
            modified: site.clock.now(),
          };
          engine.dbPut(ctx, engine.requireMeta('Payment Entry'), updated);
        }
      }
      if (cint(doc.is_return) && doc.return_against && !cint(doc.update_outstanding_for_self)) {
        const original = engine.stored('Sales Invoice', str(doc.return_against));
        if (original) {
          const outstanding = Dec.of(original.outstanding_amount).sub(flt(doc.rounded_total) || flt(doc.grand_total)).round(2).toNumber();
          engine.dbSet(ctx, 'Sales Invoice', str(original.name), { outstanding_amount: outstanding });
          refreshInvoiceStatus(site, ctx, str(original.name));
        }
      }
      cancelGlEntries(site, ctx, 'Sales Invoice', str(doc.name));
    },
  });

  methods.register('erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return', {
    params: ['source_name', 'target_doc'],
    required: ['source_name'],
    fn: ({ ctx, args }) => {
      // make_return_doc through get_mapped_doc: fields and tables copied except `no_copy` ones, quantities negated
      // net of what earlier credit notes returned, Actual taxes negated, then the new document's defaults.
      const source = engine.getDoc('Sales Invoice', str(args.source_name));
      if (cint(source.docstatus) !== 1) throw frappeThrow(`Cannot map because following condition fails: docstatus=1`);
      const meta = engine.requireMeta('Sales Invoice');
      const target = engine.newDoc(ctx, 'Sales Invoice');
      const system = new Set(['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx', 'doctype', 'naming_series']);
      const copyFields = (from: Doc, into: Doc, m: Meta): void => {
        for (const [k, v] of Object.entries(from)) {
          const df = m.getField(k);
          if (system.has(k) || !df || cint(df.no_copy) || TABLE_TYPES.has(df.fieldtype) || v === null || v === undefined) continue;
          into[k] = v;
        }
      };
      copyFields(source, target, meta);
      const returned = alreadyReturned(site, str(source.name));
      for (const tf of meta.tableFields) {
        if (cint(tf.no_copy)) continue;
        const childMeta = engine.requireMeta(str(tf.options));
        const out: Doc[] = [];
        for (const row of rows(source, tf.fieldname)) {
          if (tf.fieldname === 'items' && !flt(row.qty)) continue;
          const data: Doc = {};
          copyFields(row, data, childMeta);
          if (tf.fieldname === 'items') {
            const done = returned.get(`${str(row.item_code)}\u0000${str(row.name)}`);
            data.qty = -Dec.of(row.qty).sub(done?.qty ?? 0).round(9).toNumber();
            data.stock_qty = -Dec.of(row.stock_qty).sub(done?.stockQty ?? 0).round(9).toNumber();
            data.sales_invoice_item = row.name;
            data.pricing_rules = null;
          }
          if (tf.fieldname === 'taxes' && row.charge_type === 'Actual') data.tax_amount = -flt(row.tax_amount);
          const child = engine.initChild(target, meta, tf, data, out.length + 1);
          if (child) out.push(child);
        }
        target[tf.fieldname] = out;
      }
      target.is_return = 1;
      target.return_against = source.name;
      target.ignore_pricing_rule = 1;
      target.set_warehouse = '';
      target.is_pos = source.is_pos ?? 0;
      target.payments = [];
      if (flt(source.discount_amount)) target.discount_amount = -flt(source.discount_amount);
      calculate(target);
      return engine.responseForm(meta, target);
    },
  });
}
