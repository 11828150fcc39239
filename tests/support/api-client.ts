/** ERP portal credentials. */
export interface Credentials {
  user: string;
  password: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
  setCookies: string[];
}

export interface SendOptions {
  json?: unknown;
  /** A body sent as is (with the content type given in headers). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** Sends the session's CSRF token on state-changing requests (default true). */
  csrf?: boolean;
}

/** The error body's fields, for assertions. */
export function errorOf(response: ApiResponse): { code: string; message: string; details?: Record<string, unknown> } {
  const body = response.body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  const error = body?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
    throw new Error(`expected an error body, got ${response.status} ${response.text.slice(0, 300)}`);
  }
  return { code: error.code, message: error.message, ...(error.details ? { details: error.details as Record<string, unknown> } : {}) };
}

/**
 * The body of an answer with the status expected, else the test fails with the status and the body. The caller
 * names the body's shape: the API's own schemas have checked it.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function bodyOf<T>(response: ApiResponse, status = 200): T {
  if (response.status !== status) throw new Error(`expected ${String(status)}, got ${String(response.status)}: ${response.text.slice(0, 600)}`);
  return response.body as T;
}

/** A browser-like client of one place: keeps the session cookie, sends the CSRF token back. */
export class ApiClient {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly placeId: string,
  ) {}

  /** Takes another client's session (signed in on another sidecar process: sessions live in Redis). */
  withSession(other: ApiClient): this {
    this.cookie = other.cookie;
    this.csrf = other.csrf;
    return this;
  }

  /** `/bookings` → `/api/places/<place>/bookings`; absolute paths are kept. */
  url(path: string): string {
    return `${this.baseUrl}${path.startsWith('/api/') || path.startsWith('/erp/') ? path : `/api/places/${this.placeId}${path}`}`;
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!('content-type' in headers)) headers['content-type'] = 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    if (this.cookie !== undefined && !('cookie' in headers)) headers.cookie = this.cookie;
    if (method !== 'GET' && options.csrf !== false && this.csrf !== undefined && !('x-csrf-token' in headers)) headers['x-csrf-token'] = this.csrf;
    const response = await fetch(this.url(path), { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
    const setCookies = response.headers.getSetCookie();
    const mine = setCookies.find((c) => c.includes(`creneau_${this.placeId}=`));
    if (mine !== undefined) {
      const value = mine.split(';')[0]?.split('=').slice(1).join('=') ?? '';
      const name = mine.split('=')[0] ?? '';
      this.cookie = value === '' || /Expires=Thu, 01 Jan 1970/i.test(mine) ? undefined : `${name}=${value}`;
    }
    return { status: response.status, headers: response.headers, body: parsed, text, setCookies };
  }

  get(path: string, options?: SendOptions): Promise<ApiResponse> {
    return this.send('GET', path, options);
  }

  post(path: string, json?: unknown, options: SendOptions = {}): Promise<ApiResponse> {
    return this.send('POST', path, { ...options, ...(json !== undefined ? { json } : {}) });
  }

  async signIn(account: Credentials): Promise<ApiResponse> {
    const response = await this.post('/session', { usr: account.user, pwd: account.password });
    if (response.status === 200) this.csrf = (response.body as { csrfToken: string }).csrfToken;
    return response;
  }
}

export async function signedIn(baseUrl: string, placeId: string, account: Credentials): Promise<ApiClient> {
  const client = new ApiClient(baseUrl, placeId);
  const response = await client.signIn(account);
  if (response.status !== 200) throw new Error(`sign-in of ${account.user} failed: ${response.status} ${response.text}`);
  return client;
}
