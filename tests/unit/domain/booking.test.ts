import {
  BOOKING_STATUSES,
  cancellationOutcome,
  cancellationPolicySchema,
  HOUR_MS,
  MINUTE_MS,
  transition,
  TRANSITIONS,
  type Actor,
  type Booking,
  type BookingEvent,
  type TransitionResult,
} from '../../../sidecar/src/domain';
import { at } from './fixtures';

const START = at('2026-06-15 10:00');
const END = at('2026-06-15 12:00');
const alice: Actor = { kind: 'member', memberId: 'alice' };
const bob: Actor = { kind: 'member', memberId: 'bob' };
const manager: Actor = { kind: 'manager', userId: 'gerante@lieu.fr' };
const system: Actor = { kind: 'system' };

function aBooking(extra: Partial<Booking> = {}): Booking {
  return {
    id: 'BK-1',
    resourceId: 'salle-a',
    memberId: 'alice',
    start: START,
    end: END,
    seats: 1,
    status: 'requested',
    price: 9000,
    amountDueNow: 9000,
    amountPaid: 0,
    ...extra,
  };
}

function accepted(result: TransitionResult): Booking {
  if (!result.ok) throw new Error(`refused: ${result.reason.code} ${result.reason.en}`);
  return result.booking;
}

function refusal(result: TransitionResult): string | undefined {
  return result.ok ? undefined : result.reason.code;
}

const EARLY = at('2026-06-01 09:00');

describe('the booking life, step by step', () => {
  it('goes requested → awaiting payment (a hold) → confirmed → checked in → completed', () => {
    const holdUntil = EARLY + 15 * MINUTE_MS;
    const held = accepted(transition(aBooking(), { type: 'submit', needsApproval: false, holdUntil }, alice, EARLY));
    expect(held).toMatchObject({ status: 'awaiting_payment', holdExpiresAt: holdUntil });
    const confirmed = accepted(transition(held, { type: 'payment_received', amount: 9000 }, system, EARLY + MINUTE_MS));
    expect(confirmed).toMatchObject({ status: 'confirmed', amountPaid: 9000, holdExpiresAt: undefined });
    const inside = accepted(transition(confirmed, { type: 'check_in' }, alice, START - 10 * MINUTE_MS));
    expect(inside.status).toBe('checked_in');
    expect(accepted(transition(inside, { type: 'complete' }, system, END)).status).toBe('completed');
  });

  it('waits for a manager when approval is required, then holds for payment', () => {
    const pending = accepted(transition(aBooking(), { type: 'submit', needsApproval: true }, alice, EARLY));
    expect(pending.status).toBe('pending_approval');
    expect(refusal(transition(pending, { type: 'approve' }, alice, EARLY))).toBe('ACTOR_NOT_ALLOWED');
    const approved = accepted(transition(pending, { type: 'approve', holdUntil: EARLY + HOUR_MS }, manager, EARLY));
    expect(approved).toMatchObject({ status: 'awaiting_payment', holdExpiresAt: EARLY + HOUR_MS });
    expect(accepted(transition(pending, { type: 'reject' }, manager, EARLY)).status).toBe('rejected');
  });

  it('confirms at once when nothing is due now (billed later)', () => {
    const free = aBooking({ amountDueNow: 0 });
    expect(accepted(transition(free, { type: 'submit', needsApproval: false }, alice, EARLY)).status).toBe('confirmed');
  });

  it('confirms a machine once its deposit is paid, not before', () => {
    const machine = aBooking({ price: 10000, amountDueNow: 3000 });
    const held = accepted(transition(machine, { type: 'submit', needsApproval: false, holdUntil: EARLY + HOUR_MS }, alice, EARLY));
    const partly = accepted(transition(held, { type: 'payment_received', amount: 2000 }, system, EARLY));
    expect(partly).toMatchObject({ status: 'awaiting_payment', amountPaid: 2000 });
    expect(accepted(transition(partly, { type: 'payment_received', amount: 1000 }, manager, EARLY))).toMatchObject({
      status: 'confirmed',
      amountPaid: 3000,
    });
  });

  it('lets a manager skip approval when booking for a member', () => {
    const result = accepted(transition(aBooking({ amountDueNow: 0 }), { type: 'submit', needsApproval: true }, manager, EARLY));
    expect(result.status).toBe('confirmed');
  });
});

