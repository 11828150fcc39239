// Rate limiting as recorded: not configured by default, so no X-RateLimit headers and no 429,
// even after 60 heavy requests in a row.
import type { Reply } from '../site';
import { buildRequest, expectRecorded, scenario, type Ctx, type Theme } from '../scenario';
import { LINES, recordedInvoice } from './common';

const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

// The recordings abbreviate the rows ("<10 rows omitted>"): a list of invoices is expected.
const ROWS = { data: [{ name: 'ACC-SINV-2026-00001', docstatus: 0 }] };

/**
 * The recordings were made with rate_limit switched on for the occasion; by default a site has none.
 * The emulator runs with defaults, so it must send no X-RateLimit header; a real site may have the
 * limit configured, and then every header must be there with a number.
 */
function expectRateHeaders(reply: Reply, ctx: Ctx): void {
  const present = RATE_HEADERS.filter((h) => h in reply.headers);
  if (ctx.site.target.kind === 'emulator') {
    expect(present).toEqual([]);
    return;
  }
  if (present.length === 0) return;
  expect(present).toEqual(RATE_HEADERS);
  for (const h of RATE_HEADERS) expect(reply.headers[h]).toMatch(/^\d+$/);
}

export const rateLimit: Theme = {
  name: 'rate-limit',
  scenarios: [
    scenario('rate_limit_under_limit', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndSupport }),
      expectedBody: ROWS,
      check: (r, _s, ctx) => expectRateHeaders(r, ctx),
    }),
    scenario('rate_limit_no_429_after_60_requests', {
      setup: (ctx) => recordedInvoice(ctx, 'ACC-SINV-2026-00001', { customer: 'Acme SARL', lines: LINES.consultAndSupport }),
      run: async (ctx, _s, recording) => {
        const statuses: number[] = [];
        let last: Reply | undefined;
        for (let i = 0; i < 60; i++) {
          last = await ctx.site.client.send(buildRequest(recording.request, ctx));
          statuses.push(last.status);
        }
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        if (!last) throw new Error('No request was sent');
        expectRecorded(recording, last, ctx, { body: ROWS });
        expectRateHeaders(last, ctx);
      },
    }),
  ],
};
