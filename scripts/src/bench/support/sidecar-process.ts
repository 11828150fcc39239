import { z } from 'zod';
import { createLogger } from '../../../../sidecar/src/log';
import { startSidecar } from '../../../../sidecar/src/main';

/**
 * The sidecar in a process of its own for the HTTP benchmarks, so that its figures are not mixed with the clients' and
 * the ERP emulator's work: started by `startSidecar` exactly as in production, its access log (info level, JSON lines
 * on stdout) gives the time it spent on each request. Prints "ready <url>"; SIGTERM stops it.
 */
const settingsSchema = z.object({
  placeId: z.string(),
  redisUrl: z.string(),
  erp: z.object({ url: z.string(), apiKey: z.string(), apiSecret: z.string() }),
});

async function main(): Promise<void> {
  const settings = settingsSchema.parse(JSON.parse(process.env.CRENEAU_BENCH ?? '{}'));
  const sidecar = await startSidecar(
    {
      http: { host: '127.0.0.1', port: 0, publicUrl: 'http://127.0.0.1' },
      redis: { url: settings.redisUrl },
      log: { level: 'info' },
      secretsFile: '/dev/null',
      places: [{ id: settings.placeId, name: 'Bench', timeZone: 'Europe/Paris', currency: 'EUR', hosts: [], erp: { ...settings.erp, timeoutMs: 20_000 }, webhookSecret: undefined }],
      source: 'bench',
    },
    {
      logger: createLogger({ level: 'info' }),
      api: { limits: { signInPerIp: { limit: 100_000, windowSeconds: 900 }, signInPerUser: { limit: 100_000, windowSeconds: 900 }, bookingsPerMember: { limit: 100_000, windowSeconds: 60 } } },
    },
  );
  process.stdout.write(`ready ${sidecar.url}\n`);
  process.once('SIGTERM', () => {
    void sidecar.close().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench sidecar failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
