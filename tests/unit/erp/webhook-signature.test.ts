import { z } from 'zod';
import {
  computeWebhookSignature,
  parseWebhookBody,
  verifyWebhookSignature,
  WebhookBodyError,
} from '../../../sidecar/src/erp/webhook-signature';
import { loadRecording } from './support/recordings';

const signed = loadRecording('webhook_delivered_json_signed');
const rawBody = Buffer.from(signed.request.raw_body ?? '', 'utf8');
const header = signed.request.headers?.['X-Frappe-Webhook-Signature'];
const SECRET = 'whsec-test-123';

describe('verifyWebhookSignature on the recorded delivery', () => {
  it('has the recorded raw body and signature to work with', () => {
    expect(rawBody.length).toBe(162);
    expect(header).toBe('8DfIfCmi0cicr2G3IABES6hiiFUJ1Dpl8SNr0LSKQfQ=');
  });

  it('accepts it with the recorded secret', () => {
    expect(verifyWebhookSignature(rawBody, header, SECRET)).toEqual({ ok: true });
    expect(computeWebhookSignature(rawBody, SECRET)).toBe(header);
  });

  it('refuses it with another secret', () => {
    expect(verifyWebhookSignature(rawBody, header, 'whsec-test-124')).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses it when any single byte changed', () => {
    for (const index of [0, 40, rawBody.length - 1]) {
      const tampered = Buffer.from(rawBody);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(verifyWebhookSignature(tampered, header, SECRET)).toEqual({ ok: false, reason: 'mismatch' });
    }
  });

  it('refuses the body re-serialised by JSON.stringify, which is not the bytes Frappe signed', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))), 'utf8');
    expect(reserialised.equals(rawBody)).toBe(false);
    expect(verifyWebhookSignature(reserialised, header, SECRET)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a missing header', () => {
    expect(verifyWebhookSignature(rawBody, undefined, SECRET)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyWebhookSignature(rawBody, '', SECRET)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['not base64', 'not a signature'],
    ['hex instead of base64', 'f037c87c29a2d1c89caf61b72000444ba8628855'],
    ['truncated', '8DfIfCmi0cicr2G3IABES6hiiFUJ1Dpl8SNr0LSKQfQ'],
    ['a 16-byte digest', 'AAAAAAAAAAAAAAAAAAAAAA=='],
  ])('refuses a malformed header (%s)', (_label, value) => {
    expect(verifyWebhookSignature(rawBody, value, SECRET)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a repeated header', () => {
    expect(verifyWebhookSignature(rawBody, [header ?? '', header ?? ''], SECRET)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('will not verify with an empty secret', () => {
    expect(() => verifyWebhookSignature(rawBody, header, '')).toThrow('the webhook secret is empty');
  });
});

describe('parseWebhookBody', () => {
  it.each(['webhook_delivered_json_signed', 'webhook_delivered_form'])(
    'reads %s (JSON although no Content-Type is sent) as the listener saw it',
    (name) => {
      const recording = loadRecording(name);
      expect(recording.request.headers?.['Content-Type']).toBeUndefined();
      const body = parseWebhookBody(Buffer.from(recording.request.raw_body ?? '', 'utf8'));
      expect(body).toEqual(recording.request.body);
    },
  );

  it('types the body with a schema', () => {
    const schema = z.object({ event: z.literal('on_submit'), name: z.string(), grand_total: z.number() });
    const body = parseWebhookBody(rawBody, schema);
    expect(body.name).toBe('ACC-SINV-2026-00011');
    expect(body.grand_total).toBe(150);
  });

  it('says what does not match the schema', () => {
    const schema = z.object({ event: z.literal('on_cancel') });
    expect(() => parseWebhookBody(rawBody, schema)).toThrow(WebhookBodyError);
    expect(() => parseWebhookBody(rawBody, schema)).toThrow(/event:/);
  });

  it('refuses an empty body, non-JSON and invalid UTF-8', () => {
    expect(() => parseWebhookBody(Buffer.alloc(0))).toThrow('webhook body is empty');
    expect(() => parseWebhookBody(Buffer.from('name=x&amount=1'))).toThrow('webhook body is not UTF-8 JSON');
    expect(() => parseWebhookBody(Buffer.from([0x22, 0xff, 0x22]))).toThrow('webhook body is not UTF-8 JSON');
  });
});
