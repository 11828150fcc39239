import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Catalog } from '../catalog';
import type { Cents } from '../domain';
import type { Logger } from '../log';
import { PlaceQueues, QUEUE_NAMES } from '../queue/queues';
import type { BookingTickets } from '../tickets/contract';
import type { BookingService, BookingView, ErpChangeNotice, ErpChangeSink, MemberDirectory, Outcome, RebuildReport } from './contract';
import { EngineContext, resolveOptions, type BookingEngineOptions, type PlaceInfo, type WriteJobData } from './context';
import type { BookingRecord } from './record';
import { IndexBuilder } from './rebuild';
import { EngineBookingService } from './service';
import { BookingStore } from './store';
import { ErpSync, type ReconcileReport } from './sync';

/**
 * One place's booking engine: `createBookingEngine(deps)`, then `start()`. Several processes may
 * run it on the same Redis and ERP at once; everything it does is safe with N of them. It keeps no
 * module state, and `close()` stops everything it started (workers, queues, timers), so it can run
 * in a child process and be stopped cleanly or killed.
 */

export interface BookingEngineDeps {
  place: PlaceInfo;
  /** Commands connection (the engine does not close it). */
  redis: Redis;
  /** BullMQ opens its own connections (its workers block on theirs). */
  redisUrl: string;
  logger: Logger;
  now?: () => number;
  options?: BookingEngineOptions;
  /** The place's ticket ledger: with it, bookings may be paid with tickets (payment mode `tickets`). */
  tickets?: BookingTickets;
}

export interface BookingEngine {
  service: BookingService;
  directory: MemberDirectory;
  changes: ErpChangeSink;
  /** Loads the catalog, rebuilds the index if there is none, starts the workers and the schedulers. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** For the money flows: a payment the ERP recorded for a booking awaiting it. */
  paymentReceived(bookingId: string, amount: Cents): Promise<Outcome<BookingView>>;
  /** For the money flows: the place's catalog (prices, members, resources), the booking as the index holds it. */
  readonly catalog: Catalog;
  booking(bookingId: string): Promise<BookingRecord | undefined>;
  bookingIdByErpName(erpName: string): Promise<string | undefined>;
  /** Called with each booking version once the ERP has it (its `erpName` known); a listener's failure makes the write retry. */
  onSynced(listener: (record: BookingRecord) => Promise<void>): void;
  /** Compares the ERP with the index now (it also runs every `reconcileEveryMs`). */
  reconcile(): Promise<ReconcileReport>;
  /** Requeues lost ERP writes and ends overdue holds now (it also runs every `sweepEveryMs`). */
  sweep(): Promise<{ requeued: number; expired: number }>;
  rebuild(): Promise<RebuildReport>;
  /** Bookings whose latest change the ERP has not got yet. */
  pendingErpWrites(): Promise<number>;
}

export function createBookingEngine(deps: BookingEngineDeps): BookingEngine {
  const options = resolveOptions(deps.options);
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  const store = new BookingStore(deps.redis, deps.place.keys, now);
  const catalog = new Catalog({
    erp: deps.place.erp,
    redis: deps.redis,
    keys: deps.place.keys,
    logger,
    now,
    placeTimeZone: deps.place.timeZone,
    ...(options.catalog ? { options: options.catalog } : {}),
  });
  const queues = new PlaceQueues(deps.place.keys, deps.redisUrl, logger);
  const ctx = new EngineContext(deps.place, deps.redis, logger, now, options, store, catalog, queues);
  const sync = new ErpSync(ctx);
  const builder = new IndexBuilder(ctx, sync);
  ctx.requestRebuild = (source) => builder.request(source);
  const service = new EngineBookingService(ctx, sync, deps.tickets);

  const schedulers = async (): Promise<void> => {
    if (!options.workers) return;
    await queues.every(QUEUE_NAMES.timers, 'sweep', options.sweepEveryMs, 'sweep');
    await queues.every(QUEUE_NAMES.timers, 'reconcile', options.reconcileEveryMs, 'reconcile');
  };
  builder.afterSwap = schedulers;

  let started = false;
  return {
    service,
    directory: { principalFor: (user, fullName) => catalog.principalFor(user, fullName) },
    changes: { notify: (change: ErpChangeNotice) => sync.notify(change) },
    async start() {
      if (started) return;
      started = true;
      await catalog.snapshot();
      if ((await store.currentGeneration()) === undefined) await builder.request('start');
      if (!options.workers) return;
      const workerSettings = { lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs };
      queues.work(QUEUE_NAMES.erpWrites, (job: Job<WriteJobData>) => sync.writeJob(job), { concurrency: options.writeConcurrency, ...workerSettings });
      queues.work(QUEUE_NAMES.erpChanges, (job: Job<ErpChangeNotice>) => sync.changeJob(job), { concurrency: options.changeConcurrency, ...workerSettings });
      queues.work(
        QUEUE_NAMES.timers,
        async (job: Job<{ bookingId?: string }>) => {
          if (job.name === 'expire-hold' && job.data.bookingId) await ctx.withIndex(() => sync.expireHold(job.data.bookingId ?? ''));
          else if (job.name === 'sweep') await sync.sweep();
          else if (job.name === 'reconcile') await sync.reconcile();
        },
        { concurrency: 2, ...workerSettings },
      );
      await schedulers();
      await sync.sweep();
    },
    async close() {
      await queues.close();
    },
    paymentReceived: (bookingId, amount) => service.paymentReceived(bookingId, amount),
    catalog,
    booking: (bookingId) => ctx.withIndex(() => store.get(bookingId)),
    bookingIdByErpName: (erpName) => ctx.withIndex(() => store.idByErpName(erpName)),
    onSynced: (listener) => {
      ctx.syncedListeners.push(listener);
    },
    reconcile: () => sync.reconcile(),
    sweep: () => sync.sweep(),
    rebuild: () => builder.request('demand'),
    pendingErpWrites: () => store.outboxSize(),
  };
}
