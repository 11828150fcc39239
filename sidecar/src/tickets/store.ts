import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ledgerEntrySchema, opensLot, type LedgerEntry } from '../domain';
import type { PlaceKeyspace } from '../redis/keys';
import { APPLY, READ, REPLACE, SYNCED } from './lua';

/**
 * The ticket ledger's working copy in Redis: per member, the entries and what is left in each lot,
 * changed only by the scripts in `lua.ts`. It knows nothing of the ERP or the rules: the service
 * decides with the domain, the store holds the line (no lot below zero, no entry twice).
 */

/** Redis holds no ledger (first start, or it was emptied): it must be loaded from the ERP. */
export class LedgerMissingError extends Error {
  override readonly name = 'LedgerMissingError';
}

/** The whole ledger is being loaded from the ERP: changes wait until it is done. */
export class LedgerBuildingError extends Error {
  override readonly name = 'LedgerBuildingError';
}

export interface CustomerLedger {
  readonly customer: string;
  readonly version: number;
  /** In the order applied. */
  readonly entries: readonly LedgerEntry[];
  /** Entry key → ERP name; empty while the ERP has not got it. */
  readonly erpNames: ReadonlyMap<string, string>;
}

export type ApplyResult =
  | { kind: 'ok'; version: number }
  | { kind: 'done'; version: number }
  | { kind: 'version'; current: number }
  | { kind: 'short'; lot: string; left: number }
  | { kind: 'nolot'; lot: string };

export interface ReplaceInput {
  customer: string;
  /** Undefined: whatever the current version (a full load, under the building flag). */
  expectedVersion: number | undefined;
  entries: readonly { entry: LedgerEntry; erpName: string }[];
  lots: ReadonlyMap<string, number>;
  operations: readonly string[];
  build?: boolean;
}

const entryJson = (text: string): LedgerEntry => ledgerEntrySchema.parse(JSON.parse(text));

/** A booking note lives as long whether it is set with the debit (APPLY) or alone. */
const BOOKING_NOTE_TTL_S = 400 * 86_400;

