// The site's online payment gateway, as a Dokos or ERPNext site has it once Stripe or GoCardless is set up
// (the payments app): a Payment Gateway and its Payment Gateway Account, a checkout URL given to every
// Payment Request submitted with that account, an Integration Request logging each checkout, and, when the
// payer pays, the settlement the payments app makes: the Payment Request is paid through a Payment Entry
// submitted against its reference. The checkout page is the emulator's own, so nothing leaves the machine.
//
// Read from: ERPNext 15 payment_request.py (before_submit → set_payment_request_url → get_payment_url,
// set_as_paid, create_payment_entry, validate_payment hooked on Integration Request validate),
// payment_gateway_account.py (autoname, validate), erpnext/accounts/utils.py create_payment_gateway_account,
// the payments app's stripe_settings.py (create_request_log, create_charge_on_stripe, finalize_request,
// settle_payment_request) and frappe/integrations/utils.py create_request_log.
import { randomBytes } from 'node:crypto';
import { erpnextThrow, FrappeError } from '../errors';
import type { Reply } from '../http/api';
import type { CheckoutRequest } from '../http/server';
import type { Doc } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { isRecord, str } from '../model/values';
import type { PaymentGatewayController, Site } from '../site';
import { cint, Dec, flt } from '../util/decimal';
import { companyAccounts } from './accounts';
import { createPaymentEntryFromRequest, type GetPaymentEntry } from './payments';

/** Where the checkout pages live on the emulator's own server. */
export const CHECKOUT_PATH = '/__gateway/checkout/';

/** The gateway the `paymentGateway: true` option sets up, named the way the payments app names Stripe's. */
export const DEFAULT_GATEWAY_NAME = 'Stripe-Emulator';

/** One checkout: a submitted Payment Request with a gateway, as the payer sees it. */
export interface Checkout {
  /** The unguessable part of the payment URL. */
  token: string;
  url: string;
  paymentRequest: string;
  integrationRequest: string;
  /** Integration Request status: Queued until paid (Completed) or declined (Failed). */
  status: string;
  amount: number;
  currency: string;
  referenceDoctype: string;
  referenceName: string;
  company: string;
  payerName: string;
  description: string;
}

export interface PayOptions {
  /** The amount the payer believes they pay; the gateway charges the request's amount and refuses any other. */
  amount?: number;
  /** Decline the card (true, or the decline reason the payer sees). */
  fail?: boolean | string;
}

export interface PaymentOutcome {
  status: 'Completed' | 'Failed';
  paymentRequest: string;
  integrationRequest: string;
  /** The submitted Payment Entry, or null when declined or when the ERP could not record the payment. */
  paymentEntry: string | null;
  /**
   * Why the ERP could not record a payment the gateway took (the payments app logs it as an Error Log and
   * the money stays unrecorded: a Payment Request against a draft invoice ends this way).
   */
  error?: string;
  /** The Error Log written for `error`. */
  errorLog?: string;
}

export type RefusalCode = 'unknown-checkout' | 'already-paid' | 'request-paid' | 'request-cancelled' | 'amount-mismatch';

/** The gateway refused to charge: nothing changed anywhere. */
export class GatewayRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayRefusal';
  }
}

const HTTP_STATUS: Record<RefusalCode, number> = {
  'unknown-checkout': 404,
  'already-paid': 409,
  'request-paid': 409,
  'request-cancelled': 409,
  'amount-mismatch': 422,
};

/** The service name an Integration Request carries: the payments app writes "Stripe" or "GoCardless". */
function serviceOf(gateway: string): string {
  const provider = /^(Stripe|GoCardless|Braintree|PayPal|Razorpay|Mpesa)\b/i.exec(gateway)?.[1];
  return provider ?? gateway;
}

/** 60 → "60.00": an amount as the payer's statement shows it. */
function money(value: unknown): string {
  const [units = '0', cents = ''] = Dec.of(value).round(2).toString().split('.');
  return `${units}.${cents.padEnd(2, '0')}`;
}

/**
 * What the checkout charges: what the request still asks. A real gateway charges the amount it was given when
 * the URL was made (the grand total); the emulator charges the request's outstanding instead, which is what
 * the settling Payment Entry records (create_payment_entry pays outstanding_amount), so that a request
 * partly settled at the desk meanwhile is not charged twice.
 */
function chargeOf(request: Doc): number {
  return flt(request.outstanding_amount) || flt(request.grand_total);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function formatAmount(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('fr-FR', { style: 'currency', currency }).format(amount);
  } catch {
    return `${money(amount)} ${currency}`;
  }
}

