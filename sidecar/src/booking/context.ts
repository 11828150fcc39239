import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Catalog, CatalogOptions, CatalogSnapshot } from '../catalog';
import { capacityFor, capacityRefusal, MINUTE_MS, unitsOf, type Audience, type Reason, type Resource } from '../domain';
import type { ErpPort } from '../erp';
import type { Logger } from '../log';
import { jobId, QUEUE_NAMES, type PlaceQueues } from '../queue/queues';
import type { PlaceKeyspace } from '../redis/keys';
import { InvalidRequestError, NotFoundError, UnavailableError, type RebuildReport } from './contract';
import type { BookingRecord } from './record';
import { IndexBuildingError, IndexMissingError, type BookingStore, type CapacityTerms } from './store';

/**
 * What the parts of a place's engine share: its dependencies, its settings, and the few helpers
 * every part needs (the capacity terms of a resource, waiting out a rebuild, queueing an ERP write).
 */

export interface BookingEngineOptions {
  /** Overrides Creneau Settings' hold_minutes (tests and demos that cannot wait minutes). */
  holdMs?: number;
  /** How long an Idempotency-Key is remembered (default 24 h). */
  idempotencyTtlSeconds?: number;
  /** How long a decision waits for the index while it is rebuilt, before answering 503 (default 3 s). */
  indexWaitMs?: number;
  /** A rebuild reads bookings that ended up to this many days ago, for quotas and history (default 62). */
  historyDays?: number;
  /** Longest availability range asked at once (default 62 days). */
  maxRangeDays?: number;
  /** The sweeper's period (default 15 s): lost ERP writes and holds past their end. */
  sweepEveryMs?: number;
  /** An outbox entry older than this gets its ERP write queued again (default 30 s). */
  sweepAfterMs?: number;
  /** The reconciliation's period (default 5 min) and how far before its watermark it looks again (default 2 min). */
  reconcileEveryMs?: number;
  reconcileOverlapMs?: number;
  /** ERP write attempts per job and the first backoff delay (exponential); defaults 10 and 1 s. */
  writeAttempts?: number;
  writeBackoffMs?: number;
  writeConcurrency?: number;
  changeConcurrency?: number;
  /** Run the queue workers and schedulers in this process (default true; a benchmark of decisions alone turns them off). */
  workers?: boolean;
  /** BullMQ lock duration and stalled-job check, for tests that kill workers (defaults 30 s). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  catalog?: CatalogOptions;
}

export type ResolvedOptions = Required<Omit<BookingEngineOptions, 'holdMs' | 'catalog' | 'lockDurationMs' | 'stalledIntervalMs'>> &
  Pick<BookingEngineOptions, 'holdMs' | 'catalog' | 'lockDurationMs' | 'stalledIntervalMs'>;

export function resolveOptions(options: BookingEngineOptions = {}): ResolvedOptions {
  return {
    idempotencyTtlSeconds: 24 * 3600,
    indexWaitMs: 3_000,
    historyDays: 62,
    maxRangeDays: 62,
    sweepEveryMs: 15_000,
    sweepAfterMs: 30_000,
    reconcileEveryMs: 5 * 60_000,
    reconcileOverlapMs: 2 * 60_000,
    writeAttempts: 10,
    writeBackoffMs: 1_000,
    writeConcurrency: 16,
    changeConcurrency: 4,
    workers: true,
    ...options,
  };
}

export interface PlaceInfo {
  id: string;
  name: string;
  timeZone: string;
  erp: ErpPort;
  keys: PlaceKeyspace;
}

/** What a write job carries: the booking's state when queued, to restore it if Redis is emptied meanwhile. */
export interface WriteJobData {
  bookingId: string;
  version: number;
  snapshot: BookingRecord;
  /** The index generation the change was made in: another one means the index was rebuilt since. */
  generation?: string | undefined;
}

/** Why the index is rebuilt: none at start, a manager's demand, or Redis lost it while running. */
export type RebuildSource = 'start' | 'demand' | 'wipe';

export class EngineContext {
  /** Set by the engine: starts (or joins) a rebuild of the index. */
  requestRebuild: (source: RebuildSource) => Promise<RebuildReport> = () => Promise.reject(new Error('the engine is not started'));
  /** Told of each booking version the ERP has got (the money flows hang on it); a failure makes the write job retry. */
  readonly syncedListeners: ((record: BookingRecord) => Promise<void>)[] = [];

  constructor(
    readonly place: PlaceInfo,
    readonly redis: Redis,
    readonly logger: Logger,
    readonly now: () => number,
    readonly options: ResolvedOptions,
    readonly store: BookingStore,
    readonly catalog: Catalog,
    readonly queues: PlaceQueues,
  ) {}

