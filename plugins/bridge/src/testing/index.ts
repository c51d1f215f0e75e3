/**
 * @packageDocumentation
 * `@cowork-gateway/bridge/testing`: the loopback fake bridge and a signed-request builder (from
 * `@cowork-gateway/core/testing`), for this package's tests and for hosts that run a bridge
 * provider end to end offline.
 */
export { FakeBridge, signedWebhookRequest, type FakeBridgeDelivery, type FakeBridgeFailure } from '@cowork-gateway/core/testing';
