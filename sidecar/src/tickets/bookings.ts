import { z } from 'zod';
import { percentOf, type CancellationPolicy } from '../domain';

/**
 * What the ledger needs to hear of a booking paid with tickets once it ends without being used:
 * cancelled (the place keeps the policy's fee, in tickets too), or expired or rejected (nothing
 * kept: the member never had it).
 */

export const bookingEndSchema = z.object({
  bookingId: z.string().min(1),
  customer: z.string().min(1),
  status: z.enum(['cancelled', 'expired', 'rejected']),
  /** The share of the tickets the place keeps, in whole percent. */
  feePercent: z.number().int().min(0).max(100),
});
export type BookingEnd = z.infer<typeof bookingEndSchema>;

export interface BookingState {
  id: string;
  customer: string;
  paymentMode: string;
  status: string;
  price: number;
  /** The fee the engine recorded at cancellation, in cents. */
  cancellationFee?: number | null | undefined;
}

/**
 * The percentage the cancellation kept: the engine records the fee in cents (the policy's
 * percentage of the price, rounded half up); the policy step that gives that fee is the one that
 * applied. Should the policy have changed since, the nearest whole percentage stands in.
 */
export function feePercentOf(price: number, fee: number, policy: CancellationPolicy): number {
  if (fee <= 0 || price <= 0) return 0;
  if (fee >= price) return 100;
  const step = policy.find((s) => percentOf(price, s.feePercent) === fee);
  return step ? step.feePercent : Math.min(100, Math.max(0, Math.round((fee * 100) / price)));
}

/** A tickets booking that ended unused, with what the place keeps; undefined for any other. */
export function bookingEnd(record: BookingState, policy: CancellationPolicy): BookingEnd | undefined {
  if (record.paymentMode !== 'tickets') return undefined;
  if (record.status === 'expired' || record.status === 'rejected') return { bookingId: record.id, customer: record.customer, status: record.status, feePercent: 0 };
  if (record.status !== 'cancelled') return undefined;
  return { bookingId: record.id, customer: record.customer, status: 'cancelled', feePercent: feePercentOf(record.price, record.cancellationFee ?? 0, policy) };
}
