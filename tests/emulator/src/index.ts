import { registerControllers } from './controllers';
import { DEFAULT_GATEWAY_NAME, PaymentGateway, seedPaymentGateway, type Checkout, type PaymentOutcome, type PayOptions } from './controllers/gateway';
import { FrappeError } from './errors';
import { Api } from './http/api';
import type { FaultController } from './http/faults';
import type { LatencyProfile } from './http/latency';
import { MethodRegistry, registerFrappeMethods } from './http/methods';
import { EmulatorServer } from './http/server';
import type { Doc } from './meta/meta';
import { str } from './model/values';
import { Persistence, readSnapshot, restore } from './persistence';
import { seedErpnext, seedFramework } from './seed/base';
import { Site, syncCustomFields } from './site';
import { SiteClock } from './util/clock';
import { randomHex, Rng } from './util/random';
import { WebhookDispatcher, type WebhookDelivery } from './webhooks/dispatcher';

export type { FaultController, FaultRule } from './http/faults';
export type { LatencyProfile } from './http/latency';
export { ERPNEXT_V15_PROFILE } from './http/latency';
export type { WebhookDelivery } from './webhooks/dispatcher';
export type { Checkout, PaymentOutcome, PayOptions, RefusalCode } from './controllers/gateway';
export { CHECKOUT_PATH, DEFAULT_GATEWAY_NAME, GatewayRefusal } from './controllers/gateway';
export { FrappeError } from './errors';
export type { Doc } from './meta/meta';

export interface EmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** 'base' (default): a fresh ERPNext 15 site after the setup wizard, as recorded; 'none': Frappe's own records only. */
  seed?: 'base' | 'none';
  /** Defaults are generated; returned on the handle. */
  admin?: { apiKey: string; apiSecret: string; password?: string };
  /** Folders of Frappe DocType JSON files (<dir>/<doctype_snake>/<doctype_snake>.json), loaded as an installed app. */
  addonDocTypeDirs?: string[];
  /** Default null (as fast as possible). */
  latency?: LatencyProfile | 'erpnext-v15' | null;
  /** Persist the whole store to this file (atomic write, debounced) and reload it at start. */
  dataFile?: string;
  /** Makes probabilistic faults, latency jitter and generated names reproducible. */
  randomSeed?: number;
  /** 'async' (default): delivered in the background after the request, like Frappe's RQ worker. */
  webhookDelivery?: 'async' | 'manual';
  /** Pauses between webhook attempts after a failure; Frappe sleeps 1 s then 4 s. */
  webhookRetryDelaysMs?: [number, number];
  /** The site's clock (epoch milliseconds); the real clock by default. */
  now?: () => number;
  /**
   * An online payment gateway, as on a site with Stripe or GoCardless set up: a Payment Gateway (named
   * "Stripe-Emulator" unless told) and its default Payment Gateway Account paying into "Bank Account - RC".
   * Payment Requests then get a `payment_url` to the emulator's own checkout page. Off by default: the
   * recorded plain ERPNext answers `payment_url: null`.
   */
  paymentGateway?: boolean | { name?: string };
}

/** The simulated gateway, for tests: what the payer would do on the checkout page, without a browser. */
export interface EmulatorGateway {
  /** The checkout of a token (the last part of its URL) or of a Payment Request name (its latest checkout). */
  checkout(ref: string): Checkout | undefined;
  checkouts(): Checkout[];
  /**
   * Pays a checkout like the "Payer" button (or is declined with `fail`); throws GatewayRefusal when the gateway
   * would not charge (already paid, request cancelled, wrong amount, unknown checkout).
   */
  pay(ref: string, options?: PayOptions): PaymentOutcome;
}

/** Direct, synchronous access to the site's data, for tests and seeding. */
export interface EmulatorStore {
  /** The stored document (a copy), or undefined. */
  get(doctype: string, name: string): Doc | undefined;
  /** Stored documents of a DocType in creation order (copies), optionally filtered. */
  list(doctype: string, predicate?: (doc: Doc) => boolean): Doc[];
  /** Inserts as Administrator with the same defaults, naming and validation as REST; throws FrappeError. */
  insert(doc: Doc): Doc;
  /** Loads, updates and saves a document (submits with docstatus: 1); throws FrappeError. */
  update(doctype: string, name: string, patch: Doc): Doc;
  /** Deletes like DELETE /api/resource; throws FrappeError. */
  delete(doctype: string, name: string): void;
  count(doctype: string): number;
}

export interface EmulatorHandle {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  admin: { user: 'Administrator'; apiKey: string; apiSecret: string; password: string };
  faults: FaultController;
  latency: { set(profile: LatencyProfile | 'erpnext-v15' | null): void };
  counters: { snapshot(): Record<string, number>; total(): number; reset(): void };
  webhooks: { deliveries(): WebhookDelivery[]; idle(): Promise<void>; flush(): Promise<void> };
  store: EmulatorStore;
  /** The payment gateway; its methods throw when the emulator was started without `paymentGateway`. */
  gateway: EmulatorGateway;
  /** Closes the server, open sockets and timers. */
  close(): Promise<void>;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const rootRng = new Rng(options.randomSeed);
  const nowFn = options.now;
  const clock = new SiteClock(nowFn ? () => nowFn() * 1000 : undefined);
  const site = new Site({ clock, randomSeed: options.randomSeed, addonDocTypeDirs: options.addonDocTypeDirs });
  const admin = {
    user: 'Administrator' as const,
    apiKey: options.admin?.apiKey ?? randomHex(15),
    apiSecret: options.admin?.apiSecret ?? randomHex(15),
    password: options.admin?.password ?? randomHex(16),
  };
  const methods = new MethodRegistry();
  registerFrappeMethods(methods);
  const { getPaymentEntry } = registerControllers(site, methods);

