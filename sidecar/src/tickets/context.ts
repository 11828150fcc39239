import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../booking/contract';
import { localDateOf, type LedgerEntry, type LocalDate } from '../domain';
import type { ErpPort } from '../erp';
import type { Logger } from '../log';
import { jobId, QUEUE_NAMES, type PlaceQueues } from '../queue/queues';
import type { PlaceKeyspace } from '../redis/keys';
import type { TicketCatalog, TicketCatalogSnapshot } from './catalog';
import { checkKeyLength } from './erp-doc';
import { LedgerBuildingError, LedgerMissingError, type CustomerLedger, type TicketStore } from './store';

/**
 * What the parts of a place's ticket ledger share: dependencies, settings, and the loop every
 * movement goes through (read the member's ledger, let the domain decide, apply atomically, queue
 * the ERP writes; decide again if another process changed the same lots meanwhile).
 */

export interface TicketEngineOptions {
  /** How long a movement waits for the ledger while it is loaded from the ERP, before answering 503 (default 3 s). */
  ledgerWaitMs?: number;
  /** ERP write attempts per job and the first backoff delay (exponential); defaults 10 and 1 s. */
  writeAttempts?: number;
  writeBackoffMs?: number;
  writeConcurrency?: number;
  changeConcurrency?: number;
  /** The sweeper's period (default 15 s) and the age from which an unwritten entry is queued again (default 30 s). */
  sweepEveryMs?: number;
  sweepAfterMs?: number;
  /** The reconciliation with the ERP's ledger and invoices: period (default 5 min) and overlap (default 2 min). */
  reconcileEveryMs?: number;
  reconcileOverlapMs?: number;
  /** How long a debit waits for its booking to reach the ERP before it is written without the link (default 10 min). */
  bookingLinkGraceMs?: number;
  /**
   * An entry linked to a booking is first tried this long after it is decided (default 2 s), the
   * time the booking's own write usually takes to reach the ERP (the link needs it there).
   */
  bookingEntryDelayMs?: number;
  /** The balance row of a member is written this long after a movement, once for a burst (default 1 s). */
  balanceDelayMs?: number;
  /** Local time of the daily expiry and reminders (default 00:05, in the place's zone). */
  dailyAt?: string;
  /** Run the queue workers and schedulers in this process (default true). */
  workers?: boolean;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export type ResolvedTicketOptions = Required<Omit<TicketEngineOptions, 'lockDurationMs' | 'stalledIntervalMs'>> &
  Pick<TicketEngineOptions, 'lockDurationMs' | 'stalledIntervalMs'>;

export function resolveTicketOptions(options: TicketEngineOptions = {}): ResolvedTicketOptions {
  return {
    ledgerWaitMs: 3_000,
    writeAttempts: 10,
    writeBackoffMs: 1_000,
    writeConcurrency: 8,
    changeConcurrency: 4,
    sweepEveryMs: 15_000,
    sweepAfterMs: 30_000,
    reconcileEveryMs: 5 * 60_000,
    reconcileOverlapMs: 2 * 60_000,
    bookingLinkGraceMs: 10 * 60_000,
    bookingEntryDelayMs: 2_000,
    balanceDelayMs: 1_000,
    dailyAt: '00:05',
    workers: true,
    ...options,
  };
}

export interface TicketPlace {
  id: string;
  name: string;
  /** Lots expire at the end of a local day of this zone; the daily job runs on its clock. */
  timeZone: string;
  erp: ErpPort;
  keys: PlaceKeyspace;
}

/** What a write job carries: the entry itself, so that it still lands if Redis is emptied meanwhile. */
export interface EntryJobData {
  entry: LedgerEntry;
  /** When the movement was decided (the booking link's grace period counts from it). */
  decidedAt: number;
}

/** A movement as the domain decided it. */
export interface Decision<T> {
  /** The operation's key (a booking's debit, a refund...): applied once; '' when the entries' keys suffice. */
  operation: string;
  entries: readonly LedgerEntry[];
  /** Compare-and-set on the member's whole ledger instead of checking only the lots drawn on. */
  wholeLedger?: boolean;
  /** Kept in the same script as the entries (what a booking's tickets left to pay online). */
  note?: { key: string; value: string };
  result: T;
}

export type Applied<T> = { result: T; outcome: 'applied' | 'already' | 'nothing' };

const MAX_DECISIONS = 60;

export class TicketContext {
  /** Set by the engine: loads (or joins the loading of) the whole ledger from the ERP. */
  requestLoad: (source: 'start' | 'wipe' | 'demand') => Promise<unknown> = () => Promise.reject(new Error('the ticket engine is not started'));

  constructor(
    readonly place: TicketPlace,
    readonly redis: Redis,
    readonly logger: Logger,
    readonly now: () => number,
    readonly options: ResolvedTicketOptions,
    readonly store: TicketStore,
    readonly catalog: TicketCatalog,
    readonly queues: PlaceQueues,
  ) {}

