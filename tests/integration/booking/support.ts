import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { addonDocTypeRoot, loadAddonDefinitions } from '../../../sidecar/src/addon/definitions';
import { createBookingEngine, type BookingEngine, type BookingEngineOptions, type Principal } from '../../../sidecar/src/booking';
import { HOUR_MS } from '../../../sidecar/src/domain';
import { FrappeAdapter, type FrappeAdapterConfig } from '../../../sidecar/src/erp';
import type { Logger } from '../../../sidecar/src/log';
import { startRedisServer } from '../../../scripts/src/lib/redis-server';
import { connectRedis } from '../../../sidecar/src/redis/connection';
import { placeKeyspace, type PlaceKeyspace } from '../../../sidecar/src/redis/keys';
import { startEmulator, type Doc, type EmulatorHandle, type EmulatorOptions } from '../../emulator/src';
import { adminAccess } from '../../support/erp';
import { eventually } from '../../support/eventually';
import { captureLogs } from '../../support/logs';
import { runScript } from '../../support/processes';
import { deleteKeys, REDIS_URL } from '../../support/redis';
import { addManager, addMember, addResource, everyDay } from '../../support/seed';
import { PARIS } from '../../support/time';

export { eventually };
export { accepted, codes } from '../../support/outcomes';
export { REDIS_URL } from '../../support/redis';
export { at, dayAhead, PARIS } from '../../support/time';

/**
 * A place for the booking engine's integration tests: the ERP emulator with the add-on's DocTypes
 * loaded as if installed, seeded with resources, prices, members and settings; real Redis under a
 * place id of its own (so that test files never meet); engines built on them, closed at the end.
 */

export interface ResourceSeed {
  name: string;
  kind?: 'Room' | 'Seat Pool' | 'Machine';
  capacity?: number;
  walkInMargin?: number;
  slotMinutes?: number;
  /** Every day of the week from..to (HH:MM:SS); default 07:00–21:00. */
  open?: [string, string];
  /** Rates by UOM in the ERP's decimal form. */
  prices?: Record<string, number>;
  extra?: Doc;
}

export interface MemberSeed {
  key: string;
  customerGroup?: string;
  postPaid?: boolean;
  qualifications?: string;
}

export interface PlaceSetup {
  resources: ResourceSeed[];
  members?: MemberSeed[];
  settings?: Doc;
  emulator?: EmulatorOptions;
  /** The adapter's settings (short timeouts and backoffs for fault tests). */
  erp?: Partial<FrappeAdapterConfig>;
  /** A Redis of the test's own (one it may empty with FLUSHALL without touching other tests'). */
  redisUrl?: string;
}

export interface TestPlace {
  placeId: string;
  keys: PlaceKeyspace;
  emulator: EmulatorHandle;
  erp: FrappeAdapter;
  redis: Redis;
  logger: Logger;
  logs: Record<string, unknown>[];
  /** A new engine on this place (as another sidecar process would run one). */
  engine(options?: BookingEngineOptions, erp?: FrappeAdapter): Promise<BookingEngine>;
  /** Portal user → principal, through an engine's member directory. */
  principal(engine: BookingEngine, key: string): Promise<Principal>;
  manager: Principal;
  /** The ERP's Creneau Booking documents. */
  erpBookings(): Doc[];
  redisUrl: string;
  close(): Promise<void>;
}

export const userOf = (placeId: string, key: string): string => `${key}.${placeId}@example.org`;
export const customerOf = (key: string): string => `${key[0]?.toUpperCase() ?? ''}${key.slice(1)} Membre`;

