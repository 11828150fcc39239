// Fixture recipes several themes share: the recorded invoices, rebuilt under this run's names.
import type { Doc, InvoiceLine, InvoiceSpec } from '../fixtures';
import type { Ctx } from '../scenario';

/** The item lines of the recorded invoices, with the totals the recording shows for them. */
export const LINES = {
  /** ACC-SINV-2026-00001 and -00002 as created: 3 × 120 + 1 × 50 (price list) = 410. */
  consultAndSupport: [{ item: 'SRV-CONSULT', qty: 3, rate: 120 }, { item: 'SRV-SUPPORT', qty: 1 }],
  /** ACC-SINV-2026-00001 after its child rows were edited: 4 × 120 + 1 × 800 = 1280. */
  consultAndTraining: [{ item: 'SRV-CONSULT', qty: 4, rate: 120 }, { item: 'SRV-TRAINING', qty: 1 }],
  /** ACC-SINV-2026-00007, paid in full: 5 × 100 = 500. */
  fiveHundred: [{ item: 'SRV-CONSULT', qty: 5, rate: 100 }],
  /** ACC-SINV-2026-00006, partly paid: 1 × 800. */
  eightHundred: [{ item: 'SRV-TRAINING', qty: 1 }],
  /** ACC-SINV-2026-00005, cancelled by PUT: 2 × 100 = 200. */
  twoHundred: [{ item: 'SRV-CONSULT', qty: 2, rate: 100 }],
  /** ACC-SINV-2026-00011, the one whose submission triggered the webhooks: 3 × 50 = 150. */
  webhook: [{ item: 'SRV-SUPPORT', qty: 3 }],
} as const satisfies Record<string, readonly InvoiceLine[]>;

export type RecordedCustomer = 'Acme SARL' | 'Globex SA' | 'Initech SAS';

/**
 * Creates a Sales Invoice standing for a recorded one (e.g. "ACC-SINV-2026-00001"), for a customer
 * standing for a recorded one, and renames both.
 */
export async function recordedInvoice(
  ctx: Ctx,
  recorded: string,
  spec: Omit<InvoiceSpec, 'customer'> & { readonly customer: RecordedCustomer },
): Promise<Doc> {
  const catalogue = await ctx.catalogue();
  const customer = ctx.names.get(spec.customer) ?? (await ctx.customer(spec.customer));
  const doc = await ctx.fx.invoice(catalogue, { ...spec, customer });
  ctx.rename(recorded, doc.name);
  return doc;
}

export const INVOICE_NAME = /^ACC-SINV-\d{4}-\d{5}$/;
export const PAYMENT_NAME = /^ACC-PAY-\d{4}-\d{5}$/;
export const HASH_NAME = /^[a-z0-9]{10}$/;
