import type { Config } from '../../../sidecar/src/config';
import { startSidecar, type SidecarHandle, type StartOptions } from '../../../sidecar/src/main';
import type { DemoErp } from '../../support/erp';
import { adminAccess } from '../../support/erp';
import { REDIS_URL } from '../../support/redis';
import { PARIS } from '../../support/time';

/**
 * The sidecar of the end-to-end tests, started by main.ts's own `startSidecar` on one place, "La Fabrique (e2e)",
 * on loopback: in the test's process, or in a process of its own (support/api-process.ts).
 */

export interface E2ePlace {
  placeId: string;
  port: number;
  erp: { url: string; apiKey: string; apiSecret: string };
  /** Per ERP request; short in tests so that a lost answer is retried soon. */
  erpTimeoutMs: number;
  webhookSecret: string | undefined;
  /** Where the installer wrote the webhook secret; none when it is given above. */
  secretsFile?: string;
  redisUrl?: string;
  /** Only when no logger is passed to startSidecar. */
  logLevel?: string;
}

/** The configuration main.ts would read from an operator's settings, for that one place. */
export function e2eConfig(place: E2ePlace): Config {
  const publicUrl = `http://127.0.0.1:${String(place.port)}`;
  return {
    http: { host: '127.0.0.1', port: place.port, publicUrl },
    redis: { url: place.redisUrl ?? REDIS_URL },
    log: { level: place.logLevel ?? 'warn' },
    secretsFile: place.secretsFile ?? '/dev/null',
    places: [
      {
        id: place.placeId,
        name: 'La Fabrique (e2e)',
        timeZone: PARIS,
        currency: 'EUR',
        hosts: [],
        erp: { ...place.erp, timeoutMs: place.erpTimeoutMs },
        webhookSecret: place.webhookSecret,
      },
    ],
    source: 'e2e',
  };
}

/** The sidecar in this process on the demo ERP, listening on `port` (the port its Webhooks were pointed at). */
export function startDemoSidecar(demo: DemoErp, placeId: string, port: number, erpTimeoutMs: number, options: StartOptions): Promise<SidecarHandle> {
  return startSidecar(
    e2eConfig({ placeId, port, erp: adminAccess(demo.emulator), erpTimeoutMs, webhookSecret: demo.addon.webhookSecret, secretsFile: demo.addon.secretsFile }),
    options,
  );
}
