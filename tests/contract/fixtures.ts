// What a case needs on the site before its recorded request makes sense: customers, items,
// invoices in a given state, custom DocTypes, webhooks, sessions. Everything is created under a
// name unique to this run and this test, and removed afterwards in reverse order (submitted
// documents are cancelled first). What the site refuses to delete (cancelled invoices keep their
// ledger entries) is left in place and reported.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { loadRecording } from './recordings';
import { Substitution, isRecord } from './shape';
import { addDays, type Reply, type Site } from './site';
import type { WebhookListener } from './listener';

const Doc = z.looseObject({ name: z.string(), modified: z.string().optional(), docstatus: z.number().optional() });
export type Doc = z.infer<typeof Doc>;

const RUN_ID = randomBytes(4).readUInt32BE(0).toString(36).slice(0, 5).padStart(5, '0');
let sequence = 0;

/** A fresh tag for one scope of fixtures: lowercase letters and digits, so it survives scrubbing into a fieldname. */
export function nextTag(): string {
  sequence += 1;
  return `${RUN_ID}${sequence.toString(36)}`;
}

function parseDoc(reply: Reply, key: 'data' | 'message', what: string): Doc {
  const parsed = Doc.safeParse(reply.at(key));
  if (!parsed.success) throw new Error(`${what}: the answer holds no document: ${reply.summary()}`);
  return parsed.data;
}

export function docOf(reply: Reply, what = 'Reading the answer'): Doc {
  return parseDoc(reply, isRecord(reply.json) && 'message' in reply.json ? 'message' : 'data', what);
}

/** Lines about fixtures left on the site, printed once per test file. */
export class CleanupLog {
  readonly lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
  }

  print(title: string): void {
    if (this.lines.length === 0) return;
    console.warn(`Contract suite (${title}): ${this.lines.length} fixture(s) left on the site, which refused to delete them:\n${this.lines.map((l) => `  - ${l}`).join('\n')}`);
  }
}

// The items of the recorded site, with the rates the recorded totals were computed from.
export const CATALOGUE = {
  'SRV-CONSULT': { item_name: 'Consulting hour', group: 'Services', stock_uom: 'Hour', standard_rate: 120, description: 'One hour of consulting' },
  'SRV-SUPPORT': { item_name: 'Support plan', group: 'Services', stock_uom: 'Nos', standard_rate: 50, description: 'Support plan' },
  'SRV-TRAINING': { item_name: 'Training day', group: 'Services', stock_uom: 'Nos', standard_rate: 800, description: 'Training day' },
  'PRD-WIDGET': { item_name: 'Widget', group: 'Products', stock_uom: 'Nos', standard_rate: 12.5, description: 'Widget' },
  'PRD-GADGET': { item_name: 'Gadget', group: 'Products', stock_uom: 'Nos', standard_rate: 30, description: 'Gadget' },
} as const;
export type ItemKey = keyof typeof CATALOGUE;
export const ITEM_KEYS = Object.keys(CATALOGUE) as ItemKey[];

/** The five recorded items, created in two Item Groups of their own so that lists can be filtered on them. */
export interface Catalogue {
  readonly tag: string;
  readonly groups: { readonly Services: string; readonly Products: string };
  code(item: ItemKey): string;
  /** Recorded item codes and group names → this catalogue's. */
  readonly names: readonly (readonly [string, string])[];
}

export interface InvoiceLine {
  readonly item: ItemKey;
  readonly qty: number;
  readonly rate?: number;
}

export interface InvoiceSpec {
  readonly customer: string;
  readonly lines: readonly InvoiceLine[];
  readonly remarks?: string;
  readonly state?: 'draft' | 'submitted' | 'cancelled';
}

type Created = { readonly kind: 'doc'; readonly doctype: string; readonly name: string } | { readonly kind: 'session'; readonly sid: string };

export class Fixtures {
  private readonly created: Created[] = [];

  constructor(
    readonly site: Site,
    readonly tag: string,
    private readonly log: CleanupLog,
  ) {}

  /** "Acme SARL" → "Acme SARL k3x9a1": unique to this scope, readable in the site's lists. */
  unique(base: string): string {
    return `${base} ${this.tag}`;
  }

  /** "SRV-CONSULT" → "k3x9a1-SRV-CONSULT": a code whose prefix a `like` filter can select. */
  code(base: string): string {
    return `${this.tag}-${base}`;
  }

  track(doctype: string, name: string): void {
    this.created.push({ kind: 'doc', doctype, name });
  }

  trackSession(sid: string): void {
    this.created.push({ kind: 'session', sid });
  }

  async insert(doctype: string, body: Record<string, unknown>): Promise<Doc> {
    const reply = await this.site.must(`create a ${doctype}`, 'POST', `/api/resource/${doctype}`, { json: body });
    const doc = parseDoc(reply, 'data', `Creating a ${doctype}`);
    this.track(doctype, doc.name);
    return doc;
  }

