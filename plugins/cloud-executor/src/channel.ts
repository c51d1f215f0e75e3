import { defineError, type Logger } from '@cowork-gateway/core';
import { CloudApi, type ChannelIdentityRecord, type ChannelSessionBindingRecord } from './cloud-api.js';
import { CloudClient } from './cloud-client.js';
import { CloudMetrics } from './metrics.js';
import type { CloudConnectionOptions } from './options.js';

/** How one provider instance maps onto a Cloud channel binding (cloud-protocol.md §8). */
export interface ChannelRoute {
  /** Provider instance id, e.g. `telegram`. */
  instance: string;
  /** Provider kind as Cloud knows it, e.g. `telegram`. */
  provider: string;
  channelBindingId: string;
  /** `externalWorkspaceId` (Slack team, email domain); null for Telegram. */
  workspaceId: string | null;
}

/** A gateway session's Cloud thread binding and who last used it. */
export interface ThreadRef {
  binding: ChannelSessionBindingRecord;
  route: ChannelRoute;
  /** External user id of the last sender (the actor of prompts). */
  actor?: string;
  identityId?: string;
}

export const CloudRouteUnknown = defineError<{ instance: string }>({
  code: 'cloud.route_unknown',
  status: 400,
  message: ({ instance }) => `cloud.route_unknown: provider instance "${instance}" has no Cloud channel binding; set its CHANNEL_BINDING_ID (e.g. OPEN_COWORK_GATEWAY_TELEGRAM_CHANNEL_BINDING_ID)`,
});

export const CloudThreadUnbound = defineError<{ sessionId: string }>({
  code: 'cloud.thread_unbound',
  status: 409,
  message: ({ sessionId }) => `cloud.thread_unbound: gateway session ${sessionId} has no Cloud thread binding in this process; a message in its chat binds it again`,
});

/**
 * What the Cloud store, the Cloud executor and the delivery subscriber share in one process: the
 * client, the provider → channel binding routes, the thread bindings made by inbound messages,
 * the identities Cloud resolved, and the counters. Only the thread map and identity cache are
 * in memory; Cloud owns the durable records.
 */
export class CloudChannel {
  readonly client: CloudClient;
  readonly api: CloudApi;
  readonly metrics = new CloudMetrics();
  /** `gateway:<instanceId>`: the claimant of provider events and deliveries. */
  readonly claimedBy: string;
  readonly routes: readonly ChannelRoute[];
  private readonly threadsBySession = new Map<string, ThreadRef>();
  private readonly threadsByBinding = new Map<string, ThreadRef>();
  private readonly identities = new Map<string, ChannelIdentityRecord>();
  /** Binds threads the inbound path did not bind (tests; embedders with their own thread model). */
  threadResolver?: (sessionId: string, title: string) => Promise<ThreadRef>;

  constructor(readonly options: CloudConnectionOptions, readonly logger?: Logger) {
    this.client = new CloudClient({
      baseUrl: options.baseUrl,
      serviceToken: options.serviceToken,
      requestTimeoutMs: options.requestTimeoutMs,
      maxAttempts: options.maxAttempts,
      logger,
    });
    this.api = new CloudApi(this.client);
    this.claimedBy = `gateway:${options.instanceId}`;
    this.routes = options.channels.map((c) => ({ instance: c.instance, provider: c.provider ?? c.instance, channelBindingId: c.channelBindingId, workspaceId: c.workspaceId ?? null }));
  }

  route(instance: string): ChannelRoute {
    const route = this.routes.find((r) => r.instance === instance);
    if (!route) throw new CloudRouteUnknown({ instance });
    return route;
  }

  routeOfBinding(channelBindingId: string): ChannelRoute | undefined {
    return this.routes.find((r) => r.channelBindingId === channelBindingId);
  }

  /** The enabled channel binding ids, deduplicated (the delivery subscription's scope). */
  channelBindingIds(): string[] {
    return [...new Set(this.routes.map((r) => r.channelBindingId))];
  }

  rememberIdentity(instance: string, workspaceId: string, identity: ChannelIdentityRecord): void {
    if (this.identities.size >= 10_000) this.identities.clear();
    this.identities.set(`${instance}\u0000${workspaceId}\u0000${identity.externalUserId}`, identity);
  }

  identityOf(instance: string, workspaceId: string, externalUserId: string): ChannelIdentityRecord | undefined {
    return this.identities.get(`${instance}\u0000${workspaceId}\u0000${externalUserId}`);
  }

  rememberThread(sessionId: string, thread: ThreadRef): void {
    this.threadsBySession.set(sessionId, thread);
    this.threadsByBinding.set(thread.binding.bindingId, thread);
  }

  threadOfSession(sessionId: string): ThreadRef | undefined {
    return this.threadsBySession.get(sessionId);
  }

  threadOfBinding(bindingId: string): ThreadRef | undefined {
    return this.threadsByBinding.get(bindingId);
  }

  /** Keeps the local copy of a thread's Cloud cursor current after a cursor write. */
  updateBinding(binding: ChannelSessionBindingRecord): void {
    const thread = this.threadsByBinding.get(binding.bindingId);
    if (thread) thread.binding = binding;
  }
}
