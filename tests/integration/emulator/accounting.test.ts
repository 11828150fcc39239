import { isFrappeError, startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call, messages, ok } from './support';

// The site's clock is pinned so that "overdue" and the fiscal year do not depend on the day the tests run.
const NOW = Date.parse('2026-11-28T09:00:00Z');

let emu: EmulatorHandle;

async function invoice(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  return ok(await call(emu, 'POST', '/api/resource/Sales Invoice', { body: { customer: 'Atelier Lumen', ...body } }));
}

async function submit(name: string): Promise<Record<string, unknown>> {
  return ok(await call(emu, 'PUT', `/api/resource/Sales Invoice/${name}`, { body: { docstatus: 1 } }));
}

function stored(name: string): Record<string, unknown> {
  const doc = emu.store.get('Sales Invoice', name);
  if (!doc) throw new Error(`Sales Invoice ${name} is not stored`);
  return doc;
}

async function pay(name: string, amount?: number): Promise<Record<string, unknown>> {
  const draft = ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry', {
    body: { dt: 'Sales Invoice', dn: name, ...(amount === undefined ? {} : { party_amount: amount }) },
  }));
  return ok(await call(emu, 'POST', '/api/resource/Payment Entry', { body: { ...draft, reference_no: `VIR-${name}`, docstatus: 1 } }));
}

