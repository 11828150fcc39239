import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { erpFromInstant, instantFromErp } from '../catalog/erp-values';
import { buildOccupancy, DAY_MS, maxOccupancy, MINUTE_MS, occupiesCapacity, transition, unitsOf, type Resource } from '../domain';
import { ErpNotFoundError, ErpValidationError, isUniqueViolation, type FrappeDoc } from '../erp';
import { changeJobId, QUEUE_NAMES } from '../queue/queues';
import { withLock } from '../redis/locks';
import type { ConflictView, ErpChangeNotice } from './contract';
import type { EngineContext, WriteJobData } from './context';
import {
  BOOKING_DOCTYPE,
  BOOKING_LIST_FIELDS,
  bookingDocSchema,
  docValuesOf,
  erpBookingFromDoc,
  recordFromErp,
  type BookingDoc,
  type ErpBooking,
} from './erp-doc';
import { sameBooking, toBookedInterval, toDomainBooking, withDomainBooking, type BookingRecord } from './record';
import type { HoldChange } from './store';

/**
 * The two-way link with the ERP, the system of record:
 * - out: every change of a booking is written to its Creneau Booking (found by external_id first,
 *   so a retry after a timeout updates instead of inserting twice), from a queue with retries;
 * - in: what staff change in the desk (webhooks, and a periodic reconciliation that catches what
 *   webhooks missed) is applied to the index; over-capacity is never accepted silently but listed
 *   as a conflict for managers;
 * - timers: holds that end, and a sweeper that requeues what a crash lost.
 */

/**
 * A conflict's id: the same bookings over capacity on the same resource are one conflict, whether a rebuild or a
 * change from the ERP found it (the standing list compares ids).
 */
export function conflictId(resourceId: string, involved: readonly string[]): string {
  return `cf_${createHash('sha256').update(`${resourceId}|${involved.join(',')}`).digest('hex').slice(0, 16)}`;
}

const conflictSchema = z.object({
  id: z.string(),
  resourceId: z.string(),
  start: z.number(),
  end: z.number(),
  bookingIds: z.array(z.string()),
  excess: z.number(),
  detectedAt: z.number(),
  source: z.enum(['webhook', 'reconciliation', 'rebuild']),
});

/** Why a booking lost with Redis could not be put back (the member sees it, the ERP records it). */
export const LOST_REASON = 'Places reprises pendant la reconstruction de l’index des réservations / seats taken while the booking index was rebuilt';

const LOST_PREFIX = 'cf_lost_';

const nameRowSchema = z.looseObject({ name: z.string(), modified: z.string().nullish() });

export interface ReconcileReport {
  checked: number;
  changed: number;
  removed: number;
}

export function holdChangeFor(record: BookingRecord): HoldChange {
  return record.status === 'awaiting_payment' && record.holdExpiresAt !== null ? { mode: 'at', at: record.holdExpiresAt } : { mode: 'clear' };
}

export class ErpSync {
  constructor(private readonly ctx: EngineContext) {}

  private get log() {
    return this.ctx.logger;
  }

  // -------------------------------------------------------------------------------------------
  // Out: ERP writes

  async writeJob(job: Job<WriteJobData>): Promise<void> {
    const { bookingId } = job.data;
    // One write of a booking at a time, across processes: versions written out of order would
    // make the ERP go back in time.
    await withLock(this.ctx.redis, this.ctx.key('lock', 'write', bookingId), 5_000, 2_000, () => this.write(job.data), () => {
      throw new Error(`booking ${bookingId} is being written to the ERP by another worker`);
    });
  }

  private async write(data: WriteJobData): Promise<void> {
    const { snapshot } = data;
    const record = await this.waitForIndex(() => this.ctx.store.get(snapshot.id));
    if (!record) {
      // Redis was emptied after this booking was decided and before the ERP had it.
      await this.restore(snapshot);
      return;
    }
    if (record.syncedVersion >= record.version) {
      const lostChange = snapshot.version > snapshot.syncedVersion && !sameBooking(record, snapshot) && data.generation !== undefined && data.generation !== this.ctx.store.knownGeneration;
      if (lostChange) await this.restore(snapshot, record);
      // A retry of a job whose write landed but whose listeners failed: they are told again.
      else if (data.version === record.version) await this.ctx.notifySynced(record);
      return;
    }
    const siteZone = (await this.ctx.catalog.snapshot()).siteTimeZone;
    const written = await this.upsert(record, siteZone);
    const result = await this.waitForIndex(() => this.ctx.store.synced(record.id, record.version, written.name, written.modified));
    if (result === 'missing') await this.restore(record);
    if (result === 'ok') await this.ctx.notifySynced({ ...record, syncedVersion: record.version, erpName: written.name, erpModified: written.modified });
    this.log.debug({ place: this.ctx.place.id, booking: record.id, version: record.version, erpName: written.name, result }, 'booking written to the ERP');
  }

