import type { Outcome } from '../../sidecar/src/booking';

/** The value of an accepted outcome of the booking engine; fails the test with the reasons otherwise. */
export function accepted<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected the engine to accept, it refused: ${outcome.reasons.map((r) => `${r.code} (${r.en})`).join('; ')}`);
  return outcome.value;
}

/** The reason codes of a refusal; [] for an acceptance. */
export function codes(outcome: Outcome<unknown>): string[] {
  return outcome.ok ? [] : outcome.reasons.map((r) => r.code);
}
