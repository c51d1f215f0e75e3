import {
  HostBindRefused,
  bootGateway,
  createConfigLogger,
  defineError,
  type Clock,
  type LoadedConfig,
  type Logger,
  type RunningGateway,
} from '@cowork-gateway/core';
import { dashboardRoutes } from './dashboard/routes.js';
import { STANDALONE_AUDIT_PREFIX, STANDALONE_CHOICES, standaloneKernelSettings } from './preset.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '*', '']);

export type { RunningGateway };

export interface StartGatewayOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Logger for the host: JSON lines on stderr at the configured level, secrets masked. */
export function createHostLogger(config: LoadedConfig): Logger {
  return createConfigLogger(config, 'standalone-gateway');
}

/**
 * Starts the Standalone Gateway from a loaded config: refuses a wildcard bind without the
 * opt-in, then boots with core's {@link bootGateway}, this preset's plugin choices and the
 * operator `/dashboard` (core mounts `/metrics` and the admin API). Nothing
 * listens until every check and plugin has passed.
 */
export async function startGateway(config: LoadedConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createHostLogger(config);
  assertBindAllowed(config);
  return bootGateway(config, {
    logger,
    clock: options.clock,
    auditPrefix: STANDALONE_AUDIT_PREFIX,
    choices: STANDALONE_CHOICES,
    kernelSettings: standaloneKernelSettings,
    routes: (kernel) => dashboardRoutes(kernel, {
      adminToken: config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : undefined,
      failureLimit: config.get<number>('AUTH_FAILURE_LIMIT'),
      blockMs: config.get<number>('AUTH_FAILURE_BLOCK_SECONDS') * 1000,
    }),
  });
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