  async get(doctype: string, name: string): Promise<Doc> {
    return parseDoc(await this.site.must(`read ${doctype} ${name}`, 'GET', `/api/resource/${doctype}/${name}`), 'data', `Reading ${doctype} ${name}`);
  }

  async update(doctype: string, name: string, body: Record<string, unknown>): Promise<Doc> {
    const reply = await this.site.must(`update ${doctype} ${name}`, 'PUT', `/api/resource/${doctype}/${name}`, { json: body });
    return parseDoc(reply, 'data', `Updating ${doctype} ${name}`);
  }

  submit(doctype: string, name: string): Promise<Doc> {
    return this.update(doctype, name, { docstatus: 1 });
  }

  async cancel(doctype: string, name: string): Promise<Doc> {
    const reply = await this.site.must(`cancel ${doctype} ${name}`, 'POST', '/api/method/frappe.client.cancel', { json: { doctype, name } });
    return parseDoc(reply, 'message', `Cancelling ${doctype} ${name}`);
  }

  /** Sends a recorded creation request (with names substituted) as a fixture. */
  async replayCreate(recording: string, names: Substitution): Promise<Doc> {
    const rec = loadRecording(recording);
    const doctype = /^\/api\/resource\/([^/]+)$/.exec(rec.request.path)?.[1];
    const body = names.deep(rec.request.body);
    if (rec.request.method !== 'POST' || doctype === undefined || !isRecord(body)) {
      throw new Error(`Recording ${recording} is not a creation request and cannot serve as a fixture`);
    }
    return this.insert(decodeURIComponent(doctype), body);
  }

  // -- customers and items ----------------------------------------------------------------------

  customer(base = 'Acme SARL', type: 'Company' | 'Individual' = 'Company'): Promise<Doc> {
    const { customerGroup, territory } = this.site.info;
    return this.insert('Customer', {
      customer_name: this.unique(base),
      customer_type: type,
      customer_group: customerGroup,
      territory,
    });
  }

  async catalogue(): Promise<Catalogue> {
    const { rootItemGroup } = this.site.info;
    const groups = {
      Services: (await this.insert('Item Group', { item_group_name: this.unique('Services'), parent_item_group: rootItemGroup, is_group: 0 })).name,
      Products: (await this.insert('Item Group', { item_group_name: this.unique('Products'), parent_item_group: rootItemGroup, is_group: 0 })).name,
    };
    const codes = new Map<ItemKey, string>();
    for (const key of ITEM_KEYS) {
      const spec = CATALOGUE[key];
      const item = await this.insert('Item', {
        item_code: this.code(key),
        item_name: spec.item_name,
        description: spec.description,
        item_group: groups[spec.group],
        stock_uom: spec.stock_uom,
        is_stock_item: 0,
        standard_rate: spec.standard_rate,
      });
      codes.set(key, item.name);
    }
    const code = (item: ItemKey): string => {
      const found = codes.get(item);
      if (found === undefined) throw new Error(`Catalogue item ${item} was not created`);
      return found;
    };
    return {
      tag: this.tag,
      groups,
      code,
      names: [...ITEM_KEYS.map((k) => [k, code(k)] as const), ['Services', groups.Services], ['Products', groups.Products]],
    };
  }

  // -- sales ------------------------------------------------------------------------------------

  async invoice(catalogue: Catalogue, spec: InvoiceSpec): Promise<Doc> {
    const { today } = this.site.info;
    let doc = await this.insert('Sales Invoice', {
      customer: spec.customer,
      posting_date: today,
      due_date: addDays(today, 30),
      ...(spec.remarks === undefined ? {} : { remarks: spec.remarks }),
      items: spec.lines.map((l) => ({ item_code: catalogue.code(l.item), qty: l.qty, ...(l.rate === undefined ? {} : { rate: l.rate }) })),
    });
    const state = spec.state ?? 'draft';
    if (state !== 'draft') doc = await this.submit('Sales Invoice', doc.name);
    if (state === 'cancelled') doc = await this.cancel('Sales Invoice', doc.name);
    return doc;
  }

  /** ERPNext's own proposal for paying an invoice (unsaved), as a client gets it. */
  async proposedPayment(invoice: string, partyAmount?: number): Promise<Record<string, unknown>> {
    const reply = await this.site.must(
      `ask for a payment entry for ${invoice}`,
      'POST',
      '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry',
      { json: { dt: 'Sales Invoice', dn: invoice, ...(partyAmount === undefined ? {} : { party_amount: partyAmount }) } },
    );
    const doc = reply.at('message');
    if (!isRecord(doc)) throw new Error(`get_payment_entry gave no document: ${reply.summary()}`);
    return doc;
  }

