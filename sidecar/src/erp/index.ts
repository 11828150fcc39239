export * from './port';
export * from './errors';
export { FrappeAdapter, createFrappeAdapter, INSERT_MANY_LIMIT } from './frappe-adapter';
export type { FrappeAdapterConfig, FrappeAdapterDeps } from './frappe-adapter';
export { retryPolicySchema, backoffDelayMs, parseRetryAfterMs, mayRetry } from './retry';
export type { RetryPolicy, RetryPolicyInput, Sleep } from './retry';
export {
  WEBHOOK_SIGNATURE_HEADER,
  WebhookBodyError,
  computeWebhookSignature,
  parseWebhookBody,
  verifyWebhookSignature,
} from './webhook-signature';
export type { WebhookSignatureCheck } from './webhook-signature';
