import type { Redis } from 'ioredis';
import type { Instant } from '../domain';
import type { PlaceKeyspace } from '../redis/keys';
import type { LuaScript } from '../redis/lua';
import { DUE, GET, RANGE, REMOVE, RESERVE, SYNCED, UPDATE } from './lua';
import { dataOf, RECORD_FIELDS, recordFromFields, type BookingRecord } from './record';

/**
 * The booking index in Redis: the capacity decisions (Lua, atomic) and the reads around them. It
 * knows nothing of the ERP or the rules; the service decides, the index holds the line.
 */

/** There is no index (first start, or Redis was emptied): it must be rebuilt from the ERP. */
export class IndexMissingError extends Error {
  override readonly name = 'IndexMissingError';
}

/** A rebuild is swapping the index: changes wait until it is done. */
export class IndexBuildingError extends Error {
  override readonly name = 'IndexBuildingError';
}

/** What the scripts need to know of the resource to count its capacity as the domain does. */
export interface CapacityTerms {
  /** A room is booked whole (1 unit); seat pools and machines count seats. */
  readonly room: boolean;
  /** Units of the resource: the most any booking can take. */
  readonly units: number;
  /** Units this audience may fill: all for managers, all but the walk-in margin for members. */
  readonly capacity: number;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
}

export type ReserveResult =
  | { kind: 'ok'; holdExpiresAt: Instant | null; now: Instant }
  | { kind: 'idempotent'; id: string }
  | { kind: 'exists' }
  | { kind: 'full'; used: number };

export type UpdateResult =
  | { kind: 'ok'; version: number; holdExpiresAt: Instant | null }
  | { kind: 'version'; current: number }
  | { kind: 'missing' }
  | { kind: 'full'; used: number };

export type HoldChange = { mode: 'keep' } | { mode: 'clear' } | { mode: 'new'; ms: number } | { mode: 'at'; at: Instant };

export interface ReserveInput {
  record: Omit<BookingRecord, 'version' | 'syncedVersion' | 'holdExpiresAt'> & { holdExpiresAt?: Instant | null };
  /** The capacity the booking must fit in, checked in the same script; null: this takes no capacity decision. */
  capacity: CapacityTerms | null;
  /** Start a hold of this length now (Redis time). */
  holdMs?: number;
  /** Full Redis key of the idempotency key, and how long it lives. */
  idempotency?: { key: string; ttlSeconds: number };
  /** The booking is the ERP's (rebuild, staff): nothing to write back. */
  fromErp?: boolean;
}

export interface UpdateInput {
  next: BookingRecord;
  /** The version the change was decided on; undefined applies it whatever the current one is. */
  expectedVersion?: number;
  /** As ReserveInput's. */
  capacity: CapacityTerms | null;
  hold: HoldChange;
  fromErp?: boolean;
}

/** The scripts' five capacity arguments (room, units, capacity, buffers); unread when no capacity is checked. */
function termsArgs(terms: CapacityTerms | null): (string | number)[] {
  if (!terms) return ['0', 0, 0, 0, 0];
  return [terms.room ? '1' : '0', terms.units, terms.capacity, terms.bufferBeforeMs, terms.bufferAfterMs];
}

export class BookingStore {
  private generation: string | undefined;

  constructor(
    private readonly redis: Redis,
    readonly keys: PlaceKeyspace,
    /** The engine's clock: Redis's time is shifted by its offset from the real one (0 unless a test sets "now"). */
    private readonly clock: () => number = Date.now,
  ) {}

  private offset(): number {
    return this.clock() - Date.now();
  }

  /** Fixed keys of the index (outside the generations). */
  readonly genKey = (): string => this.keys.key('idx', 'gen');
  readonly buildingKey = (): string => this.keys.key('idx', 'building');

  /** A key inside a generation, for the rebuild that writes one. */
  generationKey(generation: string, ...parts: (string | number)[]): string {
    return this.keys.key('g', generation, ...parts);
  }

