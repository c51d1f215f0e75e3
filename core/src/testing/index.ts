/**
 * @packageDocumentation
 * Test kit for cowork-gateway plugins: conformance suites for each contract and loopback fakes.
 */
export {
  describeStoreConformance,
  runStoreCheck,
  storeCheckIds,
  StoreCheckFailed,
  FAST_PATHS,
  type StoreConformanceDescriptor,
  type StoreKitContext,
  type StoreCheck,
  type FastPathName,
} from './store-conformance/index.js';
export { ManualClock } from './manual-clock.js';
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
export { describeChecks, runCheck, type CheckOutcome, type ConformanceCheck } from './checks.js';
export {
  describeRendererConformance,
  runRendererCheck,
  rendererChecks,
  telegramHtmlProblems,
  deadButtonReason,
  RENDERER_CONFORMANCE_PREFIX,
  type RendererConformanceDescriptor,
  type RendererCheck,
  type RendererProbe,
} from './renderer-conformance.js';
export {
  describeProviderConformance,
  runProviderCheck,
  providerChecks,
  capabilityMethodMismatches,
  CAPABILITY_METHODS,
  CONFORMANCE_INSTANCE_ID,
  CONFORMANCE_SAMPLE,
  type ProviderConformanceDescriptor,
  type ProviderCheck,
  type ProviderCheckNeed,
  type ProviderProbe,
  type InboundSample,
  type SendFailureKind,
} from './provider-conformance.js';
export {
  describeExecutionAuthorityConformance,
  runExecutorCheck,
  executorChecks,
  type ExecutorConformanceDescriptor,
  type ExecutorScripts,
  type ExecutorCheck,
  type ExecutorProbe,
  type ExecutorReadOptions,
} from './executor-conformance.js';
export {
  startTestKernel,
  testMessage,
  until,
  FAST_TEST_SETTINGS,
  TEST_IDENTITIES,
  type TestKernel,
  type TestKernelOptions,
  type TestIdentity,
} from './test-kernel.js';
export { FakeBridge, signedWebhookRequest, type FakeBridgeDelivery, type FakeBridgeFailure } from './fake-bridge.js';
export { startGatewayProcess, runGatewayCli, type GatewayProcess, type GatewayProcessOptions } from './gateway-process.js';
