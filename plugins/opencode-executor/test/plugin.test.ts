import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { EXECUTOR, INSTANCE, LOGGER, isGatewayError, resolve, rootContainer, silentLogger, type InstanceInfo } from '@cowork-gateway/core';
import { OpenCodeExecutor } from '../src/opencode-executor.js';
import { OPENCODE_EXECUTOR_OPTIONS, opencodeExecutorOptions } from '../src/options.js';
import { opencodeExecutorPlugin } from '../src/plugin.js';

const instance: InstanceInfo = { id: 'opencode', plugin: '@cowork-gateway/opencode-executor', kind: 'executor' };

function containerFor(options: Record<string, unknown>) {
  const container = rootContainer.createChildContainer();
  container.register(INSTANCE, { useValue: instance });
  container.register(LOGGER, { useValue: silentLogger });
  opencodeExecutorPlugin.register(container, v.parse(opencodeExecutorOptions, options), instance);
  return container;
}

describe('opencodeExecutorPlugin', () => {
  it('binds one OpenCodeExecutor of kind opencode as EXECUTOR, with its options', () => {
    const container = containerFor({ url: 'http://127.0.0.1:4096', password: 'pw' });
    const executor = resolve(container, EXECUTOR);
    expect(executor).to.be.instanceOf(OpenCodeExecutor);
    expect(executor.kind).to.equal('opencode');
    expect(executor.id).to.equal('opencode');
    expect(resolve(container, EXECUTOR)).to.equal(executor);
    expect(resolve(container, OPENCODE_EXECUTOR_OPTIONS)).to.include({ url: 'http://127.0.0.1:4096', username: 'opencode' });
  });

  it('refuses a public OpenCode URL when the executor is built', () => {
    const container = containerFor({ url: 'http://203.0.113.10:4096' });
    let error: unknown;
    try {
      resolve(container, EXECUTOR);
    } catch (e) {
      error = e;
    }
    expect(isGatewayError(error, 'opencode.url_not_private')).to.equal(true);
  });
});

describe('opencodeExecutorOptions', () => {
  it('has the documented defaults', () => {
    expect(v.parse(opencodeExecutorOptions, {})).to.deep.equal({
      username: 'opencode',
      allowPrivateDns: false,
      requestTimeoutMs: 10_000,
      managed: { startTimeoutMs: 60_000, restart: true, passEnv: [] },
    });
  });

  it('rejects unknown keys, relative directories and bad numbers', () => {
    expect(v.safeParse(opencodeExecutorOptions, { urll: 'x' }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { directory: 'relative/dir' }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { directory: '/' }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { directory: '/srv/a\0b' }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { directory: '/srv/project' }).success).to.equal(true);
    expect(v.safeParse(opencodeExecutorOptions, { requestTimeoutMs: 0 }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { managed: { startTimeoutMs: 1.5 } }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { managed: { passEnv: ['BAD NAME'] } }).success).to.equal(false);
    expect(v.safeParse(opencodeExecutorOptions, { managed: { typo: true } }).success).to.equal(false);
  });
});
