/**
 * @packageDocumentation
 * Test kit of `@cowork-gateway/opencode-executor`: a loopback fake of the OpenAI
 * chat-completions API for running the real `opencode serve` offline, its OpenCode config, and a
 * loopback fake of OpenCode's HTTP API with failure injection.
 */
export { startFakeLlm, type FakeLlm, type FakeLlmRequest } from './fake-llm.js';
export { opencodeConfigFor } from './opencode-config.js';
export { startFakeOpenCode, type FakeOpenCode, type FakeOpenCodeOptions, type FakeOpenCodeFailure, type ModelState, type FakeModelSetup } from './fake-opencode.js';