export class TicketStore {
  readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    keys: PlaceKeyspace,
  ) {
    this.prefix = keys.key('tk', '');
  }

  /** Customer names may hold any character: keys use a digest of them. */
  static customerHash(customer: string): string {
    return createHash('sha256').update(customer).digest('hex').slice(0, 24);
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  private customerKey(customer: string, part: string): string {
    return this.key('c', TicketStore.customerHash(customer), part);
  }

  private check(reply: string[]): string[] {
    if (reply[0] === 'NOLEDGER') throw new LedgerMissingError('the ticket ledger is missing from Redis: it must be loaded from the ERP');
    if (reply[0] === 'BUILDING') throw new LedgerBuildingError('the ticket ledger is being loaded from the ERP');
    return reply;
  }

  async read(customer: string): Promise<CustomerLedger> {
    const reply = this.check(await READ.runForList(this.redis, [this.prefix, TicketStore.customerHash(customer)]));
    const version = Number(reply[1]);
    const count = Number(reply[2]);
    const entries = reply.slice(3, 3 + count).map(entryJson);
    const erpNames = new Map<string, string>();
    for (let i = 3 + count; i + 1 < reply.length; i += 2) erpNames.set(reply[i] ?? '', reply[i + 1] ?? '');
    return { customer, version, entries, erpNames };
  }

  /**
   * The entries of one operation of one customer, at once or not at all. `expectedVersion` makes
   * it a compare-and-set on the customer's whole ledger (expiry, which must not race a refund);
   * without it, only the lots it draws on are checked, so that debits of the same member from any
   * number of processes go through side by side as long as the tickets last.
   */
  async apply(customer: string, operation: string, entries: readonly LedgerEntry[], now: number, expectedVersion?: number, note?: { key: string; value: string }): Promise<ApplyResult> {
    const args: (string | number)[] = [this.prefix, TicketStore.customerHash(customer), customer, now, operation, expectedVersion ?? '', entries.length];
    for (const entry of entries) {
      if (entry.customer !== customer) throw new Error(`entry ${entry.key} is ${entry.customer}'s, not ${customer}'s`);
      args.push(entry.key, opensLot(entry) ? '' : (entry.lot ?? ''), entry.quantity, JSON.stringify(entry));
    }
    args.push(note?.key ?? '', note?.value ?? '', BOOKING_NOTE_TTL_S);
    const reply = this.check(await APPLY.runForList(this.redis, args));
    switch (reply[0]) {
      case 'OK':
        return { kind: 'ok', version: Number(reply[1]) };
      case 'DONE':
        return { kind: 'done', version: Number(reply[1]) };
      case 'VERSION':
        return { kind: 'version', current: Number(reply[1]) };
      case 'SHORT':
        return { kind: 'short', lot: reply[1] ?? '', left: Number(reply[2]) };
      case 'NOLOT':
        return { kind: 'nolot', lot: reply[1] ?? '' };
      default:
        throw new Error(`unexpected answer from the apply script: ${reply.join(' ')}`);
    }
  }

  async replace(input: ReplaceInput): Promise<{ kind: 'ok'; version: number } | { kind: 'version'; current: number }> {
    const args: (string | number)[] = [
      this.prefix,
      TicketStore.customerHash(input.customer),
      input.customer,
      input.expectedVersion ?? '',
      input.build ? '1' : '0',
      input.lots.size,
    ];
    for (const [lot, left] of input.lots) args.push(lot, left);
    args.push(input.entries.length);
    for (const { entry, erpName } of input.entries) args.push(entry.key, erpName, JSON.stringify(entry));
    args.push(input.operations.length, ...input.operations);
    const reply = this.check(await REPLACE.runForList(this.redis, args));
    if (reply[0] === 'VERSION') return { kind: 'version', current: Number(reply[1]) };
    if (reply[0] !== 'OK') throw new Error(`unexpected answer from the replace script: ${reply.join(' ')}`);
    return { kind: 'ok', version: Number(reply[1]) };
  }

  /** The ERP holds `key` as `erpName`: it leaves the outbox. 'missing' when Redis no longer knows it (emptied and reloaded meanwhile). */
  async synced(customer: string, key: string, erpName: string): Promise<'ok' | 'missing'> {
    const reply = await SYNCED.runForList(this.redis, [this.prefix, key, TicketStore.customerHash(customer), erpName]);
    return reply[0] === 'OK' ? 'ok' : 'missing';
  }

  /** The ERP name of one of the customer's entries; undefined until the ERP has it. */
  async erpNameOf(customer: string, key: string): Promise<string | undefined> {
    const name = await this.redis.hget(this.customerKey(customer, 'k'), key);
    return name === null || name === '' ? undefined : name;
  }

  /** Entries decided more than `olderThanMs` before `now` that the ERP has not got, with when they were decided. */
  async due(now: number, olderThanMs: number): Promise<{ entry: LedgerEntry; decidedAt: number }[]> {
    const flat = await this.redis.zrangebyscore(this.key('outbox'), '-inf', now - olderThanMs, 'WITHSCORES', 'LIMIT', 0, 1000);
    const keys: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      keys.push(flat[i] ?? '');
      scores.push(Number(flat[i + 1]));
    }
    if (keys.length === 0) return [];
    const raws = await this.redis.hmget(this.key('pending'), ...keys);
    return raws.flatMap((raw, i) => (raw === null ? [] : [{ entry: entryJson(raw), decidedAt: scores[i] ?? now }]));
  }

  async outboxSize(): Promise<number> {
    return this.redis.zcard(this.key('outbox'));
  }

  /** Every customer the ledger knows. */
  async customers(): Promise<string[]> {
    return Object.values(await this.redis.hgetall(this.key('customers')));
  }

  async isReady(): Promise<boolean> {
    return (await this.redis.exists(this.key('ready'))) === 1;
  }

  async markReady(generation: string): Promise<void> {
    await this.redis.set(this.key('ready'), generation);
  }

  buildingKey(): string {
    return this.key('building');
  }

  /** Members whose balance row in the ERP was written for an older version of their ledger, with the current version (their balance job is keyed by it). */
  async staleBalances(): Promise<{ customer: string; version: number }[]> {
    const customers = await this.redis.hgetall(this.key('customers'));
    const hashes = Object.keys(customers);
    if (hashes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const h of hashes) pipeline.mget(this.key('c', h, 'v'), this.key('c', h, 'bw'));
    const replies = (await pipeline.exec()) ?? [];
    return hashes.flatMap((h, i) => {
      const [version, written] = (replies[i]?.[1] as (string | null)[] | undefined) ?? [];
      const current = Number(version ?? '0');
      return current > Number(written ?? '0') ? [{ customer: customers[h] ?? '', version: current }] : [];
    });
  }

  /** What a booking's tickets left to pay online (kept with its debit), if known. */
  bookingNoteKey(bookingId: string): string {
    return this.key('bk', bookingId);
  }

  async bookingNote(bookingId: string): Promise<string | undefined> {
    return (await this.redis.get(this.bookingNoteKey(bookingId))) ?? undefined;
  }

  async setBookingNote(bookingId: string, value: string): Promise<void> {
    await this.redis.set(this.bookingNoteKey(bookingId), value, 'EX', BOOKING_NOTE_TTL_S);
  }

  /** The version the balance row in the ERP was last written for (skips stale jobs). */
  async balanceWritten(customer: string): Promise<number> {
    return Number((await this.redis.get(this.customerKey(customer, 'bw'))) ?? '0');
  }

  async setBalanceWritten(customer: string, version: number): Promise<void> {
    // Only forward: two jobs finishing out of order must not bring an older figure back.
    await this.redis.eval(
      "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end return 1",
      1,
      this.customerKey(customer, 'bw'),
      version,
    );
  }
}