describe('holds that expire', () => {
  const held = aBooking({ status: 'awaiting_payment', holdExpiresAt: EARLY + 15 * MINUTE_MS });

  it('expires only once the hold is over, by the system', () => {
    const early = transition(held, { type: 'hold_expired' }, system, EARLY + 14 * MINUTE_MS);
    expect(refusal(early)).toBe('HOLD_NOT_EXPIRED');
    expect(early.ok ? '' : early.reason.fr).toBe("Le blocage court jusqu'au 01/06/2026 09:15");
    expect(accepted(transition(held, { type: 'hold_expired' }, system, EARLY + 15 * MINUTE_MS)).status).toBe('expired');
    expect(refusal(transition(held, { type: 'hold_expired' }, manager, EARLY + HOUR_MS))).toBe('ACTOR_NOT_ALLOWED');
  });

  it('does not confirm an expired booking when a late payment arrives', () => {
    const expired = aBooking({ status: 'expired' });
    expect(refusal(transition(expired, { type: 'payment_received', amount: 9000 }, system, EARLY))).toBe('TRANSITION_NOT_ALLOWED');
  });
});

describe('check-in, completion and no-show', () => {
  const confirmed = aBooking({ status: 'confirmed', amountPaid: 9000 });

  it('opens check-in 15 minutes before the start and closes it at the end', () => {
    const early = transition(confirmed, { type: 'check_in' }, alice, START - 16 * MINUTE_MS);
    expect(refusal(early)).toBe('CHECK_IN_TOO_EARLY');
    expect(early.ok ? '' : early.reason.en).toBe('Check-in opens at 2026-06-15 09:45');
    expect(refusal(transition(confirmed, { type: 'check_in' }, system, END))).toBe('CHECK_IN_TOO_LATE');
    expect(accepted(transition(confirmed, { type: 'check_in' }, system, START + HOUR_MS)).status).toBe('checked_in');
  });

  it('lets a member check out early, but the system only completes once the booking has ended', () => {
    const inside = aBooking({ status: 'checked_in' });
    expect(accepted(transition(inside, { type: 'complete' }, alice, START + HOUR_MS)).status).toBe('completed');
    expect(refusal(transition(inside, { type: 'complete' }, system, START + HOUR_MS))).toBe('NOT_ENDED');
  });

  it('marks a no-show: the system after the end, a manager after the start, never a member', () => {
    expect(refusal(transition(confirmed, { type: 'no_show' }, system, START + HOUR_MS))).toBe('NOT_ENDED');
    expect(accepted(transition(confirmed, { type: 'no_show' }, system, END)).status).toBe('no_show');
    expect(refusal(transition(confirmed, { type: 'no_show' }, manager, START - MINUTE_MS))).toBe('NOT_STARTED');
    expect(accepted(transition(confirmed, { type: 'no_show' }, manager, START + 30 * MINUTE_MS)).status).toBe('no_show');
    expect(refusal(transition(confirmed, { type: 'no_show' }, alice, END))).toBe('ACTOR_NOT_ALLOWED');
  });
});

describe('who may do what', () => {
  it('refuses a member acting on someone else’s booking', () => {
    const result = transition(aBooking({ status: 'confirmed' }), { type: 'cancel' }, bob, EARLY);
    expect(refusal(result)).toBe('NOT_OWNER');
    expect(result.ok ? '' : result.reason.fr).toBe("Cette réservation n'est pas la vôtre");
  });

  it('refuses every event from a state it does not leave, and every actor it does not name', () => {
    const events: Record<BookingEvent['type'], BookingEvent> = {
      submit: { type: 'submit', needsApproval: false },
      approve: { type: 'approve' },
      reject: { type: 'reject' },
      payment_received: { type: 'payment_received', amount: 1 },
      hold_expired: { type: 'hold_expired' },
      check_in: { type: 'check_in' },
      complete: { type: 'complete' },
      no_show: { type: 'no_show' },
      cancel: { type: 'cancel' },
    };
    const actors: Actor[] = [alice, manager, system];
    for (const [type, rule] of Object.entries(TRANSITIONS) as [BookingEvent['type'], (typeof TRANSITIONS)[BookingEvent['type']]][]) {
      for (const status of BOOKING_STATUSES) {
        for (const actor of actors) {
          const result = transition(aBooking({ status }), events[type], actor, EARLY);
          if (!rule.from.includes(status)) expect([type, status, actor.kind, refusal(result)]).toEqual([type, status, actor.kind, 'TRANSITION_NOT_ALLOWED']);
          else if (!rule.actors.includes(actor.kind)) expect([type, status, actor.kind, refusal(result)]).toEqual([type, status, actor.kind, 'ACTOR_NOT_ALLOWED']);
        }
      }
    }
  });

  it('leaves the final states alone', () => {
    for (const status of ['completed', 'cancelled', 'expired', 'no_show', 'rejected'] as const) {
      for (const rule of Object.values(TRANSITIONS)) expect(rule.from).not.toContain(status);
    }
  });
});

