import { z } from 'zod';
import type { TicketEngine } from '../../../sidecar/src/tickets';
import { privateRedis } from '../booking/support';
import { at, dayAhead, entriesByKey, eventually, erpEntriesByKey, startTicketPlace, type TicketTestPlace } from './support';

/**
 * The ERP is the ledger's system of record: corrections staff enter in the desk (with a lot or
 * without) reach the sidecar by webhook and by the reconciliation, and are honoured; an entry
 * cancelled in the desk stops counting; our own entries echoing back change nothing; a member
 * reloaded from the ERP keeps the movements still on their way to it; Redis emptied is loaded
 * again from the ERP.
 */

const PACK = { name: 'Carnet 10 demi-journées', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };
const named = z.looseObject({ name: z.string() });

let place: TicketTestPlace;
let tickets: TicketEngine;

beforeAll(async () => {
  place = await startTicketPlace({ packs: [PACK], members: ['alice', 'bob', 'chloe', 'dora'].map((key) => ({ key })) });
  tickets = await place.tickets();
});

afterAll(async () => {
  await place.close();
});

const usable = async (key: string): Promise<number> => (await tickets.service.balance(place.member(key))).packs.reduce((sum, pack) => sum + pack.tickets, 0);

/** An entry as staff type it in the desk: no external id, submitted. */
async function deskEntry(customer: string, values: Record<string, unknown>): Promise<string> {
  const doc = await place.base.erp.insert('Creneau Ticket Ledger Entry', { customer, pack_type: PACK.name, entry_type: 'Correction', posting_date: dayAhead(0), docstatus: 1, ...values }, { schema: named });
  return doc.name;
}

const notice = (name: string, event: 'on_submit' | 'on_cancel') => ({ doctype: 'Creneau Ticket Ledger Entry', name, event, modified: `${name}-${event}`, docstatus: event === 'on_submit' ? 1 : 2 });

