import { ticketPackTypeSchema, type LedgerEntry, type LocalDate, type TicketPackType, type TicketPackTypeInput } from '../../../sidecar/src/domain';

export function packType(overrides: Partial<TicketPackTypeInput> = {}): TicketPackType {
  return ticketPackTypeSchema.parse({
    name: 'Coworking 10 demi-journées',
    itemCode: 'PACK-COWORK-10',
    ticketsPerPack: 10,
    unit: 'half_day',
    validityDays: 365,
    ...overrides,
  });
}

export const HALF_DAYS = packType();
export const HOURS = packType({ name: 'Machines 20 heures', itemCode: 'PACK-MACHINE-20', ticketsPerPack: 20, unit: 'hour', allowConversion: true });
export const DAYS = packType({ name: 'Coworking 10 journées', itemCode: 'PACK-DAY-10', unit: 'day' });

/** A lot opened by hand: a credit of `quantity` tickets. */
export function credit(key: string, quantity: number, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    key,
    customer: 'alice',
    packType: HALF_DAYS.name,
    type: 'credit',
    quantity,
    postingDate: '2026-01-10',
    expiresOn: '2026-12-31',
    ...extra,
  };
}

export function against(type: LedgerEntry['type'], key: string, lot: LedgerEntry, quantity: number, postingDate: LocalDate = '2026-02-01'): LedgerEntry {
  return { key, customer: lot.customer, packType: lot.packType, type, quantity, postingDate, lot: lot.key };
}
