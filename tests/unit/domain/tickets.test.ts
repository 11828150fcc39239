import {
  balance,
  correctionEntries,
  creditsForInvoice,
  expiryEntries,
  ledgerEntrySchema,
  localDateOf,
  lotEndsAt,
  parseLocalDateTime,
  remindersDue,
  returnsForCreditNote,
  ticketLedger,
  withEntries,
  type LedgerEntry,
  type TicketInvoice,
} from '../../../sidecar/src/domain';
import { against, credit, DAYS, HALF_DAYS, HOURS } from './tickets-fixtures';

const PACKS = [HALF_DAYS, HOURS, DAYS];

const invoice = (extra: Partial<TicketInvoice> = {}): TicketInvoice => ({
  name: 'ACC-SINV-2026-00042',
  customer: 'alice',
  lines: [
    { name: 'row-pack', itemCode: HALF_DAYS.itemCode, qty: 2 },
    { name: 'row-coffee', itemCode: 'CAFE', qty: 3 },
  ],
  ...extra,
});

describe('ledger entries', () => {
  it('accept the shapes the ledger is made of and refuse the others, saying which entry and why', () => {
    expect(ledgerEntrySchema.safeParse(credit('c1', 10)).success).toBe(true);
    const debitWithoutLot = ledgerEntrySchema.safeParse({ ...credit('d1', -1), type: 'debit', expiresOn: undefined });
    expect(debitWithoutLot.success).toBe(false);
    expect(debitWithoutLot.error?.issues[0]?.message).toBe('debit entry d1: must name the lot it takes from');
    expect(ledgerEntrySchema.safeParse({ ...credit('c2', 1.5) }).success).toBe(false);
    expect(ledgerEntrySchema.safeParse({ ...credit('c3', 0) }).success).toBe(false);
    expect(ledgerEntrySchema.safeParse({ ...credit('c4', 1), postingDate: '2026-02-30' }).success).toBe(false);
    const refundTaking = ledgerEntrySchema.safeParse(against('refund', 'r1', credit('c1', 10), -2));
    expect(refundTaking.error?.issues[0]?.message).toBe('refund entry r1: gives tickets back, so its quantity is positive');
  });
});

describe('lots and the balance', () => {
  it('opens a lot per credit and draws debits, refunds and corrections on the lot they name', () => {
    const sale = credit('credit:INV-1:row', 10);
    const entries = [sale, against('debit', 'debit:B1:x', sale, -3), against('refund', 'refund:B1:x', sale, 1), against('correction', 'corr-1', sale, -2)];
    const lot = ticketLedger(entries).lots.get(sale.key);
    expect(lot).toMatchObject({ opened: 10, remaining: 6, expiresOn: '2026-12-31', expired: false });
  });

  it('gives the balance per pack type and per expiry date, earliest first', () => {
    const entries = [
      credit('a', 10, { expiresOn: '2026-12-31' }),
      credit('b', 4, { expiresOn: '2026-06-30' }),
      credit('c', 2, { expiresOn: '2026-06-30' }),
      credit('d', 20, { packType: HOURS.name, expiresOn: undefined }),
    ];
    expect(balance(entries, '2026-03-01', PACKS)).toEqual({
      customer: 'alice',
      packs: [
        { packType: HALF_DAYS.name, unit: 'half_day', tickets: 16, byExpiry: [{ expiresOn: '2026-06-30', tickets: 6 }, { expiresOn: '2026-12-31', tickets: 10 }], awaitingExpiry: 0 },
        { packType: HOURS.name, unit: 'hour', tickets: 20, byExpiry: [{ expiresOn: undefined, tickets: 20 }], awaitingExpiry: 0 },
      ],
    });
  });

  it('does not count a lot past its last day, even before the expiry job has closed it', () => {
    const entries = [credit('a', 10, { expiresOn: '2026-06-30' })];
    expect(balance(entries, '2026-06-30').packs[0]).toMatchObject({ tickets: 10, awaitingExpiry: 0 });
    expect(balance(entries, '2026-07-01').packs[0]).toMatchObject({ tickets: 0, awaitingExpiry: 10, byExpiry: [] });
  });

  it('counts an entry written twice (same key) once', () => {
    const sale = credit('a', 10);
    const debit = against('debit', 'debit:B1:a', sale, -3);
    const once = balance([sale, debit], '2026-03-01');
    expect(balance([sale, debit, debit, { ...sale }], '2026-03-01')).toEqual(once);
    expect(withEntries([sale, debit], [debit, sale])).toEqual([sale, debit]);
  });

  it('never goes negative: an entry taking more than its lot holds (a write that bypassed the sidecar) is reported, not followed', () => {
    const sale = credit('a', 2);
    const ledger = ticketLedger([sale, against('debit', 'too-much', sale, -5)]);
    expect(ledger.lots.get('a')?.remaining).toBe(0);
    expect(ledger.anomalies).toEqual([{ kind: 'overdrawn', entry: 'too-much', lot: 'a', missing: 3 }]);
  });

  it('finds a lot whatever order entries arrive in (a debit read before its credit)', () => {
    const sale = credit('a', 5);
    expect(balance([against('debit', 'd', sale, -2), sale], '2026-03-01').packs[0]?.tickets).toBe(3);
  });

  it('reports entries pointing at no lot, or at another member’s lot, and leaves the balance alone', () => {
    const sale = credit('a', 5);
    const ledger = ticketLedger([sale, against('debit', 'ghost', credit('nope', 1), -1), { ...against('debit', 'bob-uses-alice', sale, -1), customer: 'bob' }]);
    expect(ledger.lots.get('a')?.remaining).toBe(5);
    expect(ledger.anomalies).toEqual([
      { kind: 'unknown_lot', entry: 'ghost', lot: 'nope' },
      { kind: 'lot_mismatch', entry: 'bob-uses-alice', lot: 'a' },
    ]);
  });

  it('puts tickets given back to no lot nowhere, and reports them', () => {
    const ledger = ticketLedger([credit('a', 5), { ...credit('stray', 2), type: 'refund', expiresOn: undefined }]);
    expect([...ledger.lots.keys()]).toEqual(['a']);
    expect(ledger.anomalies).toEqual([{ kind: 'no_lot', entry: 'stray' }]);
  });

  it('is one member’s: mixed customers are refused with their names', () => {
    expect(() => balance([credit('a', 1), credit('b', 1, { customer: 'bob' })], '2026-03-01')).toThrow('the entries belong to alice, bob');
  });
});

