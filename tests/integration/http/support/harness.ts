import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { parsePlace, parseLocalDateTime, parseResource } from '../../../../sidecar/src/domain';
import { createFrappeAdapter } from '../../../../sidecar/src/erp';
import { createBookingApi, type BookingApi, type BookingApiOptions, type PlaceApi } from '../../../../sidecar/src/http/api';
import { createHttpApp } from '../../../../sidecar/src/http/app';
import { connectRedis } from '../../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../../sidecar/src/redis/keys';
import { startEmulator, type EmulatorHandle } from '../../../emulator/src';
import { adminAccess } from '../../../support/erp';
import { captureLogs } from '../../../support/logs';
import { deleteKeys, REDIS_URL } from '../../../support/redis';
import { EngineDouble, type DoubleMember } from './engine-double';

/**
 * The API over real HTTP and real Redis, with the engine double behind it and the ERP emulator checking members'
 * passwords. Every harness has its own place id, so its Redis keys (creneau:<place>:…) never meet another test's.
 */

export const PARIS = 'Europe/Paris';
/** The engine's "now": Monday 30 November 2026, 08:00 in Paris. */
export const NOW = parseLocalDateTime('2026-11-30 08:00', PARIS);

export function paris(local: string): number {
  return parseLocalDateTime(local, PARIS);
}

export const MON_FRI_8_19 = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '08:00', to: '19:00' }));

export const RESOURCES = [
  parseResource({ id: 'salle-a', name: 'Salle A', kind: 'room', itemCode: 'SALLE-A', capacity: 12, slotMinutes: 30, openingHours: MON_FRI_8_19 }),
  parseResource({
    id: 'coworking',
    name: 'Coworking',
    kind: 'seat_pool',
    itemCode: 'COWORKING',
    capacity: 20,
    walkInMargin: { seats: 5 },
    slotMinutes: 60,
    openingHours: MON_FRI_8_19,
  }),
  parseResource({
    id: 'laser',
    name: 'Découpe laser',
    kind: 'machine',
    itemCode: 'LASER',
    capacity: 1,
    slotMinutes: 30,
    approvalRequired: true,
    openingHours: MON_FRI_8_19,
  }),
];

export const PRICES = {
  'salle-a': { Hour: 2_000, 'Half Day': 6_000, Day: 10_000 },
  coworking: { Hour: 500, 'Half Day': 1_500, Day: 2_500 },
  laser: { Hour: 3_000 },
};

export interface MemberAccount extends DoubleMember {
  password: string;
}

export interface Harness {
  url: string;
  placeId: string;
  api: BookingApi;
  engine: EngineDouble;
  emulator: EmulatorHandle;
  redis: Redis;
  members: { alice: MemberAccount; bob: MemberAccount; manager: MemberAccount; staff: MemberAccount };
  /** Log records written while the harness ran. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  api?: Partial<Omit<BookingApiOptions, 'places' | 'redis' | 'logger'>>;
  place?: Partial<PlaceApi>;
}

function account(name: string, customer: string | null, roles: string[] = []): MemberAccount {
  const tag = randomBytes(3).toString('hex');
  return {
    user: `${name}-${tag}@example.org`,
    fullName: `${name[0]?.toUpperCase() ?? ''}${name.slice(1)} Test`,
    customer,
    roles,
    password: `Pw-${randomBytes(6).toString('hex')}-long`,
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const placeId = `t-http-${randomBytes(4).toString('hex')}`;
  const emulator = await startEmulator({ randomSeed: 11 });
  const members = {
    alice: account('alice', 'Alice SARL'),
    bob: account('bob', 'Bob SAS'),
    manager: account('manon', null, ['Creneau Manager']),
    staff: account('sam', null, []),
  };
  for (const m of Object.values(members)) {
    const [first, last] = (m.fullName ?? m.user).split(' ');
    emulator.store.insert({ doctype: 'User', email: m.user, first_name: first, last_name: last, new_password: m.password, send_welcome_email: 0 });
  }
  const engine = new EngineDouble({
    resources: RESOURCES,
    prices: PRICES,
    currency: 'EUR',
    priceList: 'Standard Selling',
    place: parsePlace({}),
    now: () => NOW,
    members: Object.values(members),
  });
  const redis = await connectRedis(REDIS_URL, { name: 'creneau-http-tests' });
  const { logger, lines: logs } = captureLogs('debug');
  const place: PlaceApi = {
    id: placeId,
    name: 'La Forge',
    timeZone: PARIS,
    currency: 'EUR',
    service: engine,
    directory: engine,
    changes: engine,
    erp: createFrappeAdapter(adminAccess(emulator)),
    keys: placeKeyspace(placeId),
    webhookSecret: 'whsec-test-0123456789',
    ...options.place,
  };
  const api = createBookingApi({
    places: [place],
    redis,
    publicUrl: 'http://portal.test',
    logger,
    version: 'test',
    now: () => NOW,
    ...options.api,
  });
  const app = createHttpApp({ logger, routers: [api.router] });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    placeId,
    api,
    engine,
    emulator,
    redis,
    members,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deleteKeys(redis, place.keys.prefix);
      await redis.quit();
      await emulator.close();
    },
  };
}
