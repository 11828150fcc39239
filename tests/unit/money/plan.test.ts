import fc from 'fast-check';
import {
  adjustment,
  amountOf,
  bookingDescription,
  covers,
  CreditPlanError,
  creditRows,
  monthRange,
  postPaidMonthDue,
  previousMonth,
  requiredNow,
  returnRows,
  sameLines,
  type InvoiceRow,
} from '../../../sidecar/src/money/plan';

const hour = (qty: number, rate: number, rowName = 'r1'): InvoiceRow => ({ rowName, itemCode: 'LASER', uom: 'Hour', qty, rate });
const total = (rows: readonly { qty: number; rate: number }[]): number => rows.reduce((sum, row) => sum + amountOf(row), 0);

describe('credit note rows', () => {
  it('credit whole units at the invoice rate and the odd cents as one unit at a lower rate', () => {
    // 50 % of 3 h at 30.00 = 45.00: one hour at 30.00, one at 15.00, never a rate above 30.00.
    expect(creditRows([hour(3, 3000)], 4500)).toEqual([
      { rowName: 'r1', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 3000 },
      { rowName: 'r1', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 1500 },
    ]);
  });

  it('go from row to row and stop at the amount', () => {
    const rows = [{ rowName: 'd', itemCode: 'SALLE', uom: 'Half Day', qty: 1, rate: 7000 }, { rowName: 'h', itemCode: 'SALLE', uom: 'Hour', qty: 2, rate: 2500 }];
    expect(creditRows(rows, 9001)).toEqual([
      { rowName: 'd', itemCode: 'SALLE', uom: 'Half Day', qty: 1, rate: 7000 },
      { rowName: 'h', itemCode: 'SALLE', uom: 'Hour', qty: 1, rate: 2001 },
    ]);
    expect(creditRows(rows, 0)).toEqual([]);
  });

  it('refuse more than the rows are worth, and negative amounts', () => {
    expect(() => creditRows([hour(2, 1000)], 2001)).toThrow(CreditPlanError);
    expect(() => creditRows([hour(2, 1000)], -1)).toThrow('at least 0');
  });

  it('move odd cents past a row with a fraction of a unit left (1.5 h amended by staff)', () => {
    const rows = [hour(1.5, 1000, 'a'), hour(1, 1000, 'b')];
    expect(creditRows(rows, 1250)).toEqual([
      { rowName: 'a', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 1000 },
      { rowName: 'b', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 250 },
    ]);
  });

  it('always make the amount exactly, within each row’s quantity and rate (property)', () => {
    const row = fc.record({ qty: fc.integer({ min: 1, max: 40 }), rate: fc.integer({ min: 1, max: 50_000 }) });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (specs, share) => {
        const rows = specs.map((spec, i) => ({ rowName: `r${String(i)}`, itemCode: 'X', uom: 'Hour', qty: spec.qty, rate: spec.rate }));
        const amount = Math.floor(total(rows) * share);
        const credit = creditRows(rows, amount);
        expect(total(credit)).toBe(amount);
        for (const original of rows) {
          const mine = credit.filter((c) => c.rowName === original.rowName);
          for (const c of mine) expect(c.rate).toBeLessThanOrEqual(original.rate);
          expect(mine.reduce((sum, c) => sum + c.qty, 0)).toBeLessThanOrEqual(original.qty);
        }
      }),
    );
  });
});

