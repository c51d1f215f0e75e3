import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayPlugin } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import opencodeExecutorPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/opencode-executor exports', () => {
  it('default-exports the executor plugin', () => {
    expect(isGatewayPlugin(opencodeExecutorPlugin)).to.equal(true);
    expect(opencodeExecutorPlugin).to.include({ name: '@cowork-gateway/opencode-executor', kind: 'executor', core: '^0.1.0' });
    expect(opencodeExecutorPlugin).to.equal(api.opencodeExecutorPlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      [
        'default',
        'opencodeExecutorPlugin',
        'OpenCodeExecutor',
        'ManagedOpenCode',
        'resolveOpenCodeBinary',
        'opencodeExecutorOptions',
        'managedOpenCodeOptions',
        'OPENCODE_EXECUTOR_OPTIONS',
        'assertPrivateOpenCodeUrl',
        'parseOpenCodeUrl',
        'judgeModel',
        'URL_SETTING',
        'OpenCodeUrlInvalid',
        'OpenCodeUrlNotPrivate',
        'OpenCodeUnauthorized',
        'OpenCodeBadResponse',
        'OpenCodeRequestRejected',
        'OpenCodeSessionNotFound',
        'OpenCodeRunNotFound',
        'OpenCodeInteractionNotFound',
        'OpenCodeBinaryNotFound',
        'OpenCodeStartFailed',
      ].sort(),
    );
  });

  it('exports the test kit from ./testing', () => {
    expect(Object.keys(testing).sort()).to.deep.equal(['opencodeConfigFor', 'startFakeLlm', 'startFakeOpenCode']);
  });

  it('gives every error a stable opencode.* code', () => {
    const codes = (Object.values(api) as unknown[])
      .map((value) => (typeof value === 'function' ? (value as { code?: unknown }).code : undefined))
      .filter((code): code is string => typeof code === 'string');
    expect(codes.sort()).to.deep.equal([
      'opencode.bad_response',
      'opencode.binary_not_found',
      'opencode.interaction_not_found',
      'opencode.request_rejected',
      'opencode.run_not_found',
      'opencode.session_not_found',
      'opencode.start_failed',
      'opencode.unauthorized',
      'opencode.url_invalid',
      'opencode.url_not_private',
    ]);
  });
});
