import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { freePort } from '../../../scripts/src/lib/redis-server';
import { publicHoliday } from '../../../sidecar/src/domain';
import type { ErpPort } from '../../../sidecar/src/erp';
import type { SidecarHandle } from '../../../sidecar/src/main';
import { connectRedis } from '../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../sidecar/src/redis/keys';
import { TicketStore } from '../../../sidecar/src/tickets/store';
import type { EmulatorHandle } from '../../emulator/src';
import { bodyOf, errorOf, signedIn, type ApiClient, type ApiResponse } from '../../support/api-client';
import { startDemoSidecar } from '../support/demo-sidecar';
import { eventually } from '../../support/eventually';
import { demoManager, demoMember, startDemoErp, type DemoErp } from '../../support/erp';
import { captureLogs } from '../../support/logs';
import { dropPlaceKeys, REDIS_URL } from '../../support/redis';
import { PARIS, parisTime } from '../../support/time';

/**
 * Ticket packs end to end, as people use them: the sidecar started by main.ts on the demo tiers-lieu
 * (the ERP emulator, the add-on installed, its Webhooks delivered to the sidecar), a pack sold and
 * paid in the ERP, then members and managers over HTTP: a booking paid with a ticket, a refusal with
 * the balance, the rest paid online, a cancellation giving tickets back, a correction, a check-in
 * without a booking, and the done-when: 200 simultaneous bookings by one member holding 10
 * tickets.
 */

jest.setTimeout(240_000);

const PACK = 'Carnet 10 demi-journées coworking';
const PACK_ITEM = 'CARNET-COWORKING-10DJ';
/** How long the background work (webhooks, ERP writes, 200 bookings at once) is waited for before a test gives up. */
const WAIT_MS = 60_000;

let demo: DemoErp;
let emulator: EmulatorHandle;
let erp: ErpPort;
let sidecar: SidecarHandle;
let placeId: string;
let camille: ApiClient;
let leo: ApiClient;
let manager: ApiClient;
// The sidecar's warnings (a job cut short by the shutdown) stay out of the run's output; CRENEAU_TEST_LOGS=40 shows them.
const logs = captureLogs('warn');

interface Balance {
  packs: { packType: string; tickets: number; byExpiry: { expiresOn: string | null; tickets: number }[] }[];
  expiringSoon: unknown[];
  pendingErpWrites: number;
}
interface Booking {
  id: string;
  erpName: string | null;
  status: string;
  paymentMode: string;
  quote: { lines: { uom: string; qty: number; amount: { cents: number } }[]; total: { cents: number } } | null;
}

beforeAll(async () => {
  placeId = `e2e-tickets-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  demo = await startDemoErp(placeId, `http://127.0.0.1:${String(port)}`, { randomSeed: 43, paymentGateway: true });
  ({ emulator, erp } = demo);
  sidecar = await startDemoSidecar(demo, placeId, port, 10_000, {
    logger: logs.logger,
    engine: { holdMs: 60_000, writeBackoffMs: 100, sweepEveryMs: 1_000, sweepAfterMs: 2_000 },
    money: { backoffMs: 100, attempts: 30, pollEveryMs: 2_000 },
    tickets: { writeBackoffMs: 100, sweepEveryMs: 1_000, sweepAfterMs: 2_000, balanceDelayMs: 100 },
    // One member books 200 times at once below: the per-member booking limit is raised for it.
    api: { limits: { bookingsPerMember: { limit: 1_000, windowSeconds: 60 } } },
  });
  camille = await signedIn(sidecar.url, placeId, demoMember(0));
  leo = await signedIn(sidecar.url, placeId, demoMember(1));
  manager = await signedIn(sidecar.url, placeId, demoManager);
});

afterAll(async () => {
  await sidecar.close();
  logs.replay();
  await demo.close();
  await dropPlaceKeys(placeId);
});

/** The n-th working day at least `from` days ahead (the coworking space is open on weekdays, closed on public holidays). */
function weekday(from: number, n = 0): string {
  let day = DateTime.now().setZone(PARIS).startOf('day').plus({ days: from });
  let found = -1;
  for (;;) {
    if (day.weekday <= 5 && !publicHoliday({ country: 'FR' }, day.toISODate() ?? '')) found++;
    if (found === n) return day.toISODate() ?? '';
    day = day.plus({ days: 1 });
  }
}

const tickets = async (client: ApiClient): Promise<number> => bodyOf<Balance>(await client.get('/tickets')).packs.reduce((sum, pack) => sum + pack.tickets, 0);

/** A pack sold at the desk and paid: the ERP's webhooks tell the sidecar, which credits it. */
async function sellPack(customer: string): Promise<void> {
  const invoice = await erp.insert('Sales Invoice', { customer, items: [{ item_code: PACK_ITEM, qty: 1 }], docstatus: 1 });
  const draft = await erp.call('erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry', { dt: 'Sales Invoice', dn: invoice.name }, { http: 'POST', schema: z.record(z.string(), z.unknown()) });
  await erp.insert('Payment Entry', { ...draft, mode_of_payment: 'Cash', reference_no: `CAISSE-${invoice.name}`, reference_date: draft.posting_date, docstatus: 1 });
}

