/**
 * The shared wire of the webhook and bridge providers: the `v1` HMAC signature, the inbound
 * payload, the SSRF delivery policy, the pinned outbound request and the delivery body. Lives
 * once in core so every signed-HTTP provider uses the same rules.
 *
 * @see docs/webhook-wire.md
 */
export {
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  DEFAULT_SIGNATURE_WINDOW_MS,
  WebhookTimestampInvalid,
  WebhookSignatureStale,
  signatureBaseString,
  signWebhookBody,
  signatureHeaders,
  verifyWebhookSignature,
  type VerifySignatureInput,
  type VerifiedSignature,
} from './signature.js';
export { WebhookReplayed, ReplayGuard, replayScope, type ReplayGuardOptions, type ReplayClaim, type ReplayCache, type ReplayClaimResult } from './replay-guard.js';
export {
  MAX_WEBHOOK_ATTACHMENTS,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  MAX_INTERACTION_TOKEN_BYTES,
  parseWebhookPayload,
  webhookPayloadToInboundEvent,
  webhookReplyContext,
  type WebhookPayload,
  type WebhookPayloadAttachment,
  type ParsePayloadOptions,
  type InboundEventContext,
} from './payload.js';
export {
  DeliveryUrlInvalid,
  DeliverySsrfBlocked,
  DeliveryHostNotAllowed,
  classifyAddress,
  checkDeliveryUrl,
  checkResolvedAddresses,
  hostAllowed,
  isDeliveryPolicyError,
  type DeliveryPolicy,
  type AddressClass,
  type AddressClassification,
  type CheckedDeliveryUrl,
  type ResolvedAddress,
} from './ssrf-policy.js';
export {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DeliveryHostUnresolvable,
  systemLookup,
  sendPinnedRequest,
  parseRetryAfter,
  type WireLookup,
  type PinnedRequestOptions,
  type PinnedResponse,
} from './pinned-request.js';
export {
  DELIVERY_ID_HEADER,
  MAX_DELIVERY_ID_BYTES,
  DeliveryTargetInvalid,
  DeliveryIdInvalid,
  contentForMessage,
  buildDeliveryRequest,
  readDeliveryResponse,
  type DeliveryType,
  type DeliveryContent,
  type DeliveryRequestInput,
  type DeliveryRequest,
} from './delivery-body.js';
export {
  DEFAULT_ATTACHMENT_CACHE_BYTES,
  WebhookAttachmentTooLarge,
  WebhookAttachmentUnavailable,
  SignedWebhookProvider,
  signedWebhookOptionEntries,
  deliveryUrlCheck,
  type DeliveryUrlOptions,
  type SignedWebhookProfile,
  type SignedWebhookOptions,
  type SignedWebhookDeps,
} from './signed-webhook-provider.js';
