import { isGatewayError } from '@cowork-gateway/core';
import type { OpenCodeClient } from './opencode-client.js';

/** Whether OpenCode has a default model a prompt can use, and why not. */
export type ModelCheck =
  | { usable: true; model: string }
  /** `transient`: OpenCode could not be asked (unreachable, timed out); not an answer about its models. */
  | { usable: false; reason: string; model?: string; transient?: boolean };

/** `GET /config/providers`: the providers OpenCode can use right now (configured, enabled, with credentials). */
export interface OpenCodeProviders {
  providers?: { id?: unknown; models?: unknown }[];
  /** The default model of each provider: `{providerID: modelID}`. */
  default?: Record<string, unknown>;
}

/**
 * Judges OpenCode's default model from `GET /config` (`model`, "provider/model") and
 * `GET /config/providers`. The configured model must be offered by an available provider. Without
 * a configured `model` OpenCode falls back to a model of its own choosing (a fresh install picks
 * its built-in remote `opencode` provider), which the operator never chose and which fails
 * offline, so that is not usable either. `config` is null when `GET /config` could not be read:
 * then any default model an available provider offers counts.
 */
export function judgeModel(config: { model?: unknown } | null, providers: OpenCodeProviders): ModelCheck {
  const offered = offeredModels(providers);
  const fallback = defaultModel(providers, offered);
  if (config === null) {
    return fallback ? { usable: true, model: fallback } : { usable: false, reason: 'OpenCode has no usable default model: no model provider is available' };
  }
  const configured = config.model;
  if (typeof configured !== 'string' || configured === '') {
    const then = fallback
      ? `it would fall back to ${fallback}, a model nobody chose for this gateway`
      : 'no model provider is available either, so every prompt would fail';
    return { usable: false, reason: `OpenCode has no model configured ("model" is unset in its config): ${then}` };
  }
  const slash = configured.indexOf('/');
  if (slash <= 0 || slash === configured.length - 1) {
    return { usable: false, model: configured, reason: `OpenCode's configured model "${configured}" is not of the form "provider/model"` };
  }
  const providerId = configured.slice(0, slash);
  const modelId = configured.slice(slash + 1);
  const models = offered.get(providerId);
  if (!models) {
    return { usable: false, model: configured, reason: `OpenCode's configured model ${configured} is unusable: provider "${providerId}" is not available (not configured, not enabled, or missing its credentials)` };
  }
  if (!models.has(modelId)) {
    return { usable: false, model: configured, reason: `OpenCode's configured model ${configured} is unusable: provider "${providerId}" has no model "${modelId}"` };
  }
  return { usable: true, model: configured };
}

function offeredModels(providers: OpenCodeProviders): Map<string, Set<string>> {
  const offered = new Map<string, Set<string>>();
  for (const provider of Array.isArray(providers.providers) ? providers.providers : []) {
    if (typeof provider?.id !== 'string') continue;
    const models = provider.models !== null && typeof provider.models === 'object' ? Object.keys(provider.models) : [];
    offered.set(provider.id, new Set(models));
  }
  return offered;
}

function defaultModel(providers: OpenCodeProviders, offered: Map<string, Set<string>>): string | undefined {
  const defaults = providers.default !== null && typeof providers.default === 'object' ? providers.default : {};
  for (const [providerId, modelId] of Object.entries(defaults)) {
    if (typeof modelId === 'string' && offered.get(providerId)?.has(modelId)) return `${providerId}/${modelId}`;
  }
  return undefined;
}

/** What {@link ModelCheckCache.check} reports while OpenCode has not answered yet. */
export const MODEL_CHECK_PENDING: ModelCheck = {
  usable: false,
  transient: true,
  reason: 'still asking OpenCode for its default model (the first request to its project instance starts it)',
};

/**
 * Asks OpenCode for its model setup at most once per `ttlMs` (per server: `key` changes when a
 * managed server restarts), so `/ready` stays cheap; concurrent callers share one request. A
 * caller waits at most `waitMs`: a question still open then (OpenCode's first request for a
 * project directory takes seconds) goes on in the background, with the full request timeout,
 * and the caller gets the previous answer, or {@link MODEL_CHECK_PENDING}. An answer that could
 * not reach OpenCode is not kept, so the next check asks again.
 */
export class ModelCheckCache {
  private asking: { key: string; at: number; result: Promise<ModelCheck> } | null = null;
  private settled: { key: string; at: number; result: ModelCheck } | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly requestTimeoutMs: number,
  ) {}

  async check(client: OpenCodeClient, key: string, waitMs: number): Promise<ModelCheck> {
    const now = Date.now();
    const fresh = this.settled?.key === key && now - this.settled.at < this.ttlMs ? this.settled.result : undefined;
    if (fresh) return fresh;
    if (this.asking?.key !== key) this.asking = this.start(client, key, now);
    const previous = this.settled?.key === key ? this.settled.result : MODEL_CHECK_PENDING;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<ModelCheck>((resolve) => {
      timer = setTimeout(() => resolve(previous), waitMs);
    });
    try {
      return await Promise.race([this.asking.result, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  private start(client: OpenCodeClient, key: string, at: number): { key: string; at: number; result: Promise<ModelCheck> } {
    const entry = { key, at, result: this.ask(client, this.requestTimeoutMs) };
    void entry.result.then((result) => {
      if (this.asking === entry) this.asking = null;
      if (!(result.usable === false && result.transient)) this.settled = { key, at, result };
      else if (this.settled?.key === key) this.settled = null;
    });
    return entry;
  }

  private async ask(client: OpenCodeClient, timeoutMs: number): Promise<ModelCheck> {
    const failed = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
    const [config, providers] = await Promise.all([
      // A server without GET /config (an unknown route answers HTML) is judged by its providers alone.
      client.config({ timeoutMs }).catch((error: unknown) => (isGatewayError(error, 'opencode.bad_response') || isGatewayError(error, 'opencode.request_rejected') ? null : failed(error))),
      client.providers({ timeoutMs }).catch(failed),
    ]);
    const unreadable = [config, providers].find((r): r is Error => r instanceof Error);
    if (unreadable) return { usable: false, transient: true, reason: `could not read OpenCode's models: ${unreadable.message}` };
    return judgeModel(config as { model?: unknown } | null, providers as OpenCodeProviders);
  }
}
