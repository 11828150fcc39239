import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import { freePort } from '../../../scripts/src/lib/redis-server';
import { createBookingEngine, type BookingEngine, type BookingEngineOptions, type BookingView, type Principal, type QuoteView } from '../../../sidecar/src/booking';
import { FrappeAdapter, type FrappeAdapterConfig } from '../../../sidecar/src/erp';
import { createBookingApi } from '../../../sidecar/src/http/api';
import { createHttpApp } from '../../../sidecar/src/http/app';
import { PlaceMoney, type MoneyOptions } from '../../../sidecar/src/money';
import { connectRedis } from '../../../sidecar/src/redis/connection';
import { placeKeyspace, type PlaceKeyspace } from '../../../sidecar/src/redis/keys';
import { startEmulator, type Doc, type EmulatorHandle, type EmulatorOptions } from '../../emulator/src';
import { adminAccess, installAddon } from '../../support/erp';
import { eventually } from '../../support/eventually';
import { captureLogs } from '../../support/logs';
import { deleteKeys, REDIS_URL } from '../../support/redis';
import { addManager, addMember, addResource, everyDay } from '../../support/seed';
import { PARIS } from '../../support/time';

export { eventually };
export { accepted } from '../../support/outcomes';
export { at, PARIS, weekdayAhead } from '../../support/time';

/**
 * A place for the money flows' tests: the ERP emulator with the add-on installed by the real installer (so that its
 * Webhooks reach this place's API), a small tiers-lieu seeded in it, real Redis under a place id of its own, the
 * booking engine and the money flows on a clock the test may move, and the sidecar's API listening on a real port.
 */

export const ROOM = 'Salle Atelier';
export const LASER = 'Laser';
export const MEMBER_PRICE_LIST = 'Tarif adhérent';

export interface MoneySetup {
  /** The simulated online gateway (default on). */
  gateway?: boolean;
  /** The company's default tax template stays (VAT 20 % on top); off: no tax template at all. */
  taxes?: boolean;
  engine?: BookingEngineOptions;
  money?: MoneyOptions;
  emulator?: EmulatorOptions;
  erp?: Partial<FrappeAdapterConfig>;
  settings?: Doc;
}

export interface Clock {
  now(): number;
  /** Moves the engine's and money flows' "now" (the ERP's clock and Redis keep the real time). */
  set(instant: number): void;
  shiftMs: number;
}

export interface MoneyPlace {
  placeId: string;
  url: string;
  keys: PlaceKeyspace;
  emulator: EmulatorHandle;
  erp: FrappeAdapter;
  redis: Redis;
  engine: BookingEngine;
  money: PlaceMoney;
  clock: Clock;
  logs: Record<string, unknown>[];
  principal(key: 'alice' | 'bob' | 'paul'): Promise<Principal>;
  manager: Principal;
  customer(key: 'alice' | 'bob' | 'paul'): string;
  close(): Promise<void>;
}

export const userOf = (placeId: string, key: string): string => `${key}.${placeId}@example.org`;
const CUSTOMERS = { alice: 'Alice Martin', bob: 'Bob Durand', paul: 'Atelier Paul SARL' } as const;

export async function startMoneyPlace(setup: MoneySetup = {}): Promise<MoneyPlace> {
  const placeId = `tm-${randomBytes(4).toString('hex')}`;
  const keys = placeKeyspace(placeId);
  const emulator = await startEmulator({ randomSeed: 11, paymentGateway: setup.gateway ?? true, ...setup.emulator });
  const erp = new FrappeAdapter({ ...adminAccess(emulator), ...setup.erp });
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  // Installed with the default settings: the test's short timeouts and retries are for the sidecar's calls.
  const addon = await installAddon(new FrappeAdapter(adminAccess(emulator)), emulator.url, placeId, url);
  seed(emulator, placeId, setup);

  const clock: Clock = {
    shiftMs: 0,
    now: () => Date.now() + clock.shiftMs,
    set(instant) {
      clock.shiftMs = instant - Date.now();
    },
  };
  const captured = captureLogs();
  const { logger, lines: logs } = captured;
  const redis = await connectRedis(REDIS_URL, { name: `creneau-${placeId}` });
  const now = (): number => clock.now();
  const engine = createBookingEngine({
    place: { id: placeId, name: 'La Fabrique (test)', timeZone: PARIS, erp, keys },
    redis,
    redisUrl: REDIS_URL,
    logger,
    now,
    options: { writeBackoffMs: 100, sweepAfterMs: 2_000, sweepEveryMs: 1_000, ...setup.engine },
  });
  const money = new PlaceMoney({
    place: { id: placeId, name: 'La Fabrique (test)', timeZone: PARIS, erp, keys },
    engine,
    redis,
    redisUrl: REDIS_URL,
    logger,
    now,
    options: { backoffMs: 100, attempts: 30, pollEveryMs: 2_000, ...setup.money },
  });
  await engine.start();
  await money.start();
  const api = createBookingApi({
    places: [
      {
        id: placeId,
        name: 'La Fabrique (test)',
        timeZone: PARIS,
        currency: 'EUR',
        service: engine.service,
        directory: engine.directory,
        changes: {
          notify: async (change) => {
            await engine.changes.notify(change);
            await money.notify(change);
          },
        },
        money,
        erp,
        keys,
        webhookSecret: addon.webhookSecret,
      },
    ],
    redis,
    publicUrl: url,
    logger,
    version: 'test',
  });
  const server: Server = createHttpApp({ logger, routers: [api.router] }).listen(port, '127.0.0.1');
  await once(server, 'listening');

  return {
    placeId,
    url,
    keys,
    emulator,
    erp,
    redis,
    engine,
    money,
    clock,
    logs,
    principal: (key) => engine.directory.principalFor(userOf(placeId, key), key),
    manager: { user: userOf(placeId, 'manon'), fullName: 'Manon', customer: null, roles: ['Creneau Manager'], isManager: true },
    customer: (key) => CUSTOMERS[key],
    async close() {
      captured.replay();
      await money.close();
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
      await deleteKeys(redis, keys.prefix);
      await redis.quit();
      addon.remove();
    },
  };
}

