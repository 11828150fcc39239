import { addonDocTypeRoot } from '../../../sidecar/src/addon/definitions';
import { createFrappeAdapter } from '../../../sidecar/src/erp';
import { startEmulator, type EmulatorHandle } from '../../emulator/src';
import { adminAccess } from '../../support/erp';

let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startEmulator({ addonDocTypeDirs: [addonDocTypeRoot()] });
});

afterAll(async () => {
  await emulator.close();
});

describe('a Single DocType (settings)', () => {
  it('reads one that was never saved, which has no modified or creation yet, then one that was', async () => {
    const erp = createFrappeAdapter(adminAccess(emulator));
    const fresh = await erp.getDoc('Creneau Settings', 'Creneau Settings');
    expect(fresh.name).toBe('Creneau Settings');
    expect(fresh.modified).toBeUndefined();

    await erp.update('Creneau Settings', 'Creneau Settings', { hold_minutes: 20 });
    const saved = await erp.getDoc('Creneau Settings', 'Creneau Settings');
    expect(saved.hold_minutes).toBe(20);
    expect(saved.modified).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
  });
});
