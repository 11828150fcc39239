// A scenario replays one recording: its setup creates what the recorded request refers to, the
// recorded request is sent with the recorded names replaced by the fixtures' names, and the answer
// is compared with the recorded one (shape.ts), then checked for the values the recording is about.
import { CleanupLog, Fixtures, nextTag, type Catalogue } from './fixtures';
import { WebhookListener } from './listener';
import { loadRecording, type RecordedRequest, type Recording } from './recordings';
import { compareResponse, formatMismatches, isRecord, Substitution } from './shape';
import { addDays, type Reply, type Site, type WireRequest } from './site';

/** Fixtures kept for a whole test file: created on first use, removed after the last test. */
export class Shared {
  readonly fx: Fixtures;
  private catalogueOnce: Promise<Catalogue> | undefined;
  private customersOnce: Promise<string[]> | undefined;
  private itemsOnce: Promise<string[]> | undefined;
  private listenerOnce: Promise<WebhookListener> | undefined;

  constructor(
    readonly site: Site,
    log: CleanupLog,
  ) {
    this.fx = new Fixtures(site, nextTag(), log);
  }

  /** The recorded items, for cases that only read them. */
  catalogue(): Promise<Catalogue> {
    this.catalogueOnce ??= this.fx.catalogue();
    return this.catalogueOnce;
  }

  /**
   * More customers than one default page (20) holds, as the recording site had ("Bulk Customer
   * 00..24"). Always this file's own: counting the site's would race with other test files that
   * create and delete theirs on the same site.
   */
  moreCustomersThanOnePage(): Promise<string[]> {
    this.customersOnce ??= (async () => {
      const names: string[] = [];
      for (let i = 0; i < 21; i++) names.push((await this.fx.customer(`Bulk Customer ${String(i).padStart(2, '0')}`)).name);
      return names;
    })();
    return this.customersOnce;
  }

  /**
   * Same for items, in a group of their own and under codes the catalogue's `like` filters do not
   * select, so that no case sees them unless it lists every item.
   */
  moreItemsThanOnePage(): Promise<string[]> {
    this.itemsOnce ??= (async () => {
      const group = await this.fx.insert('Item Group', {
        item_group_name: this.fx.unique('Bulk Items'),
        parent_item_group: this.site.info.rootItemGroup,
        is_group: 0,
      });
      const codes: string[] = [];
      for (let i = 0; i < 21; i++) {
        const code = this.fx.unique(`BULK-${String(i).padStart(2, '0')}`);
        const item = await this.fx.insert('Item', { item_code: code, item_name: code, item_group: group.name, stock_uom: 'Nos', is_stock_item: 0 });
        codes.push(item.name);
      }
      return codes;
    })();
    return this.itemsOnce;
  }

  listener(): Promise<WebhookListener> {
    this.listenerOnce ??= WebhookListener.start();
    return this.listenerOnce;
  }

  async cleanup(): Promise<void> {
    await this.fx.cleanup();
    if (this.listenerOnce) await (await this.listenerOnce).close();
  }
}

/** What a scenario works with. */
export class Ctx {
  private substitution: Substitution;

  constructor(
    readonly site: Site,
    /** This test's fixtures, removed when the test ends. */
    readonly fx: Fixtures,
    readonly shared: Shared,
  ) {
    const facts = site.info;
    const pairs: [string, string][] = [
      ['Ref Company', facts.company],
      ['Administrator', site.user],
      // The recording day and the due date the recorder chose, 30 days later.
      ['2026-11-28', facts.today],
      ['2026-12-28', addDays(facts.today, 30)],
      ['http://127.0.0.1:8000', site.target.url],
      ['Commercial', facts.customerGroup],
      ['France', facts.territory],
    ];
    if (facts.receivableAccount !== undefined) pairs.push(['Debtors - RC', facts.receivableAccount]);
    if (facts.bankAccount !== undefined) pairs.push(['Bank Account - RC', facts.bankAccount]);
    if (facts.incomeAccount !== undefined) pairs.push(['Sales - RC', facts.incomeAccount]);
    this.substitution = new Substitution(pairs);
  }

  get names(): Substitution {
    return this.substitution;
  }

  get today(): string {
    return this.site.info.today;
  }

  /** From now on, `recorded` in the recording stands for `actual` on this site. */
  rename(recorded: string, actual: string): void {
    this.substitution = this.substitution.with(recorded, actual);
  }