  const restored = options.dataFile ? readSnapshot(options.dataFile) : undefined;
  if (restored) {
    restore(site, restored, (doc) => site.registry.put(doc));
    syncCustomFields(site);
    // The handle's credentials must work against the restored site too.
    site.asAdministrator((ctx) => {
      const user = site.engine.getDoc('User', 'Administrator');
      if (user.api_key !== admin.apiKey || site.getSecret('User', 'Administrator', 'api_secret') !== admin.apiSecret) {
        site.engine.dbSet(ctx, 'User', 'Administrator', { api_key: admin.apiKey, api_secret: '*'.repeat(admin.apiSecret.length) }, false);
        site.setSecret(ctx, 'User', 'Administrator', 'api_secret', admin.apiSecret);
      }
      site.setSecret(ctx, 'User', 'Administrator', 'password', admin.password);
    });
  } else {
    seedFramework(site, admin);
    if ((options.seed ?? 'base') === 'base') seedErpnext(site);
  }
  let gateway: PaymentGateway | undefined;
  if (options.paymentGateway) {
    const name = typeof options.paymentGateway === 'object' ? options.paymentGateway.name ?? DEFAULT_GATEWAY_NAME : DEFAULT_GATEWAY_NAME;
    seedPaymentGateway(site, name);
    gateway = new PaymentGateway(site, getPaymentEntry, () => persistence?.changed());
    site.paymentGatewayController = gateway;
  }

  const webhooks = new WebhookDispatcher(site, {
    delivery: options.webhookDelivery ?? 'async',
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1000, 4000],
  });
  const persistence = options.dataFile ? new Persistence(site, options.dataFile) : undefined;
  const api = new Api(site, methods);
  const checkoutPages = gateway;
  const server = new EmulatorServer(api, webhooks, rootRng.fork(0x1a7e), rootRng.fork(0xfa17), options.latency ?? null, {
    afterRequest: () => persistence?.changed(),
    checkout: checkoutPages ? (req) => checkoutPages.handle(req) : undefined,
  });
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');

  const runAsAdmin = <T>(fn: (ctx: ReturnType<Site['newCtx']>) => T): T => {
    const ctx = site.newCtx('Administrator', url);
    const result = site.transact(ctx, fn);
    persistence?.changed();
    return result;
  };

  const store: EmulatorStore = {
    get(doctype, name) {
      const doc = site.engine.stored(doctype, name);
      return doc ? copy(doc) : undefined;
    },
    list(doctype, predicate) {
      const meta = site.engine.meta(doctype);
      if (!meta) throw new Error(`Unknown DocType "${doctype}"`);
      const out: Doc[] = [];
      for (const doc of site.tables.rows(meta.name)) if (!predicate || predicate(doc)) out.push(copy(doc));
      return out;
    },
    insert(doc) {
      const doctype = str(doc.doctype);
      const meta = site.engine.meta(doctype);
      if (!meta) throw new Error(`store.insert: unknown DocType "${doctype}" (set doc.doctype)`);
      return runAsAdmin((ctx) => {
        const inserted = site.engine.insertNew(ctx, meta, copy(doc));
        return copy(site.engine.stored(meta.name, str(inserted.name)) ?? inserted);
      });
    },
    update(doctype, name, patch) {
      const meta = site.engine.requireMeta(doctype);
      return runAsAdmin((ctx) => {
        const doc = site.engine.getDoc(meta.name, name);
        site.engine.applyUpdate(meta, doc, copy(patch));
        site.engine.save(ctx, doc);
        return copy(site.engine.stored(meta.name, str(doc.name)) ?? doc);
      });
    },
    delete(doctype, name) {
      runAsAdmin((ctx) => site.engine.deleteDoc(ctx, doctype, name));
    },
    count(doctype) {
      const meta = site.engine.meta(doctype);
      return meta ? site.tables.count(meta.name) : 0;
    },
  };

  const requireGateway = (): PaymentGateway => {
    if (!gateway) throw new Error('This emulator has no payment gateway: start it with startEmulator({ paymentGateway: true })');
    return gateway;
  };

  let closed = false;
  return {
    url,
    admin,
    faults: server.faults,
    latency: { set: (profile) => server.setLatency(profile) },
    counters: {
      snapshot: () => server.counters.snapshot(),
      total: () => server.counters.total(),
      reset: () => server.counters.reset(),
    },
    webhooks: {
      deliveries: () => webhooks.deliveries(),
      idle: () => webhooks.idle(),
      flush: () => webhooks.flush(),
    },
    store,
    gateway: {
      checkout: (ref) => requireGateway().checkout(ref, url),
      checkouts: () => requireGateway().checkouts(url),
      pay: (ref, payOptions = {}) => requireGateway().pay(ref, payOptions, url),
    },
    async close() {
      if (closed) return;
      closed = true;
      webhooks.close();
      await server.close();
      persistence?.saveNow();
    },
  };
}

/** True when `err` is an error answer of the emulated site (for tests using the store). */
export function isFrappeError(err: unknown): err is FrappeError {
  return err instanceof FrappeError;
}