/** Brings the member to exactly `keep` tickets, as staff would with a correction. */
async function leaveOnly(client: ApiClient, customer: string, keep: number): Promise<void> {
  const have = await tickets(client);
  if (have !== keep) {
    bodyOf(await manager.post(`/manager/customers/${encodeURIComponent(customer)}/tickets/corrections`, { packType: PACK, quantity: keep - have, reason: 'Remise à niveau du test' }), 201);
  }
  expect(await tickets(client)).toBe(keep);
}

const bookHalfDay = (client: ApiClient, date: string, extra: Record<string, unknown> = {}): Promise<ApiResponse> =>
  client.post('/bookings', { resourceId: 'Espace coworking', start: parisTime(date, '09:00'), end: parisTime(date, '12:30'), paymentMode: 'tickets', ...extra });

describe('ticket packs over HTTP on the demo place', () => {
  it('a pack paid in the ERP is credited: 10 half-days, valid a year', async () => {
    await sellPack(demoMember(0).customer);
    const balance = await eventually(async () => {
      const view = bodyOf<Balance>(await camille.get('/tickets'));
      return view.packs.length > 0 ? view : undefined;
    }, 'the pack to be credited', WAIT_MS);
    expect(balance.packs.map((p) => [p.packType, p.tickets])).toEqual([[PACK, 10]]);
  });

  it('a 3 h 30 morning billed as a half-day is paid with one half-day ticket, and confirmed at once', async () => {
    const booking = bodyOf<Booking>(await bookHalfDay(camille, weekday(3)), 201);
    expect([booking.status, booking.paymentMode, booking.quote?.lines.map((l) => [l.uom, l.qty])]).toEqual(['confirmed', 'tickets', [['Half Day', 1]]]);
    expect(await tickets(camille)).toBe(9);
    const history = bodyOf<{ entries: { type: string; quantity: number; booking: string | null }[] }>(await camille.get('/tickets/history'));
    expect(history.entries[0]).toMatchObject({ type: 'debit', quantity: -1, booking: booking.id });
    // The ERP records the debit, linked to the booking, once the booking is there.
    const erpName = await eventually(async () => bodyOf<Booking>(await camille.get(`/bookings/${booking.id}`)).erpName ?? undefined, 'the booking in the ERP', WAIT_MS);
    await eventually(() => (emulator.store.list('Creneau Ticket Ledger Entry', (d) => d.booking === erpName && d.docstatus === 1).length === 1 ? true : undefined), 'the debit in the ERP', WAIT_MS);
  });

  it('all or nothing: a day the half-day tickets cannot pay is refused with the balance, nothing taken', async () => {
    const response = await camille.post('/bookings', { resourceId: 'Espace coworking', start: parisTime(weekday(4), '08:00'), end: parisTime(weekday(4), '20:00'), paymentMode: 'tickets' });
    expect(response.status).toBe(422);
    const error = errorOf(response);
    expect(error.code).toBe('TICKETS_INSUFFICIENT');
    expect(error.message).toMatch(/^Pas assez de tickets : il faut 1 journée ; votre solde utilisable ici : 9 demi-journées \(Carnet 10 demi-journées coworking/);
    expect(await tickets(camille)).toBe(9);
  });

  it('pay_online: the tickets pay the half-day, the hour beyond it is invoiced and paid online, then the booking is confirmed', async () => {
    const booking = bodyOf<Booking>(
      await camille.post('/bookings', { resourceId: 'Espace coworking', start: parisTime(weekday(5), '09:00'), end: parisTime(weekday(5), '14:00'), paymentMode: 'tickets', ticketsShortfall: 'pay_online' }),
      201,
    );
    expect(booking.status).toBe('awaiting_payment');
    expect(await tickets(camille)).toBe(8);
    const start = await eventually(async () => {
      const response = await camille.post(`/bookings/${booking.id}/payment`);
      return response.status === 200 ? (response.body as { next: string; paymentUrl: string; amount: { cents: number }; invoice: { rows: { uom: string; qty: number }[] } }) : undefined;
    }, 'the invoice of the rest', WAIT_MS);
    // Only the hour the tickets did not pay is billed: the member price of an hour.
    expect(start.invoice.rows.map((row) => [row.uom, row.qty])).toEqual([['Hour', 1]]);
    expect(start.next).toBe('redirect');
    expect(emulator.gateway.pay(start.paymentUrl.split('/').pop() ?? '')).toMatchObject({ status: 'Completed' });
    await eventually(async () => (bodyOf<Booking>(await camille.get(`/bookings/${booking.id}`)).status === 'confirmed' ? true : undefined), 'the booking confirmed', WAIT_MS);
  });

  it('a cancellation 48 h ahead gives the ticket back to its lot', async () => {
    const booking = bodyOf<Booking>(await bookHalfDay(camille, weekday(6)), 201);
    expect(await tickets(camille)).toBe(7);
    const preview = bodyOf<{ fee: { cents: number } }>(await camille.get(`/bookings/${booking.id}/cancellation`));
    bodyOf(await camille.post(`/bookings/${booking.id}/cancel`, { expectedFee: preview.fee.cents }));
    await eventually(async () => ((await tickets(camille)) === 8 ? true : undefined), 'the ticket back', WAIT_MS);
  });

  it('managers see a customer’s tickets, correct them, and check a member in without a booking', async () => {
    const customer = encodeURIComponent(demoMember(0).customer);
    expect(bodyOf<Balance>(await manager.get(`/manager/customers/${customer}/tickets`)).packs[0]?.tickets).toBe(8);
    const corrected = bodyOf<{ entries: { quantity: number }[]; balance: Balance }>(
      await manager.post(`/manager/customers/${customer}/tickets/corrections`, { packType: PACK, quantity: 2, reason: 'Carnet papier repris' }, { headers: { 'idempotency-key': 'repris-1' } }),
      201,
    );
    expect(corrected.balance.packs[0]?.tickets).toBe(10);
    const refused = await manager.post(`/manager/customers/${customer}/tickets/corrections`, { packType: PACK, quantity: -50, reason: 'Trop' });
    expect([refused.status, errorOf(refused).code]).toEqual([422, 'CORRECTION_EXCEEDS_BALANCE']);
    const checkIn = bodyOf<{ status: string; unit: string }>(await manager.post('/manager/check-ins', { customer: demoMember(0).customer, resourceId: 'Espace coworking' }));
    expect(checkIn.status).toBe('debited');
    const again = bodyOf<{ status: string }>(await manager.post('/manager/check-ins', { customer: demoMember(0).customer, resourceId: 'Espace coworking' }));
    expect(again.status).toBe('already_debited');
    // A member may do none of it.
    expect((await camille.get(`/manager/customers/${customer}/tickets`)).status).toBe(403);
    // Nor see another member's tickets: their own balance only (none here).
    expect(bodyOf<Balance>(await leo.get('/tickets')).packs).toEqual([]);
  });
});

describe('done-when: 200 simultaneous bookings by one member holding 10 tickets', () => {
  const customer = (): string => demoMember(0).customer;

  /** 200 half-days at once: ten mornings and ten afternoons on each of ten working days, room enough in the coworking space for all. */
  async function twoHundred(shortfall: 'refuse' | 'pay_online', firstDay: number): Promise<ApiResponse[]> {
    await leaveOnly(camille, customer(), 10);
    return Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const date = weekday(10, firstDay + Math.floor(i / 20));
        const [from, to] = i % 2 === 0 ? ['09:00', '12:30'] : ['14:00', '17:30'];
        return camille.post('/bookings', { resourceId: 'Espace coworking', start: parisTime(date, from), end: parisTime(date, to), paymentMode: 'tickets', ticketsShortfall: shortfall });
      }),
    );
  }

  async function ledgerNeverNegative(): Promise<void> {
    const redis = await connectRedis(REDIS_URL, { name: 'e2e-tickets-ledger' });
    try {
      const ledger = await new TicketStore(redis, placeKeyspace(placeId)).read(customer());
      let total = 0;
      const lots = new Map<string, number>();
      for (const entry of ledger.entries) {
        const lot = entry.lot ?? entry.key;
        lots.set(lot, (lots.get(lot) ?? 0) + entry.quantity);
        total += entry.quantity;
        expect([entry.key, (lots.get(lot) ?? 0) >= 0, total >= 0]).toEqual([entry.key, true, true]);
      }
    } finally {
      await redis.quit();
    }
  }

  it('all or nothing: exactly 10 bookings paid with tickets, 190 refused with the reason, the balance never negative', async () => {
    const responses = await twoHundred('refuse', 0);
    const booked = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 422);
    expect(booked).toHaveLength(10);
    expect(refused).toHaveLength(190);
    expect(new Set(refused.map((r) => errorOf(r).code))).toEqual(new Set(['TICKETS_INSUFFICIENT']));
    expect(booked.every((r) => (r.body as Booking).status === 'confirmed')).toBe(true);
    expect(await tickets(camille)).toBe(0);
    await ledgerNeverNegative();
  });

  it('pay_online: exactly 10 bookings paid with tickets, 190 left to pay online in full, the balance never negative', async () => {
    const responses = await twoHundred('pay_online', 10);
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const bookings = responses.map((r) => r.body as Booking);
    expect(bookings.filter((b) => b.status === 'confirmed')).toHaveLength(10);
    expect(bookings.filter((b) => b.status === 'awaiting_payment')).toHaveLength(190);
    expect(await tickets(camille)).toBe(0);
    await ledgerNeverNegative();
  });
});