  /** The index can vanish under a write in flight (FLUSHALL): this job holds the only copy then, so it waits longer than a request. */
  private async waitForIndex<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + Math.max(60_000, this.ctx.options.indexWaitMs);
    for (;;) {
      try {
        return await this.ctx.withIndex(fn);
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await sleep(200);
      }
    }
  }

  private async findByExternalId(id: string): Promise<{ name: string; modified: string | null } | undefined> {
    const rows = await this.ctx.erp.list(BOOKING_DOCTYPE, { fields: ['name', 'modified'], filters: [['external_id', '=', id]], limitPageLength: 2, schema: nameRowSchema });
    const row = rows[0];
    return row ? { name: row.name, modified: row.modified ?? null } : undefined;
  }

  /**
   * Insert or update by external id. A write whose answer was lost (timeout, 502) may have been
   * done: the lookup before each attempt finds it, and the unique external_id turns a racing
   * second insert into a refusal that means "already there".
   */
  private async upsert(record: BookingRecord, siteZone: string): Promise<{ name: string; modified: string | null }> {
    const { erp } = this.ctx;
    const values = docValuesOf(record, siteZone);
    const known = record.erpName ? { name: record.erpName } : await this.findByExternalId(record.id);
    try {
      if (known) {
        const doc: FrappeDoc = await erp.update(BOOKING_DOCTYPE, known.name, values, { idempotent: true });
        return { name: doc.name, modified: doc.modified ?? null };
      }
      const doc = await erp.insert(BOOKING_DOCTYPE, values, { idempotent: true });
      return { name: doc.name, modified: doc.modified ?? null };
    } catch (error) {
      const duplicate = isUniqueViolation(error);
      const stale = error instanceof ErpNotFoundError && known !== undefined;
      if (duplicate || stale) {
        const found = await this.findByExternalId(record.id);
        if (found) {
          const doc = await erp.update(BOOKING_DOCTYPE, found.name, values, { idempotent: true });
          return { name: doc.name, modified: doc.modified ?? null };
        }
        if (stale) {
          // Deleted in the desk while a change of ours was on its way: the member's booking stands.
          this.log.warn({ place: this.ctx.place.id, booking: record.id, erpName: known.name }, 'booking deleted in the ERP while a change was pending: writing it again');
          const doc = await erp.insert(BOOKING_DOCTYPE, values, { idempotent: true });
          return { name: doc.name, modified: doc.modified ?? null };
        }
      }
      if (error instanceof ErpValidationError || error instanceof ErpNotFoundError) {
        // The ERP refuses the content (a customer deleted, a field changed): retrying the same
        // job will not help. The outbox keeps it; the sweeper tries again later.
        this.log.error({ place: this.ctx.place.id, booking: record.id, err: error }, 'the ERP refuses this booking; a manager must look at it');
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }

  /**
   * Puts back a booking that Redis lost (FLUSHALL) while its ERP write was in flight: with the
   * same capacity check as when it was decided, or, if the seats went to someone else meanwhile,
   * as a cancelled booking the ERP records too, listed as a conflict for a manager to settle.
   */
  private async restore(snapshot: BookingRecord, current?: BookingRecord): Promise<void> {
    const catalog = await this.ctx.catalog.snapshot();
    const resource = catalog.domainResources.get(snapshot.resourceId);
    const terms = resource ? this.ctx.terms(resource, snapshot.audience) : null;
    const log = { place: this.ctx.place.id, booking: snapshot.id };
    if (!current) {
      const result = await this.ctx.withIndex(() => this.ctx.store.reserve({ record: snapshot, capacity: terms }));
      if (result.kind === 'ok' || result.kind === 'exists') {
        this.log.warn(log, 'booking lost with the index put back');
      } else if (result.kind === 'full') {
        const cancelled = { ...snapshot, status: 'cancelled' as const, cancellationReason: LOST_REASON };
        await this.ctx.withIndex(() => this.ctx.store.reserve({ record: cancelled, capacity: null }));
        await this.recordLost(resource, snapshot, result.used);
        this.log.error(log, 'booking lost with the index could not be put back: its seats were taken; recorded as cancelled and listed as a conflict');
      }
    } else {
      const next: BookingRecord = { ...snapshot, version: current.version, syncedVersion: current.syncedVersion, erpName: current.erpName, erpModified: current.erpModified };
      const holds = occupiesCapacity({ status: next.status, holdExpiresAt: next.holdExpiresAt ?? undefined }, this.ctx.now());
      const result = await this.ctx.withIndex(() =>
        this.ctx.store.update({ next, expectedVersion: current.version, capacity: holds ? terms : null, hold: holdChangeFor(next) }),
      );
      if (result.kind === 'full') {
        const cancelled = { ...current, status: 'cancelled' as const, cancellationReason: LOST_REASON };
        await this.ctx.withIndex(() => this.ctx.store.update({ next: cancelled, expectedVersion: current.version, capacity: null, hold: { mode: 'clear' } }));
        await this.recordLost(resource, snapshot, result.used);
        this.log.error(log, 'a change lost with the index could not be applied again: the seats were taken; cancelled and listed as a conflict');
      } else {
        this.log.warn(log, 'a change lost with the index applied again');
      }
    }
    const restored = await this.ctx.withIndex(() => this.ctx.store.get(snapshot.id));
    if (restored && restored.version > restored.syncedVersion) await this.ctx.enqueueWrite(restored);
  }

  // -------------------------------------------------------------------------------------------
  // In: changes made in the ERP

  async notify(change: ErpChangeNotice): Promise<void> {
    await this.ctx.queues.add(QUEUE_NAMES.erpChanges, 'change', change, {
      jobId: changeJobId('c', change, this.ctx.now()),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1_000 },
    });
  }

  async changeJob(job: Job<ErpChangeNotice>): Promise<void> {
    const change = job.data;
    if (change.doctype !== BOOKING_DOCTYPE) {
      await this.ctx.catalog.invalidate(change.doctype, change.name);
      return;
    }
    if (change.event === 'on_trash') {
      await this.ctx.withIndex(() => this.removeErpBooking(change.name));
      return;
    }
    // A notice for our own write carries the `modified` we recorded: nothing to read.
    const id = await this.ctx.withIndex(() => this.ctx.store.idByErpName(change.name));
    if (id && change.modified) {
      const record = await this.ctx.withIndex(() => this.ctx.store.get(id));
      if (record?.erpModified === change.modified) return;
    }
    let doc: BookingDoc;
    try {
      doc = await this.ctx.erp.getDoc(BOOKING_DOCTYPE, change.name, { schema: bookingDocSchema });
    } catch (error) {
      if (error instanceof ErpNotFoundError) {
        await this.ctx.withIndex(() => this.removeErpBooking(change.name));
        return;
      }
      throw error;
    }
    await this.ctx.withIndex(() => this.applyErpDoc(doc, 'webhook'));
  }

  /** Staff made a booking in the desk without our id: it gets one, written back, so that every booking has one. */
  async assignExternalId(erpName: string): Promise<string> {
    const id = this.ctx.newBookingId();
    await this.ctx.erp.update(BOOKING_DOCTYPE, erpName, { external_id: id }, { idempotent: true });
    this.log.info({ place: this.ctx.place.id, booking: id, erpName }, 'external id given to a booking made in the ERP');
    return id;
  }

  /** The ERP's version of one booking into the index; over capacity, it is kept and listed as a conflict. */
  async applyErpDoc(doc: BookingDoc, source: ConflictView['source']): Promise<'unchanged' | 'changed' | 'skipped'> {
    const catalog = await this.ctx.catalog.snapshot();
    const mapped = erpBookingFromDoc(doc, catalog.siteTimeZone);
    if (!mapped.ok) {
      this.log.warn({ place: this.ctx.place.id, erpName: doc.name }, `booking from the ERP left out of the index: ${mapped.error}`);
      return 'skipped';
    }
    const erp = mapped.booking;
    return withLock(
      this.ctx.redis,
      this.ctx.key('lock', 'erpdoc', erp.erpName),
      5_000,
      10_000,
      () => this.applyLocked(erp, catalog.domainResources.get(erp.resourceId), source),
      () => {
        throw new Error(`ERP booking ${erp.erpName} is being applied by another worker`);
      },
    );
  }

  private async applyLocked(erp: ErpBooking, resource: Resource | undefined, source: ConflictView['source']): Promise<'unchanged' | 'changed' | 'skipped'> {
    const { store } = this.ctx;
    const id = erp.externalId ?? (await store.idByErpName(erp.erpName)) ?? (await this.assignExternalId(erp.erpName));
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.get(id);
      if (current) {
        // A change of ours is on its way to the ERP: what the ERP shows is older than the index.
        if (current.version > current.syncedVersion) return 'skipped';
        // A read of the ERP older than the last write the index knows of (a reconciliation's
        // list, a webhook's read, overtaken by our next write): applying it would go back in time.
        // Frappe's `modified` texts order as their times do.
        if (current.erpModified !== null && erp.erpModified !== null && erp.erpModified < current.erpModified) return 'unchanged';
        if (sameBooking(current, erp)) {
          if (current.erpName !== erp.erpName || (erp.erpModified !== null && current.erpModified !== erp.erpModified)) {
            await store.synced(id, current.version, erp.erpName, erp.erpModified);
          }
          return 'unchanged';
        }
        const next = recordFromErp(erp, id, resource, current);
        const result = await store.update({ next, expectedVersion: current.version, capacity: null, hold: holdChangeFor(next), fromErp: true });
        if (result.kind === 'version') continue;
        if (result.kind === 'missing') continue;
      } else {
        const next = recordFromErp(erp, id, resource);
        const result = await store.reserve({ record: next, capacity: null, fromErp: true });
        if (result.kind === 'exists') continue;
      }
      this.log.info({ place: this.ctx.place.id, booking: id, erpName: erp.erpName, status: erp.status, source }, 'booking changed in the ERP applied to the index');
      if (resource && occupiesCapacity({ status: erp.status, holdExpiresAt: erp.holdExpiresAt ?? undefined }, this.ctx.now())) {
        const applied = await store.get(id);
        if (applied) await this.recordConflict(resource, applied, source);
      }
      return 'changed';
    }
    throw new Error(`ERP booking ${erp.erpName} kept changing while it was applied`);
  }

  /** A booking deleted in the ERP leaves the index, unless a change of ours is still to be written. */
  async removeErpBooking(erpName: string): Promise<boolean> {
    const id = await this.ctx.store.idByErpName(erpName);
    if (!id) return false;
    const current = await this.ctx.store.get(id);
    if (current && current.version > current.syncedVersion) {
      this.log.warn({ place: this.ctx.place.id, booking: id, erpName }, 'booking deleted in the ERP while a change of ours is pending: it will be written again');
      return false;
    }
    const removed = await this.ctx.store.remove(id);
    if (removed) this.log.info({ place: this.ctx.place.id, booking: id, erpName }, 'booking deleted in the ERP removed from the index');
    return removed;
  }

  // -------------------------------------------------------------------------------------------
  // Conflicts

  /**
   * Lists the bookings over the resource's capacity around `record` (its interval widened by the
   * buffers), if any, as a conflict for managers. Counted with the domain's occupancy, against
   * every unit (staff may use the walk-in margin).
   */
  async recordConflict(resource: Resource | undefined, record: Pick<BookingRecord, 'start' | 'end'>, source: ConflictView['source']): Promise<ConflictView | undefined> {
    if (!resource) return undefined;
    const conflict = await this.evaluate(resource, record.start, record.end, source, this.ctx.now());
    if (!conflict) return undefined;
    const key = await this.ctx.store.conflictsKey();
    const stored = await this.ctx.redis.hsetnx(key, conflict.id, JSON.stringify(conflict));
    if (stored === 1) {
      this.log.warn({ place: this.ctx.place.id, resource: resource.id, bookings: conflict.bookingIds, excess: conflict.excess, source }, 'bookings over capacity: listed as a conflict for managers');
    }
    return conflict;
  }

  /** The holding bookings around [start, end) (buffers included), the peak they reach, and who they are. */
  private async around(resource: Resource, start: number, end: number): Promise<{ peak: number; involved: string[] }> {
    const before = resource.bufferBeforeMinutes * MINUTE_MS;
    const after = resource.bufferAfterMinutes * MINUTE_MS;
    const records = await this.ctx.store.byResource(resource.id, start - before - after, end + before + after, true);
    const now = await this.ctx.store.redisNow();
    const bookings = records.map(toBookedInterval);
    const peak = maxOccupancy(buildOccupancy(resource, bookings, [], now), start - before, end + after);
    const involved = bookings
      .filter((b) => occupiesCapacity(b, now) && b.start - before < end + after && b.end + after > start - before)
      .map((b) => b.id)
      .sort();
    return { peak, involved };
  }

  private async evaluate(resource: Resource, start: number, end: number, source: ConflictView['source'], detectedAt: number): Promise<ConflictView | undefined> {
    const { peak, involved } = await this.around(resource, start, end);
    if (peak <= resource.compiled.units) return undefined;
    return { id: conflictId(resource.id, involved), resourceId: resource.id, start, end, bookingIds: involved, excess: peak - resource.compiled.units, detectedAt, source };
  }

  /**
   * A booking accepted, then lost with Redis and not put back because its seats went to others:
   * it is cancelled, and listed for managers (with the bookings that took its seats) until its
   * time has passed, since the member was told yes.
   */
  private async recordLost(resource: Resource | undefined, lost: BookingRecord, used: number): Promise<void> {
    const others = resource ? (await this.around(resource, lost.start, lost.end)).involved : [];
    const units = resource ? unitsOf(resource, lost.seats) : lost.seats;
    const capacity = resource ? this.ctx.terms(resource, lost.audience).capacity : used;
    const conflict: ConflictView = {
      id: `${LOST_PREFIX}${createHash('sha256').update(lost.id).digest('hex').slice(0, 16)}`,
      resourceId: lost.resourceId,
      start: lost.start,
      end: lost.end,
      bookingIds: [lost.id, ...others.filter((id) => id !== lost.id)],
      excess: Math.max(1, used + units - capacity),
      detectedAt: this.ctx.now(),
      source: 'rebuild',
    };
    await this.ctx.redis.hset(await this.ctx.store.conflictsKey(), conflict.id, JSON.stringify(conflict));
  }

  /** The conflicts still standing (each checked again: one settled since, by a cancellation or a move, is dropped). */
  async conflicts(): Promise<ConflictView[]> {
    const key = await this.ctx.store.conflictsKey();
    const all = await this.ctx.redis.hgetall(key);
    const catalog = await this.ctx.catalog.snapshot();
    const standing: ConflictView[] = [];
    const now = this.ctx.now();
    for (const [field, json] of Object.entries(all)) {
      const parsed = conflictSchema.safeParse(JSON.parse(json));
      if (parsed.success && field.startsWith(LOST_PREFIX)) {
        if (parsed.data.end > now) standing.push(parsed.data);
        else await this.ctx.redis.hdel(key, field);
        continue;
      }
      const resource = parsed.success ? catalog.domainResources.get(parsed.data.resourceId) : undefined;
      const again = parsed.success && resource ? await this.evaluate(resource, parsed.data.start, parsed.data.end, parsed.data.source, parsed.data.detectedAt) : undefined;
      if (!again) {
        await this.ctx.redis.hdel(key, field);
        continue;
      }
      // The same situation seen again may involve other bookings now: keep one entry for it.
      if (again.id !== field) {
        await this.ctx.redis.multi().hdel(key, field).hsetnx(key, again.id, JSON.stringify(again)).exec();
        if (standing.some((conflict) => conflict.id === again.id)) continue;
      }
      standing.push(again);
    }
    return standing.sort((a, b) => a.detectedAt - b.detectedAt || a.start - b.start);
  }

  // -------------------------------------------------------------------------------------------
  // Reconciliation: what webhooks missed

  reconcile(): Promise<ReconcileReport> {
    // Another process reconciling now covers this run too.
    return withLock(this.ctx.redis, this.ctx.key('lock', 'reconcile'), 30_000, 0, () => this.ctx.withIndex(() => this.reconcileLocked()), () => ({ checked: 0, changed: 0, removed: 0 }));
  }

  private async reconcileLocked(): Promise<ReconcileReport> {
    const { erp, redis, store } = this.ctx;
    const catalog = await this.ctx.catalog.snapshot();
    const zone = catalog.siteTimeZone;
    const now = this.ctx.now();
    const watermarkKey = this.ctx.key('watermark');
    const watermark = await redis.get(watermarkKey);
    const docs = new Map<string, BookingDoc>();
    if (watermark) {
      const since = erpFromInstant(instantFromErp(watermark, zone, 'watermark') - this.ctx.options.reconcileOverlapMs, zone);
      for (const doc of await erp.listAll(BOOKING_DOCTYPE, { fields: [...BOOKING_LIST_FIELDS], filters: [['modified', '>=', since]], pageSize: 500, schema: bookingDocSchema })) {
        docs.set(doc.name, doc);
      }
    }
    const future = await erp.listAll(BOOKING_DOCTYPE, { fields: [...BOOKING_LIST_FIELDS], filters: [['ends_at', '>=', erpFromInstant(now, zone)]], pageSize: 500, schema: bookingDocSchema });
    for (const doc of future) docs.set(doc.name, doc);

    let changed = 0;
    let latest = watermark ?? '';
    for (const doc of docs.values()) {
      if ((await this.applyErpDoc(doc, 'reconciliation')) === 'changed') changed++;
      if (doc.modified && doc.modified > latest) latest = doc.modified;
    }

    // Bookings the index has in the future that the ERP no longer lists: deleted in the desk
    // with the webhook lost. Each is looked up once more before it goes, since a booking of ours
    // may have reached the ERP after the list was read.
    const listed = new Set(future.map((doc) => doc.name));
    let removed = 0;
    for (const resourceId of catalog.resources.keys()) {
      for (const record of await store.byResource(resourceId, now, now + 3650 * DAY_MS, false)) {
        if (!record.erpName || listed.has(record.erpName) || record.version > record.syncedVersion) continue;
        const still = await erp.getValue(BOOKING_DOCTYPE, record.erpName, ['name']);
        if (still === null && (await this.removeErpBooking(record.erpName))) removed++;
      }
    }
    if (latest) await redis.set(watermarkKey, latest);
    const report = { checked: docs.size, changed, removed };
    this.log.info({ place: this.ctx.place.id, ...report }, 'reconciliation with the ERP done');
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Timers

  /** Ends a hold that has run out: the booking expires, its seats are free again, the ERP is told. */
  async expireHold(bookingId: string): Promise<void> {
    const { store } = this.ctx;
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await store.get(bookingId);
      if (!record || record.status !== 'awaiting_payment') return;
      const now = await store.redisNow();
      if (record.holdExpiresAt !== null && record.holdExpiresAt > now) {
        await this.ctx.scheduleHoldExpiry(record, now);
        return;
      }
      const catalog = await this.ctx.catalog.snapshot();
      const resource = catalog.domainResources.get(record.resourceId);
      const result = transition(
        toDomainBooking(record),
        { type: 'hold_expired' },
        { kind: 'system' },
        now,
        { timeZone: resource?.timeZone ?? catalog.siteTimeZone },
      );
      if (!result.ok) {
        this.log.warn({ place: this.ctx.place.id, booking: bookingId, reason: result.reason.code }, 'hold not ended');
        return;
      }
      const next = withDomainBooking(record, result.booking);
      const update = await store.update({ next, expectedVersion: record.version, capacity: null, hold: { mode: 'clear' } });
      if (update.kind === 'version') continue;
      if (update.kind !== 'ok') return;
      this.log.info({ place: this.ctx.place.id, booking: bookingId }, 'hold ended: booking expired, seats released');
      await this.ctx.enqueueWrite({ ...next, version: update.version, holdExpiresAt: null });
      return;
    }
  }

  /** Requeues ERP writes whose job got lost (a crash between the decision and the queue) and ends overdue holds. */
  async sweep(): Promise<{ requeued: number; expired: number }> {
    const due = await this.ctx.withIndex(() => this.ctx.store.due(this.ctx.options.sweepAfterMs));
    let requeued = 0;
    for (const record of await this.ctx.withIndex(() => this.ctx.store.getMany(due.outbox))) {
      if (record.version > record.syncedVersion) {
        await this.ctx.enqueueWrite(record);
        requeued++;
      }
    }
    for (const id of due.holds) await this.ctx.withIndex(() => this.expireHold(id));
    if (requeued > 0 || due.holds.length > 0) this.log.info({ place: this.ctx.place.id, requeued, expired: due.holds.length }, 'sweep');
    return { requeued, expired: due.holds.length };
  }
}