describe("a machine's final bill", () => {
  it('credits booked time not used and bills time used beyond, per item, UOM and rate', () => {
    const booked = [{ itemCode: 'LASER', uom: 'Hour', qty: 3, rate: 3000 }];
    expect(adjustment(booked, [{ itemCode: 'LASER', uom: 'Hour', qty: 2, rate: 3000 }])).toEqual({ remove: [{ itemCode: 'LASER', uom: 'Hour', rate: 3000, qty: 1 }], add: [] });
    expect(adjustment(booked, [{ itemCode: 'LASER', uom: 'Hour', qty: 4, rate: 3000 }])).toEqual({ remove: [], add: [{ itemCode: 'LASER', uom: 'Hour', rate: 3000, qty: 1 }] });
    // A different unit: the day goes, the hours come.
    const day = [{ itemCode: 'PRINT', uom: 'Day', qty: 1, rate: 9000 }];
    expect(adjustment(day, [{ itemCode: 'PRINT', uom: 'Hour', qty: 2, rate: 1500 }])).toEqual({
      remove: [{ itemCode: 'PRINT', uom: 'Day', rate: 9000, qty: 1 }],
      add: [{ itemCode: 'PRINT', uom: 'Hour', rate: 1500, qty: 2 }],
    });
  });

  it('counts credit notes already made, so that a second look changes nothing', () => {
    const billed = [
      { itemCode: 'LASER', uom: 'Hour', qty: 3, rate: 3000 },
      { itemCode: 'LASER', uom: 'Hour', qty: -1, rate: 3000 },
    ];
    expect(sameLines(billed, [{ itemCode: 'LASER', uom: 'Hour', qty: 2, rate: 3000 }])).toBe(true);
    expect(sameLines(billed, [{ itemCode: 'LASER', uom: 'Hour', qty: 3, rate: 3000 }])).toBe(false);
  });

  it('returns the units from the rows that sold them', () => {
    const rows = [hour(1, 3000, 'a'), hour(2, 3000, 'b')];
    expect(returnRows(rows, [{ itemCode: 'LASER', uom: 'Hour', qty: 2, rate: 3000 }])).toEqual([
      { rowName: 'a', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 3000 },
      { rowName: 'b', itemCode: 'LASER', uom: 'Hour', qty: 1, rate: 3000 },
    ]);
    expect(() => returnRows(rows, [{ itemCode: 'LASER', uom: 'Hour', qty: 4, rate: 3000 }])).toThrow('left to credit');
  });
});

describe('what a booking waits for', () => {
  it('is the whole invoice, or the deposit share of the ERP total (taxes included), rounded half up', () => {
    expect(requiredNow('online', 10_800, 30)).toBe(10_800);
    expect(requiredNow('deposit', 10_800, 30)).toBe(3_240);
    expect(requiredNow('deposit', 4_501, 50)).toBe(2_251);
  });

  it('is covered by what the invoice no longer owes', () => {
    expect(covers({ total: 10_800, outstanding: 7_560 }, 3_240)).toBe(true);
    expect(covers({ total: 10_800, outstanding: 7_561 }, 3_240)).toBe(false);
    expect(covers({ total: 10_800, outstanding: 0 }, 10_800)).toBe(true);
    // Nothing asked is nothing to confirm on.
    expect(covers({ total: 0, outstanding: 0 }, 0)).toBe(false);
  });
});

describe('post-paid months', () => {
  it('bill the previous month from the invoicing day on, and never twice', () => {
    expect(postPaidMonthDue('2026-12-01', 1, undefined)).toBe('2026-11');
    expect(postPaidMonthDue('2026-12-01', 1, '2026-11')).toBeUndefined();
    expect(postPaidMonthDue('2026-12-04', 5, '2026-10')).toBeUndefined();
    expect(postPaidMonthDue('2026-12-05', 5, '2026-10')).toBe('2026-11');
    expect(postPaidMonthDue('2027-01-10', 5, '2026-11')).toBe('2026-12');
  });

  it('catch up a month whose day was missed', () => {
    expect(postPaidMonthDue('2026-12-03', 5, '2026-09')).toBe('2026-10');
  });

  it('take a day past the month’s end as its last day (31 → 28 February)', () => {
    expect(postPaidMonthDue('2027-02-27', 31, '2026-12')).toBeUndefined();
    expect(postPaidMonthDue('2027-02-28', 31, '2026-12')).toBe('2027-01');
    expect(postPaidMonthDue('2028-02-29', 31, '2027-12')).toBe('2028-01');
    expect(previousMonth('2027-01')).toBe('2026-12');
  });

  it('span the local month across the DST change (October in Paris has 745 hours)', () => {
    const october = monthRange('2026-10', 'Europe/Paris');
    expect(new Date(october.start).toISOString()).toBe('2026-09-30T22:00:00.000Z');
    expect(new Date(october.end).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect((october.end - october.start) / 3_600_000).toBe(745);
    const march = monthRange('2027-03', 'Europe/Paris');
    expect((march.end - march.start) / 3_600_000).toBe(743);
  });
});

it('describes the booking an invoice row bills, on the place’s wall clock', () => {
  const start = Date.parse('2026-12-03T09:00:00Z');
  expect(bookingDescription("Salle L'Atelier", start, start + 2 * 3_600_000, 'Europe/Paris')).toBe("Salle L'Atelier, 03/12/2026 10:00–12:00");
  expect(bookingDescription('Coworking', start, start + 26 * 3_600_000, 'Europe/Paris')).toBe('Coworking, du 03/12/2026 10:00 au 04/12/2026 12:00');
});
