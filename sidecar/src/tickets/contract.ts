import type { Principal } from '../booking/contract';
import type {
  DebitMode,
  DebitResult,
  Instant,
  LedgerEntryType,
  LocalDate,
  QuoteLine,
  RefundResult,
  TicketAllocation,
  TicketReason,
  TicketUnit,
} from '../domain';
import type { LoadReport } from './sync';

/**
 * What the HTTP layer and the booking engine ask of a place's ticket ledger, and what they get
 * back. Errors are the booking contract's (NotFound → 404, Forbidden → 403, InvalidRequest → 422,
 * Unavailable → 503); refusals by the ledger's rules are values carrying the domain's reasons.
 */

export type TicketOutcome<T> = { ok: true; value: T } | { ok: false; reasons: TicketReason[] };

export interface ExpiryBucketView {
  /** Last valid day (tickets are valid through its end in the place's zone); null: they never expire. */
  expiresOn: LocalDate | null;
  tickets: number;
}

export interface PackBalanceView {
  packType: string;
  unit: TicketUnit | null;
  /** Usable today. */
  tickets: number;
  /** Earliest expiry first. */
  byExpiry: ExpiryBucketView[];
  /** Tickets past their last day, closed by tonight's expiry run (not usable). */
  awaitingExpiry: number;
}

export interface ExpiringSoonView {
  packType: string;
  unit: TicketUnit | null;
  tickets: number;
  expiresOn: LocalDate;
  /** Days left including today (1 on the last day). */
  daysLeft: number;
}

export interface TicketBalanceView {
  customer: string | null;
  /** The place's local date the balance is for. */
  today: LocalDate;
  packs: PackBalanceView[];
  /** Tickets expiring within the place's reminder lead time: what the member is reminded of. */
  expiringSoon: ExpiringSoonView[];
  /** Movements of this member the ERP has not recorded yet (they count already). */
  pendingErpWrites: number;
}

export interface TicketEntryView {
  key: string;
  type: LedgerEntryType;
  packType: string;
  quantity: number;
  postingDate: LocalDate;
  expiresOn: LocalDate | null;
  lot: string | null;
  booking: string | null;
  salesInvoice: string | null;
  reason: string | null;
  /** The ERP's Creneau Ticket Ledger Entry once written; null while the write is queued. */
  erpName: string | null;
}

export interface TicketHistoryView {
  customer: string | null;
  /** Newest first. */
  entries: TicketEntryView[];
  /** Pass as `before` for the next page; null on the last one. */
  next: string | null;
}

export interface CorrectionInput {
  packType: string;
  /** Signed whole tickets. */
  quantity: number;
  lot?: string | undefined;
  expiresOn?: LocalDate | undefined;
  reason: string;
}

export interface CorrectionView {
  customer: string;
  entries: TicketEntryView[];
  balance: TicketBalanceView;
}

export interface CheckInView {
  customer: string;
  resourceId: string;
  /** debited: this check-in took a ticket; already_debited: an earlier one today did. */
  status: 'debited' | 'already_debited';
  unit: 'day' | 'half_day' | null;
  entries: TicketEntryView[];
  balance: TicketBalanceView;
}

/** The ledger as the HTTP layer sees it. */
export interface TicketService {
  /** A member's own balance; a manager may name a customer. */
  balance(principal: Principal, customer?: string): Promise<TicketBalanceView>;
  history(principal: Principal, query: { customer?: string | undefined; before?: string | undefined; limit?: number | undefined }): Promise<TicketHistoryView>;
  /** Managers: a staff correction as adjusting entries. The same idempotency key gives the same entries. */
  correct(principal: Principal, customer: string, input: CorrectionInput, idempotencyKey?: string): Promise<TicketOutcome<CorrectionView>>;
  /** Managers (and later the badge API): a coworking check-in without a booking. */
  checkIn(principal: Principal, input: { customer: string; resourceId: string; at?: Instant | undefined }): Promise<TicketOutcome<CheckInView>>;
  /** Managers: reload the ledger from the ERP. */
  reload(principal: Principal): Promise<LoadReport>;
}

export interface BookingDebitInput {
  bookingId: string;
  customer: string;
  customerGroup?: string | undefined;
  resourceId: string;
  /** The resource's Item (for packs eligible by item group); read from the ERP when absent. */
  itemCode?: string | undefined;
  /** The booking's quote lines (ERP UOMs, cents). */
  lines: readonly QuoteLine[];
  start: Instant;
  end: Instant;
  mode: DebitMode;
}

/** What the booking engine (and the money flow) asks of the ledger. */
export interface BookingTickets {
  /**
   * Pays a booking with tickets: earliest expiry first, all or nothing, or partial with the rest
   * as exact online lines. Asked again for the same booking: `already_debited`, nothing more taken.
   */
  debitForBooking(input: BookingDebitInput): Promise<DebitResult>;
  /** Gives back what a cancelled booking took, under the cancellation policy's fee. Once per booking. */
  refundForBooking(input: { bookingId: string; customer: string; feePercent: number }): Promise<RefundResult>;
  /** What a booking took from which lots (net of refunds), for its view and its invoice. */
  ticketsOfBooking(customer: string, bookingId: string): Promise<TicketAllocationView[]>;
  /**
   * The quote lines a booking's tickets left to pay online (rate × units left, exact cents): [] when
   * tickets paid it all; undefined when the ledger has no word of it (not paid with tickets, or
   * Redis emptied since).
   */
  onlineLinesOf(bookingId: string): Promise<QuoteLine[] | undefined>;
}

export interface TicketAllocationView extends Pick<TicketAllocation, 'lot' | 'packType' | 'tickets'> {
  expiresOn: LocalDate | null;
}
