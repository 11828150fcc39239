/**
 * The smallest cookie jar that keeps one Frappe session: it stores `name=value` from Set-Cookie
 * answers and sends them back. One ERP origin, so domain and path matching are not needed; expired
 * or emptied cookies (Frappe's logout answer) are dropped. A jar lives for one credential check,
 * so no member's session can leak into another request.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  store(setCookie: readonly string[] | string | undefined): void {
    if (setCookie === undefined) return;
    const lines = typeof setCookie === 'string' ? [setCookie] : setCookie;
    for (const line of lines) this.storeOne(line);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private storeOne(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || this.isExpired(attributes)) {
      this.cookies.delete(name);
      return;
    }
    this.cookies.set(name, value);
  }

  private isExpired(attributes: readonly string[]): boolean {
    for (const attribute of attributes) {
      const eq = attribute.indexOf('=');
      const key = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : attribute.slice(eq + 1).trim();
      // Max-Age wins over Expires (RFC 6265 §5.3); Frappe sends both on login, only Expires on logout.
      if (key === 'max-age' && /^-?\d+$/.test(value)) return Number.parseInt(value, 10) <= 0;
    }
    for (const attribute of attributes) {
      const eq = attribute.indexOf('=');
      if (eq < 0 || attribute.slice(0, eq).trim().toLowerCase() !== 'expires') continue;
      const at = Date.parse(attribute.slice(eq + 1).trim());
      if (!Number.isNaN(at) && at <= this.now()) return true;
    }
    return false;
  }
}
