import { executePlan, StepFailedError, type Progress } from '../../../sidecar/src/addon/execute';
import type { Step } from '../../../sidecar/src/addon/plan';
import { ErpNotFoundError, ErpPermissionError, ErpValidationError, type ErpPort } from '../../../sidecar/src/erp';

/** The port as the executor uses it: a write log, and the errors a test makes it throw. */
function fakePort(failures: Record<string, Error> = {}): { port: ErpPort; writes: string[] } {
  const writes: string[] = [];
  const act = (what: string): Promise<never> | Promise<Record<string, unknown>> => {
    const failure = failures[what];
    if (failure) return Promise.reject(failure);
    writes.push(what);
    return Promise.resolve({ name: what, doctype: 'X', docstatus: 0, modified: '', creation: '', owner: '', modified_by: '', idx: 0 });
  };
  const port = {
    insert: (doctype: string, body: Record<string, unknown>) => act(`create ${doctype} ${typeof body.name === 'string' ? body.name : ''}`),
    update: (doctype: string, name: string) => act(`update ${doctype} ${name}`),
    delete: (doctype: string, name: string) => act(`delete ${doctype} ${name}`).then(() => undefined),
  } as unknown as ErpPort;
  return { port, writes };
}

const request = { method: 'DELETE', path: '/api/resource/X' };
const linked = new ErpValidationError({
  message: 'ERP refused UOM Half Day: Cannot delete or cancel because UOM Half Day is linked with Item Price 9f8e',
  status: 417,
  excType: 'LinkExistsError',
  messages: [{ text: 'Cannot delete or cancel because UOM Half Day is linked with Item Price 9f8e', html: '' }],
  exception: null,
  endpoint: request,
  kind: 'linkExists',
});

const step = (action: Step['action'], doctype: string, name: string, extra: Partial<Step> = {}): Step => ({
  action,
  doctype,
  name,
  body: action === 'delete' ? undefined : { name },
  summary: `${action} ${doctype} ${name}`,
  details: [],
  ...extra,
});

describe('executing a plan', () => {
  it('writes the steps in order and reports each one', async () => {
    const { port, writes } = fakePort();
    const seen: Progress[] = [];
    await executePlan(port, [step('create', 'Role', 'Creneau Manager'), step('update', 'DocType', 'Creneau Booking'), step('delete', 'Webhook', 'Old')], 'http://erp', (p) => seen.push(p));
    expect(writes).toEqual(['create Role Creneau Manager', 'update DocType Creneau Booking', 'delete Webhook Old']);
    expect(seen.map((p) => [p.index, p.total, p.outcome])).toEqual([
      [1, 3, 'done'],
      [2, 3, 'done'],
      [3, 3, 'done'],
    ]);
  });

  it('keeps a record other documents still use when the plan allows it, and goes on', async () => {
    const { port, writes } = fakePort({ 'delete UOM Half Day': linked });
    const seen: Progress[] = [];
    await executePlan(port, [step('delete', 'UOM', 'Half Day', { keepIfLinked: true }), step('delete', 'Role', 'Creneau Manager')], 'http://erp', (p) => seen.push(p));
    expect(seen[0]).toMatchObject({ outcome: 'kept', reason: 'Cannot delete or cancel because UOM Half Day is linked with Item Price 9f8e' });
    expect(writes).toEqual(['delete Role Creneau Manager']);
  });

  it('counts a record already gone as deleted', async () => {
    const gone = new ErpNotFoundError({ message: 'ERP refused Webhook Old: Webhook Old not found', status: 404, excType: 'DoesNotExistError', messages: [], exception: null, endpoint: request });
    const { port } = fakePort({ 'delete Webhook Old': gone });
    const seen: Progress[] = [];
    await executePlan(port, [step('delete', 'Webhook', 'Old')], 'http://erp', (p) => seen.push(p));
    expect(seen.map((p) => p.outcome)).toEqual(['done']);
  });

  it('stops at the first refusal with one line saying what it was doing and how far it got', async () => {
    const refused = new ErpPermissionError({
      message: 'ERP refused a new Webhook: No permission for Webhook',
      status: 403,
      excType: 'PermissionError',
      messages: [],
      exception: null,
      endpoint: request,
      sessionExpired: false,
    });
    const { port, writes } = fakePort({ 'create Webhook W2': refused });
    const run = executePlan(port, [step('create', 'Webhook', 'W1'), step('create', 'Webhook', 'W2'), step('create', 'Webhook', 'W3')], 'http://erp');
    await expect(run).rejects.toThrow(StepFailedError);
    await expect(run).rejects.toMatchObject({
      completed: 1,
      message:
        'Permission missing while trying to create Webhook W2: ERP refused a new Webhook: No permission for Webhook. Give the API user the role that allows it (System Manager for DocTypes, Custom Fields and Webhooks).',
    });
    expect(writes).toEqual(['create Webhook W1']);
  });

  it('does not keep a linked record when the plan did not say it may', async () => {
    const { port } = fakePort({ 'delete DocType Creneau Booking': linked });
    await expect(executePlan(port, [step('delete', 'DocType', 'Creneau Booking')], 'http://erp')).rejects.toThrow(/while trying to delete DocType Creneau Booking/);
  });
});