  get erp(): ErpPort {
    return this.place.erp;
  }

  key(...parts: (string | number)[]): string {
    return this.place.keys.key(...parts);
  }

  /** Bookings get a random id of 100 bits (20 base32 characters): it is the ERP's external_id, and unguessable. */
  newBookingId(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const bytes = randomBytes(20);
    let id = 'bk_';
    for (const byte of bytes) id += alphabet.charAt(byte & 31);
    return id;
  }

  /** A resource of the catalog, or a clear error: unknown (404), or set up in a way the rules cannot use. */
  resource(snapshot: CatalogSnapshot, id: string, forManager: boolean): Resource {
    const entry = snapshot.resources.get(id);
    if (entry && (entry.enabled || forManager)) return entry.resource;
    const problems = snapshot.problems.get(id);
    if (problems) {
      throw new InvalidRequestError('RESOURCE_MISCONFIGURED', {
        fr: `La ressource « ${id} » est mal paramétrée dans l'ERP : ${problems.join(' ; ')}`,
        en: `Resource "${id}" is set up wrongly in the ERP: ${problems.join('; ')}`,
      });
    }
    throw new NotFoundError(`no resource "${id}" at ${this.place.name}`);
  }

  terms(resource: Resource, audience: Audience): CapacityTerms {
    return {
      room: resource.kind === 'room',
      units: resource.compiled.units,
      capacity: capacityFor(resource, audience),
      bufferBeforeMs: resource.bufferBeforeMinutes * MINUTE_MS,
      bufferAfterMs: resource.bufferAfterMinutes * MINUTE_MS,
    };
  }

  /** The domain's reason for a capacity refusal by the index, with the figures the index saw. */
  capacityReason(resource: Resource, used: number, seats: number, audience: Audience): Reason {
    return capacityRefusal(resource, used, unitsOf(resource, seats), audience);
  }

  holdMs(snapshot: CatalogSnapshot): number {
    return this.options.holdMs ?? snapshot.rules.holdMinutes * MINUTE_MS;
  }

  /**
   * Runs `fn` against the index, waiting out a rebuild. When the index is gone (Redis was emptied)
   * a rebuild is started (one process does it, under a lock) and `fn` runs again once it is back;
   * if that takes longer than `indexWaitMs` the caller gets a 503 to retry.
   */
  async withIndex<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.indexWaitMs;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (error instanceof IndexMissingError) {
          this.requestRebuild('wipe').catch((cause: unknown) => this.logger.error({ place: this.place.id, err: cause }, 'rebuilding the booking index failed'));
        } else if (!(error instanceof IndexBuildingError)) {
          throw error;
        }
        if (Date.now() >= deadline) {
          throw new UnavailableError('the booking index is being rebuilt from the ERP', Math.max(1, Math.ceil(this.options.indexWaitMs / 1000)));
        }
        await sleep(50);
      }
    }
  }

  /** Queues the ERP write of a booking's current version. The job id makes a second queueing of the same version a no-op. */
  async enqueueWrite(record: BookingRecord): Promise<void> {
    const data: WriteJobData = { bookingId: record.id, version: record.version, snapshot: record, generation: this.store.knownGeneration };
    await this.queues.add(QUEUE_NAMES.erpWrites, 'write', data, {
      jobId: jobId('w', record.id, record.version),
      attempts: this.options.writeAttempts,
      backoff: { type: 'exponential', delay: this.options.writeBackoffMs },
    });
  }

  async notifySynced(record: BookingRecord): Promise<void> {
    for (const listener of this.syncedListeners) await listener(record);
  }

  /** The delayed job that ends an unpaid booking's hold (the sweeper catches any that got lost). */
  async scheduleHoldExpiry(record: BookingRecord, now: number): Promise<void> {
    if (record.status !== 'awaiting_payment' || record.holdExpiresAt === null) return;
    await this.queues.add(
      QUEUE_NAMES.timers,
      'expire-hold',
      { bookingId: record.id },
      // A little after the hold's end, so that Redis's clock is surely past it when the job runs.
      { jobId: jobId('h', record.id, record.version), delay: Math.max(0, record.holdExpiresAt - now) + 250, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    );
  }
}

/** The resource's name for views; its id when the catalog no longer has it (a booking of a resource removed in the ERP). */
export function resourceName(snapshot: CatalogSnapshot, id: string): string {
  return snapshot.resources.get(id)?.resource.name ?? id;
}
