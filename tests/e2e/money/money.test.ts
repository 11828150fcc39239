import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { freePort } from '../../../scripts/src/lib/redis-server';
import type { SidecarHandle } from '../../../sidecar/src/main';
import type { EmulatorHandle } from '../../emulator/src';
import { bodyOf, signedIn, type ApiClient } from '../../support/api-client';
import { startDemoSidecar } from '../support/demo-sidecar';
import { eventually } from '../../support/eventually';
import { demoManager, demoMember, startDemoErp, type DemoErp } from '../../support/erp';
import { captureLogs } from '../../support/logs';
import { dropPlaceKeys } from '../../support/redis';
import { at, PARIS, parisTime, weekdayAhead } from '../../support/time';

/**
 * The money flows end to end, as people use them: the sidecar started by main.ts on the demo tiers-lieu (the ERP
 * emulator with its simulated gateway, the add-on installed, its Webhooks delivered to the sidecar), members and
 * managers over HTTP, the member paying on the gateway's checkout page over HTTP. In every path the ERP's
 * documents bill exactly the quote the member was shown.
 */

jest.setTimeout(120_000);


interface Money {
  cents: number;
  currency: string;
}
interface QuoteLine {
  itemCode: string;
  uom: string;
  qty: number;
  rate: Money;
  amount: Money;
}
interface Booking {
  id: string;
  erpName: string | null;
  status: string;
  paymentMode: string;
  start: string;
  quote: { lines: QuoteLine[]; total: Money; deposit: Money } | null;
}
interface ErpDocument {
  kind: 'invoice' | 'credit_note';
  name: string;
  status: string;
  docstatus: number;
  lines: Money;
  taxes: Money;
  total: Money;
  outstanding: Money;
  rows: QuoteLine[];
  paymentRequests: { status: string; paymentUrl: string | null }[];
}
interface Documents {
  documents: ErpDocument[];
  toPay: Money;
  toRefund: Money;
}
interface PaymentStart {
  next: string;
  paymentUrl: string | null;
  amount: Money;
  invoice: ErpDocument;
}

let demo: DemoErp;
let emulator: EmulatorHandle;
let sidecar: SidecarHandle;
let placeId: string;
let shiftMs = 0;
const logs = captureLogs('info');

beforeAll(async () => {
  placeId = `e2e-money-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  demo = await startDemoErp(placeId, `http://127.0.0.1:${String(port)}`, { randomSeed: 41, paymentGateway: true });
  emulator = demo.emulator;
  sidecar = await startDemoSidecar(demo, placeId, port, 5_000, {
    logger: logs.logger,
    now: () => Date.now() + shiftMs,
    engine: { holdMs: 8_000, writeBackoffMs: 100, sweepEveryMs: 1_000, sweepAfterMs: 2_000 },
    money: { backoffMs: 100, attempts: 30, pollEveryMs: 2_000 },
  });
});

afterAll(async () => {
  await sidecar.close();
  logs.replay();
  await demo.close();
  await dropPlaceKeys(placeId);
});

afterEach(() => {
  shiftMs = 0;
  emulator.faults.clear();
});

const booking = async (client: ApiClient, id: string): Promise<Booking> => bodyOf<Booking>(await client.get(`/bookings/${id}`));
const documents = async (client: ApiClient, id: string): Promise<Documents> => bodyOf<Documents>(await client.get(`/bookings/${id}/invoices`));
const inStatus = (client: ApiClient, id: string, status: string): Promise<Booking> =>
  eventually(async () => {
    const b = await booking(client, id);
    return b.status === status ? b : undefined;
  }, `booking ${id} ${status}`);

