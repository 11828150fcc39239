import { z } from 'zod';
import type { Rng } from '../util/random';

/**
 * Simulated server time per request: the median by operation and a log-normal spread.
 * Operation keys: get, list, count, insert, update, submit, cancel, delete, login, meta, optionally
 * suffixed with ":<DocType>" (e.g. "insert:Sales Invoice"); "method:<dotted.path>" for one method and
 * `method` for every method without its own key; `default` covers the rest.
 */
export interface LatencyProfile {
  medianMs: Record<string, number>;
  /** σ of ln(ms). 0 gives a constant delay. */
  sigma?: number;
}

export const latencyProfileSchema = z
  .object({
    medianMs: z.record(z.string(), z.number().nonnegative()),
    sigma: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * Measured at p50 on a real Frappe 15 + ERPNext 15 site on these machines: GET one document
 * 13 ms, a list of 100 rows 10 ms, inserting a draft Sales Invoice 110 ms. The other figures are
 * estimates scaled from those by what each call does on the server: submitting an invoice adds
 * GL and payment-ledger entries (≈ insert × 1.3), a Payment Entry touches the invoice too, simple
 * masters (Customer, Item) skip the pricing and tax pipeline (≈ a third of an invoice), password
 * login pays for the pbkdf2 check. σ = 0.25 gives p95 ≈ 1.5 × p50, the spread seen on a loaded
 * gunicorn worker.
 */
export const ERPNEXT_V15_PROFILE: LatencyProfile = {
  medianMs: {
    default: 15,
    get: 13,
    list: 10,
    count: 8,
    meta: 12,
    method: 15,
    login: 60,
    insert: 35,
    update: 30,
    delete: 25,
    submit: 60,
    cancel: 55,
    'insert:Sales Invoice': 110,
    'update:Sales Invoice': 95,
    'submit:Sales Invoice': 145,
    'cancel:Sales Invoice': 120,
    'insert:Payment Entry': 90,
    'submit:Payment Entry': 120,
    'cancel:Payment Entry': 100,
    'insert:Payment Request': 70,
    'method:erpnext.accounts.doctype.payment_request.payment_request.make_payment_request': 80,
    'method:erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry': 45,
    'method:frappe.client.submit': 145,
    'method:frappe.client.cancel': 120,
    'method:frappe.client.insert': 45,
  },
  sigma: 0.25,
};

export function resolveProfile(profile: LatencyProfile | 'erpnext-v15' | null | undefined): LatencyProfile | null {
  if (profile === 'erpnext-v15') return ERPNEXT_V15_PROFILE;
  return profile ?? null;
}

/** Draws a delay for an operation from a profile. */
export function drawLatency(profile: LatencyProfile, operation: string, doctype: string | undefined, rng: Rng): number {
  const m = profile.medianMs;
  const family = operation.startsWith('method:') ? m.method : undefined;
  const median = (doctype ? m[`${operation}:${doctype}`] : undefined) ?? m[operation] ?? family ?? m.default ?? 0;
  if (median <= 0) return 0;
  const sigma = profile.sigma ?? 0;
  return sigma > 0 ? median * Math.exp(sigma * rng.normal()) : median;
}

/** What a request does, for the latency profile and the call counters. */
export interface RequestShape {
  operation: string;
  doctype?: string;
  counterKey: string;
}

/** `path` is decoded (requestTarget). */
export function classify(method: string, path: string, body: unknown): RequestShape {
  const m = method.toUpperCase();
  const docstatus = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).docstatus : undefined;
  const resource = /^\/api\/(?:resource|v2\/document)\/([^/]+)(?:\/(.+?))?\/?$/.exec(path);
  if (resource) {
    const prefix = path.startsWith('/api/v2/') ? '/api/v2/document' : '/api/resource';
    const doctype = resource[1] ?? '';
    const hasName = resource[2] !== undefined;
    const counterKey = `${m} ${prefix}/${doctype}${hasName ? '/:name' : ''}`;
    let operation: string;
    if (!hasName) operation = m === 'POST' ? (Number(docstatus) === 1 ? 'submit' : 'insert') : 'list';
    else if (m === 'GET') operation = 'get';
    else if (m === 'DELETE') operation = 'delete';
    else if (Number(docstatus) === 1) operation = 'submit';
    else if (Number(docstatus) === 2) operation = 'cancel';
    else operation = 'update';
    return { operation, doctype, counterKey };
  }
  const rpc = /^\/api\/(?:v2\/)?method\/(.+?)\/?$/.exec(path);
  if (rpc) {
    const cmd = rpc[1] ?? '';
    const prefix = path.startsWith('/api/v2/') ? '/api/v2/method' : '/api/method';
    const operation = cmd === 'login' ? 'login' : `method:${cmd}`;
    return { operation, counterKey: `${m} ${prefix}/${cmd}` };
  }
  const doctypeApi = /^\/api\/v2\/doctype\/([^/]+)\/(meta|count)\/?$/.exec(path);
  if (doctypeApi) {
    const doctype = doctypeApi[1] ?? '';
    return { operation: doctypeApi[2] ?? 'meta', doctype, counterKey: `${m} /api/v2/doctype/${doctype}/${doctypeApi[2] ?? ''}` };
  }
  return { operation: 'default', counterKey: `${m} ${path}` };
}
