import { createHash } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { toSelectOption } from '../addon/select-values';
import { BOOKING_DOCTYPE } from '../booking/erp-doc';
import { erpFromInstant } from '../catalog/erp-values';
import { balance, ledgerEntrySchema, type ExpiryReminder, type LedgerEntry } from '../domain';
import { ErpNotFoundError, ErpValidationError, isOutcomeUnknown, isUniqueViolation, namedRowSchema, type DocValues, type ErpPort } from '../erp';
import type { Logger } from '../log';
import { withLock } from '../redis/locks';
import type { EntryJobData, TicketContext } from './context';
import { BALANCE_DOCTYPE, docValuesOf, erpKey, LEDGER_DOCTYPE } from './erp-doc';
import { reminderText } from './reminders';
import { TicketStore } from './store';

/**
 * The ledger's way out to the ERP, the system of record. Each entry is written once: it is looked
 * up by its external id first, inserted and submitted in one request, and a write whose answer was
 * lost (timeout, 502, 504) is looked up again, never repeated blind; the unique external id turns a
 * racing second insert into a refusal that means "already there". Links are the ERP's names: the
 * lot's opening entry and the booking must be in the ERP first, so a debit waits for them.
 */

/** Not an error of the entry: what it links to is not in the ERP yet; the job is tried again later. */
class NotYetError extends Error {
  override readonly name = 'NotYetError';
}

const foundRow = z.looseObject({ name: z.string(), docstatus: z.number().int().nullish() });
const emailRow = z.looseObject({ email_id: z.string().nullish() });

const entryJobSchema = z.object({ entry: ledgerEntrySchema, decidedAt: z.number() });
const balanceJobSchema = z.object({ customer: z.string().min(1) });

const reminderJobSchema = z.object({
  reminder: z.object({
    key: z.string(),
    customer: z.string(),
    packType: z.string(),
    lot: z.string(),
    expiresOn: z.string(),
    tickets: z.number().int(),
    daysLeft: z.number().int(),
  }),
  unit: z.enum(['hour', 'half_day', 'day']).optional(),
});
export type ReminderJobData = z.infer<typeof reminderJobSchema>;

/** The ERP's entry with this external id, if any. */
async function findLedgerEntry(erp: ErpPort, key: string): Promise<{ name: string; docstatus: number } | undefined> {
  const row = await erp.getValue(LEDGER_DOCTYPE, [['external_id', '=', key]], ['name', 'docstatus'], { schema: foundRow });
  return row ? { name: row.name, docstatus: row.docstatus ?? 0 } : undefined;
}

/** A draft someone saved by hand is submitted; a cancelled one stays cancelled (staff decided, the reconciliation follows). */
async function settleLedgerEntry(erp: ErpPort, found: { name: string; docstatus: number }, key: string, log: Logger): Promise<string> {
  if (found.docstatus === 0) await erp.submit(LEDGER_DOCTYPE, found.name);
  if (found.docstatus === 2) log.warn({ entry: key, erpName: found.name }, 'ticket entry found cancelled in the ERP: left cancelled');
  return found.name;
}

/**
 * Inserts an entry the ERP was found not to have, submitted in the same request; its ERP name. An
 * insert whose answer was lost, or refused as a duplicate (another worker got there first), is
 * looked up, never repeated blind.
 */
async function insertLedgerEntry(erp: ErpPort, entry: LedgerEntry, links: Parameters<typeof docValuesOf>[1], log: Logger): Promise<string> {
  try {
    return (await erp.insert(LEDGER_DOCTYPE, docValuesOf(entry, links))).name;
  } catch (error) {
    if (isUniqueViolation(error) || isOutcomeUnknown(error)) {
      const found = await findLedgerEntry(erp, entry.key);
      if (found) return settleLedgerEntry(erp, found, entry.key, log);
    }
    throw error;
  }
}

/** Writes an entry unless the ERP has it; its ERP name, and whether it was already there. */
export async function writeLedgerEntry(erp: ErpPort, entry: LedgerEntry, links: Parameters<typeof docValuesOf>[1], log: Logger): Promise<{ name: string; existed: boolean }> {
  const existing = await findLedgerEntry(erp, entry.key);
  if (existing) return { name: await settleLedgerEntry(erp, existing, entry.key, log), existed: true };
  return { name: await insertLedgerEntry(erp, entry, links, log), existed: false };
}

