import { setTimeout as delay } from 'node:timers/promises';
import { classifyDeliveryFailure, splitText, type DeliveryTarget, type Logger, type Provider } from '@cowork-gateway/core';
import type { ChannelDeliveryRecord } from './cloud-api.js';
import { withQuery } from './cloud-client.js';
import type { CloudChannel } from './channel.js';

/** Finds the started provider of an instance id (the kernel's provider map). */
export type DeliveryProviders = (instance: string) => Provider | undefined;

export interface CloudDeliveriesOptions {
  /** Claim TTL asked of Cloud. Default 120 000 (the reference gateway's 2 min). */
  ttlMs?: number;
  /** Sends at once across lanes (OPEN_COWORK_GATEWAY_MAX_DELIVERY_CONCURRENCY). Default 8. */
  maxConcurrency?: number;
  /** Deliveries held locally; over it one is shed unacked so Cloud re-serves it. Default 512. */
  maxQueueDepth?: number;
  /** Attempts before a transient failure is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Resubscribe backoff (full jitter, doubling). Default 250 / 30 000. */
  reconnectBaseMs?: number;
  reconnectCapMs?: number;
  /** A subscription that delivered nothing for this long is rotated. Default 300 000. */
  watchdogMs?: number;
  logger?: Logger;
}

const SENT_MEMORY = 2_048;

/** The chat target of a Cloud delivery (cloud-protocol.md §4.6). */
export function targetOf(target: Record<string, unknown>, instance: string): DeliveryTarget {
  const pick = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = target[key];
      if (typeof value === 'string' && value.length > 0) return value;
      if (typeof value === 'number') return String(value);
    }
    return undefined;
  };
  const chatId = pick('externalChatId', 'chatId') ?? 'unknown';
  const threadId = pick('externalThreadId', 'threadId');
  const replyTo = pick('lastChatMessageId', 'messageId');
  return {
    instance,
    chatId,
    ...(threadId && threadId !== chatId ? { threadId } : {}),
    ...(replyTo ? { replyToMessageId: replyTo } : {}),
  };
}

/** The text of a delivery: `payload.text`, else `payload.message`, else the payload's JSON. */
export function deliveryText(payload: Record<string, unknown>): string {
  if (typeof payload.text === 'string' && payload.text.length > 0) return payload.text;
  if (typeof payload.message === 'string' && payload.message.length > 0) return payload.message;
  return JSON.stringify(payload);
}

/**
 * The Cloud → channel half: one self-healing delivery subscription scoped to the enabled channel
 * binding ids, a local dispatcher (per-lane order, round robin between lanes, bounded concurrency
 * and queue), sends through the provider with the Cloud delivery id (chunks
 * `<deliveryId>:chunk:<n>`), and acks `sent`, `failed` (with `nextAttemptAt`) or `dead`. `stop()`
 * ends the subscription, then drains and acks every delivery already received.
 */
export class CloudDeliveries {
  private readonly ttlMs: number;
  private readonly maxConcurrency: number;
  private readonly maxQueueDepth: number;
  private readonly maxAttempts: number;
  private readonly lanes = new Map<string, ChannelDeliveryRecord[]>();
  private readonly activeLanes = new Set<string>();
  private readonly held = new Set<string>();
  private readonly sent = new Set<string>();
  private laneCursor = 0;
  private running = 0;
  private queued = 0;
  private subscription: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private connected = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private lastError: string | null = null;

