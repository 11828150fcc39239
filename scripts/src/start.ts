import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InstallerError, runInstall } from '../../sidecar/src/addon/installer';
import { ConfigError, DEFAULT_CONFIG_FILE, DEFAULT_REDIS_URL, loadConfig, readSecrets, type Config } from '../../sidecar/src/config';
import { createFrappeAdapter } from '../../sidecar/src/erp';
import { createLogger } from '../../sidecar/src/log';
import { StartupError, startSidecar, type SidecarHandle } from '../../sidecar/src/main';
import { startEmulator, type EmulatorHandle } from '../../tests/emulator/src';
import { ensureRedis, NoRedisError, portOrFree, type RedisForDemo } from './lib/redis-server';
import { DEMO_MANAGER, DEMO_MEMBERS, DEMO_PASSWORD, DEMO_PLACE } from './seed/demo-data';
import { seedDemo } from './seed/demo';

/**
 * `npm start`. With a configured ERP (creneau.config.json or ERP_URL), it runs the sidecar against it. Otherwise it
 * runs the demo: a private Redis if none answers, the bundled ERP emulator seeded with a demo tiers-lieu, the add-on
 * installed into it by the real installer, and the sidecar. Ctrl-C stops all of it.
 */

const STATE_DIR = resolve(process.env.CRENEAU_STATE_DIR ?? '.creneau');

interface DemoState {
  apiKey: string;
  apiSecret: string;
  adminPassword: string;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(line: string): never {
  process.stderr.write(`créneau: ${line}\n`);
  process.exit(1);
}

function demoState(): DemoState {
  const path = resolve(STATE_DIR, 'demo.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DemoState;
  const state: DemoState = {
    apiKey: randomBytes(8).toString('hex').slice(0, 15),
    apiSecret: randomBytes(8).toString('hex').slice(0, 15),
    adminPassword: randomBytes(9).toString('base64url'),
  };
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}

async function main(): Promise<void> {
  const configFile = process.env.CRENEAU_CONFIG?.trim() || DEFAULT_CONFIG_FILE;
  const configured = existsSync(resolve(configFile)) || Boolean(process.env.ERP_URL?.trim());
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (stopping) process.exit(code);
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  let config: Config;
  let emulator: EmulatorHandle | undefined;
  if (configured) {
    try {
      config = loadConfig({ env: process.env });
    } catch (error) {
      if (error instanceof ConfigError) {
        for (const problem of error.problems) process.stderr.write(`créneau: configuration: ${problem}\n`);
        process.exit(2);
      }
      throw error;
    }
  } else {
    const redisDir = resolve(STATE_DIR, 'redis');
    let redis: RedisForDemo;
    try {
      redis = await ensureRedis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, redisDir);
    } catch (error) {
      if (error instanceof NoRedisError) fail(error.message);
      throw error;
    }
    stops.push(() => redis.stop());
    if (redis.child) say(`No Redis answered: started a private redis-server at ${redis.url} (data in ${redisDir}).`);

    const state = demoState();
    emulator = await startEmulator({
      port: await portOrFree(Number(process.env.ERP_EMULATOR_PORT ?? 8000)),
      dataFile: resolve(STATE_DIR, 'demo-erp.json'),
      admin: { apiKey: state.apiKey, apiSecret: state.apiSecret, password: state.adminPassword },
      // A simulated online gateway (its own checkout page), so that members of the demo pay end to end.
      paymentGateway: true,
    });
    const erpHandle = emulator;
    stops.push(() => erpHandle.close());

    const port = Number(process.env.PORT ?? 8080);
    const sidecarPort = await portOrFree(port);
    const sidecarUrl = `http://127.0.0.1:${String(sidecarPort)}`;
    const secretsFile = resolve(STATE_DIR, 'secrets.json');
    const erp = createFrappeAdapter({ url: emulator.url, apiKey: state.apiKey, apiSecret: state.apiSecret });
    say(`Installing the add-on into the demo ERP at ${emulator.url}…`);
    try {
      await runInstall({ port: erp, erpUrl: emulator.url, place: DEMO_PLACE.id, sidecarUrl, secretsFile, dryRun: false, print: (line) => say(`  ${line}`) });
    } catch (error) {
      if (error instanceof InstallerError) {
        for (const problem of error.problems) process.stderr.write(`créneau: install: ${problem}\n`);
        return stopAll(1);
      }
      throw error;
    }
    await seedDemo(erp, (line) => say(line));

    config = {
      http: { host: '127.0.0.1', port: sidecarPort, publicUrl: sidecarUrl },
      redis: { url: redis.url },
      log: { level: process.env.LOG_LEVEL ?? 'warn' },
      secretsFile,
      places: [
        {
          id: DEMO_PLACE.id,
          name: DEMO_PLACE.name,
          timeZone: 'Europe/Paris',
          currency: 'EUR',
          hosts: [],
          erp: { url: emulator.url, apiKey: state.apiKey, apiSecret: state.apiSecret, timeoutMs: 10_000 },
          webhookSecret: readSecrets(secretsFile)[DEMO_PLACE.id]?.webhookSecret,
        },
      ],
      source: 'demo',
    };
  }

  let sidecar: SidecarHandle;
  try {
    sidecar = await startSidecar(config, { logger: createLogger({ level: config.log.level }) });
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`créneau: ${error.message}\n`);
      return stopAll(1);
    }
    throw error;
  }
  stops.push(() => sidecar.close());

  say('');
  say(`Créneau is running${emulator ? ` with the demo tiers-lieu "${DEMO_PLACE.name}"` : ''}.`);
  say(`  Sidecar        ${sidecar.url}   (health: ${sidecar.url}/health, API: ${sidecar.url}/api/openapi.json)`);
  if (emulator) {
    say(`  ERP (emulator) ${emulator.url}   user Administrator, password ${emulator.admin.password}`);
    say(`  Members        ${DEMO_MEMBERS.map((m) => m.email).join(', ')}   password ${DEMO_PASSWORD}`);
    say(`  Manager        ${DEMO_MANAGER.email}   password ${DEMO_PASSWORD}`);
    say(`  Demo data      ${STATE_DIR} (delete it to start afresh)`);
  }
  say('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  process.stderr.write(`créneau: unexpected failure at start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
