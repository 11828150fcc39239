import fc from 'fast-check';
import {
  addDays,
  balance,
  byExpiry,
  checkInDebit,
  correctionEntries,
  creditsForInvoice,
  debitForBooking,
  expiryEntries,
  refundForBooking,
  returnsForCreditNote,
  ticketLedger,
  withEntries,
  zoneDay,
  type LedgerEntry,
  type LocalDate,
  type QuoteLine,
} from '../../../sidecar/src/domain';
import { credit, DAYS, HALF_DAYS, HOURS } from './tickets-fixtures';

/*
 * Properties of the ledger over random sequences of what the sidecar does: sales, credit notes,
 * bookings paid with tickets (both modes), check-ins, cancellations, staff corrections and the
 * daily expiry job, days passing in between.
 */

const PACKS = [HALF_DAYS, HOURS, DAYS];
const UOM = { hour: 'Hour', half_day: 'Half Day', day: 'Day' } as const;
const START: LocalDate = '2026-01-01';

const quoteLine = fc
  .record({ unit: fc.constantFrom('hour' as const, 'half_day' as const, 'day' as const), qty: fc.integer({ min: 1, max: 6 }), rate: fc.integer({ min: 0, max: 5000 }) })
  .map(({ unit, qty, rate }): QuoteLine => ({ itemCode: 'COWORKING', uom: UOM[unit], qty, rate, amount: rate * qty }));