/** Installs the Payment Gateway Account and Integration Request controllers every site has. */
export function registerGatewayDocTypes(site: Site): void {
  const engine = site.engine;
  site.registerController('Payment Gateway Account', {
    autoname: ({ doc }) => {
      doc.name = `${str(doc.payment_gateway)} - ${str(doc.currency)}`;
    },
    validate: ({ doc, ctx }) => {
      doc.currency = site.tables.get('Account', str(doc.payment_account))?.account_currency ?? null;
      // update_default_payment_gateway, then set_as_default_if_not_set.
      if (cint(doc.is_default)) {
        for (const other of [...site.tables.rows('Payment Gateway Account')]) {
          if (cint(other.is_default) && other.name !== doc.name) engine.dbSet(ctx, 'Payment Gateway Account', str(other.name), { is_default: 0 }, false);
        }
      }
      const anotherDefault = [...site.tables.rows('Payment Gateway Account')].some((g) => cint(g.is_default) && g.name !== doc.name);
      if (!anotherDefault) doc.is_default = 1;
    },
  });
  site.registerController('Integration Request', {
    // validate_payment (ERPNext hooks.py doc_events): no new attempt on a request already paid.
    validate: ({ doc }) => {
      if (doc.reference_doctype !== 'Payment Request') return;
      const request = site.tables.get('Payment Request', str(doc.reference_docname));
      if (request?.status === 'Paid') throw paidTwice(str(doc.reference_docname));
    },
  });
}

function paidTwice(paymentRequest: string): FrappeError {
  return erpnextThrow(`The Payment Request ${paymentRequest} is already paid, cannot process payment twice`);
}

/**
 * What the payments app and ERPNext's create_payment_gateway_account leave on a site with a gateway: the
 * Payment Gateway and a default Payment Gateway Account paying into the company's bank account. Kept when
 * they already exist (a restarted site).
 */
export function seedPaymentGateway(site: Site, name: string): void {
  site.asAdministrator((ctx) => {
    const engine = site.engine;
    if (!site.tables.has('Payment Gateway', name)) {
      engine.insertNew(ctx, engine.requireMeta('Payment Gateway'), { gateway: name });
    }
    if ([...site.tables.rows('Payment Gateway Account')].some((g) => g.payment_gateway === name)) return;
    const company = site.defaults.company;
    if (!company) throw new Error(`The payment gateway "${name}" needs a company: start the emulator with seed 'base'`);
    engine.insertNew(ctx, engine.requireMeta('Payment Gateway Account'), {
      payment_gateway: name,
      payment_account: companyAccounts(site, company).bank,
      payment_channel: 'Email',
      is_default: 1,
    });
  });
}

/**
 * The emulator's payment gateway controller: it gives submitted Payment Requests a checkout URL, shows the
 * checkout page and settles payments. Its state lives in the site's Integration Requests, so a data file
 * carries it across restarts.
 */
export class PaymentGateway implements PaymentGatewayController {
  constructor(
    private readonly site: Site,
    private readonly getPaymentEntry: GetPaymentEntry,
    private readonly onChange: () => void,
  ) {}

  /** get_payment_url: logs the checkout (create_request_log) and answers its URL. */
  paymentUrl(ctx: Ctx, request: Doc): string {
    const engine = this.site.engine;
    const token = randomBytes(24).toString('base64url');
    const reference = this.site.tables.get(str(request.reference_doctype), str(request.reference_name));
    const data = {
      amount: flt(request.grand_total, 2),
      title: str(reference?.company ?? request.company),
      description: str(request.subject),
      reference_doctype: 'Payment Request',
      reference_docname: str(request.name),
      payer_email: str(request.email_to) || ctx.user,
      payer_name: str(reference?.customer_name ?? request.party_name),
      order_id: str(request.name),
      currency: str(request.currency),
      payment_gateway: str(request.payment_gateway),
    };
    engine.insertNew(
      ctx,
      engine.requireMeta('Integration Request'),
      {
        request_id: token,
        integration_request_service: serviceOf(str(request.payment_gateway)),
        is_remote_request: 0,
        request_description: 'Checkout',
        status: 'Queued',
        data: JSON.stringify(data, null, 1),
        reference_doctype: 'Payment Request',
        reference_docname: request.name,
      },
      { ignorePermissions: true },
    );
    return `${ctx.baseUrl}${CHECKOUT_PATH}${token}`;
  }

  private logs(): Doc[] {
    return [...this.site.tables.rows('Integration Request')].filter((r) => r.reference_doctype === 'Payment Request' && str(r.request_id) !== '');
  }

