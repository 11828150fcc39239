import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Principal } from '../booking/contract';
import { localDateOf, type Resource } from '../domain';
import { ErpNotFoundError, ErpPermissionError, namedRowSchema, type ErpPort } from '../erp';
import type { Logger } from '../log';
import type { PlaceKeyspace } from '../redis/keys';
import { textOf } from './erp-values';
import {
  customerDocSchema,
  itemPriceRowSchema,
  memberFromCustomer,
  priceBookFrom,
  resolvePriceList,
  resourceDocSchema,
  resourceFromErp,
  rulesFromErp,
  settingsDocSchema,
  type CatalogResource,
  type CustomerDoc,
  type ItemPriceRow,
  type MemberProfile,
  type PlaceRules,
  type PriceBook,
} from './mapping';

/**
 * What the booking engine knows of the place, read from the ERP: resources, the place's rules,
 * members and prices. Nothing here is the system of record, so everything is cached: in memory for
 * half a minute (every decision reads it), in Redis for minutes (so that N processes ask the ERP
 * once, not N times). A change in the ERP reaches every process through a version key in Redis
 * that the webhook worker bumps (`invalidate`); each process looks at it at most once per
 * `checkEveryMs`, so a member's decision costs no ERP call once the caches are warm.
 */

export const MANAGER_ROLES: readonly string[] = ['Creneau Manager', 'System Manager'];

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

export interface CatalogOptions {
  /** How long a process trusts its memory without looking at the version key (default 1 s). */
  checkEveryMs?: number;
  /** Members, prices and principals in memory (default 30 s), even without a change notice. */
  memoryTtlMs?: number;
  /** The same in Redis (default 10 min). */
  redisTtlSeconds?: number;
}

export interface CatalogDeps {
  erp: ErpPort;
  redis: Redis;
  keys: PlaceKeyspace;
  logger: Logger;
  now: () => number;
  /** The configured zone of the place, used when the ERP does not tell its own. */
  placeTimeZone: string;
  options?: CatalogOptions;
}

export interface CatalogSnapshot {
  readonly version: string;
  /** The zone the ERP writes its naive date-times in (System Settings time_zone). */
  readonly siteTimeZone: string;
  /** Resources that map cleanly, enabled or not. */
  readonly resources: ReadonlyMap<string, CatalogResource>;
  /** Resources that could not be read, with what is wrong, for a clear refusal. */
  readonly problems: ReadonlyMap<string, readonly string[]>;
  readonly rules: PlaceRules;
  /** ERPNext's default selling price list (Selling Settings). */
  readonly sellingPriceList: string | undefined;
  /** Every mapped resource by id, for the quota rules that span several resources. */
  readonly domainResources: ReadonlyMap<string, Resource>;
}

/** A member with the price list their prices come from. */
export interface PricedMember extends MemberProfile {
  readonly priceList: string;
}

const staticSchema = z.object({
  resources: z.array(z.unknown()),
  settings: z.unknown(),
  siteTimeZone: z.string(),
  sellingPriceList: z.string().nullable(),
});
type StaticData = z.infer<typeof staticSchema>;

const memberCacheSchema = z.object({ customer: z.unknown(), groupPriceList: z.string().nullable() });
const pricesCacheSchema = z.object({ currency: z.string(), rows: z.array(z.unknown()) });
const principalCacheSchema = z.object({ customer: z.string().nullable(), roles: z.array(z.string()) });

const singleSchema = (field: string) => z.looseObject({ [field]: z.string().nullish() });
const userDocSchema = z.looseObject({ name: z.string(), full_name: z.string().nullish(), roles: z.array(z.looseObject({ role: z.string().nullish() })).nullish() });
const contactDocSchema = z.looseObject({
  name: z.string(),
  links: z.array(z.looseObject({ link_doctype: z.string().nullish(), link_name: z.string().nullish() })).nullish(),
});

interface Memo<T> {
  value: T;
  expiresAt: number;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);

export class Catalog {
  private current: CatalogSnapshot | undefined;
  private lastCheck = 0;
  private loading: Promise<CatalogSnapshot> | undefined;
  private readonly members = new Map<string, Memo<PricedMember>>();
  private readonly priceBooks = new Map<string, Memo<PriceBook>>();
  private readonly principals = new Map<string, Memo<{ customer: string | null; roles: string[] }>>();
  /** Loads under way, shared: a hundred requests of one member ask the ERP once. */
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly checkEveryMs: number;
  private readonly memoryTtlMs: number;
  private readonly redisTtlSeconds: number;