const operation = fc.oneof(
  fc.record({ kind: fc.constant('sale' as const), pack: fc.integer({ min: 0, max: 2 }), packs: fc.integer({ min: 1, max: 2 }), validity: fc.constantFrom(0, 10, 30, 90) }),
  fc.record({ kind: fc.constant('return' as const), sale: fc.nat(), packs: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('book' as const),
    lines: fc.array(quoteLine, { minLength: 1, maxLength: 3 }),
    partial: fc.boolean(),
    inDays: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({ kind: fc.constant('checkIn' as const), hour: fc.integer({ min: 7, max: 20 }) }),
  fc.record({ kind: fc.constant('cancel' as const), booking: fc.nat(), fee: fc.constantFrom(0, 30, 50, 100) }),
  fc.record({ kind: fc.constant('correct' as const), pack: fc.integer({ min: 0, max: 2 }), quantity: fc.integer({ min: -15, max: 15 }).filter((q) => q !== 0), onLot: fc.boolean() }),
  fc.record({ kind: fc.constant('nextDay' as const), days: fc.integer({ min: 1, max: 15 }) }),
);

interface Run {
  ledger: LedgerEntry[];
  today: LocalDate;
}

function play(ops: readonly Op[], check: (run: Run) => void = () => undefined): Run {
  const run: Run = { ledger: [], today: START };
  const sales: string[] = [];
  const bookings: string[] = [];
  ops.forEach((op, i) => {
    const { today } = run;
    let added: readonly LedgerEntry[] = [];
    switch (op.kind) {
      case 'sale': {
        const pack = PACKS[op.pack] ?? HALF_DAYS;
        const name = `INV-${i}`;
        sales.push(name);
        added = creditsForInvoice(
          { name, customer: 'alice', lines: [{ name: 'row', itemCode: pack.itemCode, qty: op.packs }] },
          [{ ...pack, validityDays: op.validity }, ...PACKS.filter((p) => p !== pack)],
          today,
        ).entries;
        break;
      }
      case 'return': {
        const against = sales[op.sale % Math.max(1, sales.length)];
        if (against === undefined) break;
        const sold = run.ledger.find((e) => e.key === `credit:${against}:row`);
        const pack = PACKS.find((p) => p.name === sold?.packType);
        if (!pack) break;
        added = returnsForCreditNote(
          run.ledger,
          PACKS,
          { name: `RET-${i}`, customer: 'alice', returnAgainst: against, lines: [{ name: 'row', itemCode: pack.itemCode, qty: -op.packs, salesInvoiceItem: 'row' }] },
          today,
        ).entries;
        break;
      }
      case 'book': {
        const day = addDays(today, op.inDays);
        const bookingId = `BK-${i}`;
        const result = debitForBooking(run.ledger, PACKS, {
          customer: 'alice',
          resource: { id: 'coworking' },
          bookingId,
          lines: op.lines,
          start: zoneDay('Europe/Paris', day).start + 9 * 3_600_000,
          end: zoneDay('Europe/Paris', day).start + 13 * 3_600_000,
          today,
          mode: op.partial ? 'partial' : 'all_or_nothing',
        });
        if (result.ok && result.status === 'debited') {
          bookings.push(bookingId);
          added = result.entries;
          const total = op.lines.reduce((sum, l) => sum + l.amount, 0);
          expect(result.coveredAmount + result.onlineAmount).toBe(total);
          for (const l of result.toPayOnline) expect(l.amount).toBe(l.rate * l.qty);
        }
        break;
      }
      case 'checkIn': {
        const result = checkInDebit(run.ledger, PACKS, { customer: 'alice', resource: { id: 'coworking' }, at: zoneDay('Europe/Paris', today).start + op.hour * 3_600_000 });
        if (result.ok && result.status === 'debited') added = result.entries;
        break;
      }
      case 'cancel': {
        const bookingId = bookings[op.booking % Math.max(1, bookings.length)];
        if (bookingId !== undefined) added = refundForBooking(run.ledger, { customer: 'alice', bookingId, feePercent: op.fee, today }).entries;
        break;
      }
      case 'correct': {
        const pack = PACKS[op.pack] ?? HALF_DAYS;
        const lot = op.onLot ? [...ticketLedger(run.ledger).lots.values()].find((l) => l.packType === pack.name && l.remaining > 0 && (l.expiresOn ?? '9999') >= today) : undefined;
        const result = correctionEntries(run.ledger, PACKS, { key: `corr-${i}`, customer: 'alice', packType: pack.name, quantity: op.quantity, lot: lot?.key, reason: 'test' }, today);
        if (result.ok) added = result.entries;
        else expect(result.reason.code).toBe('CORRECTION_EXCEEDS_BALANCE');
        break;
      }
      case 'nextDay':
        run.today = addDays(today, op.days);
        added = expiryEntries(run.ledger, run.today);
        break;
    }
    run.ledger = withEntries(run.ledger, added);
    check(run);
  });
  return run;
}

type Op = typeof operation extends fc.Arbitrary<infer T> ? T : never;

describe('ticket ledger properties', () => {
  it('never lets a balance go negative, and the balance is the sum of the ledger once expiries are written', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (ops) => {
        play(ops, ({ ledger, today }) => {
          const folded = ticketLedger(ledger);
          expect(folded.anomalies).toEqual([]);
          for (const lot of folded.lots.values()) expect(lot.remaining).toBeGreaterThanOrEqual(0);
          const packs = balance(ledger, today, PACKS).packs;
          for (const pack of packs) expect(pack.tickets).toBeGreaterThanOrEqual(0);
          const afterExpiry = withEntries(ledger, expiryEntries(ledger, today));
          const sum = afterExpiry.reduce((total, e) => total + e.quantity, 0);
          expect(balance(afterExpiry, today, PACKS).packs.reduce((total, p) => total + p.tickets, 0)).toBe(sum);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('takes the earliest-expiring usable lot first: a lot is used only once every lot expiring before it is empty', () => {
    const lots = fc.array(
      fc.record({ quantity: fc.integer({ min: 1, max: 5 }), expiresIn: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }), validAfterUse: fc.boolean() }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(lots, fc.integer({ min: 1, max: 20 }), (specs, wanted) => {
        const today: LocalDate = '2026-03-01';
        const entries = specs.map((s, i) => credit(`lot-${i}`, s.quantity, { expiresOn: s.expiresIn === undefined ? undefined : addDays(today, s.expiresIn) }));
        const bookingDay = addDays(today, 10);
        const result = debitForBooking(entries, PACKS, {
          customer: 'alice',
          resource: { id: 'coworking' },
          bookingId: 'BK',
          lines: [{ itemCode: 'X', uom: 'Half Day', qty: wanted, rate: 100, amount: 100 * wanted }],
          start: zoneDay('Europe/Paris', bookingDay).start + 9 * 3_600_000,
          end: zoneDay('Europe/Paris', bookingDay).start + 12 * 3_600_000,
          today,
          mode: 'partial',
        });
        if (!result.ok || result.status !== 'debited') throw new Error('partial mode always answers');
        const usable = [...ticketLedger(entries).lots.values()].filter((l) => (l.expiresOn ?? '9999') >= bookingDay).sort(byExpiry);
        const taken = new Map(result.allocation.map((a) => [a.lot, a.tickets]));
        // The lots taken are the first ones in expiry order, all emptied but the last.
        const order = usable.map((l) => l.key);
        const used = order.filter((key) => taken.has(key));
        expect(used).toEqual(order.slice(0, used.length));
        used.slice(0, -1).forEach((key) => expect(taken.get(key)).toBe(usable.find((l) => l.key === key)?.remaining));
        const available = usable.reduce((sum, l) => sum + l.remaining, 0);
        expect([...taken.values()].reduce((a, b) => a + b, 0)).toBe(Math.min(wanted, available));
      }),
    );
  });

  it('restores the balance after credit → debit → refund at 0 % fee', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 25 }), fc.array(quoteLine, { minLength: 1, maxLength: 3 }), fc.boolean(), (ops, lines, partial) => {
        const run = play(ops);
        const ledger = withEntries(run.ledger, creditsForInvoice({ name: 'INV-X', customer: 'alice', lines: [{ name: 'r', itemCode: HOURS.itemCode, qty: 1 }] }, PACKS, run.today).entries);
        const before = balance(ledger, run.today, PACKS);
        const debit = debitForBooking(ledger, PACKS, {
          customer: 'alice',
          resource: { id: 'coworking' },
          bookingId: 'BK-X',
          lines,
          start: zoneDay('Europe/Paris', run.today).start + 14 * 3_600_000,
          end: zoneDay('Europe/Paris', run.today).start + 18 * 3_600_000,
          today: run.today,
          mode: partial ? 'partial' : 'all_or_nothing',
        });
        if (!debit.ok || debit.status !== 'debited') return;
        const afterDebit = withEntries(ledger, debit.entries);
        const refund = refundForBooking(afterDebit, { customer: 'alice', bookingId: 'BK-X', feePercent: 0, today: run.today });
        expect(balance(withEntries(afterDebit, refund.entries), run.today, PACKS)).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('changes nothing when any entry is written twice', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (ops, picks) => {
        const { ledger, today } = play(ops);
        if (ledger.length === 0) return;
        const again = picks.map((p) => ledger[p % ledger.length]).filter((e): e is LedgerEntry => e !== undefined);
        const twice = [...ledger, ...again];
        expect(balance(twice, today, PACKS)).toEqual(balance(ledger, today, PACKS));
        expect(withEntries(ledger, again)).toEqual(ledger);
        expect(expiryEntries(twice, today)).toEqual(expiryEntries(ledger, today));
      }),
      { numRuns: 150 },
    );
  });
});