describe('staff corrections entered in the ERP', () => {
  it('reach the sidecar by webhook: a new lot, a lot-less withdrawal earliest expiry first, a withdrawal from a named lot', async () => {
    const alice = place.customer('alice');
    await tickets.onInvoiceChanged(await place.sellPack(alice, PACK.item, 1));
    const added = await deskEntry(alice, { quantity: 3, expires_on: dayAhead(30), reason: 'Carnet papier' });
    await tickets.changes.notify(notice(added, 'on_submit'));
    await eventually(async () => ((await usable('alice')) === 13 ? true : undefined), 'the desk correction to count');

    // Without a lot: taken from the lot that expires first (the desk's, in 30 days).
    const withdrawn = await deskEntry(alice, { quantity: -2, reason: 'Erreur' });
    await tickets.changes.notify(notice(withdrawn, 'on_submit'));
    await eventually(async () => ((await usable('alice')) === 11 ? true : undefined), 'the withdrawal to count');
    const balance = await tickets.service.balance(place.member('alice'));
    expect(balance.packs[0]?.byExpiry.map((b) => [b.expiresOn, b.tickets])).toEqual([
      [dayAhead(30), 1],
      [expect.any(String), 10],
    ]);

    // Naming the pack's lot (Against Entry): taken from it.
    const packLot = await eventually(() => place.erpEntries(alice).find((doc) => doc.entry_type === 'Credit'), 'the credit in the ERP');
    const named = await deskEntry(alice, { quantity: -4, against_entry: packLot.name, reason: 'Avoir partiel' });
    await tickets.changes.notify(notice(named, 'on_submit'));
    await eventually(async () => ((await usable('alice')) === 7 ? true : undefined), 'the named-lot withdrawal to count');
    const after = await tickets.service.balance(place.member('alice'));
    expect(after.packs[0]?.byExpiry.map((b) => b.tickets)).toEqual([1, 6]);

    // A debit after them takes from what the ERP says is left.
    place.erpBooking(alice, 'bk_syncaftercorrect01');
    const debit = await tickets.bookings.debitForBooking({
      bookingId: 'bk_syncaftercorrect01',
      customer: alice,
      resourceId: 'Coworking',
      lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 2, rate: 800, amount: 1600 }],
      start: at(dayAhead(3), '09:00'),
      end: at(dayAhead(3), '18:00'),
      mode: 'all_or_nothing',
    });
    expect(debit.ok && debit.status === 'debited' ? debit.allocation.map((a) => a.tickets) : []).toEqual([1, 1]);
  });

  it('an entry cancelled in the desk stops counting', async () => {
    const bob = place.customer('bob');
    const added = await deskEntry(bob, { quantity: 5, reason: 'Offert' });
    await tickets.changes.notify(notice(added, 'on_submit'));
    await eventually(async () => ((await usable('bob')) === 5 ? true : undefined), 'the entry to count');
    await place.base.erp.cancel('Creneau Ticket Ledger Entry', added);
    await tickets.changes.notify(notice(added, 'on_cancel'));
    await eventually(async () => ((await usable('bob')) === 0 ? true : undefined), 'the cancelled entry to stop counting');
  });

  it('the reconciliation catches a desk entry whose webhook was lost', async () => {
    const chloe = place.customer('chloe');
    await deskEntry(chloe, { quantity: 2, reason: 'Webhook perdu' });
    expect(await usable('chloe')).toBe(0);
    const report = await tickets.reconcile();
    expect(report.customersReloaded).toBeGreaterThanOrEqual(1);
    expect(await usable('chloe')).toBe(2);
    // Nothing left to reload: a second run changes nothing.
    expect((await tickets.reconcile()).customersReloaded).toBe(0);
  });

  it('our own entries echoing back change nothing; a reload keeps the movements the ERP has not got yet', async () => {
    const dora = place.customer('dora');
    await tickets.onInvoiceChanged(await place.sellPack(dora, PACK.item, 1));
    await eventually(async () => ((await tickets.pendingErpWrites()) === 0 ? true : undefined), 'the credit in the ERP');
    const reloads = () => place.base.logs.filter((line) => line.msg === 'member’s tickets reloaded from the ERP' && line.customer === dora).length;
    const before = reloads();
    const credit = place.erpEntries(dora)[0];
    await tickets.changes.notify(notice(String(credit?.name), 'on_submit'));
    // The ERP refuses every new ledger entry for a while: a debit stays on its way.
    const fault = place.base.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Creneau Ticket Ledger Entry' }, action: { kind: 'status', status: 503 } });
    place.erpBooking(dora, 'bk_syncpendingdebit01');
    await tickets.bookings.debitForBooking({
      bookingId: 'bk_syncpendingdebit01',
      customer: dora,
      resourceId: 'Coworking',
      lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 3, rate: 800, amount: 2400 }],
      start: at(dayAhead(3), '09:00'),
      end: at(dayAhead(3), '18:00'),
      mode: 'all_or_nothing',
    });
    // Staff keep working in the desk meanwhile.
    const desk = String(
      place.base.emulator.store.insert({ doctype: 'Creneau Ticket Ledger Entry', customer: dora, pack_type: PACK.name, entry_type: 'Correction', quantity: 1, posting_date: dayAhead(0), docstatus: 1 }).name,
    );
    expect(await tickets.resync(dora)).toBe(true);
    expect(reloads()).toBe(before + 1);
    expect(await usable('dora')).toBe(8);
    expect((await tickets.service.balance(place.member('dora'))).pendingErpWrites).toBe(1);
    place.base.emulator.faults.remove(fault);
    await eventually(async () => ((await tickets.pendingErpWrites()) === 0 ? true : undefined), 'the debit in the ERP', 30_000);
    const ledger = await place.redisLedger(dora);
    expect(entriesByKey(ledger.entries)).toEqual(erpEntriesByKey(place.erpEntries(dora)));
    expect(ledger.entries.some((e) => e.key === `erp:${desk}`)).toBe(true);
  });
});

describe('Redis emptied', () => {
  it('loads the ledger again from the ERP: same entries, same balances', async () => {
    const redis = await privateRedis();
    const own = await startTicketPlace({ packs: [PACK], members: [{ key: 'emma' }], redisUrl: redis.url });
    try {
      const engine = await own.tickets();
      const emma = own.customer('emma');
      await engine.onInvoiceChanged(await own.sellPack(emma, PACK.item, 2));
      own.erpBooking(emma, 'bk_wipedebit000000001');
      await engine.bookings.debitForBooking({
        bookingId: 'bk_wipedebit000000001',
        customer: emma,
        resourceId: 'Coworking',
        lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 3, rate: 800, amount: 2400 }],
        start: at(dayAhead(3), '09:00'),
        end: at(dayAhead(3), '18:00'),
        mode: 'all_or_nothing',
      });
      await eventually(async () => ((await engine.pendingErpWrites()) === 0 ? true : undefined), 'the writes');
      const before = await engine.service.balance(own.member('emma'));
      const entriesBefore = entriesByKey((await own.redisLedger(emma)).entries);

      await own.base.redis.flushall();
      const after = await engine.service.balance(own.member('emma'));
      expect(after.packs).toEqual(before.packs);
      expect(entriesByKey((await own.redisLedger(emma)).entries)).toEqual(entriesBefore);
      expect(own.base.logs.some((line) => line.msg === 'ticket ledger loaded from the ERP' && line.source === 'wipe')).toBe(true);
    } finally {
      await own.close();
      await redis.stop();
    }
  });
});
