import { createBookingEngine } from '../../../sidecar/src/booking';
import { createFrappeAdapter } from '../../../sidecar/src/erp';
import { createLogger } from '../../../sidecar/src/log';
import { connectRedis } from '../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../sidecar/src/redis/keys';

/**
 * A sidecar process of its own for the crash test: an engine with workers on the test's ERP and
 * Redis, booking one seat after another and printing "accepted <id>" for each, until it is killed.
 * Run with tsx; its settings come in CRENEAU_CHILD (JSON).
 */

interface ChildSettings {
  placeId: string;
  /** Passed to the adapter as is: tests under faults give short timeouts and retries. */
  erp: { url: string; apiKey: string; apiSecret: string; timeoutMs?: number; retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number } };
  redisUrl: string;
  users: string[];
  resource: string;
  starts: number[];
  hourMs: number;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.CRENEAU_CHILD ?? '{}') as ChildSettings;
  const redis = await connectRedis(settings.redisUrl, { name: `creneau-child-${settings.placeId}` });
  const engine = createBookingEngine({
    place: { id: settings.placeId, name: 'Child', timeZone: 'Europe/Paris', erp: createFrappeAdapter(settings.erp), keys: placeKeyspace(settings.placeId) },
    redis,
    redisUrl: settings.redisUrl,
    logger: createLogger({ level: 'warn', destination: process.stderr }),
    options: { lockDurationMs: 1_000, stalledIntervalMs: 500, writeBackoffMs: 50, writeAttempts: 20, sweepAfterMs: 1_000, sweepEveryMs: 500 },
  });
  await engine.start();
  const members = await Promise.all(settings.users.map((user) => engine.directory.principalFor(user, user)));
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const member = members[i % members.length];
    const start = settings.starts[i % settings.starts.length];
    if (!member || start === undefined) throw new Error('no member or no start time given');
    const outcome = await engine.service.create(member, { resourceId: settings.resource, start, end: start + settings.hourMs, paymentMode: 'on_site' });
    if (outcome.ok) process.stdout.write(`accepted ${outcome.value.id}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`child engine failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