beforeAll(async () => {
  emu = await startEmulator({ randomSeed: 11, now: () => NOW });
  ok(await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Atelier Lumen', customer_type: 'Company' } }));
  // Priced by the hour from the start of the year; a Day is 8 hours for this item.
  ok(await call(emu, 'POST', '/api/resource/Item', {
    body: { item_code: 'SALLE-A', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0, uoms: [{ uom: 'Day', conversion_factor: 8 }] },
  }));
  ok(await call(emu, 'POST', '/api/resource/Item Price', {
    body: { item_code: 'SALLE-A', price_list: 'Standard Selling', price_list_rate: 12.35, valid_from: '2026-01-01' },
  }));
});

afterAll(async () => {
  await emu.close();
});

describe('sales invoices', () => {
  test('prices rows from the price list, converts UOMs, applies the VAT template and rounds like ERPNext', async () => {
    const doc = await invoice({ taxes_and_charges: 'France VAT 20% - RC', items: [{ item_code: 'SALLE-A', qty: 3 }, { item_code: 'SALLE-A', qty: 1, uom: 'Day' }] });
    const items = doc.items as Record<string, unknown>[];
    expect(items.map((i) => [i.uom, i.conversion_factor, i.rate, i.amount, i.stock_qty])).toEqual([
      ['Hour', 1, 12.35, 37.05, 3],
      ['Day', 8, 98.8, 98.8, 8],
    ]);
    expect([doc.total, doc.total_taxes_and_charges, doc.grand_total, doc.rounded_total]).toEqual([135.85, 27.17, 163.02, 163.02]);
    expect(at(doc, 'taxes.0.account_head')).toBe('VAT 20% - RC');
    expect([doc.status, doc.company, doc.currency, doc.debit_to, doc.posting_date, doc.naming_series]).toEqual(['Draft', 'Ref Company', 'EUR', 'Debtors - RC', '2026-11-28', 'ACC-SINV-.YYYY.-']);
  });

  test('a tax included in the print rate is taken out of gross rates, so the grand total is what was typed', async () => {
    const vatIncluded = { charge_type: 'On Net Total', account_head: 'VAT 20% - RC', rate: 20, included_in_print_rate: 1, description: 'TVA 20 % incluse' };
    const doc = await invoice({ taxes: [vatIncluded], items: [{ item_code: 'SALLE-A', qty: 1, rate: 10 }, { item_code: 'SALLE-A', qty: 3, rate: 7 }, { item_code: 'SALLE-A', qty: 7, rate: 3.33 }] });
    const items = doc.items as Record<string, unknown>[];
    expect(items.map((i) => [i.amount, i.net_rate, i.net_amount])).toEqual([
      [10, 8.33, 8.33],
      [21, 5.83, 17.5],
      [23.31, 2.78, 19.43],
    ]);
    expect([doc.total, doc.net_total, doc.total_taxes_and_charges, doc.grand_total]).toEqual([54.31, 45.26, 9.05, 54.31]);

    const actual = await call(emu, 'POST', '/api/resource/Sales Invoice', {
      body: { customer: 'Atelier Lumen', taxes: [{ ...vatIncluded, charge_type: 'Actual', tax_amount: 2 }], items: [{ item_code: 'SALLE-A', qty: 1 }] },
    });
    expect(actual.status).toBe(417);
    expect(messages(actual.json)).toEqual(["Charge of type 'Actual' in row 1 cannot be included in Item Rate or Paid Amount"]);
  });

  test('submitting posts balanced GL entries and leaves the invoice Unpaid for its grand total', async () => {
    const draft = await invoice({ taxes_and_charges: 'France VAT 20% - RC', items: [{ item_code: 'SALLE-A', qty: 10 }] });
    const doc = await submit(String(draft.name));
    expect([doc.status, doc.outstanding_amount, doc.grand_total]).toEqual(['Unpaid', 148.2, 148.2]);
    const entries = emu.store.list('GL Entry', (e) => e.voucher_no === draft.name);
    const byAccount = Object.fromEntries(entries.map((e) => [String(e.account), [e.debit, e.credit]]));
    expect(byAccount).toEqual({ 'Debtors - RC': [148.2, 0], 'Sales - RC': [0, 123.5], 'VAT 20% - RC': [0, 24.7] });
  });

  test('an unpriced item with a typed rate becomes priced, with the alert ERPNext shows', async () => {
    ok(await call(emu, 'POST', '/api/resource/Item', { body: { item_code: 'CASIER', item_group: 'Services', stock_uom: 'Nos', is_stock_item: 0 } }));
    const answer = await call(emu, 'POST', '/api/resource/Sales Invoice', { body: { customer: 'Atelier Lumen', items: [{ item_code: 'CASIER', qty: 1, rate: 15 }] } });
    expect(messages(answer.json)).toEqual(['Item Price added for CASIER in Price List Standard Selling']);
    expect(emu.store.list('Item Price', (p) => p.item_code === 'CASIER').map((p) => [p.price_list_rate, p.uom])).toEqual([[15, 'Nos']]);
    const next = await invoice({ items: [{ item_code: 'CASIER', qty: 2 }] });
    expect(next.grand_total).toBe(30);
  });

  test('an invoice past its due date is Overdue once submitted', async () => {
    const doc = await invoice({ set_posting_time: 1, posting_date: '2026-10-01', due_date: '2026-10-15', items: [{ item_code: 'SALLE-A', qty: 2 }], docstatus: 1 });
    expect([doc.status, doc.outstanding_amount]).toEqual(['Overdue', 24.7]);
  });

  test('a due date before the posting date is refused', async () => {
    const answer = await call(emu, 'POST', '/api/resource/Sales Invoice', {
      body: { customer: 'Atelier Lumen', set_posting_time: 1, posting_date: '2026-11-20', due_date: '2026-11-10', items: [{ item_code: 'SALLE-A', qty: 1 }] },
    });
    expect(answer.status).toBe(417);
    expect(at(answer.json, 'exc_type')).toBe('ValidationError');
    expect(messages(answer.json)).toEqual(['Due Date cannot be before Posting / Supplier Invoice Date']);
  });
});

describe('payments and credit notes', () => {
  test('a partial payment leaves it Partly Paid, the rest pays it, cancelling a payment restores the outstanding', async () => {
    const name = String((await invoice({ items: [{ item_code: 'SALLE-A', qty: 10 }], docstatus: 1 })).name);
    const first = await pay(name, 50);
    expect([first.paid_amount, at(first, 'references.0.reference_name')]).toEqual([50, name]);
    expect([stored(name).status, stored(name).outstanding_amount]).toEqual(['Partly Paid', 73.5]);
    const second = await pay(name);
    expect(second.paid_amount).toBe(73.5);
    expect([stored(name).status, stored(name).outstanding_amount]).toEqual(['Paid', 0]);
    const cancelled = await call(emu, 'POST', '/api/method/frappe.client.cancel', { body: { doctype: 'Payment Entry', name: second.name } });
    expect(cancelled.status).toBe(200);
    expect([stored(name).status, stored(name).outstanding_amount]).toEqual(['Partly Paid', 73.5]);
  });

  test('cancelling a paid invoice unlinks its payment, as the default Accounts Settings ask', async () => {
    const name = String((await invoice({ items: [{ item_code: 'SALLE-A', qty: 1 }], docstatus: 1 })).name);
    const payment = await pay(name);
    const answer = await call(emu, 'POST', '/api/method/frappe.client.cancel', { body: { doctype: 'Sales Invoice', name } });
    expect(answer.status).toBe(200);
    expect(stored(name).status).toBe('Cancelled');
    const entry = emu.store.get('Payment Entry', String(payment.name));
    expect([entry?.docstatus, at(entry, 'references')]).toEqual([1, []]);
    expect(entry?.unallocated_amount).toBe(12.35);
  });

  test('a partial credit note lowers the original outstanding; a full one marks it Credit Note Issued', async () => {
    const name = String((await invoice({ taxes_and_charges: 'France VAT 20% - RC', items: [{ item_code: 'SALLE-A', qty: 10 }], docstatus: 1 })).name);
    const makeReturn = async (): Promise<Record<string, unknown>> =>
      ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return', { body: { source_name: name } }));
    const proposed = await makeReturn();
    expect([proposed.is_return, proposed.return_against, at(proposed, 'items.0.qty'), at(proposed, 'taxes.0.account_head')]).toEqual([1, name, -10, 'VAT 20% - RC']);
    const items = proposed.items as Record<string, unknown>[];
    const partial = ok(await call(emu, 'POST', '/api/resource/Sales Invoice', {
      body: { ...proposed, update_outstanding_for_self: 0, items: items.map((i) => ({ ...i, qty: -2 })), docstatus: 1 },
    }));
    expect([partial.status, partial.grand_total, partial.outstanding_amount]).toEqual(['Return', -29.64, 0]);
    expect([stored(name).status, stored(name).outstanding_amount]).toEqual(['Partly Paid', 118.56]);

    const blocked = await call(emu, 'POST', '/api/method/frappe.client.cancel', { body: { doctype: 'Sales Invoice', name } });
    expect([blocked.status, at(blocked.json, 'exc_type')]).toEqual([417, 'LinkExistsError']);

    const rest = await makeReturn();
    expect(at(rest, 'items.0.qty')).toBe(-8);
    const restItems = rest.items as Record<string, unknown>[];
    const tooMuch = await call(emu, 'POST', '/api/resource/Sales Invoice', { body: { ...rest, items: restItems.map((i) => ({ ...i, qty: -9 })) } });
    expect([tooMuch.status, at(tooMuch.json, 'exc_type')]).toEqual([417, 'StockOverReturnError']);
    expect(messages(tooMuch.json)).toEqual(['Row # 1: Cannot return more than 8.0 for Item SALLE-A']);

    ok(await call(emu, 'POST', '/api/resource/Sales Invoice', { body: { ...rest, update_outstanding_for_self: 0, docstatus: 1 } }));
    expect([stored(name).status, stored(name).outstanding_amount]).toEqual(['Credit Note Issued', 0]);
  });

  test('a payment request is submitted as Requested without a payment URL on plain ERPNext, and its payment entry marks both paid', async () => {
    const name = String((await invoice({ items: [{ item_code: 'SALLE-A', qty: 4 }], docstatus: 1 })).name);
    const request = ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_request', {
      body: { dt: 'Sales Invoice', dn: name, submit_doc: 1, mute_email: 1 },
    }));
    expect([request.status, request.docstatus, request.grand_total, request.payment_url]).toEqual(['Requested', 1, 49.4, null]);
    const draft = ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_entry', { body: { docname: request.name } }));
    ok(await call(emu, 'POST', '/api/resource/Payment Entry', { body: { ...draft, docstatus: 1 } }));
    expect(emu.store.get('Payment Request', String(request.name))?.status).toBe('Paid');
    expect(stored(name).status).toBe('Paid');
  });
});

