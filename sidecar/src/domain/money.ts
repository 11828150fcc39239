import { z } from 'zod';

/**
 * Money is counted in integer cents of the price list's currency. Amounts are only ever added,
 * subtracted and multiplied by whole quantities, which stays exact for integers far beyond any
 * booking; the one division (a percentage) is done on integers with the rounding stated below.
 */
export type Cents = number;

export const centsSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER / 1000);

export function isCents(value: number): boolean {
  return Number.isSafeInteger(value);
}

export function assertCents(value: number, what: string): Cents {
  if (!isCents(value)) throw new RangeError(`${what} must be a whole number of cents, got ${value}`);
  return value;
}

/**
 * `percent` % of `amount`, rounded half up to the cent (a fee of 50 % of 4 501 cents is 2 251).
 * Computed as (amount × percent + 50) div 100 on integers, so no binary fraction ever appears.
 * Percentages are whole numbers from 0 to 100.
 */
export function percentOf(amount: Cents, percent: number): Cents {
  assertCents(amount, 'amount');
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`a percentage must be a whole number from 0 to 100, got ${percent}`);
  }
  const scaled = amount * percent;
  if (!Number.isSafeInteger(scaled + 50)) throw new RangeError(`amount ${amount} is too large to take a percentage of`);
  return Math.floor((Math.abs(scaled) + 50) / 100) * Math.sign(scaled);
}

export function sumCents(amounts: readonly Cents[]): Cents {
  let total = 0;
  for (const amount of amounts) total += assertCents(amount, 'amount');
  return assertCents(total, 'total');
}
