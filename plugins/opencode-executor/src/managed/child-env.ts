import { join } from 'node:path';

/** Variables a process needs to behave normally (locale, proxies, CA bundles). */
const BASE_NAMES = [
  'PATH', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'SHELL', 'USER', 'LOGNAME', 'TMPDIR',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/** Model provider keys OpenCode reads by default; other secrets of the gateway never reach the agent. */
const PROVIDER_NAMES = [
  'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENROUTER_API_KEY',
  'GOOGLE_GENERATIVE_AI_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY',
  'DEEPSEEK_API_KEY', 'TOGETHER_AI_API_KEY', 'CEREBRAS_API_KEY', 'DEEPINFRA_API_KEY', 'PERPLEXITY_API_KEY',
  'COHERE_API_KEY', 'FIREWORKS_API_KEY',
];

/** Quiet, offline-friendly defaults (API notes §10); the operator's OPENCODE_* values win. */
const QUIET_DEFAULTS: Record<string, string> = {
  OPENCODE_DISABLE_AUTOUPDATE: '1',
  OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
  OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  OPENCODE_DISABLE_SHARE: '1',
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  // The gateway can answer questions from the chat, so offer the question tool.
  OPENCODE_ENABLE_QUESTION_TOOL: '1',
};

/** Set by the gateway itself; never taken from the parent environment. */
const OWNED = new Set(['OPENCODE_SERVER_PASSWORD', 'OPENCODE_SERVER_USERNAME']);

/**
 * The environment of the managed `opencode serve`: an allowlist of the gateway's environment
 * (never its own secrets such as the admin token or database URL, which the agent's shell tools
 * could read), the operator's `OPENCODE_*` configuration (OPENCODE_CONFIG, OPENCODE_CONFIG_CONTENT,
 * OPENCODE_CONFIG_DIR, OPENCODE_PERMISSION…), common provider keys, `passEnv`, and isolated HOME
 * and XDG directories under `dataDir`.
 */
export function managedChildEnv(options: {
  parentEnv: NodeJS.ProcessEnv;
  passEnv: readonly string[];
  dataDir: string;
  username: string;
  password: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...QUIET_DEFAULTS };
  const allowed = new Set([...BASE_NAMES, ...PROVIDER_NAMES, ...options.passEnv]);
  for (const [name, value] of Object.entries(options.parentEnv)) {
    if (value === undefined || OWNED.has(name)) continue;
    if (allowed.has(name) || name.startsWith('OPENCODE_') || name.startsWith('LC_')) env[name] = value;
  }
  return {
    ...env,
    HOME: join(options.dataDir, 'home'),
    XDG_CONFIG_HOME: join(options.dataDir, 'config'),
    XDG_DATA_HOME: join(options.dataDir, 'data'),
    XDG_CACHE_HOME: join(options.dataDir, 'cache'),
    XDG_STATE_HOME: join(options.dataDir, 'state'),
    OPENCODE_SERVER_USERNAME: options.username,
    OPENCODE_SERVER_PASSWORD: options.password,
  };
}
