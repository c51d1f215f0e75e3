import { expect } from 'chai';
import * as core from '../src/index.js';
import * as testing from '../src/testing/index.js';
import fakeProvider from '../src/testing/fake-provider.js';
import fakeExecutor from '../src/testing/fake-executor.js';

/** The public surface that plugins, hosts and the README rely on (house style: surface tests). */
describe('@cowork-gateway/core public surface', () => {
  const runtime = [
    'definePlugin', 'isGatewayPlugin', 'pluginOptionsJsonSchema', 'loadPluginModule', 'instantiatePlugin',
    'injectable', 'inject', 'Lifecycle', 'rootContainer', 'token', 'resolve',
    'STORE', 'EXECUTOR', 'PROVIDER', 'RENDERER', 'LOGGER', 'INSTANCE', 'CLOCK',
    'GatewayError', 'defineError', 'registerErrorCode', 'isGatewayError', 'errorRegistry',
    'DeliveryError', 'classifyDeliveryFailure', 'ExecutorUnavailableError', 'isTerminalRuntimeEvent', 'inboundClaimKey',
    'loadConfig', 'CORE_SETTINGS', 'renderSettingsTable', 'configFileJsonSchema',
    'Kernel', 'adminRoutes', 'DEFAULT_KERNEL_SETTINGS', 'CircuitBreaker', 'backoffDelayMs',
    'startHttpServer', 'createHttpApp', 'FixedWindowRateLimiter', 'resolveClientAddress', 'adminTokenMatches',
    'DefaultRenderer', 'coalesceFinalText', 'splitText', 'splitFormatted', 'formatTelegramHtml', 'formatSlackMrkdwn', 'formatPlain',
    'createJsonLogger', 'silentLogger', 'redactText', 'redactValue', 'SecretRegistry',
  ];

  for (const name of runtime) {
    it(`exports ${name}`, () => {
      expect((core as Record<string, unknown>)[name], name).not.to.equal(undefined);
    });
  }

  it('exports the conformance suites and fakes from /testing', () => {
    for (const name of ['describeStoreConformance', 'describeProviderConformance', 'describeExecutionAuthorityConformance', 'describeRendererConformance', 'runRendererCheck', 'capabilityMethodMismatches', 'FakeChannel', 'FakeProvider', 'FakeExecutor']) {
      expect((testing as Record<string, unknown>)[name], name).to.be.a('function');
    }
  });

  it('ships the fakes as plugins under their own subpaths', () => {
    expect(core.isGatewayPlugin(fakeProvider)).to.equal(true);
    expect(fakeProvider).to.include({ name: '@cowork-gateway/core/testing/fake-provider', kind: 'provider' });
    expect(core.isGatewayPlugin(fakeExecutor)).to.equal(true);
    expect(fakeExecutor).to.include({ name: '@cowork-gateway/core/testing/fake-executor', kind: 'executor' });
  });

  it('defines every error code once, lowercase <area>.<reason>, with a 4xx or 5xx status', () => {
    for (const [code, { status }] of core.errorRegistry) {
      expect(code).to.match(/^[a-z_]+(\.[a-z_]+)+$/);
      expect(status).to.be.within(400, 599);
    }
  });
});
