import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CatalogSnapshot } from '../catalog';
import { erpFromInstant } from '../catalog/erp-values';
import { buildOccupancy, DAY_MS, MINUTE_MS, occupiesCapacity, type BookedInterval } from '../domain';
import { unlinkMatching } from '../redis/keys';
import { RedisLock, waitForRelease, withLock } from '../redis/locks';
import { UnavailableError, type ConflictView, type RebuildReport } from './contract';
import type { EngineContext, RebuildSource } from './context';
import { BOOKING_DOCTYPE, BOOKING_LIST_FIELDS, bookingDocSchema, erpBookingFromDoc, recordFromErp } from './erp-doc';
import { SWAP } from './lua';
import { toBookedInterval, type BookingRecord } from './record';
import { conflictId, type ErpSync } from './sync';

/**
 * Rebuilds the index from the ERP: at start when there is none, on a manager's demand, and when a
 * decision finds it gone (Redis was emptied). One process rebuilds, under a lock; the others wait.
 * The new index is filled in a generation of its own, with the same scripts as every decision,
 * then made current in one step, so a half-built index is never used. Changes the ERP has not got
 * yet are carried over from the old generation when there is one; while the new one is filled,
 * changes wait (BUILDING), so that none is lost between the two.
 */

const reportSchema = z.object({ bookings: z.number(), resources: z.number(), conflicts: z.number(), tookMs: z.number() });

/** A rebuild that died leaves changes paused this long at most; a live one extends it. */
const BUILD_TTL_MS = 30_000;
/** How long a process waits for another one's rebuild before it gives up with a 503. */
const OTHER_BUILD_WAIT_MS = 5 * 60_000;

export class IndexBuilder {
  private running: Promise<RebuildReport> | undefined;
  /** Set by the engine: re-creates the job schedulers (Redis may have lost them with the index). */
  afterSwap: () => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly ctx: EngineContext,
    private readonly sync: ErpSync,
  ) {}

  /** Starts a rebuild, or joins the one this process is running. */
  request(source: RebuildSource): Promise<RebuildReport> {
    this.running ??= this.run(source).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private run(source: RebuildSource): Promise<RebuildReport> {
    const lockKey = this.ctx.key('lock', 'rebuild');
    return withLock(
      this.ctx.redis,
      lockKey,
      15_000,
      0,
      async () => {
        // Another process may have rebuilt it between the decision that found it gone and this lock.
        if (source !== 'demand' && (await this.ctx.store.currentGeneration()) !== undefined) return this.lastReport();
        return this.build(source);
      },
      // Another process is rebuilding: its rebuild is this one.
      async () => {
        if (!(await waitForRelease(this.ctx.redis, lockKey, OTHER_BUILD_WAIT_MS))) {
          throw new UnavailableError('another sidecar process has been rebuilding the booking index for five minutes', 30);
        }
        return this.lastReport();
      },
    );
  }

  private async lastReport(): Promise<RebuildReport> {
    const raw = await this.ctx.redis.get(this.ctx.key('idx', 'report'));
    const parsed = raw === null ? undefined : reportSchema.safeParse(JSON.parse(raw)).data;
    return parsed ?? { bookings: 0, resources: 0, conflicts: 0, tookMs: 0 };
  }

  private async build(source: RebuildSource): Promise<RebuildReport> {
    const { ctx } = this;
    const { redis, store } = ctx;
    const started = Date.now();
    const oldGeneration = await store.currentGeneration();
    const generation = randomBytes(6).toString('hex');
    const building = await RedisLock.claim(redis, store.buildingKey(), generation, BUILD_TTL_MS);
    const stopKeepAlive = building.keepAlive();
    let swapped = false;
    try {
      const catalog = await ctx.catalog.reload();
      const zone = catalog.siteTimeZone;
      const now = ctx.now();
      const rows = await ctx.erp.listAll(BOOKING_DOCTYPE, {
        fields: [...BOOKING_LIST_FIELDS],
        filters: [['ends_at', '>=', erpFromInstant(now - ctx.options.historyDays * DAY_MS, zone)]],
        pageSize: 500,
        schema: bookingDocSchema,
      });
      const records = new Map<string, BookingRecord>();
      let latest = '';
      for (const row of rows) {
        if (row.modified && row.modified > latest) latest = row.modified;
        const mapped = erpBookingFromDoc(row, zone);
        if (!mapped.ok) {
          ctx.logger.warn({ place: ctx.place.id, erpName: row.name }, `booking left out of the index: ${mapped.error}`);
          continue;
        }
        const id = mapped.booking.externalId ?? (await this.sync.assignExternalId(row.name));
        records.set(id, recordFromErp(mapped.booking, id, catalog.domainResources.get(mapped.booking.resourceId)));
      }
      let carried = 0;
      if (oldGeneration !== undefined) {
        const pendingIds = await redis.zrange(store.generationKey(oldGeneration, 'outbox'), '0', '-1');
        for (const record of await store.getMany(pendingIds)) {
          if (record.version > record.syncedVersion) {
            records.set(record.id, record);
            carried++;
          }
        }
      }

      const all = [...records.values()];
      for (let i = 0; i < all.length; i += 250) {
        await Promise.all(
          all.slice(i, i + 250).map((record) => {
            return store.reserveInto(generation, {
              record,
              capacity: null,
              fromErp: record.version <= record.syncedVersion,
            });
          }),
        );
      }
      const conflicts = findConflicts(catalog, all, now);
      if (conflicts.length > 0) {
        await redis.hset(store.generationKey(generation, 'conflicts'), Object.fromEntries(conflicts.map((conflict) => [conflict.id, JSON.stringify(conflict)])));
        for (const conflict of conflicts) {
          ctx.logger.warn({ place: ctx.place.id, resource: conflict.resourceId, bookings: conflict.bookingIds, excess: conflict.excess }, 'bookings over capacity found by the rebuild: listed as a conflict');
        }
      }
      const report: RebuildReport = { bookings: records.size, resources: catalog.resources.size, conflicts: conflicts.length, tookMs: Date.now() - started };
      swapped = (await SWAP.run(redis, [ctx.place.keys.prefix, oldGeneration ?? '', generation, JSON.stringify(report)])) === 1;
      if (!swapped) throw new UnavailableError('the booking index changed while it was rebuilt; try again', 2);
      await store.currentGeneration();
      if (latest) await redis.set(ctx.key('watermark'), latest);
      ctx.logger.info({ place: ctx.place.id, source, carried, ...report }, 'booking index rebuilt from the ERP');

      for (const record of all) {
        if (record.version > record.syncedVersion || record.status === 'awaiting_payment') {
          const current = await store.get(record.id);
          if (current && current.version > current.syncedVersion) await ctx.enqueueWrite(current);
          if (current) await ctx.scheduleHoldExpiry(current, now);
        }
      }
      await this.afterSwap();
      if (oldGeneration !== undefined) void this.drop(oldGeneration);
      return report;
    } finally {
      stopKeepAlive();
      // A swap took the flag down with it; a failed build lowers it so that changes go on.
      if (!swapped) {
        await building.release().catch(() => undefined);
        void this.drop(generation);
      }
    }
  }

  /** Deletes a generation's keys, in the background of a rebuild. */
  private async drop(generation: string): Promise<void> {
    try {
      await unlinkMatching(this.ctx.redis, `${this.ctx.store.generationKey(generation)}:*`);
    } catch (error) {
      this.ctx.logger.warn({ place: this.ctx.place.id, generation, err: error }, 'an old index generation could not be deleted');
    }
  }
}

