// The emulator's online payment gateway, over real HTTP: a Payment Request gets a checkout URL, the payer
// opens the page and pays (or is declined, or leaves), and the ERP records what a Dokos/ERPNext site with
// Stripe records: a submitted Payment Entry, the invoice paid, the request paid, the site's webhooks sent.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GatewayRefusal, startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call, messages, ok, Receiver } from './support';

// Pinned so that due dates and the fiscal year do not depend on the day the tests run.
const NOW = Date.parse('2026-11-28T09:00:00Z');
const METHOD = '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_request';
const TOKEN_URL = /^http:\/\/127\.0\.0\.1:\d+\/__gateway\/checkout\/([A-Za-z0-9_-]{32})$/;

/** A customer who books the big room (100 € a day) and the laser cutter (40 € an hour). */
async function seedCatalogue(emu: EmulatorHandle): Promise<void> {
  ok(await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Atelier Lumen', customer_type: 'Company' } }));
  ok(await call(emu, 'POST', '/api/resource/Item', { body: { item_code: 'SALLE-JOUR', item_group: 'Services', stock_uom: 'Day', is_stock_item: 0, standard_rate: 100 } }));
  ok(await call(emu, 'POST', '/api/resource/Item', { body: { item_code: 'LASER-HEURE', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0, standard_rate: 40 } }));
}

async function invoice(emu: EmulatorHandle, items: Record<string, unknown>[], submit = true): Promise<string> {
  const doc = ok(await call(emu, 'POST', '/api/resource/Sales Invoice', { body: { customer: 'Atelier Lumen', items, ...(submit ? { docstatus: 1 } : {}) } }));
  return String(doc.name);
}

function invoiceOf(emu: EmulatorHandle, name: string): { status: unknown; outstanding: unknown; docstatus: unknown } {
  const doc = emu.store.get('Sales Invoice', name);
  if (!doc) throw new Error(`Sales Invoice ${name} is not stored`);
  return { status: doc.status, outstanding: doc.outstanding_amount, docstatus: doc.docstatus };
}

function requestOf(emu: EmulatorHandle, name: string): { status: unknown; outstanding: unknown; docstatus: unknown } {
  const doc = emu.store.get('Payment Request', name);
  if (!doc) throw new Error(`Payment Request ${name} is not stored`);
  return { status: doc.status, outstanding: doc.outstanding_amount, docstatus: doc.docstatus };
}

/** A submitted Payment Request for what the invoice still owes, made the way the sidecar makes it. */
async function requestPayment(emu: EmulatorHandle, invoiceName: string): Promise<{ name: string; url: string; token: string }> {
  const pr = ok(await call(emu, 'POST', METHOD, { body: { dt: 'Sales Invoice', dn: invoiceName, submit_doc: 1, mute_email: 1 } }));
  const url = String(pr.payment_url);
  const token = TOKEN_URL.exec(url)?.[1];
  if (token === undefined) throw new Error(`Unexpected payment_url ${url}`);
  return { name: String(pr.name), url, token };
}

function paymentEntriesFor(emu: EmulatorHandle, invoiceName: string): Record<string, unknown>[] {
  return emu.store.list('Payment Entry', (pe) => Array.isArray(pe.references) && (pe.references as Record<string, unknown>[]).some((r) => r.reference_name === invoiceName));
}

/** Submits the checkout form as a browser does (form-encoded, redirect not followed). */
async function postForm(url: string, fields: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields), redirect: 'manual' });
}