  constructor(private readonly channel: CloudChannel, private readonly providers: DeliveryProviders, private readonly options: CloudDeliveriesOptions = {}) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.maxConcurrency = Math.min(256, Math.max(1, options.maxConcurrency ?? 8));
    this.maxQueueDepth = Math.max(1, options.maxQueueDepth ?? 512);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  }

  /** Starts the subscription loop (no-op without channel bindings). */
  start(): void {
    if (this.loop || this.channel.channelBindingIds().length === 0) return;
    this.stopped = false;
    this.loop = this.subscribeLoop();
  }

  /** Whether the subscription is connected (the host's `/ready` needs it). */
  healthy(): boolean {
    return this.connected;
  }

  /** Subscription state for diagnostics. */
  status(): { connected: boolean; queued: number; inFlight: number; channelBindingIds: string[]; lastError: string | null } {
    return { connected: this.connected, queued: this.queued, inFlight: this.running, channelBindingIds: this.channel.channelBindingIds(), lastError: this.lastError };
  }

  /**
   * Stops new subscriptions, then waits (up to `drainTimeoutMs`) until every received delivery is
   * sent and acked. Providers are stopped by the caller afterwards.
   */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<{ drained: boolean }> {
    this.stopped = true;
    this.subscription?.abort();
    await this.loop?.catch(() => undefined);
    this.loop = null;
    this.connected = false;
    if (this.running === 0 && this.queued === 0) return { drained: true };
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const timeout = delay(options.drainTimeoutMs ?? 30_000).then(() => 'timeout' as const);
    const outcome = await Promise.race([idle.then(() => 'idle' as const), timeout]);
    return { drained: outcome === 'idle' };
  }

  private async subscribeLoop(): Promise<void> {
    let failures = 0;
    const base = this.options.reconnectBaseMs ?? 250;
    const cap = this.options.reconnectCapMs ?? 30_000;
    while (!this.stopped) {
      const controller = new AbortController();
      this.subscription = controller;
      const watchdogMs = this.options.watchdogMs ?? 300_000;
      let watchdog = setTimeout(() => controller.abort(), watchdogMs);
      const path = withQuery('/api/channels/deliveries/stream', { claimedBy: this.channel.claimedBy, ttlMs: this.ttlMs, channelBindingId: this.channel.channelBindingIds() });
      try {
        for await (const frame of this.channel.client.stream(path, { signal: controller.signal, onOpen: () => { this.connected = true; } })) {
          const data = parseJson(frame.data);
          if (!data) continue;
          if (typeof data.error === 'string') {
            this.lastError = data.error.slice(0, 300);
            this.options.logger?.warn('cloud.delivery_stream_error', { error: this.lastError });
            continue;
          }
          const delivery = data.delivery as ChannelDeliveryRecord | undefined;
          if (!delivery || typeof delivery.deliveryId !== 'string') continue;
          failures = 0;
          clearTimeout(watchdog);
          watchdog = setTimeout(() => controller.abort(), watchdogMs);
          this.accept(delivery);
        }
      } catch (error) {
        this.lastError = (error as Error).message;
        this.options.logger?.warn('cloud.delivery_stream_failed', { error });
      } finally {
        clearTimeout(watchdog);
        this.connected = false;
      }
      if (this.stopped) return;
      this.channel.metrics.inc('deliverySubscriptionReconnects');
      failures += 1;
      const wait = Math.floor(Math.random() * Math.min(cap, base * 2 ** Math.min(failures - 1, 16)));
      await delay(wait);
    }
  }

  private accept(delivery: ChannelDeliveryRecord): void {
    const key = `${delivery.channelBindingId}\u0000${delivery.deliveryId}`;
    if (this.held.has(key)) return; // a re-served copy of one queued or in flight: dropped unacked
    if (this.sent.has(key)) {
      void this.ack(delivery, 'sent', null);
      return;
    }
    if (this.queued >= this.maxQueueDepth) {
      this.channel.metrics.inc('deliveriesShed');
      this.options.logger?.warn('cloud.delivery_shed', { deliveryId: delivery.deliveryId, queued: this.queued });
      return;
    }
    this.held.add(key);
    const lane = `${delivery.channelBindingId}\u0000${JSON.stringify(Object.entries(delivery.target ?? {}).sort(([a], [b]) => a.localeCompare(b)))}`;
    const queue = this.lanes.get(lane) ?? [];
    queue.push(delivery);
    this.lanes.set(lane, queue);
    this.queued += 1;
    this.pump();
  }

  private pump(): void {
    while (this.running < this.maxConcurrency) {
      const lane = this.nextLane();
      if (lane === undefined) break;
      const delivery = this.lanes.get(lane)!.shift()!;
      if (this.lanes.get(lane)!.length === 0) this.lanes.delete(lane);
      this.queued -= 1;
      this.running += 1;
      this.activeLanes.add(lane);
      void this.process(delivery).finally(() => {
        this.activeLanes.delete(lane);
        this.running -= 1;
        this.held.delete(`${delivery.channelBindingId}\u0000${delivery.deliveryId}`);
        this.pump();
        if (this.running === 0 && this.queued === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  /** Round robin over lanes with work and nothing in flight (per-lane order). */
  private nextLane(): string | undefined {
    const lanes = [...this.lanes.keys()];
    for (let i = 0; i < lanes.length; i += 1) {
      const lane = lanes[(this.laneCursor + i) % lanes.length]!;
      if (this.activeLanes.has(lane)) continue;
      this.laneCursor = (this.laneCursor + i + 1) % Math.max(1, lanes.length);
      return lane;
    }
    return undefined;
  }

  private async process(delivery: ChannelDeliveryRecord): Promise<void> {
    const route = this.channel.routeOfBinding(delivery.channelBindingId);
    const provider = route ? this.providers(route.instance) : undefined;
    if (!route || !provider) {
      await this.ack(delivery, 'dead', `No provider registered for ${delivery.provider}.`);
      return;
    }
    try {
      const health = await provider.health();
      if (health.state === 'down') throw new Error(`provider ${provider.id} is not healthy: ${health.reason ?? 'down'}`);
      const target = targetOf(delivery.target ?? {}, route.instance);
      const chunks = splitText(deliveryText(delivery.payload ?? {}), provider.capabilities.maxTextLength);
      for (let i = 0; i < chunks.length; i += 1) {
        const deliveryId = chunks.length === 1 ? delivery.deliveryId : `${delivery.deliveryId}:chunk:${i + 1}`;
        await provider.send(target, { text: chunks[i]!, format: 'plain' }, { deliveryId });
      }
    } catch (error) {
      await this.onSendFailure(delivery, error);
      return;
    }
    this.remember(`${delivery.channelBindingId}\u0000${delivery.deliveryId}`);
    this.channel.metrics.inc('deliveriesSent');
    await this.ack(delivery, 'sent', null);
  }

  private async onSendFailure(delivery: ChannelDeliveryRecord, error: unknown): Promise<void> {
    const failure = classifyDeliveryFailure(error);
    const message = ((error as Error)?.message ?? String(error)).slice(0, 1024);
    if (failure.kind !== 'permanent' && delivery.attemptCount < this.maxAttempts) {
      const backoff = Math.min(60_000, 1000 * 2 ** Math.max(0, delivery.attemptCount - 1));
      const wait = failure.kind === 'rate_limited' ? failure.retryAfterMs : Math.round(backoff * (0.8 + Math.random() * 0.4));
      this.channel.metrics.inc('deliveriesFailed');
      await this.ack(delivery, 'failed', message, new Date(Date.now() + wait).toISOString());
      return;
    }
    this.channel.metrics.inc('deliveriesDead');
    await this.ack(delivery, 'dead', message);
  }

  private remember(key: string): void {
    this.sent.add(key);
    if (this.sent.size > SENT_MEMORY) this.sent.delete(this.sent.values().next().value!);
  }

  private async ack(delivery: ChannelDeliveryRecord, status: 'sent' | 'failed' | 'dead', lastError: string | null, nextAttemptAt?: string): Promise<void> {
    try {
      await this.channel.api.ackDelivery(delivery.deliveryId, {
        status,
        channelBindingId: delivery.channelBindingId,
        claimedBy: delivery.claimedBy,
        lastError,
        ...(nextAttemptAt ? { nextAttemptAt } : {}),
      });
    } catch (error) {
      // The claim expires and Cloud serves the delivery again; a sent one is re-acked, not resent.
      this.options.logger?.warn('cloud.delivery_ack_failed', { deliveryId: delivery.deliveryId, status, error });
    }
  }
}

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