describe('cancellation', () => {
  const confirmed = aBooking({ status: 'confirmed', price: 9001, amountPaid: 9001 });

  it('follows the default steps: free from 48 h, 50 % from 24 h, 100 % below', () => {
    const at48h = cancellationOutcome(confirmed, START - 48 * HOUR_MS);
    expect(at48h).toEqual({ noticeMinutes: 48 * 60, feePercent: 0, fee: 0, refund: 9001, due: 0 });
    const at47h = cancellationOutcome(confirmed, START - 47 * HOUR_MS);
    expect(at47h).toMatchObject({ feePercent: 50, fee: 4501, refund: 4500, due: 0 }); // 4500.5 rounds half up
    const at24h = cancellationOutcome(confirmed, START - 24 * HOUR_MS);
    expect(at24h.feePercent).toBe(50);
    const at23h = cancellationOutcome(confirmed, START - 23 * HOUR_MS - 59 * MINUTE_MS);
    expect(at23h).toMatchObject({ feePercent: 100, fee: 9001, refund: 0, due: 0 });
  });

  it('invoices the unpaid part of a fee, and never refunds more than was paid', () => {
    const unpaid = aBooking({ status: 'confirmed', price: 10000, amountPaid: 3000, amountDueNow: 3000 });
    expect(cancellationOutcome(unpaid, START - 30 * HOUR_MS)).toMatchObject({ fee: 5000, refund: 0, due: 2000 });
    expect(cancellationOutcome(unpaid, START - 72 * HOUR_MS)).toMatchObject({ fee: 0, refund: 3000, due: 0 });
  });

  it('costs nothing before confirmation, and refunds whatever was paid', () => {
    const held = aBooking({ status: 'awaiting_payment', amountPaid: 1000 });
    expect(cancellationOutcome(held, START - HOUR_MS)).toMatchObject({ fee: 0, refund: 1000 });
  });

  it('returns the outcome with the transition; a manager may waive the fee', () => {
    const byMember = transition(confirmed, { type: 'cancel' }, alice, START - 30 * HOUR_MS);
    expect(byMember.ok && byMember.cancellation).toMatchObject({ fee: 4501, refund: 4500 });
    expect(byMember.ok && byMember.booking.status).toBe('cancelled');
    const waived = transition(confirmed, { type: 'cancel', waiveFee: true }, manager, START - HOUR_MS);
    expect(waived.ok && waived.cancellation).toMatchObject({ fee: 0, refund: 9001 });
    const notWaived = transition(confirmed, { type: 'cancel', waiveFee: true }, alice, START - HOUR_MS);
    expect(notWaived.ok && notWaived.cancellation).toMatchObject({ fee: 9001, refund: 0 });
  });

  it('lets only a manager cancel once the booking has started', () => {
    expect(refusal(transition(confirmed, { type: 'cancel' }, alice, START))).toBe('TOO_LATE_TO_CANCEL');
    expect(accepted(transition(confirmed, { type: 'cancel' }, manager, START + MINUTE_MS)).status).toBe('cancelled');
  });

  it('takes the place’s own steps', () => {
    const policy = cancellationPolicySchema.parse([
      { minNoticeMinutes: 0, feePercent: 30 },
      { minNoticeMinutes: 7 * 24 * 60, feePercent: 0 },
    ]);
    expect(cancellationOutcome(confirmed, START - 8 * 24 * HOUR_MS, policy).feePercent).toBe(0);
    expect(cancellationOutcome(confirmed, START - 6 * 24 * HOUR_MS, policy)).toMatchObject({ feePercent: 30, fee: 2700 });
    expect(() => cancellationPolicySchema.parse([{ minNoticeMinutes: 60, feePercent: 10 }])).toThrow('minNoticeMinutes 0');
  });
});
