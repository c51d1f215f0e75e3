import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DefaultRenderer,
  EXECUTOR,
  Kernel,
  PROVIDER,
  PluginInstanceIdDuplicate,
  PluginInvalid,
  PluginDependencyMissing,
  RENDERER,
  STORE,
  defineError,
  instantiatePlugin,
  isGatewayError,
  loadPluginModule,
  resolve,
  rootContainer,
  type ExecutionAuthority,
  type Logger,
  type LoadedConfig,
  type PluginKind,
  type PluginSelection,
  type Provider,
  type Renderer,
  type Store,
  type Token,
  type DependencyContainer,
  type Role,
  type Clock,
} from '@cowork-gateway/core';
import { kernelSettingsFrom } from './kernel-settings.js';
import { executorSelection, providerSelections, storeSelection } from './selections.js';

export const StoreUnavailable = defineError<{ store: string; use: string; key: string }>({
  code: 'host.store_unavailable',
  status: 400,
  message: ({ store, use, key }) =>
    `host.store_unavailable: ${key}=${store} needs the package ${use}, which is not installed; install it, or set ${key}=memory for an ephemeral single-process store`,
});

/** Where package names in `use` are resolved from after the config directory: this host's own dependencies. */
const HOST_DIR = dirname(fileURLToPath(import.meta.url));

/** The plugins chosen by config, instantiated and resolved to their contracts. */
export interface AssembledPlugins {
  store: Store;
  executor: ExecutionAuthority | null;
  renderer: Renderer;
  providers: Provider[];
}

/** Loads every plugin the config selects (store, executor, renderer, providers) and resolves them. */
export async function assemblePlugins(config: LoadedConfig, logger: Logger, clock?: Clock): Promise<AssembledPlugins> {
  const parent = rootContainer.createChildContainer();
  const store = await assembleStore(config, logger, parent, clock);
  const executorChoice = executorSelection(config);
  const executor = executorChoice ? await loadOne<ExecutionAuthority>(config, executorChoice, 'executor', 'executor', EXECUTOR, parent, logger, clock) : null;
  if (executor) parent.register(EXECUTOR, { useValue: executor });
  const renderer = config.renderer
    ? await loadOne<Renderer>(config, config.renderer, 'renderer', 'renderer', RENDERER, parent, logger, clock)
    : new DefaultRenderer();
  const providers: Provider[] = [];
  const seen = new Set<string>();
  for (const selection of providerSelections(config)) {
    if (seen.has(selection.id)) throw new PluginInstanceIdDuplicate({ id: selection.id });
    seen.add(selection.id);
    providers.push(await loadOne<Provider>(config, selection, selection.id, 'provider', PROVIDER, parent, logger, clock));
  }
  return { store, executor, renderer, providers };
}

/** Loads only the store plugin (for commands that need no executor or providers). */
export async function assembleStore(config: LoadedConfig, logger: Logger, parent = rootContainer.createChildContainer(), clock?: Clock): Promise<Store> {
  const store = await loadOne<Store>(config, storeSelection(config), 'store', 'store', STORE, parent, logger, clock);
  parent.register(STORE, { useValue: store });
  return store;
}

/** Builds the kernel from assembled plugins and the config's settings and identities. */
export function buildKernel(config: LoadedConfig, plugins: AssembledPlugins, logger: Logger, clock?: Clock): Kernel {
  return new Kernel({
    ...plugins,
    settings: kernelSettingsFrom(config),
    logger,
    clock,
    secrets: () => config.secrets.list(),
    identities: config.identities.map((i) => ({
      provider: i.provider,
      workspaceId: i.workspaceId ?? '',
      externalUserId: i.externalUserId,
      role: i.role as Role,
      status: i.status as 'active' | 'disabled' | undefined,
    })),
  });
}

async function loadOne<T>(
  config: LoadedConfig,
  selection: PluginSelection,
  instanceId: string,
  kind: PluginKind,
  contract: Token<T>,
  parent: DependencyContainer,
  logger: Logger,
  clock?: Clock,
): Promise<T> {
  const plugin = await loadPluginModule({ use: selection.use, baseDir: config.configDir, searchDirs: [HOST_DIR] }).catch((error: unknown) => {
    if (isGatewayError(error, 'plugin.not_found') && !config.store && kind === 'store') {
      throw new StoreUnavailable({ store: config.get<string>('STORE'), use: selection.use, key: config.envName('STORE') }, { cause: error });
    }
    throw error;
  });
  const instance = instantiatePlugin({
    plugin,
    use: selection.use,
    key: selection.key,
    source: selection.source,
    expectedKind: kind,
    instanceId,
    rawOptions: selection.options,
    parent,
    logger,
    clock,
  });
  try {
    return resolve(instance.container, contract);
  } catch (error) {
    throw unwrapResolveError(error, selection.use, contract);
  }
}

/**
 * tsyringe wraps constructor errors; surface the plugin's own coded error, or say what is
 * missing: the plugin's own contract (it registered nothing) or a dependency nobody provides.
 */
function unwrapResolveError(error: unknown, use: string, contract: symbol): unknown {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isGatewayError(e)) return e;
  }
  const message = (error as Error).message ?? String(error);
  const missing = /unregistered dependency token: "?([^"\n]+)"?/.exec(message)?.[1];
  if (missing !== undefined) {
    const own = contract.toString();
    if (missing === own || missing === contract.description) {
      return new PluginInvalid({ use, reason: `register() bound nothing under ${contract.description ?? 'its contract token'}` }, { cause: error });
    }
    return new PluginDependencyMissing({ plugin: use, token: missing }, { cause: error });
  }
  return new PluginInvalid({ use, reason: `it could not be constructed: ${message.split('\n')[0]}` }, { cause: error });
}
