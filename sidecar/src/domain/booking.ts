import { z } from 'zod';
import { percentOf, type Cents } from './money';
import { reason, type Reason } from './reasons';
import { bothLangs, formatDateTime } from './text';
import { DEFAULT_TIME_ZONE, MINUTE_MS, type Instant } from './time';

/**
 * The booking's life (see TRANSITIONS for who may do what):
 *
 *   requested ──submit──► pending_approval ──approve──► awaiting_payment ──payment_received──► confirmed
 *       │  (no approval needed: straight on)    │ reject        │ hold_expired                   │ check_in / no_show
 *       └──────────────────────────────────────►│               ▼                                ▼
 *                                            rejected        expired            checked_in ──complete──► completed
 *                                                                                            no_show
 *   Approval and payment are skipped when not needed: submit or approve lead to confirmed when
 *   nothing is due now. cancel: from requested, pending_approval, awaiting_payment or confirmed.
 */
export const BOOKING_STATUSES = [
  'requested',
  'pending_approval',
  'awaiting_payment',
  'confirmed',
  'checked_in',
  'completed',
  'cancelled',
  'expired',
  'no_show',
  'rejected',
] as const;

export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** What availability and the rules need to know of an existing booking. */
export interface BookedInterval {
  readonly id: string;
  readonly resourceId: string;
  readonly memberId?: string | undefined;
  readonly start: Instant;
  readonly end: Instant;
  /** People for a room, seats for a seat pool, units for machines. */
  readonly seats: number;
  readonly status: BookingStatus;
  /** End of the payment hold, for a booking awaiting payment. */
  readonly holdExpiresAt?: Instant | undefined;
}

/** Time an external calendar says the resource is taken; it takes the whole resource. */
export interface BusyBlock {
  readonly resourceId: string;
  readonly start: Instant;
  readonly end: Instant;
}

/**
 * Whether a booking holds capacity at `now`. A request waiting for a manager's approval holds its
 * slot (two members must not be promised the same room), a payment hold until it expires.
 */
export function occupiesCapacity(booking: Pick<BookedInterval, 'status' | 'holdExpiresAt'>, now: Instant): boolean {
  switch (booking.status) {
    case 'pending_approval':
    case 'confirmed':
    case 'checked_in':
      return true;
    case 'awaiting_payment':
      return booking.holdExpiresAt === undefined || booking.holdExpiresAt > now;
    default:
      return false;
  }
}

/** Whether a booking counts against the member's quotas: what they hold, used, or failed to show up to. */
export function countsForQuota(booking: Pick<BookedInterval, 'status' | 'holdExpiresAt'>, now: Instant): boolean {
  return occupiesCapacity(booking, now) || booking.status === 'completed' || booking.status === 'no_show';
}

export interface Booking extends BookedInterval {
  readonly memberId: string;
  /** Total of the quote, in cents. */
  readonly price: Cents;
  /** What must be paid before the booking is confirmed: the deposit, the full price, or nothing (billed later). */
  readonly amountDueNow: Cents;
  readonly amountPaid: Cents;
}

export type Actor =
  | { readonly kind: 'member'; readonly memberId: string }
  | { readonly kind: 'manager'; readonly userId?: string }
  | { readonly kind: 'system' };

export type ActorKind = Actor['kind'];

export type BookingEvent =
  /** The request passed the rules; the decision says whether a manager must approve it. */
  | { readonly type: 'submit'; readonly needsApproval: boolean; readonly holdUntil?: Instant }
  | { readonly type: 'approve'; readonly holdUntil?: Instant }
  | { readonly type: 'reject' }
  /** A payment the ERP recorded (or a manager took at the desk). */
  | { readonly type: 'payment_received'; readonly amount: Cents }
  | { readonly type: 'hold_expired' }
  | { readonly type: 'check_in' }
  /** Check-out by the member, closing by a manager, or by the system once the booking has ended. */
  | { readonly type: 'complete' }
  | { readonly type: 'no_show' }
  /** A manager may waive the cancellation fee. */
  | { readonly type: 'cancel'; readonly waiveFee?: boolean };

