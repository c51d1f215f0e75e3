import {
  CLOCK,
  defineError,
  inject,
  injectable,
  systemClock,
  LOGGER,
  type ClaimOutcome,
  type Clock,
  type ComponentHealth,
  type Identity,
  type IdentityKey,
  type IdentityRepository,
  type InboundClaim,
  type InboundClaimOptions,
  type InboundKey,
  type InboundRepository,
  type JsonObject,
  type Logger,
  type Session,
  type SessionRepository,
  type SessionStatus,
  type Store,
  type StoreFastPaths,
  type ThreadKey,
} from '@cowork-gateway/core';
import { MemoryStore } from '@cowork-gateway/memory-store';
import type { ChannelIdentityRecord, ChannelProviderEventRecord } from './cloud-api.js';
import { CloudChannel } from './channel.js';
import { CLOUD_CONNECTION_OPTIONS, type CloudConnectionOptions } from './options.js';

export const CloudIdentityCloudOwned = defineError<void>({
  code: 'cloud.identity_cloud_owned',
  status: 400,
  message: () => 'cloud.identity_cloud_owned: in cloud_channel mode Cloud owns channel identities; promote or disable them in Cloud (new senders start as viewer/pending)',
});

const EVENT_TYPES = new Set(['message', 'command', 'interaction']);

/**
 * The Store of the Cloud Channel Gateway. Cloud owns what must survive a restart: channel
 * identities (resolved on every lookup), inbound provider-event claims (durable dedupe, lease
 * reclaim, retryable failures) and thread bindings with their cursors. What the kernel keeps only
 * while a conversation runs — sessions as local handles on Cloud thread bindings, their history,
 * prompt jobs, the reply outbox, leases — lives in an in-process runtime store and is rebuilt
 * from Cloud after a restart. It has no operator parts: Cloud is the operator's source of truth.
 */
@injectable()
export class CloudStore implements Store {
  readonly kind = 'cloud';
  /** Durable state is Cloud's; the local runtime part is neither durable nor shared. */
  readonly capabilities = { durable: false, shared: false } as const;
  readonly channel: CloudChannel;

  readonly identities: IdentityRepository;
  readonly sessions: SessionRepository;
  readonly inbound: InboundRepository;
  readonly fastPaths: StoreFastPaths;
  private readonly local: MemoryStore;
  private started = false;

  constructor(@inject(CLOUD_CONNECTION_OPTIONS) options: CloudConnectionOptions, @inject(CLOCK) clock: Clock = systemClock, @inject(LOGGER) logger?: Logger) {
    this.channel = new CloudChannel(options, logger);
    this.local = new MemoryStore({ maxEventsPerSession: 2_000 }, clock);
    this.identities = new CloudIdentities(this.channel);
    this.sessions = new CloudSessions(this.channel, this.local);
    this.inbound = new CloudInbound(this.channel, clock, options.claimTtlMs);
    this.fastPaths = this.local.fastPaths;
  }

  get events(): Store['events'] { return this.local.events; }
  get jobs(): Store['jobs'] { return this.local.jobs; }
  get deliveries(): Store['deliveries'] { return this.local.deliveries; }
  get audit(): Store['audit'] { return this.local.audit; }
  get artifacts(): Store['artifacts'] { return this.local.artifacts; }
  get leases(): Store['leases'] { return this.local.leases; }
  get cursors(): Store['cursors'] { return this.local.cursors; }

  async start(): Promise<void> {
    await this.local.start();
    this.started = true;
  }

  async close(): Promise<void> {
    this.started = false;
    await this.local.close();
  }

  async health(): Promise<ComponentHealth> {
    if (!this.started) return { state: 'down', reason: 'cloud store is not started' };
    return { state: 'ok', detail: { cloud: this.channel.client.baseUrl, routes: this.channel.routes.length } };
  }
}

/** Identities are Cloud's: a lookup resolves (upserts) the sender in Cloud and maps its role and status. */
class CloudIdentities implements IdentityRepository {
  constructor(private readonly channel: CloudChannel) {}

  async upsert(): Promise<Identity> {
    throw new CloudIdentityCloudOwned();
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const route = this.channel.routes.find((r) => r.instance === key.provider);
    if (!route) return null;
    const record = await this.channel.api.resolveIdentity({
      provider: route.provider,
      channelBindingId: route.channelBindingId,
      externalWorkspaceId: route.workspaceId ?? (key.workspaceId || null),
      externalUserId: key.externalUserId,
    });
    this.channel.rememberIdentity(key.provider, key.workspaceId ?? '', record);
    return toIdentity(key.provider, record);
  }
}

