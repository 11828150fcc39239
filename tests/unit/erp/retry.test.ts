import fc from 'fast-check';
import { errorFromResponse, type ErpError } from '../../../sidecar/src/erp/errors';
import { backoffDelayMs, mayRetry, parseRetryAfterMs, retryPolicySchema } from '../../../sidecar/src/erp/retry';

const policy = retryPolicySchema.parse({ baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5 });

describe('backoffDelayMs (exponential, full jitter)', () => {
  it('draws below a ceiling that doubles from the base and stops at the cap', () => {
    const almostOne = (): number => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('can be zero: full jitter spreads retries over the whole window', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('stays in [0, min(cap, base * 2^(n-1))) for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (retry, draw, base, cap) => {
          const p = retryPolicySchema.parse({ baseDelayMs: base, maxDelayMs: cap });
          const delay = backoffDelayMs(retry, p, () => draw);
          const ceiling = Math.min(cap, base * 2 ** (retry - 1));
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
        },
      ),
    );
  });

  it('treats a random source out of [0, 1) as 0 rather than waiting past the cap', () => {
    expect(backoffDelayMs(2, policy, () => 1)).toBe(0);
    expect(backoffDelayMs(2, policy, () => Number.NaN)).toBe(0);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-28T16:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, and a past date as no wait', () => {
    expect(parseRetryAfterMs('Sat, 28 Nov 2026 16:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Sat, 28 Nov 2026 15:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeNull();
    expect(parseRetryAfterMs('', now)).toBeNull();
    expect(parseRetryAfterMs('-5', now)).toBeNull();
    expect(parseRetryAfterMs('1.5', now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
  });
});

describe('mayRetry', () => {
  const errorFor = (status: number, method = 'POST'): ErpError =>
    errorFromResponse(
      { status, headers: {}, body: undefined },
      { endpoint: { method, path: '/api/resource/Sales Invoice' }, subject: 'x', isWrite: method !== 'GET', retryAfterMs: null },
    );

  it.each([
    // status, idempotent call, non-idempotent write
    [429, true, true],
    [503, true, true],
    [502, true, false],
    [504, true, false],
    [500, false, false],
    [417, false, false],
    [404, false, false],
    [409, false, false],
    [401, false, false],
    [403, false, false],
  ])('HTTP %i: idempotent %s, non-idempotent %s', (status, idempotent, nonIdempotent) => {
    expect(mayRetry(errorFor(status), true)).toBe(idempotent);
    expect(mayRetry(errorFor(status), false)).toBe(nonIdempotent);
  });
});
