import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Principal } from '../../../sidecar/src/booking';
import type { LedgerEntry } from '../../../sidecar/src/domain';
import { FrappeAdapter, type FrappeAdapterConfig } from '../../../sidecar/src/erp';
import { createTicketEngine, type TicketEngine, type TicketEngineOptions } from '../../../sidecar/src/tickets';
import { TicketStore } from '../../../sidecar/src/tickets/store';
import type { Doc, EmulatorOptions } from '../../emulator/src';
import { customerOf, PARIS, startPlace, type MemberSeed, type ResourceSeed, type TestPlace } from '../booking/support';

/**
 * A place for the ticket ledger's integration tests: the booking engine's test place (the ERP
 * emulator with the add-on's DocTypes, resources, members, a manager; real Redis under a place id
 * of its own), plus pack types with their Items and prices, and ticket engines built on them (as
 * many sidecar processes would run), closed at the end.
 */

export { at, customerOf, dayAhead, eventually, PARIS } from '../booking/support';

export interface PackSeed {
  name: string;
  item: string;
  ticketsPerPack: number;
  unit: 'Hour' | 'Half Day' | 'Day';
  validityDays: number;
  allowConversion?: boolean;
  /** Creneau Pack Eligibility rows. */
  eligibility?: Doc[];
  /** Price of one pack, in the ERP's decimal form. */
  price?: number;
}

export interface TicketSetup {
  packs: PackSeed[];
  resources?: ResourceSeed[];
  members?: MemberSeed[];
  settings?: Doc;
  emulator?: EmulatorOptions;
  erp?: Partial<FrappeAdapterConfig>;
  redisUrl?: string;
}

export interface TicketTestPlace {
  base: TestPlace;
  /** A ticket engine on this place (as one sidecar process runs it). */
  tickets(options?: TicketEngineOptions, now?: () => number, erp?: FrappeAdapter, redis?: Redis): Promise<TicketEngine>;
  /** A member's customer name ("Alice Membre"). */
  customer(key: string): string;
  manager: Principal;
  member(key: string): Principal;
  /** A submitted Sales Invoice of `qty` packs, paid in full unless `pay` says otherwise. Returns its name. */
  sellPack(customer: string, item: string, qty: number, pay?: 'full' | 'none' | number): Promise<string>;
  /** Pays (part of) a submitted invoice with a Payment Entry. */
  pay(invoice: string, amount?: number): Promise<string>;
  /** A Creneau Booking in the ERP with our id, as the booking engine writes one. */
  erpBooking(customer: string, bookingId: string, resource?: string): Doc;
  /** The submitted Creneau Ticket Ledger Entries. */
  erpEntries(customer?: string): Doc[];
  /** What Redis holds of a member. */
  redisLedger(customer: string): Promise<{ entries: readonly LedgerEntry[]; erpNames: ReadonlyMap<string, string> }>;
  close(): Promise<void>;
}

const nameOf = z.object({ name: z.string() }).loose();