async function postJson(url: string, body: Record<string, unknown> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('with a payment gateway', () => {
  let emu: EmulatorHandle;
  let receiver: Receiver;
  const secret = 'whsec-gateway-1';

  beforeAll(async () => {
    emu = await startEmulator({ randomSeed: 21, now: () => NOW, paymentGateway: true, webhookRetryDelaysMs: [20, 20] });
    receiver = await Receiver.start();
    await seedCatalogue(emu);
    const hook = async (name: string, doctype: string, event: string, json: string): Promise<void> => {
      ok(await call(emu, 'POST', '/api/resource/Webhook', {
        body: {
          name, webhook_doctype: doctype, webhook_docevent: event, request_url: `${receiver.url}/${doctype.replace(/ /g, '-')}/${event}`,
          request_method: 'POST', request_structure: 'JSON', enabled: 1, enable_security: 1, webhook_secret: secret, webhook_json: json,
        },
      }));
    };
    await hook('PE submitted', 'Payment Entry', 'on_submit', '{"name": "{{ doc.name }}", "reference_no": "{{ doc.reference_no }}", "paid_amount": {{ doc.paid_amount }}}');
    await hook('SI changed', 'Sales Invoice', 'on_change', '{"name": "{{ doc.name }}", "status": "{{ doc.status }}", "outstanding_amount": {{ doc.outstanding_amount }}}');
    await hook('PR changed', 'Payment Request', 'on_change', '{"name": "{{ doc.name }}", "status": "{{ doc.status }}"}');
  });

  afterAll(async () => {
    await emu.close();
    await receiver.close();
  });

  const deliveredTo = (pathPrefix: string): Record<string, unknown>[] =>
    receiver.requests.filter((r) => r.path.startsWith(pathPrefix)).map((r) => JSON.parse(r.raw.toString('utf8')) as Record<string, unknown>);

  test('the site has the gateway and its default account paying into the bank', () => {
    expect(emu.store.list('Payment Gateway').map((g) => g.name)).toEqual(['Stripe-Emulator']);
    const accounts = emu.store.list('Payment Gateway Account');
    expect(accounts.map((a) => [a.name, a.payment_gateway, a.payment_account, a.currency, a.is_default])).toEqual([
      ['Stripe-Emulator - EUR', 'Stripe-Emulator', 'Bank Account - RC', 'EUR', 1],
    ]);
  });

  test('invoice → payment request → checkout page → pay: the Payment Entry exists, invoice and request are Paid, the webhooks went out signed', async () => {
    const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 2 }, { item_code: 'LASER-HEURE', qty: 1.5 }]);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Unpaid', outstanding: 260, docstatus: 1 });
    receiver.requests.length = 0;
    const request = await requestPayment(emu, name);
    expect(request.url.startsWith(`${emu.url}/__gateway/checkout/`)).toBe(true);
    const pr = ok(await call(emu, 'GET', `/api/resource/Payment Request/${request.name}`));
    expect([pr.status, pr.docstatus, pr.grand_total, pr.outstanding_amount, pr.payment_gateway_account, pr.payment_account]).toEqual([
      'Requested', 1, 260, 260, 'Stripe-Emulator - EUR', 'Bank Account - RC',
    ]);

    const page = await fetch(request.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('260,00');
    expect(html).toContain(request.name);
    expect(html).toContain(name);
    expect(html).toContain('>Payer 260,00');
    expect(html).toContain('>Annuler<');
    // No script, stylesheet, image or font fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|url\(|src=/i);

    const paid = await postForm(`${request.url}/pay`);
    expect(paid.status).toBe(303);
    const shown = await fetch(new URL(paid.headers.get('location') ?? '', emu.url));
    expect(await shown.text()).toContain('Paiement accepté');

    const entries = paymentEntriesFor(emu, name);
    expect(entries).toHaveLength(1);
    const entry = entries[0] ?? {};
    const references = entry.references as Record<string, unknown>[];
    expect([entry.docstatus, entry.status, entry.payment_type, entry.paid_amount, entry.paid_to, entry.reference_no, entry.party]).toEqual([
      1, 'Submitted', 'Receive', 260, 'Bank Account - RC', request.name, 'Atelier Lumen',
    ]);
    expect(references.map((r) => [r.reference_name, r.allocated_amount, r.payment_request])).toEqual([[name, 260, request.name]]);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(requestOf(emu, request.name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(emu.gateway.checkout(request.token)?.status).toBe('Completed');

    await emu.webhooks.idle();
    expect(deliveredTo('/Payment-Entry/on_submit')).toEqual([{ name: entry.name, reference_no: request.name, paid_amount: 260 }]);
    expect(deliveredTo('/Sales-Invoice/on_change')).toEqual([{ name, status: 'Paid', outstanding_amount: 0 }]);
    // The request went out once, when it was submitted: ERPNext marks it paid with bulk_update, which fires nothing.
    expect(deliveredTo('/Payment-Request/on_change')).toEqual([{ name: request.name, status: 'Requested' }]);
    for (const delivery of receiver.requests) {
      expect(delivery.headers['x-frappe-webhook-signature']).toBe(createHmac('sha256', secret).update(delivery.raw).digest('base64'));
    }
  });

  test('a declined card changes nothing in the ERP; the payer can try again and then pay', async () => {
    const name = await invoice(emu, [{ item_code: 'LASER-HEURE', qty: 2 }]);
    const request = await requestPayment(emu, name);
    const declined = await postJson(`${request.url}/pay`, { fail: 'Fonds insuffisants' });
    expect(declined.status).toBe(402);
    expect(declined.json).toMatchObject({ status: 'Failed', paymentRequest: request.name, paymentEntry: null });
    expect(invoiceOf(emu, name)).toEqual({ status: 'Unpaid', outstanding: 80, docstatus: 1 });
    // PaymentRequest.set_failed does nothing in ERPNext 15: the request stays Requested.
    expect(requestOf(emu, request.name)).toEqual({ status: 'Requested', outstanding: 80, docstatus: 1 });
    expect(paymentEntriesFor(emu, name)).toEqual([]);
    const log = emu.store.get('Integration Request', String(declined.json.integrationRequest));
    expect([log?.status, JSON.parse(String(log?.error))]).toEqual(['Failed', { code: 'card_declined', message: 'Fonds insuffisants' }]);

    const form = await postForm(`${request.url}/pay`, { fail: '1' });
    expect(form.status).toBe(303);
    const retryPage = await (await fetch(new URL(form.headers.get('location') ?? '', emu.url))).text();
    expect(retryPage).toContain('Paiement refusé');
    expect(retryPage).toContain('>Payer 80,00');

    const outcome = emu.gateway.pay(request.token);
    expect(outcome.status).toBe('Completed');
    expect(invoiceOf(emu, name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(requestOf(emu, request.name).status).toBe('Paid');
  });

  test('a checkout paid twice is refused the second time and nothing moves', async () => {
    const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 1 }]);
    const request = await requestPayment(emu, name);
    const first = await postJson(`${request.url}/pay`);
    expect(first.status).toBe(200);
    const second = await postJson(`${request.url}/pay`);
    expect(second).toEqual({
      status: 409,
      json: { error: 'already-paid', message: `The checkout of Payment Request ${request.name} was already paid: the gateway charges a checkout once` },
    });
    expect(() => emu.gateway.pay(request.name)).toThrow(GatewayRefusal);
    const page = await postForm(`${request.url}/pay`);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('déjà été effectué');
    expect(paymentEntriesFor(emu, name)).toHaveLength(1);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    // And ERPNext itself refuses a new request for a paid invoice.
    const again = await call(emu, 'POST', METHOD, { body: { dt: 'Sales Invoice', dn: name, submit_doc: 1 } });
    expect([again.status, at(again.json, 'exc_type'), messages(again.json)]).toEqual([417, 'ValidationError', ['Payment Entry is already created']]);
  });

  test('a deposit: a request for part of the invoice, paid; then one for the rest, paid', async () => {
    const name = await invoice(emu, [{ item_code: 'LASER-HEURE', qty: 5 }]);
    // make_payment_request leaves a draft (Accounts Settings create_pr_in_draft_status); the deposit is set on it.
    const draft = ok(await call(emu, 'POST', METHOD, { body: { dt: 'Sales Invoice', dn: name, submit_doc: 0, mute_email: 1, return_doc: 1 } }));
    expect([draft.docstatus, draft.grand_total, draft.payment_url]).toEqual([0, 200, undefined]);
    ok(await call(emu, 'PUT', `/api/resource/Payment Request/${String(draft.name)}`, { body: { grand_total: 60 } }));
    const deposit = ok(await call(emu, 'PUT', `/api/resource/Payment Request/${String(draft.name)}`, { body: { docstatus: 1 } }));
    expect([deposit.status, deposit.grand_total, deposit.outstanding_amount]).toEqual(['Requested', 60, 60]);
    const depositUrl = String(deposit.payment_url);
    expect(depositUrl).toMatch(TOKEN_URL);
    expect(await (await fetch(depositUrl)).text()).toContain('>Payer 60,00');

    // The gateway charges the request's amount and nothing else.
    expect(() => emu.gateway.pay(String(deposit.name), { amount: 200 })).toThrow(/is for 60\.00 EUR, not 200\.00/);
    expect(paymentEntriesFor(emu, name)).toEqual([]);
    const paidDeposit = emu.gateway.pay(String(deposit.name), { amount: 60 });
    expect(paidDeposit.paymentEntry).toMatch(/^ACC-PAY-2026-\d{5}$/);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Partly Paid', outstanding: 140, docstatus: 1 });
    expect(requestOf(emu, String(deposit.name))).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });

    const rest = await requestPayment(emu, name);
    expect(requestOf(emu, rest.name).outstanding).toBe(140);
    expect(emu.gateway.pay(rest.token, { amount: 140 }).status).toBe('Completed');
    expect(invoiceOf(emu, name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(paymentEntriesFor(emu, name).map((pe) => pe.paid_amount)).toEqual([60, 140]);
  });

  test('a request against a draft invoice gets a checkout, but the payment taken cannot be recorded: an Error Log says so', async () => {
    const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 1 }], false);
    const request = await requestPayment(emu, name);
    expect(requestOf(emu, request.name)).toEqual({ status: 'Requested', outstanding: 100, docstatus: 1 });
    const outcome = emu.gateway.pay(request.token);
    expect(outcome).toMatchObject({ status: 'Completed', paymentEntry: null, error: `Sales Invoice ${name} must be submitted` });
    const log = emu.store.get('Error Log', String(outcome.errorLog));
    expect([log?.reference_doctype, log?.reference_name]).toEqual(['Payment Request', request.name]);
    expect(String(log?.error)).toContain(`Sales Invoice ${name} must be submitted`);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Draft', outstanding: 100, docstatus: 0 });
    expect(requestOf(emu, request.name).status).toBe('Requested');
    expect(paymentEntriesFor(emu, name)).toEqual([]);
  });

  test('"Annuler" leaves the ERP as it was and sends the payer back; a cancelled request no longer takes payments', async () => {
    const name = await invoice(emu, [{ item_code: 'LASER-HEURE', qty: 1 }]);
    const request = await requestPayment(emu, name);
    const back = 'http://portal.example/reservations/42';
    const left = await postForm(`${request.url}/cancel`, { redirect_to: back });
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe(`${back}?payment_request=${request.name}&status=abandoned`);
    expect(requestOf(emu, request.name)).toEqual({ status: 'Requested', outstanding: 40, docstatus: 1 });
    expect(emu.gateway.checkout(request.token)?.status).toBe('Queued');

    // The hold expired: the sidecar cancels the request; the member comes back to the checkout too late.
    ok(await call(emu, 'POST', '/api/method/frappe.client.cancel', { body: { doctype: 'Payment Request', name: request.name } }));
    expect(requestOf(emu, request.name).status).toBe('Cancelled');
    const late = await postJson(`${request.url}/pay`);
    expect([late.status, late.json.error]).toEqual([409, 'request-cancelled']);
    expect(await (await fetch(request.url)).text()).toContain('a été annulée');
    expect(invoiceOf(emu, name)).toEqual({ status: 'Unpaid', outstanding: 40, docstatus: 1 });
  });

  test('staff recording a payment on site settles the open request too, and its checkout then refuses', async () => {
    const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 3 }]);
    const request = await requestPayment(emu, name);
    const proposal = ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry', { body: { dt: 'Sales Invoice', dn: name } }));
    expect(at(proposal, 'references.0.payment_request')).toBe(request.name);
    ok(await call(emu, 'POST', '/api/resource/Payment Entry', { body: { ...proposal, mode_of_payment: 'Cash', paid_to: 'Cash - RC', reference_no: 'CAISSE-1', docstatus: 1 } }));
    expect(requestOf(emu, request.name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(() => emu.gateway.pay(request.token)).toThrow(`The Payment Request ${request.name} is already paid, cannot process payment twice`);
  });

  test('a part paid at the desk leaves the request Partially Paid, and its checkout charges what is left', async () => {
    const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 2 }, { item_code: 'LASER-HEURE', qty: 1.5 }]);
    const request = await requestPayment(emu, name);
    const proposal = ok(await call(emu, 'POST', '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry', {
      body: { dt: 'Sales Invoice', dn: name, party_amount: 100 },
    }));
    ok(await call(emu, 'POST', '/api/resource/Payment Entry', { body: { ...proposal, reference_no: 'VIR-ACOMPTE', docstatus: 1 } }));
    expect(requestOf(emu, request.name)).toEqual({ status: 'Partially Paid', outstanding: 160, docstatus: 1 });
    expect(await (await fetch(request.url)).text()).toContain('>Payer 160,00');
    expect(emu.gateway.pay(request.token, { amount: 160 }).status).toBe('Completed');
    expect(paymentEntriesFor(emu, name).map((pe) => pe.paid_amount)).toEqual([100, 160]);
    expect(invoiceOf(emu, name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
    expect(requestOf(emu, request.name)).toEqual({ status: 'Paid', outstanding: 0, docstatus: 1 });
  });

  test('bad addresses get a clear answer', async () => {
    const unknown = await fetch(`${emu.url}/__gateway/checkout/no-such-token`);
    expect([unknown.status, (await unknown.text()).includes('Lien de paiement inconnu')]).toEqual([404, true]);
    const name = await invoice(emu, [{ item_code: 'LASER-HEURE', qty: 1 }]);
    const request = await requestPayment(emu, name);
    const badReturn = await fetch(`${request.url}?redirect_to=javascript:alert(1)`);
    expect([badReturn.status, (await badReturn.text()).includes('Adresse de retour invalide')]).toEqual([400, true]);
    const wrongMethod = await fetch(`${request.url}/pay`);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const badAmount = await postJson(`${request.url}/pay`, { amount: 'beaucoup' });
    expect([badAmount.status, badAmount.json.error]).toEqual([400, 'invalid-amount']);
    expect(requestOf(emu, request.name).status).toBe('Requested');
  });
});