describe('custom DocTypes at run time', () => {
  test('a custom DocType gains a field when updated, and is gone with its records when deleted', async () => {
    const created = ok(await call(emu, 'POST', '/api/resource/DocType', {
      body: {
        name: 'Casier Location', module: 'Custom', custom: 1, autoname: 'hash',
        fields: [{ fieldname: 'casier', label: 'Casier', fieldtype: 'Data', reqd: 1 }],
        permissions: [{ role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 }],
      },
    }));
    const fields = created.fields as Record<string, unknown>[];
    ok(await call(emu, 'PUT', '/api/resource/DocType/Casier Location', { body: { fields: [...fields, { fieldname: 'months', label: 'Months', fieldtype: 'Int' }] } }));
    const record = ok(await call(emu, 'POST', '/api/resource/Casier Location', { body: { casier: 'C-12', months: '3' } }));
    expect([record.casier, record.months]).toEqual(['C-12', 3]);
    expect(String(record.name)).toMatch(/^[a-z0-9]{10}$/);

    const missing = await call(emu, 'POST', '/api/resource/Casier Location', { body: { months: 1 } });
    expect(at(missing.json, 'exc_type')).toBe('MandatoryError');

    expect((await call(emu, 'DELETE', '/api/resource/DocType/Casier Location')).status).toBe(202);
    const gone = await call(emu, 'GET', '/api/resource/Casier Location');
    expect([gone.status, at(gone.json, 'exc_type')]).toEqual([404, 'DoesNotExistError']);
  });
});

describe('the store handle', () => {
  test('inserts through the same validation and naming as REST', () => {
    const doc = emu.store.insert({ doctype: 'Customer', customer_name: 'Atelier Lumen', customer_type: 'Company' });
    expect(doc.name).toBe('Atelier Lumen - 1');
    let refused: unknown;
    try {
      emu.store.insert({ doctype: 'Customer', customer_type: 'Company' });
    } catch (err) {
      refused = err;
    }
    expect(isFrappeError(refused) && refused.excType).toBe('MandatoryError');
  });
});