describe('credit from an invoice', () => {
  it('credits qty × tickets per pack for each line selling a pack, expiring validity days after payment', () => {
    const { entries, problems } = creditsForInvoice(invoice(), PACKS, '2026-03-15');
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      {
        key: 'credit:ACC-SINV-2026-00042:row-pack',
        customer: 'alice',
        packType: HALF_DAYS.name,
        type: 'credit',
        quantity: 20,
        postingDate: '2026-03-15',
        expiresOn: '2027-03-15',
        salesInvoice: 'ACC-SINV-2026-00042',
      },
    ]);
  });

  it('credits the same invoice once, however often it is seen', () => {
    const first = creditsForInvoice(invoice(), PACKS, '2026-03-15').entries;
    const again = creditsForInvoice(invoice(), PACKS, '2026-03-16').entries;
    const ledger = withEntries(withEntries([], first), again);
    expect(balance(ledger, '2026-03-16').packs[0]?.tickets).toBe(20);
  });

  it('gives tickets that never expire for a pack with a validity of 0', () => {
    const pack = { ...HALF_DAYS, validityDays: 0 };
    expect(creditsForInvoice(invoice(), [pack], '2026-03-15').entries[0]?.expiresOn).toBeUndefined();
  });

  it('refuses to credit a fraction of a pack and says which line', () => {
    const { entries, problems } = creditsForInvoice(invoice({ lines: [{ name: 'row-half', itemCode: HALF_DAYS.itemCode, qty: 1.5 }] }), PACKS, '2026-03-15');
    expect(entries).toEqual([]);
    expect(problems[0]?.en).toBe('Line row-half: 1.5 pack(s) "Coworking 10 demi-journées" — only a positive whole number of packs can be credited');
  });

  it('credits a subscription period once, keyed by subscription and period start, whatever invoice bills it', () => {
    const period = { subscription: 'ACC-SUB-2026-00003', periodStart: '2026-04-01' };
    const first = creditsForInvoice(invoice({ ...period, name: 'INV-A' }), PACKS, '2026-04-02').entries;
    // The period re-invoiced after a cancellation: another invoice, the same period.
    const again = creditsForInvoice(invoice({ ...period, name: 'INV-B' }), PACKS, '2026-04-05').entries;
    expect(first.map((e) => e.key)).toEqual(['subscription:ACC-SUB-2026-00003:2026-04-01:Coworking 10 demi-journées']);
    expect(balance(withEntries(first, again), '2026-04-05').packs[0]?.tickets).toBe(20);
    const next = creditsForInvoice(invoice({ subscription: period.subscription, periodStart: '2026-05-01', name: 'INV-C' }), PACKS, '2026-05-01').entries;
    expect(balance(withEntries(first, next), '2026-05-01').packs[0]?.tickets).toBe(40);
  });

  it('refuses pack types sold by the same item, naming them', () => {
    expect(() => creditsForInvoice(invoice(), [HALF_DAYS, { ...DAYS, itemCode: HALF_DAYS.itemCode }], '2026-03-15')).toThrow(
      'pack types "Coworking 10 demi-journées" and "Coworking 10 journées" are both sold by item PACK-COWORK-10',
    );
  });
});