export async function startPlace(setup: PlaceSetup): Promise<TestPlace> {
  const placeId = `tb-${randomBytes(4).toString('hex')}`;
  const keys = placeKeyspace(placeId);
  const emulator = await startEmulator({ addonDocTypeDirs: [addonDocTypeRoot()], randomSeed: 5, ...setup.emulator });
  const store = emulator.store;
  // The add-on's Custom Fields on Customer (post-paid, qualifications), as the installer adds them.
  for (const field of loadAddonDefinitions().customFields) {
    if (!store.get('Custom Field', `${field.dt}-${field.fieldname}`)) store.insert({ ...field, doctype: 'Custom Field' });
  }
  store.update('Creneau Settings', 'Creneau Settings', { holidays_close: 0, hold_minutes: 15, ...setup.settings });
  for (const seed of setup.resources) {
    const [from, to] = seed.open ?? ['07:00:00', '21:00:00'];
    addResource(store, {
      name: seed.name,
      item: `RES-${seed.name.toUpperCase().replace(/[^A-Z0-9]+/g, '-')}`,
      prices: { 'Standard Selling': seed.prices ?? { Hour: 10 } },
      fields: {
        kind: seed.kind ?? 'Seat Pool',
        capacity: seed.capacity ?? 1,
        walk_in_margin: seed.walkInMargin ?? 0,
        slot_minutes: seed.slotMinutes ?? 60,
        opening_hours: everyDay(from, to),
        ...seed.extra,
      },
    });
  }
  for (const member of setup.members ?? [{ key: 'alice' }, { key: 'bob' }]) {
    addMember(store, {
      email: userOf(placeId, member.key),
      firstName: member.key,
      customer: customerOf(member.key),
      ...(member.customerGroup ? { customerGroup: member.customerGroup } : {}),
      customerFields: {
        ...(member.postPaid ? { creneau_post_paid: 1 } : {}),
        ...(member.qualifications ? { creneau_qualifications: member.qualifications } : {}),
      },
    });
  }
  addManager(store, { email: userOf(placeId, 'manon'), firstName: 'manon' });

  const erp = new FrappeAdapter({ ...adminAccess(emulator), ...setup.erp });
  const redisUrl = setup.redisUrl ?? REDIS_URL;
  const redis = await connectRedis(redisUrl, { name: `creneau-${placeId}` });
  const { logger, lines: logs } = captureLogs();
  const engines: BookingEngine[] = [];

  const place: TestPlace = {
    placeId,
    keys,
    emulator,
    erp,
    redis,
    logger,
    logs,
    async engine(options = {}, port = erp) {
      const engine = createBookingEngine({
        place: { id: placeId, name: 'La Fabrique (test)', timeZone: PARIS, erp: port, keys },
        redis,
        redisUrl,
        logger,
        options: { writeBackoffMs: 50, sweepAfterMs: 2_000, sweepEveryMs: 1_000, ...options },
      });
      engines.push(engine);
      await engine.start();
      return engine;
    },
    principal: (engine, key) => engine.directory.principalFor(userOf(placeId, key), key),
    manager: { user: userOf(placeId, 'manon'), fullName: 'Manon', customer: null, roles: ['Creneau Manager'], isManager: true },
    erpBookings: () => store.list('Creneau Booking'),
    redisUrl,
    async close() {
      for (const engine of engines) await engine.close();
      await emulator.close();
      await deleteKeys(redis, keys.prefix);
      await redis.quit();
    },
  };
  return place;
}

/** Every accepted booking id is in the ERP exactly once, and nothing else of ours is. */
export function countByExternalId(docs: readonly Doc[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of docs) {
    const id = typeof doc.external_id === 'string' ? doc.external_id : '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A redis-server of the test's own on a free port, for tests that empty Redis (FLUSHALL) or kill it. */
/** A Redis of the test's own, which it may empty with FLUSHALL without touching the other tests'. */
export async function privateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  return startRedisServer();
}

export interface ChildEngine {
  /** The ids of the bookings it has reported accepted so far. */
  readonly accepted: string[];
  /** Waits until it has accepted `count` bookings; kills it and fails with its stderr if that does not come. */
  waitForAccepted(count: number, limitMs: number): Promise<void>;
  /** kill -9, and waits for it to be gone. */
  kill(): Promise<void>;
}

/**
 * Another sidecar process on this place (child-engine.ts): an engine with its workers on the place's ERP and Redis,
 * booking one seat after another for `members` on `resource`, an hour from each of `starts` in turn, until killed.
 */
export function startChildEngine(place: TestPlace, settings: { members: string[]; resource: string; starts: number[]; erp?: Partial<FrappeAdapterConfig> }): ChildEngine {
  const child = runScript(join(__dirname, 'child-engine.ts'), {
    env: {
      ...process.env,
      CRENEAU_CHILD: JSON.stringify({
        placeId: place.placeId,
        erp: { ...adminAccess(place.emulator), ...settings.erp },
        redisUrl: place.redisUrl,
        users: settings.members.map((key) => userOf(place.placeId, key)),
        resource: settings.resource,
        starts: settings.starts,
        hourMs: HOUR_MS,
      }),
    },
  });
  const accepted: string[] = [];
  child.onLine((line) => {
    if (line.startsWith('accepted ')) accepted.push(line.slice('accepted '.length));
  });
  return {
    accepted,
    waitForAccepted: (count, limitMs) =>
      eventually(() => (accepted.length >= count ? true : undefined), `the child process to accept ${String(count)} bookings`, limitMs).then(
        () => undefined,
        async (error: unknown) => {
          await child.stop('SIGKILL');
          throw new Error(`${(error as Error).message}; it accepted ${String(accepted.length)}; its stderr: ${child.stderr().slice(-2000)}`);
        },
      ),
    kill: () => child.stop('SIGKILL'),
  };
}
