import { expect } from 'chai';
import * as core from '../src/index.js';

/** The webhook wire's public surface from `@cowork-gateway/core` and the codes it registers. */
describe('webhook-wire public surface', () => {
  const runtime = [
    'WEBHOOK_TIMESTAMP_HEADER', 'WEBHOOK_SIGNATURE_HEADER', 'DEFAULT_SIGNATURE_WINDOW_MS',
    'WebhookTimestampInvalid', 'WebhookSignatureStale', 'signatureBaseString', 'signWebhookBody', 'signatureHeaders', 'verifyWebhookSignature',
    'WebhookReplayed', 'ReplayGuard', 'replayScope',
    'MAX_WEBHOOK_ATTACHMENTS', 'DEFAULT_MAX_ATTACHMENT_BYTES', 'MAX_INTERACTION_TOKEN_BYTES',
    'parseWebhookPayload', 'webhookPayloadToInboundEvent', 'webhookReplyContext',
    'DeliveryUrlInvalid', 'DeliverySsrfBlocked', 'DeliveryHostNotAllowed', 'classifyAddress', 'checkDeliveryUrl', 'checkResolvedAddresses', 'hostAllowed', 'isDeliveryPolicyError',
    'DEFAULT_DELIVERY_TIMEOUT_MS', 'DEFAULT_MAX_RESPONSE_BYTES', 'DEFAULT_MAX_RETRY_AFTER_MS', 'DeliveryHostUnresolvable', 'systemLookup', 'sendPinnedRequest', 'parseRetryAfter',
    'DELIVERY_ID_HEADER', 'MAX_DELIVERY_ID_BYTES', 'DeliveryTargetInvalid', 'DeliveryIdInvalid', 'contentForMessage', 'buildDeliveryRequest', 'readDeliveryResponse',
  ];

  for (const name of runtime) {
    it(`exports ${name}`, () => {
      expect((core as Record<string, unknown>)[name], name).not.to.equal(undefined);
    });
  }

  it('registers every wire code with its status, reusing the existing webhook codes', () => {
    const expected: Record<string, number> = {
      'webhook.signature_invalid': 401,
      'webhook.signature_stale': 401,
      'webhook.timestamp_invalid': 401,
      'webhook.replayed': 409,
      'webhook.payload_invalid': 400,
      'delivery.url_invalid': 400,
      'delivery.ssrf_blocked': 400,
      'delivery.host_not_allowed': 400,
      'delivery.host_unresolvable': 400,
      'delivery.target_invalid': 400,
      'delivery.id_invalid': 400,
      'delivery.timeout': 503,
      'delivery.network_failed': 503,
      'delivery.dns_unavailable': 503,
      'delivery.receiver_failed': 503,
      'delivery.receiver_rejected': 502,
      'delivery.redirect_refused': 502,
      'delivery.response_too_large': 502,
      'delivery.response_invalid': 502,
    };
    for (const [code, status] of Object.entries(expected)) expect(core.errorRegistry.get(code), code).to.deep.equal({ status });
  });

  it('makes policy errors permanent for the outbox while they stay 4xx GatewayErrors', () => {
    const error = new core.DeliverySsrfBlocked({ host: 'h', reason: 'r' });
    expect(core.isGatewayError(error, 'delivery.ssrf_blocked')).to.equal(true);
    expect(error.status).to.equal(400);
    expect(core.classifyDeliveryFailure(error)).to.deep.equal({ kind: 'permanent' });
    expect(core.classifyDeliveryFailure(new core.DeliveryUrlInvalid({ reason: 'r' }))).to.deep.equal({ kind: 'permanent' });
  });
});