describe('a credit note against a pack sale', () => {
  const sold = creditsForInvoice(invoice(), PACKS, '2026-03-15').entries;
  const lotKey = 'credit:ACC-SINV-2026-00042:row-pack';
  const creditNote = (qty: number) => ({
    name: 'ACC-SINV-RET-2026-00001',
    customer: 'alice',
    returnAgainst: 'ACC-SINV-2026-00042',
    lines: [{ name: 'ret-row', itemCode: HALF_DAYS.itemCode, qty, salesInvoiceItem: 'row-pack' }],
  });

  it('takes the returned tickets out of the lot the sale opened', () => {
    const { entries, outcomes } = returnsForCreditNote(sold, PACKS, creditNote(-1), '2026-03-20');
    expect(entries).toEqual([
      { key: 'return:ACC-SINV-RET-2026-00001:ret-row', customer: 'alice', packType: HALF_DAYS.name, type: 'return', quantity: -10, postingDate: '2026-03-20', lot: lotKey, salesInvoice: 'ACC-SINV-RET-2026-00001' },
    ]);
    expect(outcomes).toEqual([{ line: 'ret-row', lot: lotKey, requested: 10, removed: 10, notReclaimed: 0 }]);
    expect(balance(withEntries(sold, entries), '2026-03-20').packs[0]?.tickets).toBe(10);
  });

  it('takes only unused tickets, never below zero, and reports the tickets already used', () => {
    const lot = sold[0];
    if (!lot) throw new Error('no lot');
    const used = withEntries(sold, [against('debit', 'debit:B1:lot', lot, -15, '2026-03-18')]);
    const { entries, outcomes } = returnsForCreditNote(used, PACKS, creditNote(-2), '2026-03-20');
    expect(entries.map((e) => e.quantity)).toEqual([-5]);
    expect(outcomes[0]).toMatchObject({ requested: 20, removed: 5, notReclaimed: 15 });
    expect(balance(withEntries(used, entries), '2026-03-20').packs[0]?.tickets).toBe(0);
  });

  it('returns nothing twice for the same credit note line', () => {
    const first = returnsForCreditNote(sold, PACKS, creditNote(-1), '2026-03-20').entries;
    const ledger = withEntries(sold, first);
    const again = returnsForCreditNote(ledger, PACKS, creditNote(-1), '2026-03-21');
    expect(again.entries).toEqual([]);
    expect(again.outcomes[0]).toMatchObject({ removed: 10, notReclaimed: 0 });
  });

  it('finds the lot of a return typed without the original line', () => {
    const note = creditNote(-1);
    const { entries } = returnsForCreditNote(sold, PACKS, { ...note, lines: [{ name: 'ret-row', itemCode: HALF_DAYS.itemCode, qty: -1 }] }, '2026-03-20');
    expect(entries[0]?.lot).toBe(lotKey);
  });

  it('says so when the sale was never credited (nothing to take back)', () => {
    expect(returnsForCreditNote([], PACKS, creditNote(-1), '2026-03-20').outcomes).toEqual([
      { line: 'ret-row', lot: undefined, requested: 10, removed: 0, notReclaimed: 10 },
    ]);
  });
});