function toIdentity(instance: string, record: ChannelIdentityRecord): Identity {
  return {
    identityId: record.identityId,
    provider: instance,
    workspaceId: record.externalWorkspaceId ?? '',
    externalUserId: record.externalUserId,
    role: record.role,
    // Cloud's `pending` (a new sender an admin has not promoted) may not prompt: disabled here.
    status: record.status === 'active' ? 'active' : 'disabled',
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}

/**
 * Sessions are local handles on Cloud thread bindings: every `findOrCreate` binds the thread in
 * Cloud (idempotent; Cloud re-checks the actor) and records the binding id as the session's
 * executor session id.
 */
class CloudSessions implements SessionRepository {
  constructor(private readonly channel: CloudChannel, private readonly local: MemoryStore) {}

  async findOrCreate(key: ThreadKey & { providerKind: string; title: string; actor?: string }): Promise<{ session: Session; created: boolean }> {
    const route = this.channel.route(key.instance);
    const identity = key.actor ? this.channel.identityOf(key.instance, key.workspaceId ?? '', key.actor) : undefined;
    const { binding } = await this.channel.api.bindThread({
      channelBindingId: route.channelBindingId,
      provider: route.provider,
      externalChatId: key.chatId,
      externalThreadId: key.threadId || key.chatId,
      identityId: identity?.identityId,
      externalUserId: key.actor,
      externalWorkspaceId: route.workspaceId ?? (key.workspaceId || null),
      title: key.title.slice(0, 80),
    });
    const { actor: _actor, ...localKey } = key;
    const result = await this.local.sessions.findOrCreate(localKey);
    let session = result.session;
    if (session.executorSessionId !== binding.bindingId) {
      session = await this.local.sessions.setExecutorSession(session.sessionId, binding.bindingId, session.executorSessionId ?? undefined);
    }
    this.channel.rememberThread(session.sessionId, { binding, route, actor: key.actor, identityId: identity?.identityId });
    return { session, created: result.created };
  }

  get(sessionId: string): Promise<Session | null> {
    return this.local.sessions.get(sessionId);
  }

  findByThread(key: ThreadKey): Promise<Session | null> {
    return this.local.sessions.findByThread(key);
  }

  setExecutorSession(sessionId: string, executorSessionId: string, replacing?: string): Promise<Session> {
    return this.local.sessions.setExecutorSession(sessionId, executorSessionId, replacing);
  }

  setStatus(sessionId: string, status: SessionStatus): Promise<Session> {
    return this.local.sessions.setStatus(sessionId, status);
  }
}

/**
 * Inbound claims are Cloud provider-event claims (cloud-protocol.md §5): Cloud dedupes durably by
 * (org, binding, provider, instance, workspace, event type, provider event id), so a duplicate
 * after a restart is a no-op. The claim's key is Cloud's `eventId`, its token the claimant.
 */
class CloudInbound implements InboundRepository {
  private readonly claims = new Map<string, InboundClaim>();

  constructor(private readonly channel: CloudChannel, private readonly clock: Clock, private readonly ttlMs: number) {}

  async claim(key: InboundKey, options: InboundClaimOptions): Promise<ClaimOutcome> {
    const route = this.channel.route(key.instance);
    const eventType = EVENT_TYPES.has(key.eventType) ? (key.eventType as 'message' | 'command' | 'interaction') : 'message';
    const result = await this.channel.api.claimProviderEvent({
      provider: route.provider,
      providerInstanceId: key.instance,
      providerEventId: key.eventId,
      eventType,
      claimedBy: this.channel.claimedBy,
      channelBindingId: route.channelBindingId,
      externalWorkspaceId: route.workspaceId ?? (key.workspaceId || null),
      ttlMs: Math.max(this.ttlMs, options.leaseMs),
      metadata: { providerKind: route.provider, receivedAt: this.clock.now().toISOString() },
    });
    const claim = this.toClaim(result.event, options);
    if (!result.claimed) {
      this.channel.metrics.inc('inboundDuplicates');
      return { outcome: 'duplicate', claim };
    }
    this.remember(claim);
    return { outcome: 'claimed', claim };
  }

  async complete(key: string, token: string, result?: JsonObject): Promise<InboundClaim> {
    const known = this.known(key);
    const event = await this.channel.api.completeProviderEvent(key, { claimedBy: token, status: 'processed', channelBindingId: known?.channelBindingId ?? null });
    const claim = { ...this.toClaim(event, { owner: token, traceId: known?.claim.traceId ?? '' }), result: result ?? null };
    this.remember(claim);
    return claim;
  }

  async fail(key: string, token: string, options: { retryable: boolean; error: string }): Promise<InboundClaim> {
    const known = this.known(key);
    const event = await this.channel.api.completeProviderEvent(key, {
      claimedBy: token,
      status: 'failed',
      channelBindingId: known?.channelBindingId ?? null,
      retryable: options.retryable,
      lastError: options.error.slice(0, 1024),
    });
    const claim = this.toClaim(event, { owner: token, traceId: known?.claim.traceId ?? '' });
    this.remember(claim);
    return claim;
  }

  /** Only claims this process made or saw; Cloud has no lookup route for provider events. */
  async get(key: string): Promise<InboundClaim | null> {
    const known = this.claims.get(key);
    return known ? { ...known } : null;
  }

  private known(key: string): { claim: InboundClaim; channelBindingId: string | null } | undefined {
    const claim = this.claims.get(key);
    if (!claim) return undefined;
    return { claim, channelBindingId: (claim as InboundClaim & { channelBindingId?: string | null }).channelBindingId ?? null };
  }

  private remember(claim: InboundClaim): void {
    if (this.claims.size >= 10_000) this.claims.delete(this.claims.keys().next().value!);
    this.claims.set(claim.key, claim);
  }

  private toClaim(event: ChannelProviderEventRecord, options: { owner: string; traceId: string }): InboundClaim {
    const status = event.status === 'processed' ? 'completed' : event.status === 'failed' ? 'failed' : 'processing';
    const claim: InboundClaim & { channelBindingId: string | null } = {
      key: event.eventId,
      instance: event.providerInstanceId,
      eventId: event.providerEventId,
      status,
      owner: event.claimedBy ?? options.owner,
      token: this.channel.claimedBy,
      leaseExpiresAt: event.claimExpiresAt ? new Date(event.claimExpiresAt) : this.clock.now(),
      retryable: event.retryable,
      attempts: event.attemptCount,
      traceId: options.traceId,
      lastError: event.lastError,
      result: null,
      createdAt: new Date(event.createdAt),
      updatedAt: new Date(event.updatedAt),
      channelBindingId: event.channelBindingId,
    };
    return claim;
  }
}
