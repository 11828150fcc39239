import { ErpUnavailableError } from '../../../sidecar/src/erp/errors';
import { createCustomer, createServiceItem, erpForThisFile, rejection, unique } from './support';

const erp = erpForThisFile();

function customersNamed(name: string): number {
  return erp.emulator.store.list('Customer', (doc) => doc.customer_name === name).length;
}

describe('retries through the emulator', () => {
  it('repeats a GET after two 503s and gets the document on the third attempt', async () => {
    const code = `SRV-${unique()}`;
    await createServiceItem(erp.adapter(), code);
    erp.emulator.counters.reset();
    erp.emulator.faults.add({ match: { method: 'GET', path: `/api/resource/Item/${code}` }, action: { kind: 'status', status: 503 }, times: 2 });

    const item = await erp.adapter({ retry: { baseDelayMs: 100, maxDelayMs: 1000 } }).getDoc('Item', code);

    expect(item.name).toBe(code);
    expect(erp.emulator.counters.total()).toBe(3);
    // Full jitter with random() = 0.5: half of 100, then half of 200.
    expect(erp.sleeps).toEqual([50, 100]);
  });

  it('does not repeat an insert whose answer was lost to a timeout: the ERP did create it', async () => {
    const name = `Lost Answer ${unique()}`;
    erp.emulator.faults.add({
      match: { method: 'POST', path: '/api/resource/Customer' },
      action: { kind: 'timeout' },
      when: 'after',
      times: 1,
    });

    const error = await rejection(
      erp.adapter({ timeoutMs: 300 }).insert('Customer', { customer_name: name, customer_type: 'Company' }),
    );

    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', outcomeUnknown: true, attempts: 1 });
    expect(erp.emulator.counters.total()).toBe(1);
    // Why the client must not retry: the first request went through.
    expect(customersNamed(name)).toBe(1);
  });

  it('does not repeat an insert after a 502 that hid a processed write', async () => {
    const name = `Gateway ${unique()}`;
    erp.emulator.faults.add({
      match: { method: 'POST', path: '/api/resource/Customer' },
      action: { kind: 'status', status: 502 },
      when: 'after',
      times: 1,
    });
    const error = await rejection(erp.adapter().insert('Customer', { customer_name: name, customer_type: 'Company' }));
    expect(error).toMatchObject({ status: 502, outcomeUnknown: true, attempts: 1 });
    expect(customersNamed(name)).toBe(1);
  });

  it('repeats an insert refused with 503 and creates it once', async () => {
    const name = `Refused Once ${unique()}`;
    erp.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'status', status: 503 }, times: 1 });
    const created = await erp.adapter().insert('Customer', { customer_name: name, customer_type: 'Company' });
    expect(created.name).toBe(name);
    expect(erp.emulator.counters.total()).toBe(2);
    expect(customersNamed(name)).toBe(1);
  });

  it('repeats an update the caller marked idempotent after a reset', async () => {
    const name = await createCustomer(erp.adapter(), `Idempotent ${unique()}`);
    erp.emulator.counters.reset();
    erp.emulator.faults.add({ match: { method: 'PUT', path: `/api/resource/Customer/${name}` }, action: { kind: 'reset' }, times: 1 });
    const updated = await erp.adapter().update('Customer', name, { website: 'https://example.org' }, { idempotent: true });
    expect(updated.website).toBe('https://example.org');
    expect(erp.emulator.counters.total()).toBe(2);
  });

  it('gives up after maxAttempts', async () => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'status', status: 504 } });
    const error = await rejection(erp.adapter({ retry: { maxAttempts: 4 } }).list('Item', { limitPageLength: 5 }));
    expect(error).toMatchObject({ status: 504, attempts: 4 });
    expect(erp.emulator.counters.total()).toBe(4);
    expect(erp.sleeps).toHaveLength(3);
  });

  it('times out a slow answer on each attempt', async () => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'delay', ms: 1500 }, times: 2 });
    const error = await rejection(erp.adapter({ timeoutMs: 200, retry: { maxAttempts: 2 } }).list('Item', { limitPageLength: 5 }));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', attempts: 2, outcomeUnknown: false });
    expect(erp.emulator.counters.total()).toBe(2);
  });
});