  get erp(): ErpPort {
    return this.place.erp;
  }

  today(at: number = this.now()): LocalDate {
    return localDateOf(at, this.place.timeZone);
  }

  /**
   * Runs `fn` against the ledger, waiting out a load from the ERP. When Redis has no ledger (it was
   * emptied) a load is started (one process does it) and `fn` runs again once it is back; if that
   * takes longer than `ledgerWaitMs` the caller gets a 503 to retry.
   */
  async withLedger<T>(fn: () => Promise<T>, waitMs = this.options.ledgerWaitMs): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (error instanceof LedgerMissingError) {
          this.requestLoad('wipe').catch((cause: unknown) => this.logger.error({ place: this.place.id, err: cause }, 'loading the ticket ledger from the ERP failed'));
        } else if (!(error instanceof LedgerBuildingError)) {
          throw error;
        }
        if (Date.now() >= deadline) {
          throw new UnavailableError('the ticket ledger is being loaded from the ERP', Math.max(1, Math.ceil(this.options.ledgerWaitMs / 1000)));
        }
        await sleep(50);
      }
    }
  }

  /**
   * One movement of a member's tickets: read their ledger, decide, apply in one script. When
   * another process moved the same lots in between (the script finds a lot short, or the ledger's
   * version changed for a whole-ledger decision), the decision is made again on what is there now:
   * two debits never both take the last ticket, and no decision is made on a stale balance.
   */
  async operate<T>(customer: string, decide: (ledger: CustomerLedger, catalog: TicketCatalogSnapshot) => Decision<T> | Promise<Decision<T>>): Promise<Applied<T>> {
    let already = false;
    for (let attempt = 0; attempt < MAX_DECISIONS; attempt++) {
      const catalog = await this.catalog.snapshot();
      const ledger = await this.withLedger(() => this.store.read(customer));
      const decision = await decide(ledger, catalog);
      if (decision.entries.length === 0) return { result: decision.result, outcome: already ? 'already' : 'nothing' };
      for (const entry of decision.entries) checkKeyLength(entry);
      const applied = await this.withLedger(() =>
        this.store.apply(customer, decision.operation, decision.entries, this.now(), decision.wholeLedger ? ledger.version : undefined, decision.note),
      );
      if (applied.kind === 'ok') {
        await this.afterApply(customer, decision.entries, applied.version);
        return { result: decision.result, outcome: 'applied' };
      }
      if (applied.kind === 'done') {
        // Another process (or an earlier try of this request) applied it: the caller gets what is there.
        if (already) return { result: decision.result, outcome: 'already' };
        already = true;
        continue;
      }
      // The lots moved under this decision: decide again, with a growing random pause once the
      // contention lasts, so that N processes do not knock in step.
      if (attempt >= 3) await sleep(Math.floor(Math.random() * Math.min(50, 5 * attempt)));
    }
    throw new UnavailableError(`the tickets of customer ${customer} kept changing while this movement was decided`, 1);
  }

  /** Queues the ERP writes of what was applied, and the member's balance row. */
  async afterApply(customer: string, entries: readonly LedgerEntry[], version: number): Promise<void> {
    const decidedAt = this.now();
    this.logger.info(
      { place: this.place.id, customer, entries: entries.map((e) => ({ key: e.key, type: e.type, quantity: e.quantity, packType: e.packType })) },
      'tickets moved',
    );
    try {
      for (const entry of entries) await this.enqueueEntry({ entry, decidedAt });
      await this.enqueueBalance(customer, version);
    } catch (error) {
      // The movement stands: the outbox keeps the entries and the sweeper queues them.
      this.logger.warn({ place: this.place.id, customer, err: error }, 'ticket ERP writes not queued; the sweeper will queue them');
    }
  }

  /** Entries, balance rows and reminders are all ERP writes that may fail for a while: one retry policy. */
  writeRetries(): { attempts: number; backoff: { type: 'exponential'; delay: number } } {
    return { attempts: this.options.writeAttempts, backoff: { type: 'exponential', delay: this.options.writeBackoffMs } };
  }

  async enqueueEntry(data: EntryJobData): Promise<void> {
    const wait = data.entry.booking === undefined ? 0 : Math.max(0, data.decidedAt + this.options.bookingEntryDelayMs - this.now());
    await this.queues.add(QUEUE_NAMES.ticketWrites, 'entry', data, {
      jobId: jobId('te', data.entry.key),
      ...(wait > 0 ? { delay: wait } : {}),
      ...this.writeRetries(),
    });
  }

  /** One job per customer and version: a burst of movements is written once (later jobs find it done). */
  async enqueueBalance(customer: string, version: number): Promise<void> {
    await this.queues.add(
      QUEUE_NAMES.ticketWrites,
      'balance',
      { customer },
      { jobId: jobId('tb', customer, version), delay: this.options.balanceDelayMs, ...this.writeRetries() },
    );
  }
}