  /** A Payment Entry against the invoice, inserted and submitted in one call as the recording did. */
  async pay(invoice: string, options: { amount?: number; reference?: string; submit?: boolean } = {}): Promise<Doc> {
    const proposal = await this.proposedPayment(invoice, options.amount);
    return this.insert('Payment Entry', {
      ...proposal,
      reference_no: options.reference ?? this.unique('VIR'),
      reference_date: this.site.info.today,
      docstatus: options.submit === false ? 0 : 1,
    });
  }

  // -- customisation ----------------------------------------------------------------------------

  /** The recorded custom DocTypes: "Ext Sync Log" (hash names) or "Ext Mapping" (format:EXT-{YYYY}-{#####}). */
  async customDocType(recorded: 'Ext Sync Log' | 'Ext Mapping'): Promise<string> {
    const recording = recorded === 'Ext Sync Log' ? 'doctype_create_custom_hash' : 'doctype_create_custom_format_naming';
    const doc = await this.replayCreate(recording, new Substitution([[recorded, this.unique(recorded)]]));
    return doc.name;
  }

  /** The recorded Custom Fields on Sales Invoice, under names unique to this scope. */
  customFieldNames(): readonly (readonly [string, string])[] {
    return [
      ['external_ref', `external_ref_${this.tag}`],
      ['Sync State', `Sync State ${this.tag}`],
      ['custom_sync_state', `custom_sync_state_${this.tag}`],
    ];
  }

  async customField(which: 'external_ref' | 'custom_sync_state'): Promise<Doc> {
    const recording = which === 'external_ref' ? 'custom_field_create' : 'custom_field_create_no_fieldname';
    return this.replayCreate(recording, new Substitution(this.customFieldNames()));
  }

  /** One of the recorded Webhooks, pointed at this run's listener. */
  async webhook(recorded: 'SI Submit JSON' | 'SI Submit Form' | 'Customer Insert Full', listener: WebhookListener): Promise<{ name: string; url: string }> {
    const recording = { 'SI Submit JSON': 'webhook_create_json', 'SI Submit Form': 'webhook_create_form', 'Customer Insert Full': 'webhook_create_json_full_doc' }[recorded];
    const base = `${listener.baseUrl}/${this.tag}`;
    const doc = await this.replayCreate(
      recording,
      new Substitution([
        [recorded, this.unique(recorded)],
        ['http://127.0.0.1:9999', base],
      ]),
    );
    const url = doc.request_url;
    if (typeof url !== 'string') throw new Error(`Webhook ${doc.name} was created without a request_url`);
    return { name: doc.name, url };
  }

  // -- sessions ---------------------------------------------------------------------------------

  /** Logs in with the password, as a browser would, and returns the sid cookie. */
  async login(): Promise<string> {
    const reply = await this.site.must('log in with the password', 'POST', '/api/method/login', {
      auth: 'none',
      json: { usr: this.site.user, pwd: this.site.password() },
    });
    const sid = reply.setCookies.map((c) => /^sid=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined && v !== '' && v !== 'Guest');
    if (sid === undefined) throw new Error(`Logging in set no sid cookie: ${JSON.stringify(reply.setCookies)}`);
    this.trackSession(sid);
    return sid;
  }

  // -- cleanup ----------------------------------------------------------------------------------

  async cleanup(): Promise<void> {
    while (this.created.length > 0) {
      const item = this.created.pop();
      if (item === undefined) break;
      try {
        if (item.kind === 'session') await this.site.call('GET', '/api/method/logout', { auth: 'none', cookie: `sid=${item.sid}` });
        else await this.remove(item.doctype, item.name);
      } catch (error) {
        this.log.add(`${item.kind === 'doc' ? `${item.doctype} ${item.name}` : 'a session'}: ${String(error)}`);
      }
    }
  }

  private async remove(doctype: string, name: string): Promise<void> {
    const path = `/api/resource/${doctype}/${name}`;
    const current = await this.site.call('GET', path);
    if (current.status === 404) return;
    if (current.at('data.docstatus') === 1) {
      const cancelled = await this.site.call('POST', '/api/method/frappe.client.cancel', { json: { doctype, name } });
      if (!cancelled.ok) {
        this.log.add(`${doctype} ${name} stays submitted: ${cancelled.reason()}`);
        return;
      }
    }
    const deleted = await this.site.call('DELETE', path);
    if (deleted.ok) return;
    this.log.add(`${doctype} ${name}: ${deleted.reason()}`);
    // A webhook left behind would go on firing at a listener that is gone.
    if (doctype === 'Webhook') {
      const disabled = await this.site.call('PUT', path, { json: { enabled: 0 } });
      if (!disabled.ok) this.log.add(`Webhook ${name} stays enabled: ${disabled.reason()}`);
    }
  }
}
