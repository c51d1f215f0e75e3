import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assemblePlugins as assembleWith,
  assembleStore as assembleStoreWith,
  buildKernel as buildKernelWith,
  defineError,
  isGatewayError,
  kernelSettingsFrom as kernelSettingsWith,
  type AssembledPlugins,
  type Clock,
  type Kernel,
  type KernelSettings,
  type LoadedConfig,
  type Logger,
  type PluginChoices,
  type Store,
} from '@cowork-gateway/core';
import { executorSelection, limitsSelection, providerSelections, storeSelection } from './selections.js';

// The standalone preset on top of core's boot API: which plugins its env shortcuts select, where
// their packages resolve from, and its kernel settings. Assembly itself lives in core.

export const StoreUnavailable = defineError<{ store: string; use: string; key: string }>({
  code: 'host.store_unavailable',
  status: 400,
  message: ({ store, use, key }) =>
    `host.store_unavailable: ${key}=${store} needs the package ${use}, which is not installed; install it, or set ${key}=memory for an ephemeral single-process store`,
});

/** Audit event types of this host start with `standalone.` (seed 000). */
export const STANDALONE_AUDIT_PREFIX = 'standalone';

/** Where package names in `use` are resolved from after the config directory: this host's own dependencies. */
const HOST_DIR = dirname(fileURLToPath(import.meta.url));

/** How the standalone preset turns its config (STORE, OPENCODE_*, TELEGRAM_*, EMAIL_*, REDIS_URL shortcuts) into plugin selections. */
export const STANDALONE_CHOICES: PluginChoices = {
  store: storeSelection,
  executor: executorSelection,
  providers: providerSelections,
  limits: limitsSelection,
  searchDirs: [HOST_DIR],
  onLoadError(error, { config, kind, selection }) {
    // Only the STORE shortcut names a package the user did not write themselves.
    if (kind === 'store' && !config.store && isGatewayError(error, 'plugin.not_found')) {
      return new StoreUnavailable({ store: config.get<string>('STORE'), use: selection.use, key: config.envName('STORE') }, { cause: error });
    }
    return error;
  },
};

/** The standalone preset's kernel settings on top of core's mapping: its audit prefix and the seed's OPENCODE_EXECUTION_TIMEOUT_MS. */
export function standaloneKernelSettings(config: LoadedConfig): Partial<KernelSettings> {
  return {
    auditPrefix: STANDALONE_AUDIT_PREFIX,
    ...(config.isSet('OPENCODE_EXECUTION_TIMEOUT_MS') ? { promptDeadlineMs: config.get<number>('OPENCODE_EXECUTION_TIMEOUT_MS') } : {}),
  };
}

/** Maps the flat settings onto the kernel's settings, with this preset's overrides. */
export function kernelSettingsFrom(config: LoadedConfig): KernelSettings {
  return kernelSettingsWith(config, standaloneKernelSettings(config));
}

/** Loads every plugin the standalone config selects (store, executor, renderer, providers) and resolves them. */
export function assemblePlugins(config: LoadedConfig, logger: Logger, clock?: Clock): Promise<AssembledPlugins> {
  return assembleWith(config, { logger, clock, choices: STANDALONE_CHOICES });
}

/** Loads only the store plugin (for commands that need no executor or providers). */
export function assembleStore(config: LoadedConfig, logger: Logger, clock?: Clock): Promise<Store> {
  return assembleStoreWith(config, { logger, clock, choices: STANDALONE_CHOICES });
}

/** Builds the kernel from assembled plugins with this preset's settings. */
export function buildKernel(config: LoadedConfig, plugins: AssembledPlugins, logger: Logger, clock?: Clock): Kernel {
  return buildKernelWith(config, plugins, { logger, clock, settings: standaloneKernelSettings(config) });
}

export type { AssembledPlugins };
