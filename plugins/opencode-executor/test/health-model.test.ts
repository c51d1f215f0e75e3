import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as v from 'valibot';
import { silentLogger, type ComponentHealth } from '@cowork-gateway/core';
import { judgeModel } from '../src/model-check.js';
import { OpenCodeExecutor } from '../src/opencode-executor.js';
import { opencodeExecutorOptions } from '../src/options.js';
import { startFakeOpenCode, type FakeOpenCode } from '../src/testing/fake-opencode.js';
import { opencodeConfigFor } from '../src/testing/opencode-config.js';
import { startFakeLlm, type FakeLlm } from '../src/testing/fake-llm.js';
import { eventually, executorFor, started } from './helpers.js';

type Detail = { model?: string | null; version?: string; managed?: boolean };
const detailOf = (health: ComponentHealth): Detail => ('detail' in health ? (health.detail as Detail) : {});
const reasonOf = (health: ComponentHealth): string => ('reason' in health ? health.reason : '');
const modelRequests = (fake: FakeOpenCode): number => fake.requests.filter((r) => r === 'GET /config/providers').length;

describe('OpenCodeExecutor health: the default model (fake OpenCode, external)', () => {
  let fake: FakeOpenCode;
  const executors: OpenCodeExecutor[] = [];

  async function executorOn(options: Record<string, unknown> = {}, ttlMs = 15_000): Promise<OpenCodeExecutor> {
    const executor = await started(executorFor(fake, { password: 'fake-secret', ...options }, { modelCheckTtlMs: ttlMs }));
    executors.push(executor);
    return executor;
  }

  afterEach(async () => {
    for (const executor of executors.splice(0)) await executor.stop();
    await fake?.close();
  });

  it('is ok and names the model when the configured model is offered by an available provider', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret' });
    const health = await (await executorOn()).health();
    expect(health.state).to.equal('ok');
    expect(detailOf(health)).to.include({ model: 'fake/fake-model', version: '1.18.33-fake', managed: false });
  });

  it('is degraded, saying so, when no model is configured and no provider is available', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret', models: {} });
    const health = await (await executorOn()).health();
    expect(health.state).to.equal('degraded');
    expect(reasonOf(health)).to.equal('OpenCode has no model configured ("model" is unset in its config): no model provider is available either, so every prompt would fail');
    expect(detailOf(health)).to.include({ model: null, version: '1.18.33-fake' });
  });

  it('is degraded when no model is configured even though OpenCode would fall back to a provider default', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret', models: { providers: { opencode: ['big-pickle', 'other'] } } });
    const health = await (await executorOn()).health();
    expect(health.state).to.equal('degraded');
    expect(reasonOf(health)).to.match(/no model configured .*fall back to opencode\/big-pickle/);
  });

  it('is degraded when the configured model\'s provider is unavailable, or lacks that model', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret', models: { model: 'anthropic/claude-x', providers: { fake: ['fake-model'] } } });
    const executor = await executorOn({}, 0);
    const missingProvider = await executor.health();
    expect(missingProvider.state).to.equal('degraded');
    expect(reasonOf(missingProvider)).to.equal('OpenCode\'s configured model anthropic/claude-x is unusable: provider "anthropic" is not available (not configured, not enabled, or missing its credentials)');
    expect(detailOf(missingProvider).model).to.equal('anthropic/claude-x');

    fake.setModels({ model: 'fake/other-model', providers: { fake: ['fake-model'] } });
    expect(reasonOf(await executor.health())).to.equal('OpenCode\'s configured model fake/other-model is unusable: provider "fake" has no model "other-model"');

    fake.setModels({ model: 'fake-model', providers: { fake: ['fake-model'] } });
    expect(reasonOf(await executor.health())).to.equal('OpenCode\'s configured model "fake-model" is not of the form "provider/model"');

    fake.setModels({ model: 'fake/fake-model', providers: { fake: ['fake-model'] } });
    expect((await executor.health()).state).to.equal('ok');
  });

  it('asks OpenCode about its models at most once per TTL, however often /ready is polled', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret' });
    const executor = await executorOn({}, 60_000);
    const results = await Promise.all([executor.health(), executor.health(), executor.health()]);
    await executor.health();
    expect(results.map((h) => h.state)).to.deep.equal(['ok', 'ok', 'ok']);
    expect(modelRequests(fake)).to.equal(1);
    // Within the TTL a changed setup is not seen yet; a fresh executor (TTL 0) sees it at once.
    fake.setModels({});
    expect((await executor.health()).state).to.equal('ok');
    const uncached = await executorOn({}, 0);
    expect((await uncached.health()).state).to.equal('degraded');
    expect((await uncached.health()).state).to.equal('degraded');
    expect(modelRequests(fake)).to.equal(3);
  });

  it('answers quickly, degraded, when the providers route hangs, and asks again on the next check', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret' });
    const executor = await executorOn({ requestTimeoutMs: 300 }, 60_000);
    fake.fail('hang', { route: 'GET /config/providers', times: 1 });
    const began = Date.now();
    const health = await executor.health();
    expect(Date.now() - began).to.be.below(2_000);
    expect(health.state).to.equal('degraded');
    // Either the request timed out, or the short /ready wait (as long as the timeout here) ended first.
    expect(reasonOf(health)).to.match(/^(could not read OpenCode's models: .*no answer within 300 ms|still asking OpenCode for its default model)/);
    // The failed check is not kept: once the hung request timed out, the next check asks again and passes.
    await eventually(async () => (await executor.health()).state === 'ok', 'a passing model check', 3_000);
    expect(modelRequests(fake)).to.equal(2);
  });

  it('judges a server without GET /config (HTML answer) by its providers\' default models', async () => {
    fake = await startFakeOpenCode({ password: 'fake-secret' });
    const executor = await executorOn({}, 0);
    fake.setModels({ providers: { fake: ['fake-model'] } });
    fake.fail('html', { route: 'GET /config$' });
    const lenient = await executor.health();
    expect(lenient.state).to.equal('ok');
    expect(detailOf(lenient).model).to.equal('fake/fake-model');
    fake.setModels({ providers: { fake: [] } });
    expect(reasonOf(await executor.health())).to.equal('OpenCode has no usable default model: no model provider is available');
    expect(fake.requests.filter((r) => r === 'GET /config')).to.have.length(2);
    // With GET /config answering, the same setup (no "model") is degraded.
    fake.heal();
    fake.setModels({ providers: { fake: ['fake-model'] } });
    expect(reasonOf(await executor.health())).to.match(/^OpenCode has no model configured/);
    expect(judgeModel(null, { providers: [{ id: 'fake', models: { 'fake-model': {} } }], default: { fake: 'fake-model' } })).to.deep.equal({ usable: true, model: 'fake/fake-model' });
    expect(judgeModel(null, { providers: [], default: {} })).to.deep.include({ usable: false });
  });

  it('tolerates odd provider bodies', () => {
    expect(judgeModel({ model: 'a/b' }, {})).to.deep.include({ usable: false, model: 'a/b' });
    expect(judgeModel({ model: 'a/b' }, { providers: [{ id: 7 }, { id: 'a', models: null }], default: null as never })).to.deep.include({ usable: false });
    expect(judgeModel({ model: 'a/b/c' }, { providers: [{ id: 'a', models: { 'b/c': {} } }] })).to.deep.equal({ usable: true, model: 'a/b/c' });
  });
});