  renameAll(pairs: Iterable<readonly [string, string]>): void {
    for (const [recorded, actual] of pairs) this.rename(recorded, actual);
  }

  /** Uses a catalogue and names its items and groups after the recorded ones. */
  use(catalogue: Catalogue): Catalogue {
    this.renameAll(catalogue.names);
    return catalogue;
  }

  /** The shared catalogue, renamed. */
  async catalogue(): Promise<Catalogue> {
    return this.use(await this.shared.catalogue());
  }

  /** A customer named after a recorded one. */
  async customer(recorded: string, type: 'Company' | 'Individual' = 'Company'): Promise<string> {
    const doc = await this.fx.customer(recorded, type);
    this.rename(recorded, doc.name);
    return doc.name;
  }

  /** A name unique to this test for a recorded name the request creates or looks up. */
  fresh(recorded: string): string {
    const name = this.fx.unique(recorded);
    this.rename(recorded, name);
    return name;
  }

  /** Same, for codes (item codes, document names with dashes). */
  freshCode(recorded: string): string {
    const name = this.fx.code(recorded);
    this.rename(recorded, name);
    return name;
  }
}

export interface ScenarioDef<S> {
  /** Creates what the recorded request refers to and renames the recorded names after it. */
  readonly setup?: (ctx: Ctx) => Promise<S>;
  /** Cookie header to send (the recordings write the session as `sid=<sid>`). */
  readonly cookie?: (state: S, ctx: Ctx) => string;
  readonly query?: (query: Record<string, string>, state: S, ctx: Ctx) => Record<string, string>;
  /** Replaces the request body (already renamed); the result is sent as the recording's was. */
  readonly body?: (body: unknown, state: S, ctx: Ctx) => unknown;
  /** The (recorded) DocType whose documents a successful request creates, so that they are removed after. */
  readonly creates?: string;
  /** Body paths not compared, each with its reason in a comment where the scenario is declared. */
  readonly ignore?: readonly string[];
  /** The recorded body to compare with, when the recording abbreviated it. */
  readonly expectedBody?: unknown;
  /** Checks of the values the recording is about, after the shape comparison passed. */
  readonly check?: (reply: Reply, state: S, ctx: Ctx) => void | Promise<void>;
  /** Replaces the replay entirely (webhook deliveries, repeated requests). */
  readonly run?: (ctx: Ctx, state: S, recording: Recording) => Promise<void>;
}

export interface Scenario {
  readonly name: string;
  execute(ctx: Ctx): Promise<void>;
}

export function scenario<S = undefined>(name: string, def: ScenarioDef<S>): Scenario {
  return {
    name,
    async execute(ctx: Ctx): Promise<void> {
      const recording = loadRecording(name);
      const state = (def.setup ? await def.setup(ctx) : undefined) as S;
      if (def.run) {
        await def.run(ctx, state, recording);
        return;
      }
      const request = buildRequest(recording.request, ctx, {
        cookie: def.cookie?.(state, ctx),
        query: def.query ? (q) => def.query?.(q, state, ctx) ?? q : undefined,
        body: def.body ? (b) => def.body?.(b, state, ctx) : undefined,
      });
      const reply = await ctx.site.client.send(request);
      if (def.creates !== undefined) trackCreated(ctx, ctx.names.text(def.creates), reply);
      expectRecorded(recording, reply, ctx, { ignore: def.ignore, body: def.expectedBody });
      await def.check?.(reply, state, ctx);
    },
  };
}

/** Throws a readable report when the answer does not match the recorded one. */
export function expectRecorded(
  recording: Recording,
  reply: Reply,
  ctx: Ctx,
  options: { ignore?: readonly string[] | undefined; body?: unknown } = {},
): void {
  const recorded = options.body === undefined ? recording.response : { ...recording.response, body: options.body };
  const mismatches = compareResponse(recorded, reply, { names: ctx.names, ignore: options.ignore });
  if (mismatches.length > 0) {
    throw new Error(
      `The answer differs from the recording "${recording.title}":\n${formatMismatches(mismatches)}\n` +
        `request: ${reply.request.method} ${decodeURI(reply.request.url)}\nanswer (${reply.status}): ${reply.text.slice(0, 1500)}`,
    );
  }
}