export async function startTicketPlace(setup: TicketSetup): Promise<TicketTestPlace> {
  const base = await startPlace({
    resources: setup.resources ?? [{ name: 'Coworking', kind: 'Seat Pool', capacity: 1000, slotMinutes: 30, prices: { Hour: 3, Day: 14 } }],
    ...(setup.members ? { members: setup.members } : {}),
    ...(setup.settings ? { settings: setup.settings } : {}),
    ...(setup.emulator ? { emulator: setup.emulator } : {}),
    ...(setup.erp ? { erp: setup.erp } : {}),
    ...(setup.redisUrl ? { redisUrl: setup.redisUrl } : {}),
  });
  const store = base.emulator.store;
  for (const pack of setup.packs) {
    if (!store.get('Item', pack.item)) {
      store.insert({ doctype: 'Item', item_code: pack.item, item_name: pack.name, item_group: 'Services', stock_uom: 'Nos', is_stock_item: 0 });
      store.insert({ doctype: 'Item Price', item_code: pack.item, uom: 'Nos', price_list: 'Standard Selling', price_list_rate: pack.price ?? 100 });
    }
    store.insert({
      doctype: 'Creneau Ticket Pack Type',
      pack_type_name: pack.name,
      item: pack.item,
      tickets_per_pack: pack.ticketsPerPack,
      ticket_unit: pack.unit,
      validity_days: pack.validityDays,
      allow_conversion: pack.allowConversion ? 1 : 0,
      eligibility: pack.eligibility ?? [],
    });
  }
  const engines: TicketEngine[] = [];
  const erp = base.erp;
  const ledgerStore = new TicketStore(base.redis, base.keys);

  const pay = async (invoice: string, amount?: number): Promise<string> => {
    const draft = await erp.call(
      'erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry',
      { dt: 'Sales Invoice', dn: invoice, ...(amount === undefined ? {} : { party_amount: amount }) },
      { http: 'POST', schema: z.record(z.string(), z.unknown()) },
    );
    const entry = await erp.insert('Payment Entry', { ...draft, reference_no: `VIR-${invoice}-${String(Date.now())}`, reference_date: draft.posting_date, docstatus: 1 }, { schema: nameOf });
    return entry.name;
  };

  return {
    base,
    async tickets(options = {}, now, port = erp, redis = base.redis) {
      const engine = createTicketEngine({
        place: { id: base.placeId, name: 'La Fabrique (test)', timeZone: PARIS, erp: port, keys: base.keys },
        redis,
        redisUrl: base.redisUrl,
        logger: base.logger,
        ...(now ? { now } : {}),
        options: { writeBackoffMs: 50, sweepAfterMs: 1_000, sweepEveryMs: 500, balanceDelayMs: 50, ...options },
      });
      engines.push(engine);
      await engine.start();
      return engine;
    },
    customer: customerOf,
    manager: base.manager,
    member: (key) => ({ user: `${key}@example.org`, fullName: key, customer: customerOf(key), roles: ['Customer'], isManager: false }),
    async sellPack(customer, item, qty, how = 'full') {
      const invoice = await erp.insert('Sales Invoice', { customer, items: [{ item_code: item, qty }], docstatus: 1 }, { schema: nameOf });
      if (how === 'full') await pay(invoice.name);
      else if (typeof how === 'number') await pay(invoice.name, how);
      return invoice.name;
    },
    pay,
    erpBooking(customer, bookingId, resource = 'Coworking') {
      return store.insert({
        doctype: 'Creneau Booking',
        resource,
        customer,
        starts_at: '2030-01-07 09:00:00',
        ends_at: '2030-01-07 12:00:00',
        status: 'Confirmed',
        payment_mode: 'Tickets',
        external_id: bookingId,
      });
    },
    erpEntries: (customer) => store.list('Creneau Ticket Ledger Entry', (doc) => doc.docstatus === 1 && (customer === undefined || doc.customer === customer)),
    redisLedger: (customer) => ledgerStore.read(customer),
    async close() {
      for (const engine of engines) await engine.close();
      await base.close();
    },
  };
}

/** The ERP's ledger and Redis's, side by side: key → [type, quantity, lot] for each entry. */
export function entriesByKey(entries: readonly { key: string; type: string; quantity: number; lot?: string | undefined }[]): Record<string, [string, number, string | null]> {
  return Object.fromEntries(entries.map((e) => [e.key, [e.type, e.quantity, e.lot ?? null]]));
}

export function erpEntriesByKey(docs: readonly Doc[]): Record<string, [string, number, string | null]> {
  return Object.fromEntries(
    docs.map((doc) => [
      typeof doc.external_id === 'string' && doc.external_id !== '' ? doc.external_id : `erp:${String(doc.name)}`,
      [String(doc.entry_type).toLowerCase(), Number(doc.quantity), typeof doc.lot === 'string' && doc.lot !== '' ? doc.lot : null],
    ]),
  );
}
