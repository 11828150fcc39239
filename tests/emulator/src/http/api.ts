import { requireDocPermission, hasPermission } from '../auth/permissions';
import { encodeServerMessages, FrappeError, frappeThrow, v1ErrorBody, v2ErrorBody, type ServerMessage } from '../errors';
import type { Doc, Meta } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { isRecord, str, truthy, withoutNulls } from '../model/values';
import { parseJsonArg, runList } from '../query/list';
import type { Site } from '../site';
import { loadsJs } from '../util/pyjson';
import { authenticate, clearCookies, type AuthState } from './auth';
import { bindArgs, clientGetList, type MethodCall, type MethodRegistry } from './methods';
import type { FrappeRequest } from './request';
import { docTypeMetaForApi } from '../meta/api-meta';

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

type Version = 1 | 2;

interface Outcome {
  status: number;
  /** Key of the result: "data" (resources, v2) or "message" (v1 methods). */
  key: 'data' | 'message';
  value: unknown;
  /** Top-level keys the handler set (login and logout answers). */
  extra?: Record<string, unknown>;
  cookies?: string[];
}

/** ImportError Frappe raises for a DocType without a controller module (unknown DocType). */
export function unknownDoctype(doctype: string): FrappeError {
  const module = doctype.toLowerCase().replace(/[ -]/g, '_');
  return new FrappeError('ImportError', {
    module: '',
    status: 500,
    detail: `Module import failed for ${doctype}, the DocType you're trying to open might be deleted.`,
    exceptionLine: `Error: No module named 'frappe.core.doctype.${module}'`,
  });
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? null : v));
}

/**
 * The REST dialect of Frappe 15: /api/method, /api/resource and /api/v2, with Frappe's
 * envelopes, status codes and error bodies.
 */
export class Api {
  constructor(
    private readonly site: Site,
    private readonly methods: MethodRegistry,
  ) {}

  handle(req: FrappeRequest): Reply {
    if (!req.path.startsWith('/api/')) {
      return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html><title>Not Found</title><h1>Not Found</h1>' };
    }
    const version: Version = req.path.startsWith('/api/v2/') ? 2 : 1;
    const site = this.site;
    let auth: AuthState | undefined;
    let ctx: Ctx | undefined;
    try {
      if (req.formError) throw req.formError;
      auth = authenticate(site, req);
      const activeAuth = auth;
      ctx = site.newCtx(auth.user, req.baseUrl);
      const outcome = site.transact(ctx, (c) => (version === 2 ? this.routeV2(req, c, activeAuth) : this.routeV1(req, c, activeAuth)));
      return this.success(version, outcome, auth, ctx.messages);
    } catch (err) {
      const error = err instanceof FrappeError ? err : internalError(err);
      const messages: ServerMessage[] = [...(ctx?.messages ?? []), ...error.messages];
      const early = auth?.early ?? {};
      const body = version === 2 ? v2ErrorBody(error, messages) : v1ErrorBody(error, messages, early);
      const cookies = [...(auth?.cookies ?? [])];
      if (error.excType === 'AuthenticationError') cookies.push(...clearCookies(site));
      const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
      if (cookies.length > 0) headers['set-cookie'] = cookies;
      return { status: error.status, headers, body: json(body) };
    }
  }

  private success(version: Version, outcome: Outcome, auth: AuthState, messages: ServerMessage[]): Reply {
    const body: Record<string, unknown> = { ...auth.early, ...(outcome.extra ?? {}) };
    if (outcome.value !== undefined) body[outcome.key] = outcome.value;
    if (messages.length > 0) {
      if (version === 2) body.messages = messages;
      else body._server_messages = encodeServerMessages(messages);
    }
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
    const cookies = outcome.cookies ?? auth.cookies;
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    return { status: outcome.status, headers, body: json(body) };
  }

  // ------------------------------------------------------------------ v1