function seed(emulator: EmulatorHandle, placeId: string, setup: MoneySetup): void {
  const store = emulator.store;
  if (setup.taxes === false) {
    for (const template of store.list('Sales Taxes and Charges Template')) store.update('Sales Taxes and Charges Template', String(template.name), { is_default: 0 });
  }
  store.insert({ doctype: 'Price List', price_list_name: MEMBER_PRICE_LIST, currency: 'EUR', selling: 1, buying: 0, enabled: 1 });
  store.insert({ doctype: 'Customer Group', customer_group_name: 'Adhérents', parent_customer_group: 'All Customer Groups', is_group: 0, default_price_list: MEMBER_PRICE_LIST });
  const open = everyDay('07:00:00', '21:00:00');
  // Public prices, then member prices, in the ERP's decimal form.
  addResource(store, {
    name: ROOM,
    item: 'RES-SALLE',
    prices: { 'Standard Selling': { Hour: 25, 'Half Day': 70, Day: 120 }, [MEMBER_PRICE_LIST]: { Hour: 18, 'Half Day': 50, Day: 90 } },
    pricesFrom: '2020-01-01',
    fields: { kind: 'Room', capacity: 8, slot_minutes: 30, min_minutes: 60, opening_hours: open },
  });
  addResource(store, {
    name: LASER,
    item: 'RES-LASER',
    prices: { 'Standard Selling': { Hour: 45 }, [MEMBER_PRICE_LIST]: { Hour: 30 } },
    pricesFrom: '2020-01-01',
    fields: { kind: 'Machine', capacity: 1, slot_minutes: 30, min_minutes: 60, max_minutes: 480, approval_required: 1, deposit_percent: 30, opening_hours: open },
  });
  store.update('Creneau Settings', 'Creneau Settings', {
    holidays_close: 0,
    hold_minutes: 15,
    default_price_list: 'Standard Selling',
    post_paid_invoicing_day: 1,
    cancellation_steps: [
      { hours_before: 48, refund_percent: 100 },
      { hours_before: 24, refund_percent: 50 },
      { hours_before: 0, refund_percent: 0 },
    ],
    ...setup.settings,
  });
  const members: { key: keyof typeof CUSTOMERS; group: string; postPaid?: boolean }[] = [
    { key: 'alice', group: 'Adhérents' },
    { key: 'bob', group: 'Individual' },
    { key: 'paul', group: 'Commercial', postPaid: true },
  ];
  for (const member of members) {
    addMember(store, {
      email: userOf(placeId, member.key),
      firstName: member.key,
      password: 'creneau-test',
      customer: CUSTOMERS[member.key],
      customerGroup: member.group,
      ...(member.postPaid ? { customerFields: { creneau_post_paid: 1 } } : {}),
    });
  }
  addManager(store, { email: userOf(placeId, 'manon'), firstName: 'manon', password: 'creneau-test' });
}

/** The booking once the ERP has it (the money jobs start from there). */
export async function inErp(place: MoneyPlace, booking: BookingView): Promise<string> {
  return eventually(async () => (await place.engine.booking(booking.id))?.erpName ?? undefined, `booking ${booking.id} in the ERP`);
}

/** Cents of an ERP decimal (exact through its text, as the sidecar reads them). */
export function cents(value: unknown): number {
  const text = String(value);
  const [units = '0', fraction = ''] = text.replace('-', '').split('.');
  const abs = Number(units) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return text.startsWith('-') ? -abs : abs;
}

/** The ERP's invoices and credit notes of a booking, read straight from the emulator's store. */
export function erpDocuments(place: MoneyPlace, erpName: string): Doc[] {
  return place.emulator.store
    .list('Sales Invoice')
    .filter((doc) => Array.isArray(doc.items) && (doc.items as Doc[]).some((row) => row.creneau_booking === erpName))
    .sort((a, b) => String(a.creation).localeCompare(String(b.creation)) || String(a.name).localeCompare(String(b.name)));
}

export function paymentRequests(place: MoneyPlace, invoice: string): Doc[] {
  return place.emulator.store.list('Payment Request').filter((doc) => doc.reference_name === invoice);
}

/** An invoice's rows in the quote's terms, to compare with what the member was shown. */
export function rowsOf(doc: Doc): { itemCode: string; uom: string; qty: number; rate: number; amount: number }[] {
  return (doc.items as Doc[]).map((row) => ({ itemCode: String(row.item_code), uom: String(row.uom), qty: Number(row.qty), rate: cents(row.rate), amount: cents(row.amount) }));
}

export function quoteRows(quote: QuoteView | null): { itemCode: string; uom: string; qty: number; rate: number; amount: number }[] {
  return (quote?.lines ?? []).map((line) => ({ itemCode: line.itemCode, uom: line.uom, qty: line.qty, rate: line.rate, amount: line.amount }));
}
