import { verifyWebhookSignature, WebhookBodyError, parseWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '../erp';
import { placeRoute, type ApiDeps } from './context';
import { ApiError } from './errors';
import { validate, type AnyRoute } from './routes';
import { placeParams, webhookAck, webhookBody, webhookHeaders } from './schemas';
import { sha256 } from './session';
import { z } from './zod';

/** A delivery seen within this time is answered 200 and not handed over again (Frappe retries, duplicates). */
export const WEBHOOK_DEDUP_SECONDS = 24 * 60 * 60;

/**
 * The ERP's Webhooks (installed by the add-on's installer) say which document changed. The body is read as bytes
 * and its HMAC checked before anything in it is believed; then the notice goes to the engine, which re-reads the
 * document from the ERP in a queue. The answer does not wait for that work.
 */
export function erpWebhookRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    placeRoute({
      method: 'post',
      path: '/erp/webhooks/:place',
      operationId: 'erpWebhook',
      summary: 'A document changed in the ERP (Frappe Webhook)',
      description:
        'Signed with X-Frappe-Webhook-Signature = base64(HMAC-SHA256(webhook secret, raw body)). A delivery already seen (same DocType, name, modified and event) within 24 h is acknowledged without being handed over again.',
      tag: 'ERP',
      access: 'erp',
      params: placeParams,
      body: { kind: 'raw', schema: webhookBody, headers: webhookHeaders },
      response: { status: 200, description: 'Received', schema: webhookAck },
      errors: [400, 401, 404, 413, 503],
      handle: async ({ place, req, rawBody }) => {
        const bytes = rawBody ?? Buffer.alloc(0);
        if (place.webhookSecret === undefined) {
          deps.logger.warn({ place: place.id }, 'ERP webhook refused: this place has no webhook secret (run the installer)');
          throw new ApiError(401, 'WEBHOOK_NOT_CONFIGURED', {
            fr: "Ce lieu n'a pas de secret de webhook : lancez l'installation du module dans l'ERP",
            en: 'This place has no webhook secret: run the add-on installer against the ERP',
          });
        }
        const check = verifyWebhookSignature(bytes, req.headers[WEBHOOK_SIGNATURE_HEADER], place.webhookSecret);
        if (!check.ok) {
          deps.logger.warn({ place: place.id, reason: check.reason, ip: req.ip, bytes: bytes.length }, 'ERP webhook refused: bad signature');
          throw new ApiError(
            401,
            'WEBHOOK_SIGNATURE_INVALID',
            check.reason === 'missing'
              ? { fr: 'Signature X-Frappe-Webhook-Signature absente', en: 'X-Frappe-Webhook-Signature is missing' }
              : { fr: 'Signature X-Frappe-Webhook-Signature invalide', en: 'X-Frappe-Webhook-Signature does not match' },
            { reason: check.reason },
          );
        }
        const headers = validate(webhookHeaders, req.headers, 'headers');
        const target = headers['x-creneau-place'];
        if (target !== undefined && target !== place.id) {
          throw new ApiError(400, 'WEBHOOK_WRONG_PLACE', {
            fr: `Webhook installé pour le lieu « ${target} », reçu sur celui de « ${place.id} »`,
            en: `Webhook installed for place "${target}", delivered to "${place.id}"`,
          });
        }
        let body: z.infer<typeof webhookBody>;
        try {
          body = parseWebhookBody(bytes, webhookBody);
        } catch (error) {
          if (!(error instanceof WebhookBodyError)) throw error;
          throw new ApiError(400, 'WEBHOOK_BODY_INVALID', { fr: `Corps de webhook invalide : ${error.message}`, en: `Invalid webhook body: ${error.message}` });
        }
        const notice = {
          doctype: headers['x-creneau-doctype'],
          name: body.name,
          event: headers['x-creneau-event'],
          modified: body.modified ?? null,
          docstatus: body.docstatus ?? null,
        };
        const seenKey = place.keys.key('webhook', 'seen', sha256(JSON.stringify([notice.doctype, notice.name, notice.modified, notice.event])));
        const first = await deps.redis.set(seenKey, '1', 'EX', WEBHOOK_DEDUP_SECONDS, 'NX');
        if (first === null) return { body: { ok: true as const, duplicate: true } };
        try {
          await place.changes.notify(notice);
        } catch (error) {
          // Not handed over: forget the delivery so that Frappe's retry is taken.
          await deps.redis.del(seenKey);
          deps.logger.error({ err: error, place: place.id, doctype: notice.doctype, event: notice.event }, 'ERP webhook not handed over');
          throw new ApiError(
            503,
            'WEBHOOK_NOT_QUEUED',
            { fr: "Changement non pris en compte pour l'instant : renvoyez-le", en: 'Change not taken yet: deliver it again' },
            undefined,
            { 'Retry-After': '5' },
          );
        }
        return { body: { ok: true as const, duplicate: false } };
      },
    }),
  ];
}
