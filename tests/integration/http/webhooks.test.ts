import { computeWebhookSignature } from '../../../sidecar/src/erp';
import { ApiClient, errorOf, type ApiResponse } from '../../support/api-client';
import { startHarness, type Harness } from './support/harness';

const SECRET = 'whsec-test-0123456789';
let h: Harness;
let erp: ApiClient;

beforeAll(async () => {
  h = await startHarness({ place: { webhookSecret: SECRET } });
  erp = new ApiClient(h.url, h.placeId);
});

afterAll(async () => {
  await h.close();
});

/** A delivery as Frappe sends it: Python's json.dumps spacing, no Content-Type, the add-on's headers. */
function deliver(
  body: string | Buffer,
  options: { secret?: string | null; doctype?: string; event?: string; place?: string | null; path?: string } = {},
): Promise<ApiResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = {
    'user-agent': 'python-requests/2.32.4',
    'x-creneau-doctype': options.doctype ?? 'Creneau Booking',
    'x-creneau-event': options.event ?? 'on_update',
  };
  if (options.place !== null) headers['x-creneau-place'] = options.place ?? h.placeId;
  if (options.secret !== null) headers['x-frappe-webhook-signature'] = computeWebhookSignature(bytes, options.secret ?? SECRET);
  return erp.send('POST', options.path ?? `/erp/webhooks/${h.placeId}`, { raw: bytes, headers });
}

const python = (name: string, modified: string, docstatus = 0): string =>
  `{"name": "${name}", "modified": "${modified}", "docstatus": ${docstatus}}`;

describe('ERP webhooks', () => {
  it('hands a signed change to the engine and answers 200', async () => {
    const response = await deliver(python('CRN-BKG-2026-00001', '2026-11-30 09:12:01.123456'));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, duplicate: false });
    expect(h.engine.notices).toContainEqual({
      doctype: 'Creneau Booking',
      name: 'CRN-BKG-2026-00001',
      event: 'on_update',
      modified: '2026-11-30 09:12:01.123456',
      docstatus: 0,
    });
  });

  it('acknowledges a repeated delivery without handing it over twice; a later change is new', async () => {
    const body = python('CRN-BKG-2026-00002', '2026-11-30 09:15:00.000001');
    const first = await deliver(body);
    const again = await deliver(body);
    expect(first.body).toEqual({ ok: true, duplicate: false });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect(h.engine.notices.filter((n) => n.name === 'CRN-BKG-2026-00002')).toHaveLength(1);
    const later = await deliver(python('CRN-BKG-2026-00002', '2026-11-30 09:20:00.000001'));
    expect(later.body).toEqual({ ok: true, duplicate: false });
    const trashed = await deliver(python('CRN-BKG-2026-00002', '2026-11-30 09:20:00.000001'), { event: 'on_trash' });
    expect(trashed.body).toEqual({ ok: true, duplicate: false });
  });

  it('refuses a wrong or missing signature with 401, and logs a warning that does not hold the secret', async () => {
    const before = h.engine.notices.length;
    const forged = await deliver(python('CRN-BKG-2026-00003', '2026-11-30 10:00:00.000000'), { secret: 'guessed-secret' });
    expect(forged.status).toBe(401);
    expect(errorOf(forged).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const unsigned = await deliver(python('CRN-BKG-2026-00003', '2026-11-30 10:00:00.000000'), { secret: null });
    expect(unsigned.status).toBe(401);
    expect(errorOf(unsigned).details).toEqual({ reason: 'missing' });
    expect(h.engine.notices).toHaveLength(before);
    const warnings = h.logs.filter((l) => l.msg === 'ERP webhook refused: bad signature');
    expect(warnings.map((w) => w.reason)).toEqual(expect.arrayContaining(['mismatch', 'missing']) as unknown);
    expect(JSON.stringify(h.logs)).not.toContain(SECRET);
  });

  it('checks the signature over the bytes received (an altered body does not pass)', async () => {
    const signed = python('CRN-BKG-2026-00004', '2026-11-30 10:00:00.000000');
    const signature = computeWebhookSignature(Buffer.from(signed), SECRET);
    const altered = signed.replace('00004', '00005');
    const response = await erp.send('POST', `/erp/webhooks/${h.placeId}`, {
      raw: altered,
      headers: { 'x-frappe-webhook-signature': signature, 'x-creneau-doctype': 'Creneau Booking', 'x-creneau-event': 'on_update' },
    });
    expect(response.status).toBe(401);
  });

  it('refuses, once signed, a body that is not the add-on’s shape and a delivery meant for another place', async () => {
    const notJson = await deliver('name=CRN-BKG-2026-00006');
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson).code).toBe('WEBHOOK_BODY_INVALID');
    const noName = await deliver('{"modified": "2026-11-30 10:00:00.000000"}');
    expect(noName.status).toBe(400);
    const unknownEvent = await deliver(python('CRN-BKG-2026-00007', '2026-11-30 10:00:00.000000'), { event: 'on_payment_authorized' });
    expect(unknownEvent.status).toBe(400);
    expect(errorOf(unknownEvent).code).toBe('INVALID_REQUEST');
    const elsewhere = await deliver(python('CRN-BKG-2026-00008', '2026-11-30 10:00:00.000000'), { place: 'another-place' });
    expect(elsewhere.status).toBe(400);
    expect(errorOf(elsewhere).code).toBe('WEBHOOK_WRONG_PLACE');
  });

  it('answers 503 when the change cannot be queued, and takes Frappe’s retry afterwards', async () => {
    const body = python('CRN-BKG-2026-00009', '2026-11-30 11:00:00.000000');
    h.engine.failNotify = true;
    const failed = await deliver(body);
    h.engine.failNotify = false;
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
    const retried = await deliver(body);
    expect(retried.body).toEqual({ ok: true, duplicate: false });
    expect(h.engine.notices.filter((n) => n.name === 'CRN-BKG-2026-00009')).toHaveLength(1);
  });

  it('refuses a body over the limit with 413 and an unknown place with 404', async () => {
    const big = Buffer.alloc(200 * 1024, 0x20);
    const tooLarge = await deliver(big);
    expect(tooLarge.status).toBe(413);
    const unknown = await deliver(python('X', '2026-11-30 11:00:00.000000'), { path: '/erp/webhooks/nowhere' });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('PLACE_NOT_FOUND');
  });

  it('refuses every delivery while the place has no webhook secret', async () => {
    const bare = await startHarness({ place: { webhookSecret: undefined } });
    try {
      const response = await new ApiClient(bare.url, bare.placeId).send('POST', `/erp/webhooks/${bare.placeId}`, {
        raw: python('CRN-BKG-2026-00010', '2026-11-30 11:00:00.000000'),
        headers: { 'x-frappe-webhook-signature': computeWebhookSignature(Buffer.from('x'), 'anything') },
      });
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('WEBHOOK_NOT_CONFIGURED');
      expect(bare.engine.notices).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
