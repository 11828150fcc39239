import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

/**
 * Frappe signs a webhook (with "Enable Security") as
 * `X-Frappe-Webhook-Signature: base64(HMAC-SHA256(secret, body))`. The check must run over the
 * bytes as received: JSON re-serialised by Node differs from Python's `json.dumps` (spaces after
 * `:` and `,`, `150.0` kept as written), so a signature over `JSON.stringify(req.body)` never
 * matches a genuine delivery.
 */

export const WEBHOOK_SIGNATURE_HEADER = 'x-frappe-webhook-signature';

/** A SHA-256 HMAC is 32 bytes: 43 base64 characters and one `=` of padding. */
const SIGNATURE_FORMAT = /^[A-Za-z0-9+/]{43}=$/;

export type WebhookSignatureCheck =
  | { ok: true }
  | {
      ok: false;
      /** missing: no header; malformed: not a base64 SHA-256 digest; mismatch: wrong secret or altered body. */
      reason: 'missing' | 'malformed' | 'mismatch';
    };

export function computeWebhookSignature(rawBody: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/**
 * @param header the header value as Node gives it (a repeated header arrives as an array, which is
 *   refused: a delivery carries exactly one signature).
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  header: string | readonly string[] | undefined,
  secret: string,
): WebhookSignatureCheck {
  if (secret === '') throw new TypeError('verifyWebhookSignature: the webhook secret is empty');
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  const received = header.trim();
  if (!SIGNATURE_FORMAT.test(received)) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(received, 'base64');
  // Both are 32 bytes here (the format check guarantees it); timingSafeEqual throws otherwise.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}

export class WebhookBodyError extends Error {
  constructor(
    message: string,
    /** zod's description of what did not match, when a schema was given. */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'WebhookBodyError';
  }
}

/**
 * Reads a delivery's body. Frappe sends no Content-Type, and its body is JSON whether the webhook's
 * request structure is "JSON" or "Form URL-Encoded" (the form data is `json.dumps`-ed too), so the
 * body is decoded as UTF-8 JSON regardless of headers. Verify the signature first.
 */
export function parseWebhookBody(rawBody: Buffer): unknown;
export function parseWebhookBody<T>(rawBody: Buffer, schema: z.ZodType<T>): T;
export function parseWebhookBody<T>(rawBody: Buffer, schema?: z.ZodType<T>): unknown {
  if (rawBody.length === 0) throw new WebhookBodyError('webhook body is empty');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody)) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhookBodyError(`webhook body is not UTF-8 JSON: ${reason}`);
  }
  if (schema === undefined) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new WebhookBodyError(`webhook body does not match the expected shape: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}
