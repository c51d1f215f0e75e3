import type { DependencyContainer } from 'tsyringe';
import { ABUSE_CONTROLS, type AbuseControls } from '../http/abuse-controls.js';
import type { ExecutionAuthority } from '../contracts/execution-authority.js';
import type { Provider } from '../contracts/provider.js';
import type { Renderer } from '../contracts/renderer.js';
import type { Store } from '../contracts/store.js';
import type { LoadedConfig, PluginSelection, ProviderSelection } from '../config/load.js';
import { container as rootContainer } from '../di.js';
import { PluginInstanceIdDuplicate, PluginInvalid, isGatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { GatewayPlugin } from '../plugin.js';
import { instantiatePlugin, loadPluginModule, tokenId } from '../plugin-loader.js';
import { DefaultRenderer } from '../render/default-renderer.js';
import { EXECUTOR, PROVIDER, RENDERER, STORE, type Clock, type PluginKind, type Token } from '../tokens.js';

/** The plugins chosen by config, instantiated and resolved to their contracts. */
export interface AssembledPlugins {
  store: Store;
  executor: ExecutionAuthority | null;
  renderer: Renderer;
  providers: Provider[];
  /** The shared abuse controls the `limits` choice selected; absent: core's in-memory ones. */
  limits?: AbuseControls;
}

/** What is being loaded when a {@link PluginChoices.onLoadError} hook runs. */
export interface PluginLoadAttempt {
  config: LoadedConfig;
  kind: PluginKind;
  selection: PluginSelection;
}

/**
 * How a host turns its config into plugin selections. Every hook is optional: the default is the
 * config file's structured `store` / `executor` / `renderer` / `providers[]` entries. A preset
 * overrides a hook to add its shortcuts (the standalone host's `STORE=postgres` choosing a package).
 */
export interface PluginChoices {
  /** The store to load. Default: the config's `store`; without one, boot fails with `plugin.invalid`. */
  store?(config: LoadedConfig): PluginSelection;
  /** The executor, or `null` to run without one. Default: the config's `executor`, else none. */
  executor?(config: LoadedConfig): PluginSelection | null;
  /** The providers. Default: the config's `providers[]`. Instance ids must be unique (checked by core). */
  providers?(config: LoadedConfig): ProviderSelection[];
  /**
   * The `limits` plugin (kind `extension`, binds `ABUSE_CONTROLS`): shared rate limits, auth-failure
   * blocks, replay cache and locks (`@cowork-gateway/redis`). Default: none, core's in-memory controls.
   */
  limits?(config: LoadedConfig): PluginSelection | null;
  /** Directories package names resolve from after the config directory (the host package's own). */
  searchDirs?: readonly string[];
  /** Rewrites a load error (e.g. a host-specific hint for a missing package); return it unchanged otherwise. */
  onLoadError?(error: unknown, attempt: PluginLoadAttempt): unknown;
}

/** Inputs of {@link assemblePlugins} besides the config. */
export interface AssembleOptions {
  logger: Logger;
  clock?: Clock;
  choices?: PluginChoices;
}

/**
 * Loads every plugin the config selects (store, executor, renderer, providers), in that order,
 * and resolves each to its contract. The store and executor are registered in a shared parent
 * container first, so later plugins can inject `STORE` / `EXECUTOR`.
 */
export async function assemblePlugins(config: LoadedConfig, options: AssembleOptions): Promise<AssembledPlugins> {
  const parent = rootContainer.createChildContainer();
  const choices = options.choices ?? {};
  const store = await assembleStore(config, { ...options, parent });
  const executorChoice = choices.executor ? choices.executor(config) : (config.executor ?? null);
  const executor = executorChoice ? await loadPlugin<ExecutionAuthority>(config, executorChoice, 'executor', 'executor', EXECUTOR, parent, options) : null;
  if (executor) parent.register(EXECUTOR, { useValue: executor });
  const renderer = config.renderer
    ? await loadPlugin<Renderer>(config, config.renderer, 'renderer', 'renderer', RENDERER, parent, options)
    : new DefaultRenderer();
  const selections = choices.providers ? choices.providers(config) : config.providers;
  assertUniqueInstanceIds(selections);
  const providers: Provider[] = [];
  for (const selection of selections) {
    providers.push(await loadPlugin<Provider>(config, selection, selection.id, 'provider', PROVIDER, parent, options));
  }
  const limitsChoice = choices.limits?.(config) ?? null;
  if (!limitsChoice) return { store, executor, renderer, providers };
  const limits = await loadPlugin<AbuseControls>(config, limitsChoice, 'limits', 'extension', ABUSE_CONTROLS, parent, options);
  return { store, executor, renderer, providers, limits };
}

/** Loads only the store plugin (for commands that need no executor or providers). */
export async function assembleStore(config: LoadedConfig, options: AssembleOptions & { parent?: DependencyContainer }): Promise<Store> {
  const parent = options.parent ?? rootContainer.createChildContainer();
  const selection = options.choices?.store ? options.choices.store(config) : config.store;
  if (!selection) throw new PluginInvalid({ use: '(none)', reason: 'the config selects no store; add a "store": { "use": … } entry' });
  const store = await loadPlugin<Store>(config, selection, 'store', 'store', STORE, parent, options);
  parent.register(STORE, { useValue: store });
  return store;
}

/**
 * The one duplicate instance-id check: two providers may not share an id, whichever source
 * (config file, env shortcut) selected them. Names the id, not its value source.
 */
export function assertUniqueInstanceIds(selections: readonly ProviderSelection[]): void {
  const seen = new Set<string>();
  for (const selection of selections) {
    if (seen.has(selection.id)) {
      const where = selection.source ? `${selection.key}, ${selection.source}` : selection.key;
      throw new PluginInstanceIdDuplicate({ id: selection.id, key: where });
    }
    seen.add(selection.id);
  }
}

async function loadPlugin<T>(
  config: LoadedConfig,
  selection: PluginSelection,
  instanceId: string,
  kind: PluginKind,
  contract: Token<T>,
  parent: DependencyContainer,
  options: AssembleOptions,
): Promise<T> {
  const choices = options.choices ?? {};
  let plugin: GatewayPlugin;
  try {
    plugin = await loadPluginModule({ use: selection.use, baseDir: config.configDir, searchDirs: choices.searchDirs ?? [] });
  } catch (error) {
    throw choices.onLoadError ? choices.onLoadError(error, { config, kind, selection }) : error;
  }
  const instance = instantiatePlugin({
    plugin,
    use: selection.use,
    key: selection.key,
    source: selection.source,
    expectedKind: kind,
    instanceId,
    rawOptions: selection.options,
    parent,
    logger: options.logger,
    clock: options.clock,
    secrets: config.secrets,
  });
  // Checked, not parsed out of tsyringe's message: register() must bind the contract token.
  if (!instance.container.isRegistered(contract, false)) {
    throw new PluginInvalid({ use: selection.use, reason: `register() bound nothing under ${tokenId(contract)}` });
  }
  try {
    return instance.container.resolve<T>(contract);
  } catch (error) {
    throw constructionError(error, selection.use);
  }
}

/** tsyringe wraps constructor errors: surface the plugin's own coded error from the cause chain. */
function constructionError(error: unknown, use: string): unknown {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isGatewayError(e)) return e;
  }
  const message = (error as Error | undefined)?.message ?? String(error);
  return new PluginInvalid({ use, reason: `it could not be constructed: ${message.split('\n')[0]}` }, { cause: error });
}