  private routeV1(req: FrappeRequest, ctx: Ctx, auth: AuthState): Outcome {
    const rest = req.path.slice('/api/'.length);
    if (rest.startsWith('method/')) {
      const cmd = rest.slice('method/'.length).split('/')[0] ?? '';
      if (cmd === 'login') return { status: 200, key: 'message', value: undefined, cookies: auth.cookies };
      return this.callMethod(cmd, req, ctx, auth, 'message', 1);
    }
    if (rest.startsWith('resource/')) {
      const parts = rest.slice('resource/'.length).replace(/\/$/, '').split('/');
      const doctype = parts[0] ?? '';
      const name = parts.slice(1).join('/');
      if (!doctype) throw new FrappeError('NotFound', { status: 404, module: 'werkzeug.exceptions' });
      if (!name) {
        if (req.method === 'GET') return { status: 200, key: 'data', value: this.listV1(req, ctx, doctype) };
        if (req.method === 'POST') return { status: 200, key: 'data', value: this.createDoc(req, ctx, doctype, 1) };
        throw new FrappeError('MethodNotAllowed', { status: 405, module: 'werkzeug.exceptions' });
      }
      switch (req.method) {
        case 'GET':
          return { status: 200, key: 'data', value: this.readDoc(ctx, doctype, name, 1) };
        case 'PUT':
          return { status: 200, key: 'data', value: this.updateDoc(req, ctx, doctype, name, 1) };
        case 'DELETE':
          this.deleteDoc(ctx, doctype, name);
          return { status: 202, key: 'data', value: 'ok' };
        case 'POST':
          return { status: 200, key: 'message', value: this.runDocMethod(req, doctype, name) };
        default:
          throw new FrappeError('MethodNotAllowed', { status: 405, module: 'werkzeug.exceptions' });
      }
    }
    throw new FrappeError('NotFound', { status: 404, module: 'werkzeug.exceptions' });
  }

  private callMethod(cmd: string, req: FrappeRequest, ctx: Ctx, auth: AuthState, key: 'data' | 'message', version: Version): Outcome {
    const def = this.methods.resolve(cmd, ctx.user, req.method, version);
    const args = bindArgs(cmd, def, req.form);
    const call: MethodCall = { site: this.site, ctx, req, auth, args, reply: { cookies: [], extra: {} } };
    const value = def.fn(call);
    return {
      status: 200,
      key,
      value,
      extra: call.reply.extra,
      cookies: call.reply.cookies.length > 0 ? call.reply.cookies : undefined,
    };
  }

  private listV1(req: FrappeRequest, ctx: Ctx, doctype: string): unknown[] {
    const form = { ...req.form };
    if (form.fields !== undefined && typeof form.fields === 'string') form.fields = parseJsonArg(form.fields);
    if (!('limit_page_length' in form) || !truthy(form.limit_page_length)) {
      form.limit_page_length = truthy(form.limit) ? form.limit : truthy(form.limit_page_length) ? form.limit_page_length : 20;
    } else if (truthy(form.limit)) {
      form.limit_page_length = form.limit;
    }
    for (const param of ['as_dict', 'debug']) {
      const v = form[param];
      if (typeof v === 'string') {
        const lower = v.toLowerCase();
        if (lower === 'true' || lower === '1') form[param] = true;
        else if (lower === 'false' || lower === '0') form[param] = false;
      }
    }
    return clientGetList(this.site, ctx, { ...form, doctype });
  }

  private requireMeta(doctype: string): Meta {
    const meta = this.site.engine.meta(doctype);
    if (!meta) throw unknownDoctype(doctype);
    return meta;
  }

  /** The document of a write, as Frappe answers it (nulls omitted, new-row flags kept). */
  private answer(meta: Meta, doc: Doc): Doc {
    return this.site.engine.responseForm(meta, doc);
  }

  private requestData(req: FrappeRequest, version: Version): Doc {
    if (version === 2) return { ...req.form };
    if (req.form.data !== undefined && req.form.data !== null) {
      const data = req.form.data;
      if (typeof data !== 'string') return isRecord(data) ? data : {};
      try {
        const parsed = loadsJs(data);
        return isRecord(parsed) ? parsed : { ...req.form };
      } catch {
        return { ...req.form };
      }
    }
    return { ...req.form };
  }

  private createDoc(req: FrappeRequest, ctx: Ctx, doctype: string, version: Version): Doc {
    const meta = this.requireMeta(doctype);
    const data = this.requestData(req, version);
    delete data.doctype;
    const engine = this.site.engine;
    return this.answer(meta, engine.insertNew(ctx, meta, data));
  }

