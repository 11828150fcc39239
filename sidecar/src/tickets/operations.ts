import { bookingDebitOperation, bookingRefundOperation, checkInOperation, type LedgerEntry } from '../domain';

/**
 * The operation an entry belongs to, as the store records operations done: a booking's debit or
 * refund (one operation however many lots it drew on), a check-in's day, a correction spread over
 * lots (`<correction>:<lot>`); any other entry is an operation of its own. Rebuilt from the entries
 * when a member is loaded from the ERP, so that an operation is never applied twice, even after
 * Redis was emptied.
 */
export function operationOf(entry: LedgerEntry): string {
  if (entry.type === 'debit' && entry.booking !== undefined) return bookingDebitOperation(entry.booking);
  if (entry.type === 'refund' && entry.booking !== undefined) return bookingRefundOperation(entry.booking);
  if (entry.type === 'debit' && entry.key.startsWith('checkin:')) return checkInOperation(entry.customer, entry.postingDate);
  if (entry.type === 'correction' && entry.lot !== undefined && entry.key.endsWith(`:${entry.lot}`)) return entry.key.slice(0, -(entry.lot.length + 1));
  return entry.key;
}

/** A credit note's returns, one operation per credit note. */
export const creditNoteOperation = (creditNote: string): string => `return:${creditNote}`;

/** An invoice's credits, one operation per invoice (each line keyed on its own as well). */
export const invoiceCreditOperation = (invoice: string): string => `invoice:${invoice}`;