describe('expiry', () => {
  it('writes one expiry entry per lot past its last day with tickets left, taking them all, never deleting', () => {
    const old = credit('old', 10, { expiresOn: '2026-06-30' });
    const entries = [old, against('debit', 'd', old, -4, '2026-06-01'), credit('used-up', 2, { expiresOn: '2026-06-15' }), against('debit', 'd2', credit('used-up', 2), -2), credit('fresh', 5)];
    const expiries = expiryEntries(entries, '2026-07-01');
    expect(expiries).toEqual([{ key: 'expiry:old', customer: 'alice', packType: HALF_DAYS.name, type: 'expiry', quantity: -6, postingDate: '2026-07-01', lot: 'old' }]);
    const after = withEntries(entries, expiries);
    expect(after).toHaveLength(entries.length + 1);
    expect(ticketLedger(after).lots.get('old')).toMatchObject({ remaining: 0, expired: true });
    expect(balance(after, '2026-07-01').packs[0]).toMatchObject({ tickets: 5, awaitingExpiry: 0 });
  });

  it('writes nothing on the lot’s last day, and nothing more when the job runs twice', () => {
    const entries = [credit('old', 10, { expiresOn: '2026-06-30' })];
    expect(expiryEntries(entries, '2026-06-30')).toEqual([]);
    const first = expiryEntries(entries, '2026-07-01');
    expect(expiryEntries(withEntries(entries, first), '2026-07-02')).toEqual([]);
  });

  it('dates a late expiry on the day after the lot’s last day, when the tickets stopped being valid', () => {
    expect(expiryEntries([credit('old', 1, { expiresOn: '2026-06-30' })], '2026-07-09')[0]?.postingDate).toBe('2026-07-01');
  });

  it('lets a lot expiring on the 25-hour day of 2026-10-25 in Paris be used until the end of that day', () => {
    const zone = 'Europe/Paris';
    const entries = [credit('autumn', 3, { expiresOn: '2026-10-25' })];
    const midnight = parseLocalDateTime('2026-10-25', zone);
    // 24 hours after midnight, the clock shows 23:00 on the same day: the lot is still valid.
    const twentyFourHoursLater = midnight + 24 * 3_600_000;
    expect(localDateOf(twentyFourHoursLater, zone)).toBe('2026-10-25');
    expect(expiryEntries(entries, localDateOf(twentyFourHoursLater, zone))).toEqual([]);
    expect(balance(entries, localDateOf(twentyFourHoursLater, zone)).packs[0]?.tickets).toBe(3);
    // It ends 25 hours after that midnight, at the local midnight that starts the 26th.
    const end = lotEndsAt({ expiresOn: '2026-10-25' }, zone);
    expect(end).toBe(midnight + 25 * 3_600_000);
    expect(expiryEntries(entries, localDateOf((end ?? 0) - 1, zone))).toEqual([]);
    expect(expiryEntries(entries, localDateOf(end ?? 0, zone))).toHaveLength(1);
  });

  it('ends a lot at the local midnight of the 23-hour spring day as well', () => {
    const end = lotEndsAt({ expiresOn: '2026-03-29' }, 'Europe/Paris');
    expect(end).toBe(parseLocalDateTime('2026-03-29', 'Europe/Paris') + 23 * 3_600_000);
  });
});

describe('reminders before expiry', () => {
  const entries = [credit('soon', 3, { expiresOn: '2026-06-30' }), credit('later', 3, { expiresOn: '2026-09-30' }), credit('empty', 1, { expiresOn: '2026-06-20' })];
  const withEmptyUsed = withEntries(entries, [against('debit', 'd', credit('empty', 1), -1)]);

  it('lists lots with tickets left that expire within the given days, each with a key to send it once', () => {
    expect(remindersDue(withEmptyUsed, '2026-06-16', 14)).toEqual([
      { key: 'reminder:soon', customer: 'alice', packType: HALF_DAYS.name, lot: 'soon', expiresOn: '2026-06-30', tickets: 3, daysLeft: 15 },
    ]);
    expect(remindersDue(withEmptyUsed, '2026-06-15', 14)).toEqual([]);
    expect(remindersDue(withEmptyUsed, '2026-06-30', 14)[0]?.daysLeft).toBe(1);
  });

  it('does not remind twice, nor about expired lots', () => {
    expect(remindersDue(withEmptyUsed, '2026-06-20', 14, new Set(['reminder:soon']))).toEqual([]);
    expect(remindersDue(withEmptyUsed, '2026-07-01', 14)).toEqual([]);
  });
});

