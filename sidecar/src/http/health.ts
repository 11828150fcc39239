import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { ErpPort } from '../erp';

export interface HealthPlace {
  id: string;
  name: string;
  erpUrl: string;
  erp: ErpPort;
}

interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  redis: ProbeResult;
  places: { id: string; name: string; erp: ProbeResult & { url: string; user?: string } }[];
}

/** A probe's answer is reused for this long, so that a monitor polling /health does not load the ERP. */
const ERP_PROBE_TTL_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

export function healthRouter(deps: { redis: Redis; places: readonly HealthPlace[]; version: string; startedAt: number; now?: () => number }): Router {
  const now = deps.now ?? Date.now;
  const erpCache = new Map<string, { at: number; result: ProbeResult & { user?: string } }>();

  async function probeErp(place: HealthPlace): Promise<ProbeResult & { user?: string }> {
    const cached = erpCache.get(place.id);
    if (cached && now() - cached.at < ERP_PROBE_TTL_MS) return cached.result;
    const started = now();
    let result: ProbeResult & { user?: string };
    try {
      const user = await place.erp.getLoggedUser({ timeoutMs: PROBE_TIMEOUT_MS });
      result = { ok: true, latencyMs: now() - started, user };
    } catch (error) {
      result = { ok: false, latencyMs: now() - started, detail: error instanceof Error ? error.message : String(error) };
    }
    erpCache.set(place.id, { at: now(), result });
    return result;
  }

  async function probeRedis(): Promise<ProbeResult> {
    const started = now();
    try {
      await withTimeout(deps.redis.ping(), PROBE_TIMEOUT_MS);
      return { ok: true, latencyMs: now() - started };
    } catch (error) {
      return { ok: false, latencyMs: now() - started, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  const router = Router();
  router.get('/health', async (_req, res) => {
    const [redis, ...erps] = await Promise.all([probeRedis(), ...deps.places.map(probeErp)]);
    const places = deps.places.map((place, i) => {
      const erp = erps[i] ?? { ok: false, latencyMs: 0, detail: 'not probed' };
      return { id: place.id, name: place.name, erp: { url: place.erpUrl, ...erp } };
    });
    const healthy = redis.ok && places.every((p) => p.erp.ok);
    const report: HealthReport = {
      status: healthy ? 'ok' : 'degraded',
      version: deps.version,
      uptimeSeconds: Math.round((now() - deps.startedAt) / 1000),
      redis,
      places,
    };
    res.status(healthy ? 200 : 503).json(report);
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
