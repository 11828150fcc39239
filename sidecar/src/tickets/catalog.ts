import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DEFAULT_UNIT_FACTORS, DEFAULT_UOMS, ticketSettingsSchema, type TicketPackType, type TicketSettings, type TicketUse } from '../domain';
import { ErpNotFoundError, namedRowSchema, type ErpPort } from '../erp';
import type { Logger } from '../log';
import {
  DEFAULT_PLACE_TICKET_SETTINGS,
  PACK_TYPE_DOCTYPE,
  packTypeDocSchema,
  packTypeFromDoc,
  ticketSettingsDocSchema,
  ticketSettingsFromDoc,
  unitFactorsFrom,
  type PlaceTicketSettings,
} from './erp-doc';

/**
 * What the ledger needs to know of the place, read from the ERP: the pack types, the ticket
 * settings, the unit factors, and which resource (and item group) a use is for. Cached in memory;
 * a change notice from the ERP bumps a version key in Redis that every process looks at at most
 * once a second, so a pack type changed in the desk applies everywhere within that second.
 */

export interface TicketCatalogSnapshot {
  readonly version: string;
  /** Pack types that map cleanly (a broken one is logged and left out). */
  readonly packTypes: readonly TicketPackType[];
  readonly place: PlaceTicketSettings;
  /** The domain's settings: zone, unit factors, UOM names, check-in hour. */
  readonly settings: TicketSettings;
}

const factorRow = z.looseObject({ from_uom: z.string().nullish(), to_uom: z.string().nullish(), value: z.number().nullish() });
const itemRow = z.looseObject({ item: z.string().nullish() });
const itemGroupRow = z.looseObject({ item_group: z.string().nullish() });
const customerRow = z.looseObject({ customer_group: z.string().nullish() });

export interface TicketCatalogDeps {
  erp: ErpPort;
  redis: Redis;
  /** The catalog's version key. */
  versionKey: string;
  logger: Logger;
  placeId: string;
  timeZone: string;
  now: () => number;
  /** How long a process trusts its memory without looking at the version key (default 1 s). */
  checkEveryMs?: number;
  /** Resource → item group, kept this long (default 5 min). */
  memoryTtlMs?: number;
}

/** Every pack type of the ERP that maps cleanly; `onError` hears of the others. */
export async function readPackTypes(erp: ErpPort, onError: (packType: string, error: string) => void): Promise<TicketPackType[]> {
  const names = await erp.listAll(PACK_TYPE_DOCTYPE, { fields: ['name'], schema: namedRowSchema });
  const packTypes: TicketPackType[] = [];
  for (const row of names) {
    const doc = await erp.getDoc(PACK_TYPE_DOCTYPE, row.name, { schema: packTypeDocSchema });
    const mapped = packTypeFromDoc(doc);
    if (mapped.ok) packTypes.push(mapped.value);
    else onError(row.name, mapped.error);
  }
  return packTypes;
}

export class TicketCatalog {
  private current: TicketCatalogSnapshot | undefined;
  private lastCheck = 0;
  private loading: Promise<TicketCatalogSnapshot> | undefined;
  private readonly uses = new Map<string, { value: TicketUse['resource']; expiresAt: number }>();

  constructor(private readonly deps: TicketCatalogDeps) {}

  async snapshot(): Promise<TicketCatalogSnapshot> {
    const now = this.deps.now();
    if (this.current && now - this.lastCheck < (this.deps.checkEveryMs ?? 1_000)) return this.current;
    const version = await this.deps.redis.get(this.deps.versionKey);
    this.lastCheck = now;
    if (this.current && version !== null && version === this.current.version) return this.current;
    this.loading ??= this.load(version).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** A pack type, the settings or a unit factor changed in the ERP. */
  async invalidate(): Promise<void> {
    await this.deps.redis.set(this.deps.versionKey, randomBytes(8).toString('hex'));
    this.lastCheck = 0;
    this.uses.clear();
  }

  private async load(known: string | null): Promise<TicketCatalogSnapshot> {
    const { erp, logger } = this.deps;
    const version = known ?? randomBytes(8).toString('hex');
    if (known === null) await this.deps.redis.set(this.deps.versionKey, version, 'NX');
    const packTypes = await readPackTypes(erp, (name, error) => logger.error({ place: this.deps.placeId, packType: name }, `ticket pack type left out: ${error}`));
    let place = DEFAULT_PLACE_TICKET_SETTINGS;
    try {
      const doc = await erp.getDoc('Creneau Settings', 'Creneau Settings', { schema: ticketSettingsDocSchema });
      const read = ticketSettingsFromDoc(doc);
      for (const error of read.errors) logger.warn({ place: this.deps.placeId }, error);
      place = read.settings;
    } catch (error) {
      if (!(error instanceof ErpNotFoundError)) throw error;
      logger.warn({ place: this.deps.placeId }, 'Creneau Settings not found in the ERP: ticket defaults apply (is the add-on installed?)');
    }
    const factors = unitFactorsFrom(
      await erp.listAll('UOM Conversion Factor', { fields: ['from_uom', 'to_uom', 'value'], filters: [['to_uom', '=', DEFAULT_UOMS.hour]], schema: factorRow }),
      DEFAULT_UOMS,
      DEFAULT_UNIT_FACTORS,
    );
    const settings = ticketSettingsSchema.parse({ zone: this.deps.timeZone, factors, uoms: DEFAULT_UOMS, checkInHalfDayFrom: place.checkInHalfDayFrom });
    const snapshot: TicketCatalogSnapshot = { version, packTypes, place, settings };
    this.current = snapshot;
    this.lastCheck = this.deps.now();
    return snapshot;
  }

  /** The resource a use is for, with its item's group (for packs eligible by item group). */
  async resourceUse(resourceId: string, itemCode?: string): Promise<TicketUse['resource']> {
    const memo = this.uses.get(resourceId);
    if (memo && memo.expiresAt > this.deps.now()) return memo.value;
    const { erp } = this.deps;
    const item = itemCode ?? (await erp.getValue('Creneau Resource', resourceId, ['item'], { schema: itemRow }))?.item ?? undefined;
    const itemGroup = item ? ((await erp.getValue('Item', item, ['item_group'], { schema: itemGroupRow }))?.item_group ?? undefined) : undefined;
    const value = { id: resourceId, ...(itemGroup ? { itemGroup } : {}) };
    this.uses.set(resourceId, { value, expiresAt: this.deps.now() + (this.deps.memoryTtlMs ?? 5 * 60_000) });
    return value;
  }

  /** Whether the ERP has the resource (a check-in names one). */
  async resourceExists(resourceId: string): Promise<boolean> {
    return (await this.deps.erp.getValue('Creneau Resource', resourceId, ['name'], { schema: namedRowSchema })) !== null;
  }

  /** A customer's group, or null when the ERP has no such customer. */
  async customer(customer: string): Promise<{ customerGroup: string | undefined } | null> {
    const row = await this.deps.erp.getValue('Customer', customer, ['customer_group'], { schema: customerRow });
    if (!row) return null;
    return { customerGroup: row.customer_group ?? undefined };
  }
}