describe('staff corrections', () => {
  const sale = credit('a', 5, { expiresOn: '2026-06-30' });
  const later = credit('b', 5, { expiresOn: '2026-12-31' });
  const base = { customer: 'alice', packType: HALF_DAYS.name, reason: 'Erreur de saisie' };

  it('adds tickets as a new lot with its own expiry, or to a named lot', () => {
    const opened = correctionEntries([sale], PACKS, { ...base, key: 'corr-1', quantity: 3, expiresOn: '2026-08-31' }, '2026-03-01');
    if (!opened.ok) throw new Error(opened.reason.en);
    expect(opened.entries).toEqual([{ ...base, key: 'corr-1', type: 'correction', quantity: 3, postingDate: '2026-03-01', expiresOn: '2026-08-31' }]);
    const ledger = withEntries([sale], opened.entries);
    expect(balance(ledger, '2026-03-01').packs[0]?.byExpiry).toEqual([{ expiresOn: '2026-06-30', tickets: 5 }, { expiresOn: '2026-08-31', tickets: 3 }]);
    const onLot = correctionEntries([sale], PACKS, { ...base, key: 'corr-2', quantity: 2, lot: 'a' }, '2026-03-01');
    expect(onLot.ok && balance(withEntries([sale], onLot.entries), '2026-03-01').packs[0]?.tickets).toBe(7);
  });

  it('takes tickets earliest expiry first across lots when no lot is named', () => {
    const result = correctionEntries([later, sale], PACKS, { ...base, key: 'corr-3', quantity: -7 }, '2026-03-01');
    if (!result.ok) throw new Error(result.reason.en);
    expect(result.entries.map((e) => [e.key, e.lot, e.quantity])).toEqual([
      ['corr-3:a', 'a', -5],
      ['corr-3:b', 'b', -2],
    ]);
  });

  it('refuses a negative correction larger than the balance, with the figures', () => {
    const result = correctionEntries([sale, later], PACKS, { ...base, key: 'corr-4', quantity: -11 }, '2026-03-01');
    expect(result).toMatchObject({ ok: false, reason: { code: 'CORRECTION_EXCEEDS_BALANCE', params: { requested: 11, available: 10 } } });
    if (result.ok) return;
    expect(result.reason.fr).toBe('Correction impossible : retirer 11 tickets alors que le carnet « Coworking 10 demi-journées » n\'en compte que 10');
    const onLot = correctionEntries([sale, later], PACKS, { ...base, key: 'corr-5', quantity: -6, lot: 'a' }, '2026-03-01');
    expect(onLot).toMatchObject({ ok: false, reason: { code: 'CORRECTION_EXCEEDS_BALANCE', params: { available: 5, lot: 'a' } } });
  });

  it('refuses a correction on an unknown lot, another member’s lot, or an expired lot', () => {
    expect(correctionEntries([sale], PACKS, { ...base, key: 'x', quantity: 1, lot: 'zzz' }, '2026-03-01')).toMatchObject({ ok: false, reason: { code: 'UNKNOWN_LOT' } });
    expect(correctionEntries([sale], PACKS, { ...base, customer: 'bob', key: 'x', quantity: 1, lot: 'a' }, '2026-03-01')).toMatchObject({
      ok: false,
      reason: { code: 'LOT_MISMATCH' },
    });
    expect(correctionEntries([sale], PACKS, { ...base, key: 'x', quantity: 1, lot: 'a' }, '2026-07-01')).toMatchObject({ ok: false, reason: { code: 'LOT_EXPIRED' } });
  });

  it('writes a correction once: asked again, it gives back what was written', () => {
    const first = correctionEntries([later, sale], PACKS, { ...base, key: 'corr-6', quantity: -7 }, '2026-03-01');
    if (!first.ok) throw new Error(first.reason.en);
    const ledger = withEntries([later, sale], first.entries);
    const again = correctionEntries(ledger, PACKS, { ...base, key: 'corr-6', quantity: -7 }, '2026-03-02');
    expect(again.ok && withEntries(ledger, again.entries)).toEqual(ledger);
  });

  it('honours a correction typed in the ERP without a lot: taken earliest expiry first in balances', () => {
    const typed: LedgerEntry = { ...base, key: 'erp:CRN-TKT-2026-00007', type: 'correction', quantity: -6, postingDate: '2026-03-01' };
    const ledger = ticketLedger([later, sale, typed]);
    expect([ledger.lots.get('a')?.remaining, ledger.lots.get('b')?.remaining]).toEqual([0, 4]);
    expect(ledger.anomalies).toEqual([]);
  });
});
