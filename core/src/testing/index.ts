/**
 * @packageDocumentation
 * Test kit for cowork-gateway plugins: conformance suites for each contract and loopback fakes.
 */
export { describeStoreConformance } from './store-conformance.js';
export type { StoreConformanceDescriptor } from './store-conformance.js';
export { FakeChannel, type ScriptedFailure } from './fake-channel.js';
export { FakeExecutor, fakeExecutorPlugin, fakeExecutorOptions, longText, type FakeExecutorOptions } from './fake-executor.js';
export {
  FakeProvider,
  fakeProviderPlugin,
  fakeProviderOptions,
  signFakePayload,
  isLoopbackHost,
  FakeProviderNotLoopback,
  type FakeProviderOptions,
  type FakeInboundPayload,
  type FakeSentMessage,
} from './fake-provider.js';
