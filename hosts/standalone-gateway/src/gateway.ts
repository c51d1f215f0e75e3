import {
  HostBindRefused,
  defineError,
  adminRoutes,
  createJsonLogger,
  startHttpServer,
  type Clock,
  type Kernel,
  type LoadedConfig,
  type LogLevel,
  type Logger,
  type RunningHttpServer,
} from '@cowork-gateway/core';
import { assemblePlugins, buildKernel } from './assemble.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '*', '']);

/** A started Standalone Gateway: its kernel, its HTTP server, and how to stop both. */
export interface RunningGateway {
  kernel: Kernel;
  http: RunningHttpServer;
  url: string;
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Logger for the host: JSON lines on stderr at the configured level, secrets masked. */
export function createHostLogger(config: LoadedConfig): Logger {
  return createJsonLogger({
    level: config.get<LogLevel>('LOG_LEVEL'),
    secrets: () => config.secrets.list(),
    bindings: { service: 'standalone-gateway' },
  });
}

/**
 * Starts the Standalone Gateway from a loaded config: refuses a wildcard bind without the
 * opt-in, assembles the plugins, starts the kernel, then listens. Nothing listens until every
 * check and plugin has passed.
 */
export async function startGateway(config: LoadedConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createHostLogger(config);
  assertBindAllowed(config);
  for (const key of config.unknownKeys) logger.warn('config.unknown_key', { key });
  const plugins = await assemblePlugins(config, logger, options.clock);
  const kernel = buildKernel(config, plugins, logger, options.clock);
  await kernel.start();
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      host: config.get<string>('HOST'),
      port: config.get<number>('PORT'),
      logger: logger.child({ component: 'http' }),
      maxBodyBytes: config.get<number>('MAX_REQUEST_BODY_BYTES'),
      rateLimit: { maxRequests: config.get<number>('RATE_LIMIT_MAX_REQUESTS'), windowMs: config.get<number>('RATE_LIMIT_WINDOW_SECONDS') * 1000 },
      authFailure: { limit: config.get<number>('AUTH_FAILURE_LIMIT'), blockMs: config.get<number>('AUTH_FAILURE_BLOCK_SECONDS') * 1000 },
      trustProxyHeaders: config.get<boolean>('TRUST_PROXY_HEADERS'),
      trustedProxyCidrs: config.get<string[]>('TRUSTED_PROXY_CIDRS'),
      adminToken: config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : undefined,
      readiness: async () => {
        const report = await kernel.readiness();
        return { ready: report.status === 'ok', body: { ...report } };
      },
      webhook: (instance, request) => kernel.handleWebhook(instance, request),
      routes: adminRoutes(kernel),
    });
  } catch (error) {
    await kernel.stop();
    throw error;
  }
  logger.info('gateway.listening', { url: http.url, store: plugins.store.kind, executor: plugins.executor?.kind ?? null, providers: plugins.providers.map((p) => p.id) });
  return {
    kernel,
    http,
    url: http.url,
    stop: async () => {
      await http.close();
      await kernel.stop();
    },
  };
}

/**
 * Loopback is always fine. A wildcard bind needs the explicit opt-in and a real admin token
 * (not unset, not a placeholder such as `change-me…`), since the admin endpoints then face a
 * network.
 */
function assertBindAllowed(config: LoadedConfig): void {
  const host = config.get<string>('HOST').trim();
  if (!WILDCARD_HOSTS.has(host)) return;
  if (!config.get<boolean>('ALLOW_WILDCARD_BIND')) {
    throw new HostBindRefused({ host: host || '(empty)', optIn: config.envName('ALLOW_WILDCARD_BIND') });
  }
  const token = config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : '';
  if (token.length < 16 || PLACEHOLDER_TOKEN.test(token)) {
    throw new AdminTokenRequired({ host, key: config.envName('ADMIN_TOKEN') });
  }
}

/** Values that are examples, not secrets (the upstream setup refuses the same prefixes). */
const PLACEHOLDER_TOKEN = /^(change-?me|replace-?with|example|demo|placeholder|test|secret|password)/i;

export const AdminTokenRequired = defineError<{ host: string; key: string }>({
  code: 'host.admin_token_required',
  status: 400,
  message: ({ host, key }) =>
    `host.admin_token_required: listening on ${host} needs ${key} set to a real secret of 16 or more characters (not a placeholder such as "change-me…")`,
});
