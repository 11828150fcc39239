import type { TicketEngine } from '../../../sidecar/src/tickets';
import { at, dayAhead, entriesByKey, erpEntriesByKey, eventually, startTicketPlace, type TicketTestPlace } from './support';

/**
 * Done-when of the issue: after a run with a fifth of the ERP calls failing (error statuses,
 * timeouts, answers lost after the write was done), the ledger in the ERP equals the sidecar's
 * view, entry by entry, and the balance rows accountants read equal the balances members see.
 */

const HALF_DAYS = { name: 'Carnet 10 demi-journées', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };
const HOURS = { name: '20 heures machines', item: 'CARNET-20-H', ticketsPerPack: 20, unit: 'Hour' as const, validityDays: 180, allowConversion: true };
const MEMBERS = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];

let place: TicketTestPlace;
let tickets: TicketEngine;

beforeAll(async () => {
  place = await startTicketPlace({
    packs: [HALF_DAYS, HOURS],
    members: MEMBERS.map((key) => ({ key })),
    // Short timeouts and backoffs: the faults cost milliseconds, not the production seconds.
    erp: { timeoutMs: 400, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 40 } },
  });
  tickets = await place.tickets({ writeBackoffMs: 20, writeAttempts: 8, sweepAfterMs: 1_000, sweepEveryMs: 500, reconcileEveryMs: 60 * 60_000 });
}, 30_000);

afterAll(async () => {
  await place.close();
});

/** What a client does with a 503: try again (the movement is keyed, so a retry takes nothing twice). */
async function retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 30) throw new Error(`${what} kept failing: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('a run with a fifth of the ERP calls failing', () => {
  it('ends with the ERP’s ledger equal to the sidecar’s, entry by entry, and the balance rows equal to the balances', async () => {
    const customers = MEMBERS.map((key) => place.customer(key));
    // Packs sold and paid before the storm; the sidecar learns of them during it.
    const invoices: string[] = [];
    for (const customer of customers) {
      invoices.push(await place.sellPack(customer, HALF_DAYS.item, 2));
      invoices.push(await place.sellPack(customer, HOURS.item, 1));
    }
    const { faults } = place.base.emulator;
    const storm = [
      faults.add({ action: { kind: 'status', status: 502 }, probability: 0.05 }),
      faults.add({ action: { kind: 'status', status: 503 }, probability: 0.04 }),
      faults.add({ action: { kind: 'status', status: 500 }, probability: 0.03 }),
      faults.add({ action: { kind: 'timeout' }, probability: 0.03 }),
      faults.add({ action: { kind: 'status', status: 504 }, when: 'after', probability: 0.03 }),
      faults.add({ action: { kind: 'timeout' }, when: 'after', probability: 0.02 }),
    ];
    try {
      // Webhooks say the invoices changed, the payments too (twice: they are retried and duplicated).
      for (const invoice of invoices) {
        await retrying('a change notice', () => tickets.changes.notify({ doctype: 'Sales Invoice', name: invoice, event: 'on_submit', modified: `${invoice}-a`, docstatus: 1 }));
        await retrying('a change notice', () => tickets.changes.notify({ doctype: 'Sales Invoice', name: invoice, event: 'on_submit', modified: `${invoice}-b`, docstatus: 1 }));
      }
      await eventually(
        async () => {
          const balances = await Promise.all(MEMBERS.map((key) => tickets.service.balance(place.member(key))));
          return balances.every((b) => b.packs.reduce((sum, p) => sum + p.tickets, 0) === 40) ? true : undefined;
        },
        'every pack credited',
        60_000,
      );

      // Bookings paid with tickets, some cancelled (refunds), staff corrections, a lot that expires.
      const day = dayAhead(6);
      let n = 0;
      for (const customer of customers) {
        for (let i = 0; i < 6; i++) {
          const bookingId = `bk_faults${String(n++).padStart(12, '0')}`;
          place.erpBooking(customer, bookingId);
          const lines = i % 2 === 0 ? [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 2, rate: 800, amount: 1600 }] : [{ itemCode: 'RES-COWORKING', uom: 'Hour', qty: 3, rate: 300, amount: 900 }];
          const debit = await retrying('a debit', () =>
            tickets.bookings.debitForBooking({ bookingId, customer, resourceId: 'Coworking', lines, start: at(day, '09:00'), end: at(day, '13:00'), mode: 'partial' }),
          );
          expect(debit.ok).toBe(true);
          if (i === 1 || i === 4) await retrying('a refund', () => tickets.bookings.refundForBooking({ bookingId, customer, feePercent: i === 1 ? 0 : 50 }));
        }
        await retrying('a correction', () => tickets.service.correct(place.manager, customer, { packType: HALF_DAYS.name, quantity: -1, reason: 'Ajustement' }, `adj-${customer}`));
        await retrying('a correction', () => tickets.service.correct(place.manager, customer, { packType: HOURS.name, quantity: 2, expiresOn: dayAhead(-3), reason: 'Reliquat' }, `old-${customer}`));
      }
      await retrying('the daily run', () => tickets.runDaily());
      await retrying('the reconciliation', () => tickets.reconcile());
      // Let the writes fight through the faults for a while before the storm ends.
      await eventually(() => (place.base.logs.filter((line) => line.msg === 'job failed, will be retried').length > 8 ? true : undefined), 'writes to fail and be retried', 60_000);
    } finally {
      for (const id of storm) faults.remove(id);
    }

    await eventually(async () => ((await tickets.pendingErpWrites()) === 0 ? true : undefined), 'every ticket entry in the ERP', 120_000);
    for (const customer of customers) {
      const redis = await place.redisLedger(customer);
      expect({ customer, entries: erpEntriesByKey(place.erpEntries(customer)) }).toEqual({ customer, entries: entriesByKey(redis.entries) });
      expect([...redis.erpNames.values()].every((name) => name !== '')).toBe(true);
    }
    // Nothing twice in the ERP: external ids are unique there (the ERP refuses a duplicate), and every one is ours.
    const ids = place.erpEntries().map((doc) => String(doc.external_id));
    expect(new Set(ids).size).toBe(ids.length);

    // The balance rows in the ERP equal what members see.
    await eventually(
      async () => {
        for (const key of MEMBERS) {
          const view = await tickets.service.balance(place.member(key));
          const rows = place.base.emulator.store.list('Creneau Ticket Balance', (row) => row.customer === place.customer(key));
          const fromRows = rows.map((row) => `${String(row.pack_type)}=${String(row.tickets)}`).sort();
          const fromView = view.packs.map((pack) => `${pack.packType}=${String(pack.tickets)}`).sort();
          if (fromRows.join('|') !== fromView.join('|')) return undefined;
        }
        return true;
      },
      'the balance rows to match',
      60_000,
    );
  }, 240_000);
});