  constructor(private readonly deps: CatalogDeps) {
    this.checkEveryMs = deps.options?.checkEveryMs ?? 1_000;
    this.memoryTtlMs = deps.options?.memoryTtlMs ?? 30_000;
    this.redisTtlSeconds = deps.options?.redisTtlSeconds ?? 600;
  }

  private key(...parts: string[]): string {
    return this.deps.keys.key('cat', ...parts);
  }

  /** The place's resources and rules as this process should see them now. */
  async snapshot(): Promise<CatalogSnapshot> {
    const now = this.deps.now();
    if (this.current && now - this.lastCheck < this.checkEveryMs) return this.current;
    const version = await this.deps.redis.get(this.key('ver'));
    this.lastCheck = now;
    if (this.current && version === this.current.version) return this.current;
    this.loading ??= this.loadShared(version).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Reads the resources, settings and zones from the ERP and publishes them to every process. */
  async reload(): Promise<CatalogSnapshot> {
    const { erp } = this.deps;
    const siteTimeZone = await this.readSingleField('System Settings', 'time_zone');
    const sellingPriceList = await this.readSingleField('Selling Settings', 'selling_price_list');
    let settings: unknown = {};
    try {
      settings = await erp.getDoc('Creneau Settings', 'Creneau Settings');
    } catch (error) {
      if (!(error instanceof ErpNotFoundError)) throw error;
      this.deps.logger.warn({ place: this.deps.keys.placeId }, 'Creneau Settings not found in the ERP: default rules apply (is the add-on installed?)');
    }
    const names = await erp.listAll('Creneau Resource', { fields: ['name'], schema: namedRowSchema });
    const resources: unknown[] = [];
    // A handful at a time: enough to load a place's resources quickly without flooding the ERP.
    for (let i = 0; i < names.length; i += 8) {
      resources.push(...(await Promise.all(names.slice(i, i + 8).map((row) => erp.getDoc('Creneau Resource', row.name)))));
    }
    const data: StaticData = { resources, settings, siteTimeZone: siteTimeZone ?? this.deps.placeTimeZone, sellingPriceList: sellingPriceList ?? null };
    const version = randomBytes(8).toString('hex');
    await this.deps.redis.multi().set(this.key('static'), JSON.stringify(data)).set(this.key('ver'), version).exec();
    this.clearMemory();
    const snapshot = this.build(data, version);
    this.current = snapshot;
    this.lastCheck = this.deps.now();
    return snapshot;
  }

  private async loadShared(version: string | null): Promise<CatalogSnapshot> {
    if (version !== null) {
      const raw = await this.deps.redis.get(this.key('static'));
      const parsed = raw === null ? undefined : staticSchema.safeParse(JSON.parse(raw));
      if (parsed?.success) {
        this.clearMemory();
        this.current = this.build(parsed.data, version);
        return this.current;
      }
    }
    // Nothing shared yet (first start, or Redis was emptied): this process reads the ERP.
    return this.reload();
  }

  private async readSingleField(doctype: string, field: string): Promise<string | undefined> {
    try {
      const doc = await this.deps.erp.getDoc(doctype, doctype, { schema: singleSchema(field) });
      return textOf(doc[field]);
    } catch (error) {
      // An API user without System Manager cannot read System Settings: the configured zone stands in.
      if (error instanceof ErpPermissionError || error instanceof ErpNotFoundError) return undefined;
      throw error;
    }
  }

  private build(data: StaticData, version: string): CatalogSnapshot {
    const log = this.deps.logger;
    const settings = settingsDocSchema.safeParse(data.settings ?? {});
    const { rules, errors } = rulesFromErp(settings.success ? settings.data : settingsDocSchema.parse({}));
    if (!settings.success) errors.push(`Creneau Settings could not be read (${settings.error.issues.map((i) => i.path.join('.')).join(', ')}): defaults apply`);
    for (const error of errors) log.warn({ place: this.deps.keys.placeId }, error);

    const resources = new Map<string, CatalogResource>();
    const problems = new Map<string, string[]>();
    for (const raw of data.resources) {
      const doc = resourceDocSchema.safeParse(raw);
      if (!doc.success) {
        log.error({ place: this.deps.keys.placeId, issues: doc.error.issues.map((i) => i.path.join('.')) }, 'a Creneau Resource could not be read');
        continue;
      }
      const mapped = resourceFromErp(doc.data, data.siteTimeZone, rules.resourceDefaults);
      if (mapped.ok) {
        resources.set(doc.data.name, mapped.value);
      } else {
        problems.set(doc.data.name, mapped.errors);
        for (const error of mapped.errors) log.error({ place: this.deps.keys.placeId, resource: doc.data.name }, error);
      }
    }
    return {
      version,
      siteTimeZone: data.siteTimeZone,
      resources,
      problems,
      rules,
      sellingPriceList: data.sellingPriceList ?? undefined,
      domainResources: new Map([...resources].map(([id, entry]) => [id, entry.resource])),
    };
  }

  private clearMemory(): void {
    this.members.clear();
    this.priceBooks.clear();
    this.principals.clear();
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const promise = load().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private fresh<T>(memo: Memo<T> | undefined): T | undefined {
    return memo && memo.expiresAt > this.deps.now() ? memo.value : undefined;
  }

  private remember<T>(map: Map<string, Memo<T>>, key: string, value: T): T {
    map.set(key, { value, expiresAt: this.deps.now() + this.memoryTtlMs });
    return value;
  }

  /**
   * What another process has cached in Redis under `key`, else `load`'s answer, cached there for the others; `index`
   * is the set through which a change notice drops such keys. An entry that does not parse is read again.
   */
  private async throughRedis<T>(key: string, schema: z.ZodType<T>, index: string, load: () => Promise<T>): Promise<T> {
    const raw = await this.deps.redis.get(key);
    const cached = raw === null ? undefined : schema.safeParse(JSON.parse(raw)).data;
    if (cached) return cached;
    const value = await load();
    await this.deps.redis.multi().set(key, JSON.stringify(value), 'EX', this.redisTtlSeconds).sadd(this.key(index), key).expire(this.key(index), this.redisTtlSeconds * 2).exec();
    return value;
  }

  /** A member's profile and price list; NotFound-like CatalogError when the ERP has no such Customer. */
  async member(customer: string): Promise<PricedMember> {
    const memo = this.fresh(this.members.get(customer));
    if (memo && this.current && this.deps.now() - this.lastCheck < this.checkEveryMs) return memo;
    return this.once(`member|${customer}`, () => this.loadMember(customer));
  }

  private async loadMember(customer: string): Promise<PricedMember> {
    const snapshot = await this.snapshot();
    const memo = this.fresh(this.members.get(customer));
    if (memo) return memo;
    const cached = await this.throughRedis(this.key('member', hash(customer)), memberCacheSchema, 'members', async () => {
      let doc: CustomerDoc;
      try {
        doc = await this.deps.erp.getDoc('Customer', customer, { schema: customerDocSchema });
      } catch (error) {
        if (error instanceof ErpNotFoundError) throw new CatalogError(`the ERP has no Customer "${customer}"`);
        throw error;
      }
      let groupPriceList: string | null = null;
      if (doc.customer_group && !doc.default_price_list) {
        const group = await this.deps.erp.getValue('Customer Group', doc.customer_group, ['default_price_list'], { schema: singleSchema('default_price_list') });
        groupPriceList = group?.default_price_list ?? null;
      }
      return { customer: doc, groupPriceList };
    });
    const doc = customerDocSchema.parse(cached.customer);
    const { profile, errors } = memberFromCustomer(doc, snapshot.siteTimeZone);
    for (const error of errors) this.deps.logger.warn({ place: this.deps.keys.placeId }, error);
    const priceList = resolvePriceList({
      customer: profile.ownPriceList,
      group: cached.groupPriceList ?? undefined,
      place: snapshot.rules.defaultPriceList,
      selling: snapshot.sellingPriceList,
    });
    return this.remember(this.members, customer, { ...profile, priceList });
  }

  /** The rates of the catalog's items in one price list, for today in the place's zone. */
  async prices(priceList: string): Promise<PriceBook> {
    return this.once(`prices|${priceList}`, () => this.loadPrices(priceList));
  }

  private async loadPrices(priceList: string): Promise<PriceBook> {
    const snapshot = await this.snapshot();
    const today = localDateOf(this.deps.now(), snapshot.siteTimeZone);
    const memoKey = `${priceList}|${today}`;
    const memo = this.fresh(this.priceBooks.get(memoKey));
    if (memo) return memo;
    const items = [...new Set([...snapshot.resources.values()].map((entry) => entry.resource.itemCode))].sort();
    const key = this.key('prices', hash(`${priceList}|${today}|${items.join('|')}`));
    const cached = await this.throughRedis(key, pricesCacheSchema, 'pricekeys', async () => {
      const list = await this.deps.erp.getValue('Price List', priceList, ['currency'], { schema: singleSchema('currency') });
      if (!list) throw new CatalogError(`the ERP has no Price List "${priceList}"`);
      const rows: ItemPriceRow[] =
        items.length === 0
          ? []
          : await this.deps.erp.listAll('Item Price', {
              fields: ['item_code', 'uom', 'price_list_rate', 'currency', 'customer', 'valid_from', 'valid_upto'],
              filters: [
                ['price_list', '=', priceList],
                ['item_code', 'in', items],
              ],
              schema: itemPriceRowSchema,
            });
      return { currency: list.currency ?? 'EUR', rows };
    });
    const rows = z.array(itemPriceRowSchema).parse(cached.rows);
    const { book, errors } = priceBookFrom(priceList, cached.currency, rows, today);
    for (const error of errors) this.deps.logger.warn({ place: this.deps.keys.placeId }, error);
    return this.remember(this.priceBooks, memoKey, book);
  }

  /**
   * Who a signed-in ERP user is: their Customer (a Portal User row of a Customer, else a Contact
   * of theirs linked to a Customer) and their roles.
   */
  async principalFor(user: string, fullName: string): Promise<Principal> {
    await this.snapshot();
    const found = this.fresh(this.principals.get(user)) ?? (await this.once(`principal|${user}`, () => this.loadPrincipal(user)));
    return {
      user,
      fullName,
      customer: found.customer,
      roles: found.roles,
      isManager: found.roles.some((role) => MANAGER_ROLES.includes(role)),
    };
  }

  /** Only called when memory has nothing fresh for the user (principalFor looks there first). */
  private async loadPrincipal(user: string): Promise<{ customer: string | null; roles: string[] }> {
    const found = await this.throughRedis(this.key('principal', hash(user)), principalCacheSchema, 'principals', async () => ({
      customer: await this.customerOf(user),
      roles: await this.rolesOf(user),
    }));
    return this.remember(this.principals, user, found);
  }

  private async rolesOf(user: string): Promise<string[]> {
    try {
      const doc = await this.deps.erp.getDoc('User', user, { schema: userDocSchema });
      return (doc.roles ?? []).map((row) => row.role ?? '').filter((role) => role !== '');
    } catch (error) {
      if (error instanceof ErpNotFoundError) return [];
      throw error;
    }
  }

  private async customerOf(user: string): Promise<string | null> {
    const { erp } = this.deps;
    const direct = await erp.list('Customer', {
      fields: ['name'],
      filters: [['Portal User', 'user', '=', user]],
      orderBy: { field: 'creation', order: 'asc' },
      limitPageLength: 1,
      schema: namedRowSchema,
    });
    if (direct[0]) return direct[0].name;
    const contacts = await erp.list('Contact', { fields: ['name'], filters: [['user', '=', user]], orderBy: { field: 'creation', order: 'asc' }, limitPageLength: 5, schema: namedRowSchema });
    for (const contact of contacts) {
      const doc = await erp.getDoc('Contact', contact.name, { schema: contactDocSchema });
      const link = (doc.links ?? []).find((row) => row.link_doctype === 'Customer' && row.link_name);
      if (link?.link_name) return link.link_name;
    }
    return null;
  }

  /**
   * A document the catalog depends on changed in the ERP. Resources and settings are read again
   * at once; members, prices and principals are dropped and read again when next needed.
   */
  async invalidate(doctype: string, name: string): Promise<void> {
    const { redis } = this.deps;
    switch (doctype) {
      case 'Creneau Resource':
      case 'Creneau Settings':
      case 'System Settings':
      case 'Selling Settings':
        await this.reload();
        return;
      case 'Customer':
        await redis.del(this.key('member', hash(name)));
        await this.dropIndexed('principals');
        break;
      case 'Customer Group':
        await this.dropIndexed('members');
        break;
      case 'Item Price':
      case 'Price List':
        await this.dropIndexed('pricekeys');
        break;
      case 'User':
      case 'Contact':
        await this.dropIndexed('principals');
        break;
      default:
        return;
    }
    await redis.set(this.key('ver'), randomBytes(8).toString('hex'));
    this.lastCheck = 0;
  }

  private async dropIndexed(index: string): Promise<void> {
    const setKey = this.key(index);
    const members = await this.deps.redis.smembers(setKey);
    const pipeline = this.deps.redis.multi();
    for (const key of members) pipeline.del(key);
    pipeline.del(setKey);
    await pipeline.exec();
  }
}
