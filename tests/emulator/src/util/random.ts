import { randomBytes } from 'node:crypto';

/** A small seedable PRNG (mulberry32): reproducible fault draws and latency jitter. */
export class Rng {
  private state: number;

  constructor(seed?: number) {
    this.state = (seed ?? randomBytes(4).readUInt32LE(0)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A derived generator, so that separate concerns do not consume each other's draws. */
  fork(salt: number): Rng {
    return new Rng((Math.floor(this.next() * 4294967296) ^ salt) >>> 0);
  }
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/**
 * Frappe's "hash" naming: four characters from the time in deciseconds, six random ones,
 * lowercase base32hex (so names sort roughly by creation and look like "l5o7kn8geu").
 */
export function frappeHashName(epochMs: number, rng: Rng): string {
  let ts = Math.floor(epochMs / 100) % 32 ** 4;
  let prefix = '';
  for (let i = 0; i < 4; i++) {
    prefix = (BASE32HEX[ts % 32] ?? '0') + prefix;
    ts = Math.floor(ts / 32);
  }
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += BASE32HEX[Math.floor(rng.next() * 32)] ?? '0';
  return prefix + suffix;
}

/** Lowercase hex string of the given length (sids, exception ids, api keys). */
export function randomHex(length: number, rng?: Rng): string {
  if (!rng) return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(rng.next() * 16).toString(16);
  return out;
}