describe('OpenCodeExecutor health: the default model of the real opencode serve (managed, offline)', function () {
  this.timeout(90_000);
  let llm: FakeLlm;
  const dirs: string[] = [];
  const executors: OpenCodeExecutor[] = [];

  async function managedWith(config: Record<string, unknown>): Promise<OpenCodeExecutor> {
    const dataDir = mkdtempSync(join(tmpdir(), 'opencode-health-'));
    dirs.push(dataDir);
    const options = v.parse(opencodeExecutorOptions, { managed: { dataDir, startTimeoutMs: 60_000 } });
    const parentEnv = { PATH: process.env.PATH, OPENCODE_CONFIG_CONTENT: JSON.stringify(config) };
    const executor = new OpenCodeExecutor(options, { id: 'opencode', plugin: '@cowork-gateway/opencode-executor', kind: 'executor' }, silentLogger, { parentEnv });
    executors.push(executor);
    await executor.start({ logger: silentLogger, signal: new AbortController().signal });
    return executor;
  }

  before(async () => {
    llm = await startFakeLlm();
  });

  after(async () => {
    for (const executor of executors.splice(0)) await executor.stop();
    await llm?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The first request to OpenCode's project instance takes seconds: until then health says it is still asking. */
  async function settledHealth(executor: OpenCodeExecutor): Promise<ComponentHealth> {
    let health: ComponentHealth | undefined;
    await eventually(async () => {
      health = await executor.health();
      return !reasonOf(health).startsWith('still asking');
    }, 'the model check', 30_000);
    return health!;
  }

  it('is ok with the suite\'s fake LLM configured as the model', async () => {
    const health = await settledHealth(await managedWith(opencodeConfigFor(llm.url)));
    expect(health.state, reasonOf(health)).to.equal('ok');
    expect(detailOf(health)).to.include({ model: 'fake/fake-model', managed: true });
  });

  it('is degraded, naming the gap, with no model configured', async () => {
    const { model: _model, small_model: _small, provider: _provider, ...noModel } = opencodeConfigFor(llm.url);
    const health = await settledHealth(await managedWith(noModel));
    expect(health.state).to.equal('degraded');
    expect(reasonOf(health)).to.equal('OpenCode has no model configured ("model" is unset in its config): no model provider is available either, so every prompt would fail');
    expect(detailOf(health)).to.include({ model: null, managed: true });
  });
});