function trackCreated(ctx: Ctx, doctype: string, reply: Reply): void {
  if (!reply.ok) return;
  const body = reply.json;
  if (!isRecord(body)) return;
  const value = 'message' in body ? body.message : body.data;
  const names = Array.isArray(value) ? value : [isRecord(value) ? value.name : undefined];
  for (const name of names) if (typeof name === 'string') ctx.fx.track(doctype, name);
}

interface RequestOverrides {
  readonly cookie?: string | undefined;
  readonly query?: ((query: Record<string, string>) => Record<string, string>) | undefined;
  readonly body?: ((body: unknown) => unknown) | undefined;
}

const FORM = 'application/x-www-form-urlencoded';

/** The recorded request with names renamed, credentials filled in and the body encoded as recorded. */
export function buildRequest(recorded: RecordedRequest, ctx: Ctx, overrides: RequestOverrides = {}): WireRequest {
  const names = ctx.names;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded.headers)) {
    headers[name] = fillCredentials(value, ctx);
  }
  if (overrides.cookie !== undefined) headers.Cookie = overrides.cookie;

  let query: Record<string, string> = {};
  for (const [k, v] of Object.entries(recorded.query)) query[k] = names.text(v);
  if (overrides.query) query = overrides.query(query);

  // The recordings write `body: null` for requests without one.
  let body: unknown = recorded.body === undefined || recorded.body === null ? undefined : fillPassword(names.deep(recorded.body), ctx);
  if (overrides.body) body = overrides.body(body);

  let encoded: string | URLSearchParams | undefined;
  if (typeof body === 'string') encoded = body;
  else if (isRecord(body) && body._encoding === FORM) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) if (k !== '_encoding') form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    encoded = form;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = FORM;
  } else if (body !== undefined) encoded = JSON.stringify(body);

  return { method: recorded.method, path: names.text(recorded.path), query, headers, body: encoded };
}

function fillCredentials(value: string, ctx: Ctx): string {
  const { apiKey, apiSecret } = ctx.site.target;
  return value
    .replace('<base64(api_key:api_secret)>', Buffer.from(`${apiKey}:${apiSecret}`).toString('base64'))
    .replace('<api_key>', apiKey)
    .replace('<api_secret>', apiSecret);
}

function fillPassword(body: unknown, ctx: Ctx): unknown {
  if (!isRecord(body) || body.pwd !== '<admin password>') return body;
  return { ...body, pwd: ctx.site.password() };
}

// ---------------------------------------------------------------------------------------------
// Helpers for checks

/** The rows of a list answer (`data` or `message`). */
export function rows(reply: Reply): Record<string, unknown>[] {
  const body = reply.json;
  const list = isRecord(body) ? ('message' in body ? body.message : body.data) : undefined;
  if (!Array.isArray(list)) throw new Error(`Expected a list in the answer, got: ${reply.text.slice(0, 300)}`);
  return list.map((row, i) => {
    if (!isRecord(row)) throw new Error(`Row ${i} is not an object: ${JSON.stringify(row)}`);
    return row;
  });
}

export function rowNames(reply: Reply): string[] {
  return rows(reply).map((r) => String(r.name));
}

/** Keys of a document whose value is null: GET, POST and PUT leave null fields out. */
export function nullKeys(doc: unknown, path = ''): string[] {
  if (Array.isArray(doc)) return doc.flatMap((d, i) => nullKeys(d, `${path}[${i}]`));
  if (!isRecord(doc)) return [];
  return Object.entries(doc).flatMap(([k, v]) => (v === null ? [`${path}${path === '' ? '' : '.'}${k}`] : nullKeys(v, `${path}${path === '' ? '' : '.'}${k}`)));
}

/** Adds a condition to a `filters` query value, in whichever form (list or dict) the recording used. */
export function withFilter(filters: string | undefined, field: string, operator: string, value: unknown): string {
  const parsed: unknown = filters === undefined ? [] : JSON.parse(filters);
  if (Array.isArray(parsed)) return JSON.stringify([...(parsed as unknown[]), [field, operator, value]]);
  if (isRecord(parsed)) {
    if (field in parsed) throw new Error(`The recorded filters already constrain ${field}`);
    return JSON.stringify({ ...parsed, [field]: [operator, value] });
  }
  throw new Error(`Unexpected filters: ${String(filters)}`);
}

export interface Theme {
  readonly name: string;
  readonly scenarios: readonly Scenario[];
}