export type BookingEventType = BookingEvent['type'];

/** Who may do what, from which states. */
export const TRANSITIONS: Readonly<Record<BookingEventType, { readonly from: readonly BookingStatus[]; readonly actors: readonly ActorKind[] }>> = {
  submit: { from: ['requested'], actors: ['member', 'manager'] },
  approve: { from: ['pending_approval'], actors: ['manager'] },
  reject: { from: ['pending_approval'], actors: ['manager'] },
  payment_received: { from: ['awaiting_payment'], actors: ['system', 'manager'] },
  hold_expired: { from: ['awaiting_payment'], actors: ['system'] },
  check_in: { from: ['confirmed'], actors: ['member', 'manager', 'system'] },
  complete: { from: ['checked_in'], actors: ['member', 'manager', 'system'] },
  no_show: { from: ['confirmed'], actors: ['manager', 'system'] },
  cancel: { from: ['requested', 'pending_approval', 'awaiting_payment', 'confirmed'], actors: ['member', 'manager'] },
};

export const cancellationPolicySchema = z
  .array(
    z.object({
      /** The step applies when the booking is cancelled at least this long before it starts. */
      minNoticeMinutes: z.number().int().min(0),
      feePercent: z.number().int().min(0).max(100),
    }),
  )
  .min(1)
  .refine((steps) => steps.some((s) => s.minNoticeMinutes === 0), {
    error: 'a cancellation policy needs a step with minNoticeMinutes 0 (for late cancellations)',
  })
  .transform((steps) => [...steps].sort((a, b) => b.minNoticeMinutes - a.minNoticeMinutes));

export type CancellationPolicy = z.output<typeof cancellationPolicySchema>;

/** ≥ 48 h before: free; 24–48 h: 50 %; < 24 h: 100 %. */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = cancellationPolicySchema.parse([
  { minNoticeMinutes: 48 * 60, feePercent: 0 },
  { minNoticeMinutes: 24 * 60, feePercent: 50 },
  { minNoticeMinutes: 0, feePercent: 100 },
]);

export interface CancellationOutcome {
  readonly noticeMinutes: number;
  readonly feePercent: number;
  /** Kept by the place: feePercent of the price, rounded half up to the cent. */
  readonly fee: Cents;
  /** To pay back: what was paid beyond the fee. */
  readonly refund: Cents;
  /** Still to invoice: the part of the fee not yet paid. */
  readonly due: Cents;
}

/**
 * What cancelling costs. Only a confirmed booking carries a fee: until then nothing was promised,
 * so whatever was paid (a deposit taken early) is refunded in full.
 */
export function cancellationOutcome(
  booking: Pick<Booking, 'status' | 'start' | 'price' | 'amountPaid'>,
  now: Instant,
  policy: CancellationPolicy = DEFAULT_CANCELLATION_POLICY,
  waiveFee = false,
): CancellationOutcome {
  const noticeMinutes = Math.floor((booking.start - now) / MINUTE_MS);
  const step = policy.find((s) => noticeMinutes >= s.minNoticeMinutes) ?? policy[policy.length - 1];
  const feePercent = booking.status === 'confirmed' && !waiveFee ? (step?.feePercent ?? 100) : 0;
  const fee = percentOf(booking.price, feePercent);
  return {
    noticeMinutes,
    feePercent,
    fee,
    refund: Math.max(0, booking.amountPaid - fee),
    due: Math.max(0, fee - booking.amountPaid),
  };
}

export interface TransitionOptions {
  readonly cancellationPolicy?: CancellationPolicy;
  /** How long before the start a member may check in (default 15 minutes). */
  readonly checkInOpensMinutes?: number;
  /** Zone for the times quoted in refusal messages (default Europe/Paris). */
  readonly timeZone?: string;
}

