import * as v from 'valibot';
import { secret, token, type PluginSetting } from '@cowork-gateway/core';

const positiveInteger = (description: string, fallback: number) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(description)), fallback);

/** Options of the managed `opencode serve` child, used only when `url` is absent. */
export const managedOpenCodeOptions = v.strictObject({
  command: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description('Path of the opencode binary. Default: the platform binary of the installed opencode-ai package (opencode-<platform>-<arch>/bin/opencode).'),
    ),
  ),
  dataDir: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description('Directory for the child\'s HOME, XDG dirs (sessions database, logs) and default workspace. Default: <os.tmpdir()>/cowork-gateway-opencode/<instance id>.'),
    ),
  ),
  startTimeoutMs: positiveInteger('How long start() waits for GET /global/health to answer. Default 60000.', 60_000),
  restart: v.optional(v.pipe(v.boolean(), v.description('Restart the child (with backoff) when it exits while the executor runs. Default true.')), true),
  passEnv: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/))),
      v.description('Extra environment variable names passed from the gateway to the child (e.g. a model provider\'s API key). OPENCODE_* variables and common provider keys are always passed. Default [].'),
    ),
    [],
  ),
});

/** Options of `@cowork-gateway/opencode-executor`. */
export const opencodeExecutorOptions = v.strictObject({
  url: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.description('Base URL of a running `opencode serve` on a loopback or private address. Absent: the executor starts and manages its own server on 127.0.0.1.'),
    ),
  ),
  username: v.optional(v.pipe(v.string(), v.minLength(1), v.description('Basic-auth user of the OpenCode server (OPENCODE_SERVER_USERNAME). Default "opencode".')), 'opencode'),
  password: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      secret(),
      v.description('Basic-auth password of the OpenCode server (OPENCODE_SERVER_PASSWORD). Managed mode generates one when absent.'),
    ),
  ),
  directory: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(4096),
      v.check((value) => value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value), 'must be an absolute path'),
      v.check((value) => !value.includes('\0'), 'must not contain a NUL character'),
      v.check((value) => !/^(\/+|[A-Za-z]:[\\/]*)$/.test(value), 'must not be a filesystem root'),
      v.description('Absolute project directory every OpenCode session runs in. Default: <dataDir>/workspace when managed, the gateway\'s working directory otherwise.'),
    ),
  ),
  allowPrivateDns: v.optional(
    v.pipe(v.boolean(), v.description('Accept private-looking host names (single-label, .local, .internal, .lan, .home.arpa, .svc, .localhost) without resolving them. Default false.')),
    false,
  ),
  requestTimeoutMs: positiveInteger('Timeout of each HTTP request to OpenCode (the event stream excepted). Default 10000.', 10_000),
  managed: v.optional(managedOpenCodeOptions, {}),
});

/** Parsed options of the OpenCode executor. */
export type OpenCodeExecutorOptions = v.InferOutput<typeof opencodeExecutorOptions>;
export type ManagedOpenCodeOptions = v.InferOutput<typeof managedOpenCodeOptions>;

/** Injection token of the parsed {@link OpenCodeExecutorOptions}. */
export const OPENCODE_EXECUTOR_OPTIONS = token<OpenCodeExecutorOptions>('opencode-executor.options');

/**
 * The flat settings (seed names) that fill these options when a host selects OpenCode from env.
 * Whether a server is managed (no OPENCODE_URL) is the host's choice; it drops `password` and
 * `managed` accordingly.
 */
export const opencodeExecutorSettings: readonly PluginSetting[] = [
  { key: 'OPENCODE_URL', option: 'url', type: 'url', description: 'URL of an OpenCode server you run (loopback or private network only). Unset: the gateway starts and supervises its own private `opencode serve` (OPENCODE_MANAGED).' },
  { key: 'OPENCODE_SERVER_USERNAME', option: 'username', type: 'string', default: 'opencode', envAliases: ['OPENCODE_SERVER_USERNAME'], description: 'Basic-auth user name of the OpenCode server.' },
  { key: 'OPENCODE_SERVER_PASSWORD', option: 'password', type: 'string', secret: true, envAliases: ['OPENCODE_SERVER_PASSWORD'], description: 'Basic-auth password of the OpenCode server at OPENCODE_URL (a managed server gets a generated one).' },
  { key: 'RUNTIME_ROOT', option: 'directory', type: 'string', description: 'Absolute project directory OpenCode sessions work in; default: the current directory (external server) or a workspace under OPENCODE_DATA_DIR (managed).' },
  { key: 'OPENCODE_DATA_DIR', option: 'managed.dataDir', type: 'string', description: "Where a managed OpenCode keeps its state (HOME, XDG dirs); default: a per-process directory under the system temp dir." },
  { key: 'ALLOW_PRIVATE_DNS', option: 'allowPrivateDns', type: 'boolean', default: false, description: 'Let an OpenCode host name pass the private-network check without resolving to private addresses.' },
];
