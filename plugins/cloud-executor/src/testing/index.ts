/**
 * @packageDocumentation
 * `@cowork-gateway/cloud-executor/testing`: a loopback fake of Open Cowork Cloud's channel
 * surface (cloud-protocol.md §11) with failure controls, for tests of the Cloud executor and hosts.
 */
export {
  FakeCloud,
  type FakeChannelBinding,
  type FakeCloudOptions,
  type FakeCloudRequest,
  type FakeCloudToken,
  type FakeCommand,
  type FakeDelivery,
  type FakeIdentity,
  type FakeInteraction,
  type FakeProviderEvent,
  type FakeSessionEvent,
  type FakeThreadBinding,
} from './fake-cloud.js';