export class TicketWriter {
  constructor(
    private readonly ctx: TicketContext,
    /** Called when the ERP has an entry Redis no longer knows (Redis emptied and reloaded meanwhile). */
    private readonly resync: (customer: string) => Promise<unknown>,
  ) {}

  private get log() {
    return this.ctx.logger;
  }

  async job(job: Job): Promise<void> {
    switch (job.name) {
      case 'entry':
        await this.entryJob(entryJobSchema.parse(job.data));
        return;
      case 'balance':
        await this.balanceJob(balanceJobSchema.parse(job.data).customer);
        return;
      case 'reminder':
        await this.reminderJob(reminderJobSchema.parse(job.data));
        return;
      default:
        throw new UnrecoverableError(`unknown ticket write job "${job.name}"`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Ledger entries

  async entryJob(data: EntryJobData): Promise<void> {
    const { entry } = data;
    if (await this.ctx.store.erpNameOf(entry.customer, entry.key)) return;
    const erpName = await this.land(entry, data.decidedAt);
    if ((await this.ctx.store.synced(entry.customer, entry.key, erpName)) === 'missing') {
      this.log.warn({ place: this.ctx.place.id, customer: entry.customer, entry: entry.key, erpName }, 'ticket entry written after Redis lost it: reloading the member from the ERP');
      await this.resync(entry.customer);
    }
    this.log.debug({ place: this.ctx.place.id, entry: entry.key, erpName }, 'ticket entry written to the ERP');
  }

  /** Writes the entry if the ERP does not have it; its ERP name either way. */
  async land(entry: LedgerEntry, decidedAt: number): Promise<string> {
    const existing = await findLedgerEntry(this.ctx.erp, entry.key);
    if (existing) return settleLedgerEntry(this.ctx.erp, existing, entry.key, this.log);
    try {
      return await insertLedgerEntry(this.ctx.erp, entry, await this.links(entry, decidedAt), this.log);
    } catch (error) {
      if (error instanceof ErpValidationError || error instanceof ErpNotFoundError) {
        // The ERP refuses the content (a pack type or a customer deleted): repeating the same write
        // will not help. The outbox keeps the entry; the sweeper tries again later, and the log says why.
        this.log.error({ place: this.ctx.place.id, entry: entry.key, customer: entry.customer, err: error }, 'the ERP refuses this ticket entry; a manager must look at it');
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }

  private async links(entry: LedgerEntry, decidedAt: number): Promise<{ againstEntry?: string; booking?: string; reason?: string }> {
    const out: { againstEntry?: string; booking?: string; reason?: string } = {};
    if (entry.lot !== undefined) {
      const lot = entry.lot;
      const name =
        (await this.ctx.store.erpNameOf(entry.customer, lot)) ?? (lot.startsWith(erpKey('')) ? lot.slice(erpKey('').length) : (await findLedgerEntry(this.ctx.erp, lot))?.name);
      if (!name) throw new NotYetError(`the lot ${lot} of entry ${entry.key} is not in the ERP yet`);
      out.againstEntry = name;
    }
    if (entry.booking !== undefined) {
      const row = await this.ctx.erp.getValue(BOOKING_DOCTYPE, [['external_id', '=', entry.booking]], ['name'], { schema: namedRowSchema });
      if (row) {
        out.booking = row.name;
      } else if (this.ctx.now() - decidedAt < this.ctx.options.bookingLinkGraceMs) {
        throw new NotYetError(`booking ${entry.booking} of entry ${entry.key} is not in the ERP yet`);
      } else {
        // The booking never reached the ERP (lost with Redis, refused): the movement is written
        // anyway, its booking named in the reason (its key keeps the id for the sidecar).
        out.reason = [entry.reason, `Réservation ${entry.booking} (absente de l'ERP)`].filter(Boolean).join(' — ');
        this.log.warn({ place: this.ctx.place.id, entry: entry.key, booking: entry.booking }, 'ticket entry written without its booking link: the booking is not in the ERP');
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Balance rows (Creneau Ticket Balance)

  async balanceJob(customer: string): Promise<void> {
    const { store } = this.ctx;
    // One writer per member at a time, reading the ledger inside the lock: a job for an older
    // version finishing after a newer one would otherwise leave older figures in the ERP.
    await withLock(this.ctx.redis, store.key('lock', 'balance', TicketStore.customerHash(customer)), 60_000, 5_000, () => this.writeBalance(customer), () => {
      throw new NotYetError(`the balance row of ${customer} is being written by another worker`);
    });
  }

  private async writeBalance(customer: string): Promise<void> {
    const { store } = this.ctx;
    const ledger = await this.ctx.withLedger(() => store.read(customer), 60_000);
    if ((await store.balanceWritten(customer)) >= ledger.version) return;
    const catalog = await this.ctx.catalog.snapshot();
    const figures = balance(ledger.entries, this.ctx.today(), catalog.packTypes);
    const updatedAt = erpFromInstant(this.ctx.now(), this.ctx.place.timeZone);
    for (const pack of figures.packs) {
      const first = pack.byExpiry[0];
      const values: DocValues = {
        customer,
        pack_type: pack.packType,
        ...(pack.unit ? { ticket_unit: toSelectOption(pack.unit) } : {}),
        tickets: pack.tickets,
        next_expiry: first?.expiresOn ?? null,
        tickets_at_next_expiry: first?.expiresOn ? first.tickets : 0,
        awaiting_expiry: pack.awaitingExpiry,
        updated_at: updatedAt,
      };
      await this.upsertBalance(`balance:${customer}:${pack.packType}`, values);
    }
    await store.setBalanceWritten(customer, ledger.version);
  }

  private async upsertBalance(externalId: string, values: DocValues): Promise<void> {
    const { erp } = this.ctx;
    const find = () => erp.getValue(BALANCE_DOCTYPE, [['external_id', '=', externalId]], ['name'], { schema: namedRowSchema });
    const existing = await find();
    if (existing) {
      await erp.update(BALANCE_DOCTYPE, existing.name, values, { idempotent: true });
      return;
    }
    try {
      await erp.insert(BALANCE_DOCTYPE, { ...values, external_id: externalId });
    } catch (error) {
      if (!isUniqueViolation(error) && !isOutcomeUnknown(error)) throw error;
      const found = await find();
      if (!found) throw error;
      await erp.update(BALANCE_DOCTYPE, found.name, values, { idempotent: true });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Expiry reminders

  /** The reminder's Message-ID: one per lot and place, so that the ERP itself says whether it was sent. */
  messageId(reminder: Pick<ExpiryReminder, 'key'>): string {
    const digest = createHash('sha256').update(reminder.key).digest('hex').slice(0, 32);
    return `<creneau-ticket-reminder-${digest}@${this.ctx.place.id}.creneau>`;
  }

  async reminderJob(data: ReminderJobData): Promise<void> {
    const { reminder } = data;
    const { erp } = this.ctx;
    const messageId = this.messageId(reminder);
    const existing = await erp.getValue('Communication', [['message_id', '=', messageId]], ['name'], { schema: namedRowSchema });
    if (!existing) {
      const email = (await erp.getValue('Customer', reminder.customer, ['email_id'], { schema: emailRow }))?.email_id ?? undefined;
      const text = reminderText(reminder, data.unit);
      await erp.insert('Communication', {
        communication_type: 'Communication',
        communication_medium: 'Email',
        sent_or_received: 'Sent',
        status: 'Linked',
        subject: text.subject,
        content: text.body,
        reference_doctype: 'Customer',
        reference_name: reminder.customer,
        ...(email ? { recipients: email } : {}),
        message_id: messageId,
      });
      this.log.info({ place: this.ctx.place.id, customer: reminder.customer, lot: reminder.lot, expiresOn: reminder.expiresOn, tickets: reminder.tickets }, 'ticket expiry reminder recorded');
    }
    await this.ctx.redis.sadd(this.ctx.store.key('reminded'), reminder.key);
  }
}