  private readDoc(ctx: Ctx, doctype: string, name: string, version: Version): Doc {
    const meta = this.requireMeta(doctype);
    const engine = this.site.engine;
    const doc = engine.getDoc(meta.name, name);
    if (version === 2) requireDocPermission(ctx, meta, doc, 'read');
    else if (!hasPermission(ctx, meta, 'read', { doc })) throw new FrappeError('PermissionError');
    const stored = engine.stored(meta.name, name) ?? doc;
    return withoutNulls(stored);
  }

  private updateDoc(req: FrappeRequest, ctx: Ctx, doctype: string, name: string, version: Version): Doc {
    const meta = this.requireMeta(doctype);
    const engine = this.site.engine;
    const data = this.requestData(req, version);
    delete data.flags;
    const doc = engine.getDoc(meta.name, name);
    engine.applyUpdate(meta, doc, data);
    engine.save(ctx, doc);
    return this.answer(meta, doc);
  }

  private deleteDoc(ctx: Ctx, doctype: string, name: string): void {
    const meta = this.requireMeta(doctype);
    this.site.engine.deleteDoc(ctx, meta.name, name);
  }

  private runDocMethod(req: FrappeRequest, doctype: string, name: string): never {
    this.requireMeta(doctype);
    const method = str(req.form.run_method);
    throw frappeThrow(`Method ${method || '(none)'} of ${doctype} ${name} is not whitelisted`, 'PermissionError');
  }

  // ------------------------------------------------------------------ v2

  private routeV2(req: FrappeRequest, ctx: Ctx, auth: AuthState): Outcome {
    const rest = req.path.slice('/api/v2/'.length).replace(/\/$/, '');
    if (rest.startsWith('method/')) {
      const cmd = rest.slice('method/'.length);
      if (cmd === 'login') return { status: 200, key: 'data', value: undefined, cookies: auth.cookies };
      return this.callMethod(cmd, req, ctx, auth, 'data', 2);
    }
    if (rest.startsWith('document/')) {
      const parts = rest.slice('document/'.length).split('/');
      const doctype = parts[0] ?? '';
      const name = parts.slice(1).join('/');
      if (!name) {
        if (req.method === 'GET') return { status: 200, key: 'data', value: this.listV2(req, ctx, doctype) };
        if (req.method === 'POST') return { status: 200, key: 'data', value: this.createDoc(req, ctx, doctype, 2) };
        throw new FrappeError('MethodNotAllowed', { status: 405, module: 'werkzeug.exceptions' });
      }
      switch (req.method) {
        case 'GET':
          return { status: 200, key: 'data', value: this.readDoc(ctx, doctype, name, 2) };
        case 'PUT':
        case 'PATCH':
          return { status: 200, key: 'data', value: this.updateDoc(req, ctx, doctype, name, 2) };
        case 'DELETE':
          this.deleteDoc(ctx, doctype, name);
          return { status: 202, key: 'data', value: 'ok' };
        default:
          throw new FrappeError('MethodNotAllowed', { status: 405, module: 'werkzeug.exceptions' });
      }
    }
    if (rest.startsWith('doctype/')) {
      const parts = rest.slice('doctype/'.length).split('/');
      const doctype = parts[0] ?? '';
      const what = parts[1];
      if (what === 'meta' && req.method === 'GET') {
        const meta = this.site.engine.requireMeta(doctype);
        return { status: 200, key: 'data', value: docTypeMetaForApi(this.site, meta) };
      }
      if (what === 'count' && req.method === 'GET') {
        const meta = this.site.engine.requireMeta(doctype);
        const rows = runList(this.site.engine, ctx, { doctype: meta.name, fields: ['count(*) as total_count'], filters: req.form.filters, orderBy: null, limitPageLength: 0 });
        return { status: 200, key: 'data', value: (rows[0] as Record<string, unknown> | undefined)?.total_count ?? 0 };
      }
    }
    throw new FrappeError('NotFound', { status: 404, module: 'werkzeug.exceptions' });
  }

  private listV2(req: FrappeRequest, ctx: Ctx, doctype: string): unknown[] {
    const form: Record<string, unknown> = { ...req.form };
    if (typeof form.fields === 'string') form.fields = parseJsonArg(form.fields);
    form.limit_page_length = truthy(form.limit) ? form.limit : 20;
    return clientGetList(this.site, ctx, { ...form, doctype });
  }
}

function internalError(err: unknown): FrappeError {
  const message = err instanceof Error ? err.message : String(err);
  return new FrappeError('InternalServerError', { module: 'emulator', status: 500, detail: message });
}
