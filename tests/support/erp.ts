import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '../../scripts/src/seed/demo';
import { DEMO_MANAGER, DEMO_MEMBERS, DEMO_PASSWORD } from '../../scripts/src/seed/demo-data';
import { runInstall } from '../../sidecar/src/addon/installer';
import { readSecrets } from '../../sidecar/src/config';
import { createFrappeAdapter, type ErpPort } from '../../sidecar/src/erp';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../emulator/src';

/**
 * The ERP side of a test place: the emulator's Administrator access, the add-on installed by the real installer,
 * and the demo tiers-lieu that `npm start` shows.
 */

/** The emulator's Administrator, as the sidecar's ERP settings spell it. */
export function adminAccess(emulator: EmulatorHandle): { url: string; apiKey: string; apiSecret: string } {
  return { url: emulator.url, apiKey: emulator.admin.apiKey, apiSecret: emulator.admin.apiSecret };
}

export interface InstalledAddon {
  /** The secrets file the installer wrote, in a folder of its own. */
  secretsFile: string;
  /** The place's webhook secret, which the ERP's Webhooks sign with. */
  webhookSecret: string | undefined;
  /** Removes the secrets file's folder. */
  remove(): void;
}

/**
 * The add-on installed as `npm run erp:install` installs it (DocTypes, Custom Fields, Webhooks signed for
 * `placeId` and sent to `sidecarUrl`), so that the ERP's changes reach the test's sidecar as they would a real one.
 */
export async function installAddon(erp: ErpPort, erpUrl: string, placeId: string, sidecarUrl: string): Promise<InstalledAddon> {
  const folder = mkdtempSync(join(tmpdir(), 'creneau-addon-'));
  const secretsFile = join(folder, 'secrets.json');
  await runInstall({ port: erp, erpUrl, place: placeId, sidecarUrl, secretsFile, dryRun: false, print: () => undefined });
  return {
    secretsFile,
    webhookSecret: readSecrets(secretsFile)[placeId]?.webhookSecret,
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

export interface DemoErp {
  emulator: EmulatorHandle;
  /** An ERP client with the Administrator's key. */
  erp: ErpPort;
  addon: InstalledAddon;
  /** Closes the emulator and removes the secrets. */
  close(): Promise<void>;
}

/**
 * The demo tiers-lieu in a fresh emulator: the add-on installed for `placeId` (its Webhooks sent to `sidecarUrl`),
 * then the demo's resources, prices, members and manager written through the ERP client, as `npm start` does.
 */
export async function startDemoErp(placeId: string, sidecarUrl: string, options: EmulatorOptions = {}): Promise<DemoErp> {
  const emulator = await startEmulator(options);
  const erp = createFrappeAdapter(adminAccess(emulator));
  const addon = await installAddon(erp, emulator.url, placeId, sidecarUrl);
  await seedDemo(erp, () => undefined);
  return {
    emulator,
    erp,
    addon,
    async close() {
      await emulator.close();
      addon.remove();
    },
  };
}

export interface Account {
  user: string;
  password: string;
  /** The ERP Customer the portal user belongs to; none for staff. */
  customer: string | null;
}

/** A demo member's portal sign-in, as the seed writes them: 0 Camille Martin, 1 Léo Dubois, 2 Atelier Nord SARL (post-paid). */
export function demoMember(index: number): Account & { customer: string } {
  const m = DEMO_MEMBERS[index];
  if (!m) throw new Error(`the demo has no member ${String(index)}`);
  return { user: m.email, password: DEMO_PASSWORD, customer: m.customer_name };
}

/** The demo's manager (the Creneau Manager role). */
export const demoManager: Account = { user: DEMO_MANAGER.email, password: DEMO_PASSWORD, customer: null };