/** The member on the gateway's checkout page: reads it, then presses "Payer". */
async function payOnCheckout(paymentUrl: string): Promise<void> {
  const page = await fetch(paymentUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Payer');
  const paid = await fetch(`${paymentUrl}/pay`, { method: 'POST', headers: { accept: 'application/json' } });
  expect(paid.status).toBe(200);
}

const lines = (rows: QuoteLine[]) => rows.map((r) => [r.itemCode, r.uom, r.qty, r.rate.cents, r.amount.cents]);

it('prepaid and paid: the quote, the draft invoice line for line, the checkout, the booking confirmed by webhook', async () => {
  const leo = await signedIn(sidecar.url, placeId, demoMember(1));
  const day = weekdayAhead(8);
  const request = { resourceId: "Salle L'Atelier", start: parisTime(day, '10:00'), end: parisTime(day, '12:00') };
  const quote = bodyOf<{ lines: QuoteLine[]; total: Money }>(await leo.post('/quotes', request));
  const made = bodyOf<Booking>(await leo.post('/bookings', request), 201);
  expect([made.status, made.paymentMode, lines(made.quote?.lines ?? [])]).toEqual(['awaiting_payment', 'online', lines(quote.lines)]);

  const draft = await eventually(async () => (await documents(leo, made.id)).documents[0], 'the draft invoice');
  expect([draft.docstatus, lines(draft.rows), draft.lines.cents]).toEqual([0, lines(quote.lines), quote.total.cents]);

  const start = bodyOf<PaymentStart>(await leo.post(`/bookings/${made.id}/payment`));
  expect(start.next).toBe('redirect');
  expect([start.invoice.docstatus, start.invoice.lines.cents, start.amount.cents]).toEqual([1, quote.total.cents, start.invoice.total.cents]);
  // VAT comes from the ERP's template: 20 % on the demo's prices.
  expect(start.invoice.taxes.cents).toBe(quote.total.cents / 5);
  await payOnCheckout(start.paymentUrl ?? '');
  await inStatus(leo, made.id, 'confirmed');
  const after = await documents(leo, made.id);
  expect(after.documents.map((d) => [d.kind, d.status, d.lines.cents, d.outstanding.cents])).toEqual([['invoice', 'Paid', quote.total.cents, 0]]);
  // Another member does not see them.
  const camille = await signedIn(sidecar.url, placeId, demoMember(0));
  expect((await camille.get(`/bookings/${made.id}/invoices`)).status).toBe(404);
});

it('prepaid and expired: the checkout is withdrawn with the hold, the invoice cancelled, and paying refused', async () => {
  const leo = await signedIn(sidecar.url, placeId, demoMember(1));
  const day = weekdayAhead(8);
  const made = bodyOf<Booking>(await leo.post('/bookings', { resourceId: "Salle L'Atelier", start: parisTime(day, '14:00'), end: parisTime(day, '15:00') }), 201);
  const start = await eventually(async () => {
    const response = await leo.post(`/bookings/${made.id}/payment`);
    return response.status === 200 ? (response.body as PaymentStart) : undefined;
  }, 'the payment to start');
  await inStatus(leo, made.id, 'expired');
  const cancelled = await eventually(async () => {
    const docs = await documents(leo, made.id);
    return docs.documents[0]?.docstatus === 2 ? docs : undefined;
  }, 'the invoice cancelled');
  expect(cancelled.documents.map((d) => d.status)).toEqual(['Cancelled']);
  const refused = await fetch(`${start.paymentUrl ?? ''}/pay`, { method: 'POST', headers: { accept: 'application/json' } });
  expect(refused.status).toBe(409);
  const again = await leo.post(`/bookings/${made.id}/payment`);
  expect([again.status, (again.body as { error: { code: string } }).error.code]).toEqual([422, 'NOTHING_TO_PAY']);
});

it('a cancellation at each step of the policy: the credit note is the refund shown', async () => {
  const leo = await signedIn(sidecar.url, placeId, demoMember(1));
  const manager = await signedIn(sidecar.url, placeId, demoManager);
  const day = weekdayAhead(15);
  const cases = [
    { from: '09:00', to: '10:00', hoursBefore: 72, refundShare: 1 },
    { from: '11:00', to: '12:00', hoursBefore: 36, refundShare: 0.5 },
    { from: '15:00', to: '16:00', hoursBefore: 5, refundShare: 0 },
  ];
  for (const c of cases) {
    shiftMs = 0;
    const made = bodyOf<Booking>(await leo.post('/bookings', { resourceId: "Salle L'Atelier", start: parisTime(day, c.from), end: parisTime(day, c.to) }), 201);
    const start = await eventually(async () => {
      const response = await leo.post(`/bookings/${made.id}/payment`);
      return response.status === 200 ? (response.body as PaymentStart) : undefined;
    }, 'the payment to start');
    await payOnCheckout(start.paymentUrl ?? '');
    await inStatus(leo, made.id, 'confirmed');
    shiftMs = at(day, c.from) - c.hoursBefore * 3_600_000 - Date.now();
    const preview = bodyOf<{ fee: Money; refund: Money }>(await leo.get(`/bookings/${made.id}/cancellation`));
    const total = made.quote?.total.cents ?? 0;
    expect([preview.fee.cents, preview.refund.cents]).toEqual([total * (1 - c.refundShare), total * c.refundShare]);
    bodyOf(await leo.post(`/bookings/${made.id}/cancel`, { expectedFee: preview.fee.cents }));
    const settled = await eventually(async () => {
      const docs = await documents(leo, made.id);
      const credited = docs.documents.some((d) => d.kind === 'credit_note');
      return c.refundShare === 0 || credited ? docs : undefined;
    }, 'the credit note');
    const credit = settled.documents.find((d) => d.kind === 'credit_note');
    expect(credit ? -credit.lines.cents : 0).toBe(preview.refund.cents);
    expect(settled.toRefund.cents).toBe(c.refundShare === 0 ? 0 : -(credit?.total.cents ?? 0));
    if (c.refundShare > 0) {
      const refunded = bodyOf<Documents>(await manager.post(`/manager/bookings/${made.id}/refunds`, { modeOfPayment: 'Wire Transfer' }));
      expect(refunded.toRefund.cents).toBe(0);
    }
  }
});

it('machine approved → deposit → use → final invoice for the time used, the rest paid online', async () => {
  const camille = await signedIn(sidecar.url, placeId, demoMember(0));
  const manager = await signedIn(sidecar.url, placeId, demoManager);
  const day = weekdayAhead(4);
  const made = bodyOf<Booking>(await camille.post('/bookings', { resourceId: 'Découpe laser', start: parisTime(day, '10:00'), end: parisTime(day, '12:00') }), 201);
  expect([made.status, made.paymentMode, made.quote?.deposit.cents]).toEqual(['pending_approval', 'deposit', 1800]);
  await eventually(async () => ((await booking(camille, made.id)).erpName ? true : undefined), 'the booking in the ERP');
  bodyOf(await manager.post(`/manager/bookings/${made.id}/approve`));
  const deposit = await eventually(async () => {
    const response = await camille.post(`/bookings/${made.id}/payment`);
    return response.status === 200 ? (response.body as PaymentStart) : undefined;
  }, 'the deposit request');
  // 30 % of the ERP's total (2 h at 30.00 + VAT = 72.00).
  expect([deposit.invoice.total.cents, deposit.amount.cents]).toEqual([7200, 2160]);
  await payOnCheckout(deposit.paymentUrl ?? '');
  await inStatus(camille, made.id, 'confirmed');

  shiftMs = at(day, '10:00') - Date.now();
  bodyOf(await manager.post(`/manager/bookings/${made.id}/check-in`));
  shiftMs = at(day, '10:50') - Date.now();
  bodyOf(await manager.post(`/manager/bookings/${made.id}/check-out`));
  const final = await eventually(async () => {
    const docs = await documents(camille, made.id);
    return docs.documents.some((d) => d.kind === 'credit_note') ? docs : undefined;
  }, 'the final credit note');
  // 50 minutes used: one hour billed in all.
  expect(final.documents.reduce((sum, d) => sum + d.lines.cents, 0)).toBe(3000);
  expect(final.toPay.cents).toBe(3600 - 2160);
  const rest = bodyOf<PaymentStart>(await camille.post(`/bookings/${made.id}/payment`));
  expect(rest.amount.cents).toBe(1440);
  await payOnCheckout(rest.paymentUrl ?? '');
  const paid = await eventually(async () => {
    const docs = await documents(camille, made.id);
    return docs.toPay.cents === 0 ? docs : undefined;
  }, 'the rest paid');
  // Paid in full; ERPNext calls an invoice with a credit note against it "Credit Note Issued".
  expect(paid.documents.find((d) => d.kind === 'invoice')?.outstanding.cents).toBe(0);
});

it('a post-paid month: confirmed at once, one draft invoice the month after, for the accountant', async () => {
  const atelier = await signedIn(sidecar.url, placeId, demoMember(2));
  const manager = await signedIn(sidecar.url, placeId, demoManager);
  const month = DateTime.now().setZone(PARIS).startOf('month').plus({ months: 1 });
  const date = weekdayAhead(6, month.toMillis());
  shiftMs = at(date, '06:00') - Date.now();
  const made = bodyOf<Booking>(await atelier.post('/bookings', { resourceId: 'Salle La Verrière', start: parisTime(date, '09:00'), end: parisTime(date, '11:00') }), 201);
  expect([made.status, made.paymentMode]).toEqual(['confirmed', 'post_paid']);
  await eventually(async () => ((await booking(atelier, made.id)).erpName ? true : undefined), 'the booking in the ERP');
  expect((await documents(atelier, made.id)).documents).toEqual([]);
  shiftMs = at(date, '09:00') - Date.now();
  bodyOf(await manager.post(`/manager/bookings/${made.id}/check-in`));
  shiftMs = at(date, '11:00') - Date.now();
  bodyOf(await manager.post(`/manager/bookings/${made.id}/check-out`));

  shiftMs = month.plus({ months: 1, hours: 7 }).toMillis() - Date.now();
  const report = await eventually(async () => {
    const response = await manager.post('/manager/post-paid-invoicing', { month: month.toFormat('yyyy-MM') });
    const body = response.body as { invoices: { customer: string; invoice: string }[] };
    return response.status === 200 && body.invoices.length > 0 ? body : undefined;
  }, 'the month invoiced (once the check-out is in the ERP)');
  expect(report.invoices.map((i) => i.customer)).toEqual(['Atelier Nord SARL']);
  const docs = await documents(atelier, made.id);
  expect(docs.documents.map((d) => [d.kind, d.docstatus, d.name, lines(d.rows)])).toEqual([['invoice', 0, report.invoices[0]?.invoice, lines(made.quote?.lines ?? [])]]);
  const again = bodyOf<{ invoices: unknown[]; alreadyBilled: string[] }>(await manager.post('/manager/post-paid-invoicing', { month: month.toFormat('yyyy-MM') }));
  expect([again.invoices, again.alreadyBilled]).toEqual([[], ['Atelier Nord SARL']]);
});

it('the ERP down when the member pays: a clear 503 to retry, then the checkout', async () => {
  const leo = await signedIn(sidecar.url, placeId, demoMember(1));
  const day = weekdayAhead(22);
  const made = bodyOf<Booking>(await leo.post('/bookings', { resourceId: 'Salle La Verrière', start: parisTime(day, '14:00'), end: parisTime(day, '15:00') }), 201);
  await eventually(async () => ((await documents(leo, made.id)).documents.length > 0 ? true : undefined), 'the draft invoice');
  const down = emulator.faults.add({ match: { path: '/api/' }, action: { kind: 'status', status: 503 } });
  const refused = await leo.post(`/bookings/${made.id}/payment`);
  expect([refused.status, refused.headers.get('retry-after'), (refused.body as { error: { code: string; message: string } }).error.code]).toEqual([503, '10', 'ERP_UNAVAILABLE']);
  emulator.faults.remove(down);
  const start = bodyOf<PaymentStart>(await leo.post(`/bookings/${made.id}/payment`));
  await payOnCheckout(start.paymentUrl ?? '');
  await inStatus(leo, made.id, 'confirmed');
});
