import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createBookingEngine, type BookingEngine, type BookingEngineOptions } from './booking';
import { ConfigError, loadConfig, type Config } from './config';
import { createFrappeAdapter, ErpAuthenticationError, ErpError, ErpPermissionError, ErpUnavailableError, type ErpPort } from './erp';
import { createBookingApi, type BookingApiOptions } from './http/api';
import { createHttpApp } from './http/app';
import { healthRouter } from './http/health';
import { createLogger, type Logger } from './log';
import { PlaceMoney, type MoneyOptions } from './money';
import { connectRedis, RedisUnavailableError } from './redis/connection';
import { placeKeyspace, type PlaceKeyspace } from './redis/keys';
import { createTicketEngine, type TicketEngine, type TicketEngineOptions } from './tickets';

export const VERSION = '0.1.0';

/** A problem that stops the sidecar at start; its message is the one line the operator reads. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface PlaceRuntime {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
  erpUrl: string;
  erp: ErpPort;
  keys: PlaceKeyspace;
  engine: BookingEngine;
  money: PlaceMoney;
  tickets: TicketEngine;
  /** Shared with the ERP's Webhooks by the installer; absent until the add-on is installed. */
  webhookSecret: string | undefined;
}

export interface SidecarHandle {
  url: string;
  places: readonly PlaceRuntime[];
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Tuning for tests and benchmarks (short locks for kill -9 tests, hold length...). */
  engine?: BookingEngineOptions;
  money?: MoneyOptions;
  tickets?: TicketEngineOptions;
  /** The engines' and money flows' clock (tests that book in a past month); the real one by default. */
  now?: () => number;
  api?: Pick<BookingApiOptions, 'limits' | 'allowedOrigins' | 'sessionTtlSeconds'>;
}

/** Wires the sidecar together: configuration in, a listening server out. */
export async function startSidecar(config: Config, options: StartOptions = {}): Promise<SidecarHandle> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const startedAt = Date.now();

  let redis: Redis;
  try {
    redis = await connectRedis(config.redis.url, { name: 'creneau' });
  } catch (error) {
    if (error instanceof RedisUnavailableError) throw new StartupError(`${error.message}: start Redis or set REDIS_URL.`);
    throw error;
  }

  const places: PlaceRuntime[] = config.places.map((place) => {
    const erp = createFrappeAdapter(place.erp, { logger: logger.child({ place: place.id }) });
    const keys = placeKeyspace(place.id);
    // What the ticket ledger, the booking engine and the money flows of a place all get.
    const shared = {
      place: { id: place.id, name: place.name, timeZone: place.timeZone, erp, keys },
      redis,
      redisUrl: config.redis.url,
      logger,
      ...(options.now ? { now: options.now } : {}),
    };
    const tickets = createTicketEngine({ ...shared, ...(options.tickets ? { options: options.tickets } : {}) });
    const engine = createBookingEngine({ ...shared, tickets: tickets.bookings, ...(options.engine ? { options: options.engine } : {}) });
    // A booking paid with tickets that is cancelled, expires or is rejected gets its tickets back.
    engine.onSynced(async (record) => tickets.bookingChanged(record, (await engine.catalog.snapshot()).rules.cancellationPolicy));
    const money = new PlaceMoney({ ...shared, engine, tickets: tickets.bookings, ...(options.money ? { options: options.money } : {}) });
    return {
      id: place.id,
      name: place.name,
      timeZone: place.timeZone,
      currency: place.currency,
      erpUrl: place.erp.url,
      erp,
      keys,
      engine,
      money,
      tickets,
      webhookSecret: place.webhookSecret,
    };
  });

  const started: PlaceRuntime[] = [];
  const stopEngines = async (): Promise<void> => {
    await Promise.all(started.map((place) => place.money.close().catch(() => undefined)));
    await Promise.all(started.map((place) => place.tickets.close().catch(() => undefined)));
    await Promise.all(started.map((place) => place.engine.close().catch(() => undefined)));
  };
  try {
    await Promise.all(places.map((place) => checkErp(place)));
    for (const place of places) {
      await place.engine.start();
      started.push(place);
      await place.tickets.start();
      await place.money.start();
    }
  } catch (error) {
    await stopEngines();
    redis.disconnect();
    throw error;
  }

  const api = createBookingApi({
    places: places.map((place) => {
      if (!place.webhookSecret) {
        logger.warn({ place: place.id }, 'no webhook secret for this place: run `npm run erp:install`; changes made in the ERP reach the sidecar only by reconciliation until then');
      }
      return {
        id: place.id,
        name: place.name,
        timeZone: place.timeZone,
        currency: place.currency,
        erp: place.erp,
        keys: place.keys,
        service: place.engine.service,
        directory: place.engine.directory,
        // Payments arrive as changes of Payment Entries and Sales Invoices: the money flows and the ticket
        // ledger (packs paid, credit notes, entries typed in the desk) hear them too.
        changes: {
          notify: async (change) => {
            await place.engine.changes.notify(change);
            await place.money.notify(change);
            await place.tickets.changes.notify(change);
          },
        },
        money: place.money,
        tickets: place.tickets.service,
        webhookSecret: place.webhookSecret,
      };
    }),
    redis,
    publicUrl: config.http.publicUrl,
    logger,
    version: VERSION,
    ...options.api,
  });

  const app = createHttpApp({
    logger,
    routers: [healthRouter({ redis, places, version: VERSION, startedAt }), api.router],
  });
  const server: Server = app.listen(config.http.port, config.http.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await stopEngines();
    redis.disconnect();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`Port ${config.http.port} on ${config.http.host} is already in use: set PORT to a free one.`);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, places: places.map((p) => p.id), source: config.source }, 'sidecar listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    places,
    close: () => {
      closing ??= (async () => {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await stopEngines();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}

/** A wrong key or an unreachable ERP is said once, in a sentence, instead of failing every request later. */
async function checkErp(place: PlaceRuntime): Promise<void> {
  try {
    await place.erp.getLoggedUser({ timeoutMs: 5_000 });
  } catch (error) {
    const where = `Place "${place.id}": the ERP at ${place.erpUrl}`;
    if (error instanceof ErpAuthenticationError) throw new StartupError(`${where} refused the API key and secret (401): check ERP_API_KEY and ERP_API_SECRET.`);
    if (error instanceof ErpUnavailableError) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      throw new StartupError(`${where} does not answer (${cause}): check ERP_URL and that the ERP is running.`);
    }
    if (error instanceof ErpPermissionError) throw new StartupError(`${where} refused the API user (403): give it the System Manager role, or check the key.`);
    if (error instanceof ErpError) throw new StartupError(`${where} cannot be used: ${error.message}`);
    throw error;
  }
}

/** The command line: configuration from the environment or creneau.config.json, one line per problem, no stack trace. */
async function runFromCommandLine(): Promise<void> {
  const configFlag = process.argv.indexOf('--config');
  let config: Config;
  try {
    const file = configFlag >= 0 ? process.argv[configFlag + 1] : undefined;
    config = loadConfig({ env: process.env, ...(file ? { file } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`créneau: configuration: ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }
  let sidecar: SidecarHandle;
  try {
    sidecar = await startSidecar(config);
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`créneau: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const stop = (): void => {
    sidecar.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  runFromCommandLine().catch((error: unknown) => {
    process.stderr.write(`créneau: unexpected failure at start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
