import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ErpChangeNotice, ErpChangeSink } from '../booking/contract';
import type { CancellationPolicy } from '../domain';
import type { Logger } from '../log';
import { jobId, PlaceQueues, QUEUE_NAMES } from '../queue/queues';
import { bookingEnd, bookingEndSchema, type BookingState } from './bookings';
import { TicketCatalog } from './catalog';
import { resolveTicketOptions, TicketContext, type TicketEngineOptions, type TicketPlace } from './context';
import type { BookingTickets, TicketService } from './contract';
import { TicketLedgerService, type DailyReport, type InvoiceOutcome } from './service';
import { TicketStore } from './store';
import { TicketSync, type LoadReport, type TicketReconcileReport } from './sync';
import { TicketWriter } from './writer';

/**
 * One place's ticket ledger: `createTicketEngine(deps)`, then `start()`. Like the booking engine,
 * any number of processes may run it on the same Redis and ERP; `close()` stops what it started.
 */

export interface TicketEngineDeps {
  place: TicketPlace;
  /** Commands connection (the engine does not close it). */
  redis: Redis;
  redisUrl: string;
  logger: Logger;
  now?: () => number;
  options?: TicketEngineOptions;
}

export interface TicketEngine {
  /** For the HTTP layer. */
  service: TicketService;
  /** For the booking engine and the money flow. */
  bookings: BookingTickets;
  /** ERP change notices (ledger entries, invoices, payments, pack types, settings). */
  changes: ErpChangeSink;
  /** Loads the ledger if Redis has none, starts the workers and the schedulers. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** A Sales Invoice changed: credits a paid (or submitted) pack sale, takes back what a credit note returns. */
  onInvoiceChanged(name: string): Promise<InvoiceOutcome>;
  onPaymentEntryChanged(name: string): Promise<InvoiceOutcome[]>;
  /** Expiry entries and reminders for `at`'s local day (it also runs every day at `dailyAt`). */
  runDaily(at?: number): Promise<DailyReport>;
  reconcile(): Promise<TicketReconcileReport>;
  sweep(): Promise<{ requeued: number; balances: number }>;
  load(): Promise<LoadReport>;
  /** Reloads one member from the ERP; true when something differed. */
  resync(customer: string): Promise<boolean>;
  /** Entries the ERP has not got yet. */
  pendingErpWrites(): Promise<number>;
  /** When the daily run next fires (epoch ms). */
  nextDailyRun(): Promise<number | undefined>;
  /**
   * A booking version the ERP has got (the booking engine's `onSynced`): a booking paid with tickets
   * that was cancelled, expired or rejected gets its tickets back, less the fee's share. Queued,
   * once per booking, so that the booking's write never waits for it.
   */
  bookingChanged(record: BookingState, policy: CancellationPolicy): Promise<void>;
}

export function createTicketEngine(deps: TicketEngineDeps): TicketEngine {
  const options = resolveTicketOptions(deps.options);
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ place: deps.place.id, part: 'tickets' });
  const store = new TicketStore(deps.redis, deps.place.keys);
  const catalog = new TicketCatalog({
    erp: deps.place.erp,
    redis: deps.redis,
    versionKey: store.key('cat', 'ver'),
    logger,
    placeId: deps.place.id,
    timeZone: deps.place.timeZone,
    now,
  });
  const queues = new PlaceQueues(deps.place.keys, deps.redisUrl, logger);
  const ctx = new TicketContext(deps.place, deps.redis, logger, now, options, store, catalog, queues);
  const sync = new TicketSync(ctx);
  const service = new TicketLedgerService(ctx, sync);
  sync.invoices = service;
  ctx.requestLoad = (source) => sync.load(source);
  const writer = new TicketWriter(ctx, (customer) => sync.resyncCustomer(customer, 'entry written after Redis lost it'));

  const schedulers = async (): Promise<void> => {
    if (!options.workers) return;
    await queues.every(QUEUE_NAMES.ticketTimers, 'ticket-sweep', options.sweepEveryMs, 'sweep');
    await queues.every(QUEUE_NAMES.ticketTimers, 'ticket-reconcile', options.reconcileEveryMs, 'reconcile');
    await queues.dailyAt(QUEUE_NAMES.ticketTimers, 'ticket-daily', options.dailyAt, deps.place.timeZone, 'daily');
  };
  sync.afterLoad = schedulers;

  let started = false;
  return {
    service,
    bookings: service,
    changes: { notify: (change: ErpChangeNotice) => sync.notify(change) },
    async start() {
      if (started) return;
      started = true;
      await catalog.snapshot();
      if (!(await store.isReady())) await sync.load('start');
      if (!options.workers) return;
      const settings = { lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs };
      queues.work(QUEUE_NAMES.ticketWrites, (job: Job) => writer.job(job), { concurrency: options.writeConcurrency, ...settings });
      queues.work(
        QUEUE_NAMES.ticketChanges,
        async (job: Job) => {
          if (job.name === 'booking-end') {
            const end = bookingEndSchema.parse(job.data);
            await service.refundForBooking({ bookingId: end.bookingId, customer: end.customer, feePercent: end.feePercent });
          } else {
            await sync.changeJob(job.data as ErpChangeNotice);
          }
        },
        { concurrency: options.changeConcurrency, ...settings },
      );
      queues.work(
        QUEUE_NAMES.ticketTimers,
        async (job: Job) => {
          if (job.name === 'sweep') await service.sweep();
          else if (job.name === 'reconcile') await sync.reconcile();
          else if (job.name === 'daily') await service.runDaily();
        },
        { concurrency: 1, ...settings },
      );
      await schedulers();
      await service.sweep();
    },
    async close() {
      await queues.close();
    },
    onInvoiceChanged: (name) => service.onInvoiceChanged(name),
    onPaymentEntryChanged: (name) => service.onPaymentEntryChanged(name),
    runDaily: (at) => service.runDaily(at),
    reconcile: () => sync.reconcile(),
    sweep: () => service.sweep(),
    load: () => sync.load('demand'),
    resync: (customer) => sync.resyncCustomer(customer, 'on demand'),
    pendingErpWrites: () => store.outboxSize(),
    nextDailyRun: () => queues.nextRun(QUEUE_NAMES.ticketTimers, 'ticket-daily'),
    async bookingChanged(record, policy) {
      const end = bookingEnd(record, policy);
      if (!end) return;
      await queues.add(QUEUE_NAMES.ticketChanges, 'booking-end', end, {
        jobId: jobId('tk-end', end.bookingId),
        attempts: 15,
        backoff: { type: 'exponential', delay: options.writeBackoffMs },
      });
    },
  };
}