  /** The generation this process last worked on, without asking Redis. */
  get knownGeneration(): string | undefined {
    return this.generation;
  }

  /** Scripts of a rebuild fill `generation` before it becomes current. */
  async reserveInto(generation: string, input: ReserveInput): Promise<ReserveResult> {
    return this.reserveWith(input, (args) => this.runOn(generation, RESERVE, args));
  }

  /** The generation commands go to: the one last seen, else the current one; none means the index must be rebuilt. */
  private async generationOrThrow(): Promise<string> {
    const generation = this.generation ?? (await this.currentGeneration());
    if (generation === undefined) throw new IndexMissingError('the booking index is missing: it must be rebuilt from the ERP');
    return generation;
  }

  async currentGeneration(): Promise<string | undefined> {
    const generation = await this.redis.get(this.genKey());
    this.generation = generation ?? undefined;
    return this.generation;
  }

  /** Runs a script on the current generation, following a swap; throws when there is no index or it is being rebuilt. */
  private async run(script: LuaScript, args: readonly (string | number)[]): Promise<string[]> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const generation = await this.generationOrThrow();
      const reply = await script.runForList(this.redis, [this.keys.prefix, generation, this.offset(), ...args]);
      switch (reply[0]) {
        case 'STALE':
          this.generation = reply[1];
          continue;
        case 'NOINDEX':
          this.generation = undefined;
          throw new IndexMissingError('the booking index is missing: it must be rebuilt from the ERP');
        case 'BUILDING':
          throw new IndexBuildingError('the booking index is being rebuilt');
        default:
          return reply;
      }
    }
    throw new IndexBuildingError('the booking index changed generation several times in a row');
  }

  private async runOn(generation: string, script: LuaScript, args: readonly (string | number)[]): Promise<string[]> {
    const reply = await script.runForList(this.redis, [this.keys.prefix, generation, this.offset(), ...args]);
    if (reply[0] === 'STALE' || reply[0] === 'NOINDEX' || reply[0] === 'BUILDING') {
      throw new IndexBuildingError(`generation ${generation} is no longer being built (${reply[0]})`);
    }
    return reply;
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    return this.reserveWith(input, (args) => this.run(RESERVE, args));
  }

  private async reserveWith(input: ReserveInput, run: (args: readonly (string | number)[]) => Promise<string[]>): Promise<ReserveResult> {
    const { record } = input;
    const reply = await run([
      record.id,
      record.resourceId,
      record.start,
      record.end,
      record.seats,
      ...termsArgs(input.capacity),
      record.status,
      input.holdMs ?? '',
      record.customer,
      JSON.stringify(dataOf({ ...record, version: 0, syncedVersion: 0, holdExpiresAt: null })),
      input.idempotency?.key ?? '',
      input.idempotency?.ttlSeconds ?? 0,
      input.capacity ? '1' : '0',
      input.fromErp ? '1' : '0',
      record.erpName ?? '',
      record.erpModified ?? '',
      input.holdMs === undefined && record.holdExpiresAt ? record.holdExpiresAt : '',
    ]);
    switch (reply[0]) {
      case 'OK':
        return { kind: 'ok', holdExpiresAt: reply[1] ? Number(reply[1]) : null, now: Number(reply[2]) };
      case 'IDEM':
        return { kind: 'idempotent', id: reply[1] ?? '' };
      case 'EXISTS':
        return { kind: 'exists' };
      case 'FULL':
        return { kind: 'full', used: Number(reply[1]) };
      default:
        throw new Error(`unexpected answer from the reserve script: ${reply.join(' ')}`);
    }
  }

  async update(input: UpdateInput): Promise<UpdateResult> {
    const { next, hold } = input;
    const reply = await this.run(UPDATE, [
      next.id,
      input.expectedVersion === undefined ? '' : input.expectedVersion,
      next.resourceId,
      next.start,
      next.end,
      next.seats,
      ...termsArgs(input.capacity),
      next.status,
      hold.mode,
      hold.mode === 'new' ? hold.ms : hold.mode === 'at' ? hold.at : '',
      next.customer,
      JSON.stringify(dataOf(next)),
      input.capacity ? '1' : '0',
      input.fromErp ? '1' : '0',
      next.erpName ?? '',
      next.erpModified ?? '',
    ]);
    switch (reply[0]) {
      case 'OK':
        return { kind: 'ok', version: Number(reply[1]), holdExpiresAt: reply[2] ? Number(reply[2]) : null };
      case 'VERSION':
        return { kind: 'version', current: Number(reply[1]) };
      case 'MISSING':
        return { kind: 'missing' };
      case 'FULL':
        return { kind: 'full', used: Number(reply[1]) };
      default:
        throw new Error(`unexpected answer from the update script: ${reply.join(' ')}`);
    }
  }

  /** The ERP holds `version`: clears the outbox entry unless the booking changed since. */
  async synced(id: string, version: number, erpName: string | null, erpModified: string | null): Promise<'ok' | 'moved' | 'missing'> {
    const reply = await this.run(SYNCED, [id, version, erpName ?? '', erpModified ?? '']);
    return reply[0] === 'OK' ? 'ok' : reply[0] === 'MOVED' ? 'moved' : 'missing';
  }

  async remove(id: string): Promise<boolean> {
    const reply = await this.run(REMOVE, [id]);
    return reply[0] === 'OK';
  }

  private static records(reply: readonly string[]): BookingRecord[] {
    const records: BookingRecord[] = [];
    const width = RECORD_FIELDS.length + 1;
    for (let i = 1; i + width <= reply.length; i += width) {
      records.push(recordFromFields(reply[i] ?? '', reply.slice(i + 1, i + width)));
    }
    return records;
  }

  async get(id: string): Promise<BookingRecord | undefined> {
    return BookingStore.records(await this.run(GET, [id]))[0];
  }

  async getMany(ids: readonly string[]): Promise<BookingRecord[]> {
    if (ids.length === 0) return [];
    return BookingStore.records(await this.run(GET, ids));
  }

  /** Bookings of a resource overlapping [from, to): all of them, or only those that may hold capacity. */
  async byResource(resourceId: string, from: Instant, to: Instant, holdingOnly: boolean): Promise<BookingRecord[]> {
    return BookingStore.records(await this.run(RANGE, [holdingOnly ? 'occ' : 'all', resourceId, from, to]));
  }

  async byCustomer(customer: string, from: Instant, to: Instant): Promise<BookingRecord[]> {
    return BookingStore.records(await this.run(RANGE, ['cust', customer, from, to]));
  }

  async idByErpName(name: string): Promise<string | undefined> {
    const generation = await this.generationOrThrow();
    return (await this.redis.hget(this.generationKey(generation, 'erp'), name)) ?? undefined;
  }

  /** Ids of the bookings whose outbox entry is older than `olderThanMs`, and of those whose hold has ended (by Redis's clock). */
  async due(olderThanMs: number): Promise<{ outbox: string[]; holds: string[] }> {
    const reply = await this.run(DUE, [olderThanMs]);
    let i = 1;
    const take = (): string[] => {
      const count = Number(reply[i++]);
      const ids = reply.slice(i, i + count);
      i += count;
      return ids;
    };
    const outbox = take();
    return { outbox, holds: take() };
  }

  async outboxSize(): Promise<number> {
    const generation = this.generation ?? (await this.currentGeneration());
    if (generation === undefined) return 0;
    return this.redis.zcard(this.generationKey(generation, 'outbox'));
  }

  /** Redis's clock, which every process and every script agrees on (shifted like the scripts' for a test clock). */
  async redisNow(): Promise<Instant> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + this.offset();
  }

  /** The hash of the over-capacity situations found in the current generation. */
  async conflictsKey(): Promise<string> {
    const generation = await this.generationOrThrow();
    return this.generationKey(generation, 'conflicts');
  }
}
