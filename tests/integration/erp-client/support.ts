import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FrappeAdapter, type FrappeAdapterConfig, type FrappeAdapterDeps } from '../../../sidecar/src/erp/frappe-adapter';
import { startEmulator, type EmulatorHandle } from '../../emulator/src';
import { adminAccess } from '../../support/erp';

/**
 * The Frappe emulator over real HTTP, and adapters pointed at it. Waits between retries are
 * recorded instead of slept (the policy's delays are asserted, not timed); timeouts are real.
 */

export interface Erp {
  readonly emulator: EmulatorHandle;
  /** Adapter with the Administrator's key and the given settings. */
  adapter(config?: Partial<FrappeAdapterConfig>, deps?: FrappeAdapterDeps): FrappeAdapter;
  /** Delays the adapters asked to wait, in order. */
  readonly sleeps: number[];
}

/**
 * The emulator of one test file, started before its tests and closed after them; after each test its faults,
 * call counters and the recorded waits are cleared, so that no test inherits another's. Call it at the top of
 * the file; use what it returns inside tests and hooks.
 */
export function erpForThisFile(): Erp {
  const sleeps: number[] = [];
  let running: EmulatorHandle | undefined;
  const emulator = (): EmulatorHandle => {
    if (!running) throw new Error('the emulator is started in beforeAll: use it inside a test or a hook');
    return running;
  };
  beforeAll(async () => {
    running = await startEmulator({ randomSeed: 7 });
  });
  afterAll(async () => {
    await running?.close();
  });
  afterEach(() => {
    emulator().faults.clear();
    emulator().counters.reset();
    sleeps.length = 0;
  });
  return {
    get emulator() {
      return emulator();
    },
    sleeps,
    adapter: (config = {}, deps = {}) =>
      new FrappeAdapter(
        { ...adminAccess(emulator()), ...config },
        {
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
          random: () => 0.5,
          ...deps,
        },
      ),
  };
}

/** A suffix that keeps names of one test apart from the others' in the same emulator. */
export function unique(): string {
  return randomBytes(3).toString('hex').toUpperCase();
}

export const itemSchema = z.looseObject({
  name: z.string(),
  item_code: z.string(),
  item_group: z.string(),
  standard_rate: z.number(),
});

export async function createServiceItem(erp: FrappeAdapter, code: string, rate = 120): Promise<string> {
  const item = await erp.insert(
    'Item',
    { item_code: code, item_name: `Service ${code}`, item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0, standard_rate: rate },
    { schema: itemSchema },
  );
  return item.name;
}

export async function createCustomer(erp: FrappeAdapter, name: string): Promise<string> {
  const customer = await erp.insert('Customer', {
    customer_name: name,
    customer_type: 'Company',
    customer_group: 'Commercial',
    territory: 'France',
  });
  return customer.name;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