export type TransitionResult =
  | { readonly ok: true; readonly booking: Booking; readonly cancellation?: CancellationOutcome }
  | { readonly ok: false; readonly reason: Reason };

const refuse = (r: Reason): TransitionResult => ({ ok: false, reason: r });

/** After approval (or when none is needed): hold for payment if something is due now, else confirm. */
function afterApproval(booking: Booking, holdUntil: Instant | undefined): Booking {
  if (booking.amountDueNow > booking.amountPaid) {
    return { ...booking, status: 'awaiting_payment', holdExpiresAt: holdUntil };
  }
  return { ...booking, status: 'confirmed', holdExpiresAt: undefined };
}

export function transition(
  booking: Booking,
  event: BookingEvent,
  actor: Actor,
  now: Instant,
  options: TransitionOptions = {},
): TransitionResult {
  const rule = TRANSITIONS[event.type];
  if (!rule.from.includes(booking.status)) {
    return refuse(reason('TRANSITION_NOT_ALLOWED', { from: booking.status, event: event.type }));
  }
  if (!rule.actors.includes(actor.kind)) {
    return refuse(reason('ACTOR_NOT_ALLOWED', { actor: actor.kind, event: event.type }));
  }
  if (actor.kind === 'member' && actor.memberId !== booking.memberId) return refuse(reason('NOT_OWNER', {}));
  const zone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const when = (instant: Instant) => bothLangs((lang) => formatDateTime(instant, zone, lang));

  switch (event.type) {
    case 'submit':
      if (event.needsApproval && actor.kind === 'member') {
        return { ok: true, booking: { ...booking, status: 'pending_approval' } };
      }
      return { ok: true, booking: afterApproval(booking, event.holdUntil) };
    case 'approve':
      return { ok: true, booking: afterApproval(booking, event.holdUntil) };
    case 'reject':
      return { ok: true, booking: { ...booking, status: 'rejected' } };
    case 'payment_received': {
      const amountPaid = booking.amountPaid + event.amount;
      const paidEnough = amountPaid >= booking.amountDueNow;
      return {
        ok: true,
        booking: paidEnough
          ? { ...booking, amountPaid, status: 'confirmed', holdExpiresAt: undefined }
          : { ...booking, amountPaid },
      };
    }
    case 'hold_expired':
      if (booking.holdExpiresAt !== undefined && now < booking.holdExpiresAt) {
        return refuse(reason('HOLD_NOT_EXPIRED', { expiresAt: when(booking.holdExpiresAt) }));
      }
      return { ok: true, booking: { ...booking, status: 'expired' } };
    case 'check_in': {
      const opensAt = booking.start - (options.checkInOpensMinutes ?? 15) * MINUTE_MS;
      if (now < opensAt) return refuse(reason('CHECK_IN_TOO_EARLY', { opensAt: when(opensAt) }));
      if (now >= booking.end) return refuse(reason('CHECK_IN_TOO_LATE', {}));
      return { ok: true, booking: { ...booking, status: 'checked_in' } };
    }
    case 'complete':
      if (actor.kind === 'system' && now < booking.end) return refuse(reason('NOT_ENDED', {}));
      return { ok: true, booking: { ...booking, status: 'completed' } };
    case 'no_show':
      // The system marks a no-show once the booking is over; a manager may as soon as it has started.
      if (actor.kind === 'system' && now < booking.end) return refuse(reason('NOT_ENDED', {}));
      if (now < booking.start) return refuse(reason('NOT_STARTED', {}));
      return { ok: true, booking: { ...booking, status: 'no_show' } };
    case 'cancel': {
      if (actor.kind === 'member' && now >= booking.start) return refuse(reason('TOO_LATE_TO_CANCEL', {}));
      const waive = actor.kind === 'manager' && event.waiveFee === true;
      const cancellation = cancellationOutcome(booking, now, options.cancellationPolicy, waive);
      return { ok: true, booking: { ...booking, status: 'cancelled', holdExpiresAt: undefined }, cancellation };
    }
  }
}
