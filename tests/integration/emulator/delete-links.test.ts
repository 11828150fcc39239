import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { call, Receiver } from './support';

let emu: EmulatorHandle;
let receiver: Receiver;

beforeAll(async () => {
  emu = await startEmulator();
  receiver = await Receiver.start();
});

afterAll(async () => {
  await emu.close();
  await receiver.close();
});

describe('links that never block a delete (frappe hooks ignore_links_on_delete)', () => {
  it('deletes a Webhook that has delivery logs, and the logs stay', async () => {
    const created = await call(emu, 'POST', '/api/resource/Webhook', {
      body: { name: 'Customer insert probe', webhook_doctype: 'Customer', webhook_docevent: 'after_insert', request_url: `${receiver.url}/hook`, request_structure: 'Form URL-Encoded', webhook_data: [{ fieldname: 'name', key: 'name' }] },
    });
    expect(created.status).toBe(200);
    await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Probe Customer', customer_type: 'Company' } });
    await emu.webhooks.idle();
    expect(emu.store.list('Webhook Request Log', (log) => log.webhook === 'Customer insert probe')).toHaveLength(1);

    const deleted = await call(emu, 'DELETE', '/api/resource/Webhook/Customer insert probe');
    expect(deleted.status).toBe(202);
    expect(emu.store.get('Webhook', 'Customer insert probe')).toBeUndefined();
    expect(emu.store.list('Webhook Request Log', (log) => log.webhook === 'Customer insert probe')).toHaveLength(1);
  });

  it('still refuses to delete a record that a real document links to', async () => {
    await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Linked Customer', customer_type: 'Company', customer_group: 'Commercial' } });
    const refused = await call(emu, 'DELETE', '/api/resource/Customer Group/Commercial');
    expect(refused.status).toBe(417);
    expect(refused.json).toMatchObject({ exc_type: 'LinkExistsError' });
  });
});