/**
 * Every stretch of time where a resource's holding bookings take more than all its units, with
 * the bookings involved: what the ERP holds that the rules would never have allowed.
 */
export function findConflicts(catalog: CatalogSnapshot, records: readonly BookingRecord[], now: number): ConflictView[] {
  const byResource = new Map<string, BookedInterval[]>();
  for (const record of records) {
    const booking = toBookedInterval(record);
    if (!occupiesCapacity(booking, now)) continue;
    const list = byResource.get(record.resourceId) ?? [];
    list.push(booking);
    byResource.set(record.resourceId, list);
  }
  const conflicts: ConflictView[] = [];
  for (const [resourceId, bookings] of byResource) {
    const resource = catalog.domainResources.get(resourceId);
    if (!resource) continue;
    const before = resource.bufferBeforeMinutes * MINUTE_MS;
    const after = resource.bufferAfterMinutes * MINUTE_MS;
    const units = resource.compiled.units;
    const occupancy = buildOccupancy(resource, bookings, [], now);
    let from = NaN;
    let peak = 0;
    const close = (to: number): void => {
      const involved = bookings.filter((b) => b.start - before < to && b.end + after > from).map((b) => b.id).sort();
      conflicts.push({ id: conflictId(resourceId, involved), resourceId, start: from, end: to, bookingIds: involved, excess: peak - units, detectedAt: now, source: 'rebuild' });
      from = NaN;
      peak = 0;
    };
    for (let i = 0; i < occupancy.length; i++) {
      const level = occupancy.levels[i] ?? 0;
      const time = occupancy.times[i] ?? 0;
      if (level > units) {
        if (Number.isNaN(from)) from = time;
        peak = Math.max(peak, level);
      } else if (!Number.isNaN(from)) {
        close(time);
      }
    }
  }
  return conflicts;
}
