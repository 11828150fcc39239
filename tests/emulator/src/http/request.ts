import type { IncomingHttpHeaders } from 'node:http';
import { FrappeError } from '../errors';
import { isRecord } from '../model/values';
import { loadsJs } from '../util/pyjson';

/** A parsed request, with Frappe's `form_dict` built the way frappe.app.make_form_dict does. */
export interface FrappeRequest {
  method: string;
  /** Decoded path ("/api/resource/Sales Invoice"). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  cookies: Record<string, string>;
  body: Buffer;
  /** frappe.form_dict: the JSON body, or query string and form fields. */
  form: Record<string, unknown>;
  /** The JSON body could not be parsed: Frappe fails the whole request with this. */
  formError?: FrappeError;
  /** Scheme and host as the client addressed us, for links in messages. */
  baseUrl: string;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function parseCookies(headerValue: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headerValue) return out;
  for (const part of headerValue.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    if (!key || key in out) continue;
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value, as werkzeug does for malformed escapes
    }
    out[key] = value;
  }
  return out;
}

/** A request's URL as the site reads it: the path percent-decoded once, for the fault rules, the counters and the API alike. */
export interface RequestTarget {
  /** Decoded ("/api/resource/Sales Invoice"); kept as sent when its escapes are malformed. */
  path: string;
  searchParams: URLSearchParams;
}

export function requestTarget(url: string): RequestTarget {
  const parsed = new URL(url, 'http://emulator.invalid');
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    path = parsed.pathname;
  }
  return { path, searchParams: parsed.searchParams };
}

export function parseRequest(method: string, target: RequestTarget, headers: IncomingHttpHeaders, body: Buffer): FrappeRequest {
  const query: Record<string, string> = {};
  for (const [k, v] of target.searchParams) if (!(k in query)) query[k] = v;
  const host = header(headers, 'host') ?? '127.0.0.1';
  const request: FrappeRequest = {
    method: method.toUpperCase(),
    path: target.path,
    query,
    headers,
    cookies: parseCookies(header(headers, 'cookie')),
    body,
    form: {},
    baseUrl: `http://${host}`,
  };
  const contentType = (header(headers, 'content-type') ?? '').toLowerCase();
  const text = body.length > 0 ? body.toString('utf8') : '';
  if (text && contentType.includes('json')) {
    try {
      const data = loadsJs(text);
      if (isRecord(data)) request.form = { ...data };
      else request.formError = new FrappeError('ValidationError', { detail: 'Invalid request arguments', messages: [{ message: 'Invalid request arguments', title: 'Message', indicator: 'red', raise_exception: 1 }] });
    } catch (err) {
      request.formError = new FrappeError('JSONDecodeError', {
        module: 'json.decoder',
        detail: err instanceof Error ? err.message : String(err),
        status: 500,
      });
    }
  } else {
    const form: Record<string, unknown> = { ...query };
    if (text && contentType.includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(text)) if (!(k in form) || k in query) form[k] = v;
    }
    request.form = form;
  }
  return request;
}
