/**
 * @packageDocumentation
 * `@cowork-gateway/opencode-executor`: a private OpenCode server (`opencode serve`) as the
 * gateway's ExecutionAuthority, over OpenCode's classic HTTP API and event stream, with an
 * optional managed server the executor starts, restarts and stops itself.
 */
import { opencodeExecutorPlugin } from './plugin.js';

export { opencodeExecutorPlugin } from './plugin.js';
export { OpenCodeExecutor, type OpenCodeExecutorOverrides } from './opencode-executor.js';
export { ManagedOpenCode, type ManagedOpenCodeSettings, type ManagedState } from './managed/managed-opencode.js';
export { resolveOpenCodeBinary } from './managed/binary.js';
export { opencodeExecutorOptions, managedOpenCodeOptions, OPENCODE_EXECUTOR_OPTIONS } from './options.js';
export type { OpenCodeExecutorOptions, ManagedOpenCodeOptions } from './options.js';
export { judgeModel, type ModelCheck, type OpenCodeProviders } from './model-check.js';
export { assertPrivateOpenCodeUrl, parseOpenCodeUrl } from './private-url.js';
export {
  URL_SETTING,
  OpenCodeUrlInvalid,
  OpenCodeUrlNotPrivate,
  OpenCodeUnauthorized,
  OpenCodeBadResponse,
  OpenCodeRequestRejected,
  OpenCodeSessionNotFound,
  OpenCodeRunNotFound,
  OpenCodeInteractionNotFound,
  OpenCodeBinaryNotFound,
  OpenCodeStartFailed,
} from './errors.js';

export default opencodeExecutorPlugin;
