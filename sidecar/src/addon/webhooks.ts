/**
 * The Webhooks the installer creates in the ERP, and the shape of what they deliver to the
 * sidecar's `/erp/webhooks/<place>` route. A Webhook carries no document: it says which document
 * changed, and the sidecar reads that document from the ERP, the system of record.
 *
 * Delivery (Frappe v15, recorded on a real site): POST, body = JSON object
 * `{"name": <document name>, "modified": "<YYYY-MM-DD HH:MM:SS.ffffff>", "docstatus": 0|1|2}`,
 * headers `X-Creneau-Place`, `X-Creneau-DocType`, `X-Creneau-Event` and
 * `X-Frappe-Webhook-Signature` = base64(HMAC-SHA256(webhook secret, raw body)). No Content-Type
 * header is sent. The "Form URL-Encoded" structure is used because Frappe serialises its key/value
 * pairs with json.dumps, so a document name holding a quote still gives valid JSON, which a
 * hand-written JSON template would not.
 */

export const WEBHOOK_PLACE_HEADER = 'X-Creneau-Place';
export const WEBHOOK_DOCTYPE_HEADER = 'X-Creneau-DocType';
export const WEBHOOK_EVENT_HEADER = 'X-Creneau-Event';

export type WebhookEvent = 'on_update' | 'on_trash' | 'on_submit' | 'on_cancel';

/**
 * Frappe runs on_update after an insert as well as after a save, so on_update alone reports new
 * and changed documents. Sales Invoice status changes (Paid) happen through Payment Entry submit.
 */
export const WEBHOOK_EVENTS: readonly { doctype: string; events: readonly WebhookEvent[] }[] = [
  { doctype: 'Creneau Resource', events: ['on_update', 'on_trash'] },
  { doctype: 'Creneau Booking', events: ['on_update', 'on_trash'] },
  { doctype: 'Creneau Ticket Pack Type', events: ['on_update', 'on_trash'] },
  { doctype: 'Creneau Ticket Ledger Entry', events: ['on_submit', 'on_cancel'] },
  { doctype: 'Creneau Settings', events: ['on_update'] },
  { doctype: 'Sales Invoice', events: ['on_submit', 'on_cancel'] },
  { doctype: 'Payment Entry', events: ['on_submit', 'on_cancel'] },
  { doctype: 'Item Price', events: ['on_update', 'on_trash'] },
  { doctype: 'Customer', events: ['on_update'] },
];

/** The document fields each delivery carries, keyed as they arrive. */
export const WEBHOOK_DATA: readonly { fieldname: string; key: string }[] = [
  { fieldname: 'name', key: 'name' },
  { fieldname: 'modified', key: 'modified' },
  { fieldname: 'docstatus', key: 'docstatus' },
];

/** Names start with the place, so that two places sharing a test site never touch each other's Webhooks. */
export function webhookNamePrefix(place: string): string {
  return `Creneau ${place}: `;
}

export function webhookName(place: string, doctype: string, event: WebhookEvent): string {
  return `${webhookNamePrefix(place)}${doctype} ${event}`;
}

/** The sidecar's route for a place's ERP events. */
export function webhookUrl(sidecarUrl: string, place: string): string {
  return `${sidecarUrl.replace(/\/+$/, '')}/erp/webhooks/${encodeURIComponent(place)}`;
}