  private logFor(ref: string): Doc | undefined {
    const all = this.logs();
    return all.find((r) => r.request_id === ref) ?? all.filter((r) => r.reference_docname === ref).at(-1);
  }

  private view(log: Doc, baseUrl: string): Checkout {
    let data: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(str(log.data));
      if (isRecord(parsed)) data = parsed;
    } catch {
      data = {};
    }
    const request = this.site.tables.get('Payment Request', str(log.reference_docname));
    return {
      token: str(log.request_id),
      url: `${baseUrl}${CHECKOUT_PATH}${str(log.request_id)}`,
      paymentRequest: str(log.reference_docname),
      integrationRequest: str(log.name),
      status: str(log.status),
      amount: request ? chargeOf(request) : flt(data.amount),
      currency: str(data.currency),
      referenceDoctype: str(request?.reference_doctype),
      referenceName: str(request?.reference_name),
      company: str(data.title),
      payerName: str(data.payer_name),
      description: str(data.description),
    };
  }

  /** The checkout of a token or of a Payment Request (its latest), if any. */
  checkout(ref: string, baseUrl: string): Checkout | undefined {
    const log = this.logFor(ref);
    return log ? this.view(log, baseUrl) : undefined;
  }

  checkouts(baseUrl: string): Checkout[] {
    return this.logs().map((log) => this.view(log, baseUrl));
  }

  /** The payer pays (or is declined). Throws GatewayRefusal when the gateway would not charge at all. */
  pay(ref: string, options: PayOptions, baseUrl: string): PaymentOutcome {
    const log = this.logFor(ref);
    if (!log) throw new GatewayRefusal('unknown-checkout', `No checkout is known by "${ref}" (neither a checkout token nor a Payment Request with one)`);
    const requestName = str(log.reference_docname);
    const request = this.site.tables.get('Payment Request', requestName);
    if (log.status === 'Completed') {
      throw new GatewayRefusal('already-paid', `The checkout of Payment Request ${requestName} was already paid: the gateway charges a checkout once`);
    }
    if (!request || cint(request.docstatus) === 2) {
      throw new GatewayRefusal('request-cancelled', `Payment Request ${requestName} was cancelled: its checkout no longer takes payments`);
    }
    if (request.status === 'Paid') throw new GatewayRefusal('request-paid', paidTwice(requestName).primaryMessage);
    if (options.amount !== undefined && Dec.of(options.amount).round(2).cmp(Dec.of(chargeOf(request)).round(2)) !== 0) {
      throw new GatewayRefusal(
        'amount-mismatch',
        `The checkout of Payment Request ${requestName} is for ${money(chargeOf(request))} ${str(request.currency)}, not ${money(options.amount)}`,
      );
    }
    const logName = str(log.name);
    const outcome = { paymentRequest: requestName, integrationRequest: logName };
    try {
      if (options.fail !== undefined && options.fail !== false) {
        // A declined card: the gateway marks its log Failed. ERPNext's PaymentRequest.set_failed does nothing,
        // so the request stays Requested and the payer may try again.
        const reason = typeof options.fail === 'string' && options.fail !== '' ? options.fail : 'Votre carte a été refusée.';
        this.transact(baseUrl, (ctx) => {
          this.site.engine.dbSetDoc(ctx, 'Integration Request', logName, { status: 'Failed', error: JSON.stringify({ code: 'card_declined', message: reason }) }, false);
        });
        return { ...outcome, status: 'Failed', paymentEntry: null };
      }
      const charge = `ch_${randomBytes(12).toString('hex')}`;
      this.transact(baseUrl, (ctx) => {
        this.site.engine.dbSetDoc(ctx, 'Integration Request', logName, { status: 'Completed', output: JSON.stringify({ id: charge, status: 'succeeded' }), error: null }, false);
      });
      // finalize_request: settling the reference runs apart, and a failure there is logged, not undone.
      try {
        const paymentEntry = this.transact(baseUrl, (ctx) => this.settle(ctx, requestName));
        return { ...outcome, status: 'Completed', paymentEntry };
      } catch (err) {
        const message = err instanceof FrappeError ? err.primaryMessage : err instanceof Error ? err.message : String(err);
        const errorLog = this.transact(baseUrl, (ctx) => {
          const engine = this.site.engine;
          const entry = engine.insertNew(
            ctx,
            engine.requireMeta('Error Log'),
            {
              method: `Payment Request ${requestName}: payment not recorded`,
              error: `Charge ${charge} succeeded but the Payment Entry could not be made: ${message}`,
              reference_doctype: 'Payment Request',
              reference_name: requestName,
            },
            { ignorePermissions: true },
          );
          return str(entry.name);
        });
        return { ...outcome, status: 'Completed', paymentEntry: null, error: message, errorLog };
      }
    } finally {
      this.onChange();
    }
  }

  /** set_as_paid: a Phone request is marked paid; any other gets its Payment Entry, submitted. */
  private settle(ctx: Ctx, requestName: string): string | null {
    const engine = this.site.engine;
    const request = engine.getDoc('Payment Request', requestName);
    if (request.payment_channel === 'Phone') {
      engine.dbSetDoc(ctx, 'Payment Request', requestName, { status: 'Paid', outstanding_amount: 0 });
      return null;
    }
    const entry = createPaymentEntryFromRequest(this.site, ctx, request, { getPaymentEntry: this.getPaymentEntry, submit: true });
    return str(entry.name);
  }

  private transact<T>(baseUrl: string, fn: (ctx: Ctx) => T): T {
    const ctx = this.site.newCtx('Administrator', baseUrl);
    return this.site.transact(ctx, (c) => c.asSystem(() => fn(c)));
  }

  // ---------------------------------------------------------------- HTTP

  /** GET <token>: the page; POST <token>/pay and <token>/cancel: the buttons behind it. */
  handle(req: CheckoutRequest): Reply {
    const [rawPath = '/', rawQuery = ''] = req.url.split('?', 2);
    const rest = rawPath.slice(CHECKOUT_PATH.length);
    const [token = '', action, ...extra] = rest.split('/');
    const form = this.form(req, rawQuery);
    const wantsJson = /application\/json/.test(str(req.headers.accept));
    if (!rawPath.startsWith(CHECKOUT_PATH) || token === '' || extra.length > 0) return this.page(404, 'Page introuvable', '<p>Cette adresse ne correspond à aucune page de paiement.</p>');
    const redirectTo = form.redirect_to ?? '';
    if (redirectTo !== '' && !/^https?:\/\/[^\s]+$/i.test(redirectTo)) {
      return this.page(400, 'Adresse de retour invalide', `<p>L’adresse de retour « ${escapeHtml(redirectTo)} » n’est pas une adresse http(s) valide.</p>`);
    }
    const checkout = this.checkout(token, req.baseUrl);
    if (!checkout || checkout.token !== token) {
      if (wantsJson) return this.json(404, { error: 'unknown-checkout', message: `No checkout has the token "${token}"` });
      return this.page(404, 'Lien de paiement inconnu', '<p>Ce lien de paiement n’existe pas ou n’est plus valable.</p>');
    }
    if (action === undefined || action === '') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.methodNotAllowed('GET');
      return this.checkoutPage(checkout, form);
    }
    if (req.method !== 'POST') return this.methodNotAllowed('POST');
    const back = (result: string): Reply => {
      const query = new URLSearchParams({ result, ...(redirectTo ? { redirect_to: redirectTo } : {}) });
      return { status: 303, headers: { location: `${CHECKOUT_PATH}${token}?${query.toString()}`, 'content-type': 'text/plain; charset=utf-8' }, body: '' };
    };
    const leave = (result: string): Reply => {
      if (!redirectTo) return back(result);
      const target = new URL(redirectTo);
      target.searchParams.set('payment_request', checkout.paymentRequest);
      target.searchParams.set('status', result);
      return { status: 303, headers: { location: target.toString(), 'content-type': 'text/plain; charset=utf-8' }, body: '' };
    };
    if (action === 'cancel') {
      // The payer leaves without paying: a gateway changes nothing in the ERP, and the checkout stays payable.
      if (wantsJson) return this.json(200, { status: 'Abandoned', paymentRequest: checkout.paymentRequest });
      return leave('abandoned');
    }
    if (action !== 'pay') return this.page(404, 'Page introuvable', '<p>Cette adresse ne correspond à aucune page de paiement.</p>');
    let amount: number | undefined;
    if (form.amount !== undefined && form.amount !== '') {
      amount = Number(form.amount);
      if (!Number.isFinite(amount)) return this.json(400, { error: 'invalid-amount', message: `amount must be a number, got "${form.amount}"` });
    }
    const fail = form.fail === undefined || form.fail === '' || form.fail === '0' ? undefined : form.fail === '1' || form.fail === 'true' ? true : form.fail;
    let outcome: PaymentOutcome;
    try {
      outcome = this.pay(token, { amount, fail }, req.baseUrl);
    } catch (err) {
      if (!(err instanceof GatewayRefusal)) throw err;
      if (wantsJson) return this.json(HTTP_STATUS[err.code], { error: err.code, message: err.message });
      return this.checkoutPage(this.checkout(token, req.baseUrl) ?? checkout, { ...form, result: err.code }, HTTP_STATUS[err.code]);
    }
    if (wantsJson) return this.json(outcome.status === 'Completed' ? 200 : 402, outcome);
    return outcome.status === 'Completed' ? leave('paid') : back('declined');
  }

  private form(req: CheckoutRequest, rawQuery: string): Record<string, string> {
    const out: Record<string, string> = Object.fromEntries(new URLSearchParams(rawQuery));
    const text = req.body.toString('utf8').trim();
    if (text === '') return out;
    if (/application\/json/.test(str(req.headers['content-type']))) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (isRecord(parsed)) for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
      } catch {
        return out;
      }
      return out;
    }
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }

  private checkoutPage(checkout: Checkout, form: Record<string, string>, status = 200): Reply {
    const request = this.site.tables.get('Payment Request', checkout.paymentRequest);
    const cancelled = !request || cint(request.docstatus) === 2;
    const paid = checkout.status === 'Completed' || request?.status === 'Paid';
    const redirect = form.redirect_to ?? '';
    const hidden = redirect ? `<input type="hidden" name="redirect_to" value="${escapeHtml(redirect)}">` : '';
    const notices: Record<string, string> = {
      declined: '<p class="warn" role="alert">Paiement refusé : votre carte a été refusée. Vous pouvez réessayer.</p>',
      abandoned: '<p class="info" role="status">Paiement abandonné : rien n’a été débité. Vous pouvez payer plus tard avec ce même lien.</p>',
      paid: '<p class="ok" role="status">Paiement accepté. Merci !</p>',
      'already-paid': '<p class="warn" role="alert">Ce paiement a déjà été effectué : il ne sera pas débité une seconde fois.</p>',
      'request-paid': '<p class="warn" role="alert">Cette demande est déjà réglée : il n’y a plus rien à payer.</p>',
      'request-cancelled': '<p class="warn" role="alert">Cette demande de paiement a été annulée.</p>',
      'amount-mismatch': '<p class="warn" role="alert">Le montant ne correspond pas à la demande de paiement.</p>',
    };
    let body = `<p class="amount">${escapeHtml(formatAmount(checkout.amount, checkout.currency))}</p>
<dl>
<dt>Bénéficiaire</dt><dd>${escapeHtml(checkout.company)}</dd>
<dt>Payeur</dt><dd>${escapeHtml(checkout.payerName)}</dd>
<dt>Référence</dt><dd>${escapeHtml(checkout.paymentRequest)}</dd>
<dt>Facture</dt><dd>${escapeHtml(checkout.referenceName)}</dd>
</dl>
${notices[form.result ?? ''] ?? ''}`;
    if (paid) body += form.result === 'paid' ? '' : notices.paid ?? '';
    else if (cancelled) body += form.result === 'request-cancelled' ? '' : notices['request-cancelled'] ?? '';
    else {
      body += `<form method="post" action="${CHECKOUT_PATH}${escapeHtml(checkout.token)}/pay">${hidden}<button type="submit" class="pay">Payer ${escapeHtml(formatAmount(checkout.amount, checkout.currency))}</button></form>
<form method="post" action="${CHECKOUT_PATH}${escapeHtml(checkout.token)}/cancel">${hidden}<button type="submit" class="cancel">Annuler</button></form>`;
    }
    if (redirect && (paid || cancelled || form.result === 'abandoned')) body += `<p><a href="${escapeHtml(redirect)}">Revenir au site</a></p>`;
    return this.page(status, 'Paiement sécurisé', body);
  }

  private page(status: number, title: string, body: string): Reply {
    const html = `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:2rem 1rem}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.25rem;margin:0 0 1rem}.amount{font-size:2rem;font-weight:700;margin:.5rem 0 1rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0 0 1.25rem}dt{color:#5b6475}dd{margin:0}
button{width:100%;font-size:1rem;padding:.75rem;border-radius:.5rem;border:0;margin-top:.5rem;cursor:pointer}
.pay{background:#3b5bdb;color:#fff}.cancel{background:#e9ecef;color:#1d2330}
.warn{color:#b02a37}.ok{color:#2b8a3e}.info{color:#364fc7}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
    return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: html };
  }

  private json(status: number, value: unknown): Reply {
    return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
  }

  private methodNotAllowed(allow: string): Reply {
    return { status: 405, headers: { allow, 'content-type': 'text/plain; charset=utf-8' }, body: `Méthode non autorisée : utilisez ${allow}.` };
  }
}