describe('without a payment gateway (a plain ERPNext site)', () => {
  test('requests carry no payment URL, and there is no checkout', async () => {
    const emu = await startEmulator({ randomSeed: 22, now: () => NOW });
    try {
      await seedCatalogue(emu);
      const name = await invoice(emu, [{ item_code: 'SALLE-JOUR', qty: 1 }]);
      const pr = ok(await call(emu, 'POST', METHOD, { body: { dt: 'Sales Invoice', dn: name, submit_doc: 1, mute_email: 1 } }));
      expect([pr.status, pr.payment_url, pr.payment_gateway_account]).toEqual(['Requested', null, null]);
      expect(emu.store.count('Integration Request')).toBe(0);
      expect((await fetch(`${emu.url}/__gateway/checkout/anything`)).status).toBe(404);
      expect(() => emu.gateway.pay(String(pr.name))).toThrow('This emulator has no payment gateway');
    } finally {
      await emu.close();
    }
  });
});

describe('persistence', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'emulator-gateway-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('a checkout made before a restart is paid after it, once', async () => {
    const dataFile = path.join(dir, 'site.json');
    const admin = { apiKey: 'gatewaykey00001', apiSecret: 'gatewaysecret01', password: 'gateway-password' };
    const first = await startEmulator({ dataFile, admin, randomSeed: 23, now: () => NOW, paymentGateway: true });
    let request: { name: string; url: string; token: string };
    let name: string;
    try {
      await seedCatalogue(first);
      name = await invoice(first, [{ item_code: 'SALLE-JOUR', qty: 1 }]);
      request = await requestPayment(first, name);
    } finally {
      await first.close();
    }

    const second = await startEmulator({ dataFile, admin, now: () => NOW, paymentGateway: true });
    try {
      expect(second.store.count('Payment Gateway Account')).toBe(1);
      const checkout = second.gateway.checkout(request.token);
      expect(checkout).toMatchObject({ paymentRequest: request.name, status: 'Queued', amount: 100, currency: 'EUR', url: `${second.url}/__gateway/checkout/${request.token}` });
      const paid = await postJson(`${second.url}/__gateway/checkout/${request.token}/pay`);
      expect(paid.status).toBe(200);
      expect(requestOf(second, request.name).status).toBe('Paid');
      expect(invoiceOf(second, name).status).toBe('Paid');
    } finally {
      await second.close();
    }

    const third = await startEmulator({ dataFile, admin, now: () => NOW, paymentGateway: true });
    try {
      expect(third.gateway.checkout(request.token)?.status).toBe('Completed');
      const twice = await postJson(`${third.url}/__gateway/checkout/${request.token}/pay`);
      expect([twice.status, twice.json.error]).toEqual([409, 'already-paid']);
      expect(paymentEntriesFor(third, name)).toHaveLength(1);
    } finally {
      await third.close();
    }
  });
});
