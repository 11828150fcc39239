/**
 * Exact decimal arithmetic for amounts. Values travel as JSON numbers (that is what Frappe
 * sends), but every sum, product and rounding is done on scaled integers so that 3 × 12.35 is
 * 37.05 and never 37.050000000000004.
 */
export class Dec {
  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static of(value: unknown): Dec {
    if (value instanceof Dec) return value;
    if (typeof value === 'bigint') return new Dec(value, 0);
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.replace(/,/g, '')) : Number(value ?? 0);
    if (!Number.isFinite(n)) return new Dec(0n, 0);
    return Dec.parse(numberToPlainString(n));
  }

  static zero(): Dec {
    return new Dec(0n, 0);
  }

  private static parse(text: string): Dec {
    const negative = text.startsWith('-');
    const body = negative ? text.slice(1) : text;
    const [intPart = '0', fracPart = ''] = body.split('.');
    const units = BigInt((intPart || '0') + fracPart);
    return new Dec(negative ? -units : units, fracPart.length);
  }

  private rescale(scale: number): bigint {
    return scale >= this.scale ? this.units * 10n ** BigInt(scale - this.scale) : this.units;
  }

  add(other: unknown): Dec {
    const o = Dec.of(other);
    const scale = Math.max(this.scale, o.scale);
    return new Dec(this.rescale(scale) + o.rescale(scale), scale);
  }

  sub(other: unknown): Dec {
    return this.add(Dec.of(other).neg());
  }

  neg(): Dec {
    return new Dec(-this.units, this.scale);
  }

  mul(other: unknown): Dec {
    const o = Dec.of(other);
    return new Dec(this.units * o.units, this.scale + o.scale);
  }

  /** Division carried to `scale` decimals and then rounded like Frappe. */
  div(other: unknown, precision = 9): Dec {
    const o = Dec.of(other);
    if (o.units === 0n) return Dec.zero();
    const extra = precision + 2;
    const numerator = this.units * 10n ** BigInt(o.scale + extra);
    const denominator = o.units * 10n ** BigInt(this.scale);
    return new Dec(numerator / denominator, extra).round(precision);
  }

  /**
   * Frappe's default "Banker's Rounding (legacy)": halves go up (towards +∞) when rounding to
   * decimals, and to the even neighbour when rounding to an integer.
   */
  round(precision: number): Dec {
    if (this.scale <= precision) return this;
    const drop = 10n ** BigInt(this.scale - precision);
    let q = this.units / drop;
    let r = this.units % drop;
    if (r < 0n) {
      q -= 1n;
      r += drop;
    }
    const twice = r * 2n;
    if (twice > drop) q += 1n;
    else if (twice === drop) {
      if (precision > 0) q += 1n;
      else if (q % 2n !== 0n) q += 1n;
    }
    return new Dec(q, precision);
  }

  cmp(other: unknown): number {
    const o = Dec.of(other);
    const scale = Math.max(this.scale, o.scale);
    const a = this.rescale(scale);
    const b = o.rescale(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  toString(): string {
    const negative = this.units < 0n;
    const digits = (negative ? -this.units : this.units).toString().padStart(this.scale + 1, '0');
    const intPart = digits.slice(0, digits.length - this.scale);
    const frac = this.scale > 0 ? digits.slice(digits.length - this.scale).replace(/0+$/, '') : '';
    return (negative && (intPart !== '0' || frac) ? '-' : '') + intPart + (frac ? `.${frac}` : '');
  }

  toNumber(): number {
    const n = Number(this.toString());
    return Object.is(n, -0) ? 0 : n;
  }
}

/** A number as a plain decimal string (no exponent), using the shortest round-trip digits. */
export function numberToPlainString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mantissa = '0', expText = '0'] = s.split(/e/i);
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const m = negative ? mantissa.slice(1) : mantissa;
  const [i = '0', f = ''] = m.split('.');
  const digits = i + f;
  const point = i.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + out;
}

/** Frappe's flt(value, precision): a number, rounded the Frappe way when precision is given. */
export function flt(value: unknown, precision?: number): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number((typeof value === 'string' ? value : JSON.stringify(value)).replace(/,/g, '').trim());
  if (!Number.isFinite(n)) return 0;
  return precision === undefined ? n : Dec.of(n).round(precision).toNumber();
}

/** Frappe's cint: int(float(str)), 0 for anything that is not a number. */
export function cint(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number((typeof value === 'string' ? value : JSON.stringify(value)).trim() || '0');
  if (!Number.isFinite(n)) return 0;
  return Math.trunc(n);
}

/** Sum of values, exact, rounded to `precision`. */
export function sum(values: Iterable<unknown>, precision = 2): number {
  let acc = Dec.zero();
  for (const v of values) acc = acc.add(v);
  return acc.round(precision).toNumber();
}

/** a × b rounded to `precision`. */
export function mulRound(a: unknown, b: unknown, precision = 2): number {
  return Dec.of(a).mul(b).round(precision).toNumber();
}
