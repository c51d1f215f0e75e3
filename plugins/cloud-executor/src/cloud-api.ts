import type { CloudClient } from './cloud-client.js';
import { CloudError } from './cloud-client.js';

// Typed calls of the Cloud channel surface (cloud-protocol.md §3), wire shapes as Cloud sends them.

export type CloudRole = 'owner' | 'admin' | 'member' | 'approver' | 'viewer';

export interface ChannelIdentityRecord {
  identityId: string;
  orgId: string;
  provider: string;
  externalWorkspaceId: string | null;
  externalUserId: string;
  accountId: string | null;
  role: CloudRole;
  status: 'active' | 'disabled' | 'pending';
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelSessionBindingRecord {
  bindingId: string;
  orgId: string;
  agentId: string;
  channelBindingId: string;
  provider: string;
  externalWorkspaceId: string | null;
  externalThreadId: string;
  externalChatId: string;
  sessionId: string;
  lastEventSequence: number;
  lastWorkspaceSequence: number;
  lastChatMessageId: string | null;
  status: 'active' | 'archived';
  createdAt: string;
  updatedAt: string;
}

export type ChannelCursorUpdateResult =
  | { ok: true; binding: ChannelSessionBindingRecord }
  | { ok: false; reason: 'stale'; binding: ChannelSessionBindingRecord }
  | { ok: false; reason: 'not_found' };

export interface ChannelProviderEventRecord {
  eventId: string;
  channelBindingId: string | null;
  provider: string;
  providerInstanceId: string;
  providerEventId: string;
  eventType: 'message' | 'command' | 'interaction';
  status: 'received' | 'processing' | 'processed' | 'failed';
  claimedBy: string | null;
  claimExpiresAt: string | null;
  attemptCount: number;
  retryable: boolean;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelDeliveryRecord {
  deliveryId: string;
  orgId: string;
  agentId: string;
  channelBindingId: string;
  sessionBindingId: string | null;
  provider: string;
  target: Record<string, unknown>;
  eventType: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'claimed' | 'sent' | 'failed' | 'dead';
  attemptCount: number;
  claimedBy: string | null;
  lastClaimedBy: string | null;
  claimExpiresAt: string | null;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SessionCommandRecord {
  commandId: string;
  sessionId: string;
  kind: string;
  createdSequence: number;
  status: string;
}

/** A Cloud session event as the session SSE carries it. */
export interface CloudSessionEvent {
  sessionId: string;
  eventId: string;
  sequence: number;
  type: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface CloudSessionView {
  session: { sessionId: string; status: string; title: string };
  projection: { sequence: number } | null;
}

/** The Cloud calls the gateway makes, one method per endpoint. */
export class CloudApi {
  constructor(readonly client: CloudClient) {}

  async resolveIdentity(input: { provider: string; externalUserId: string; channelBindingId?: string; externalWorkspaceId: string | null; metadata?: Record<string, unknown> }): Promise<ChannelIdentityRecord> {
    const { identity } = await this.client.post<{ identity: ChannelIdentityRecord }>('/api/channels/identities/resolve', input);
    return identity;
  }

  bindThread(input: {
    channelBindingId: string; provider: string; externalChatId: string; externalThreadId: string; identityId?: string;
    externalUserId?: string; externalWorkspaceId: string | null; title?: string;
  }): Promise<{ binding: ChannelSessionBindingRecord; session: CloudSessionView }> {
    return this.client.post('/api/channels/sessions/bind', input);
  }

  snapshot(sessionBindingId: string): Promise<CloudSessionView> {
    return this.client.get(`/api/channels/sessions/${encodeURIComponent(sessionBindingId)}/snapshot`);
  }

  prompt(input: { bindingId: string; text: string; agent?: string | null; idempotencyKey: string; identityId?: string; provider?: string; externalWorkspaceId?: string | null; externalUserId?: string }): Promise<{ binding: ChannelSessionBindingRecord; command: SessionCommandRecord; processed: number }> {
    return this.client.post('/api/channels/sessions/prompt', input);
  }

  claimProviderEvent(input: {
    provider: string; providerInstanceId: string; providerEventId: string; eventType: 'message' | 'command' | 'interaction'; claimedBy: string;
    channelBindingId?: string; externalWorkspaceId: string | null; ttlMs: number; metadata?: Record<string, unknown>;
  }): Promise<{ event: ChannelProviderEventRecord; claimed: boolean; duplicate: boolean }> {
    return this.client.post('/api/channels/provider-events/claim', input);
  }

  async completeProviderEvent(eventId: string, input: { claimedBy: string; status: 'processed' | 'failed'; channelBindingId?: string | null; retryable?: boolean; lastError?: string | null }): Promise<ChannelProviderEventRecord> {
    const { event } = await this.client.post<{ event: ChannelProviderEventRecord }>(`/api/channels/provider-events/${encodeURIComponent(eventId)}/complete`, input);
    return event;
  }

  /** Writes a thread's cursor; a 404 becomes `{ ok: false, reason: 'not_found' }` as in the reference client. */
  async updateCursor(input: { bindingId: string; lastEventSequence: number; lastWorkspaceSequence: number; lastChatMessageId?: string | null }): Promise<ChannelCursorUpdateResult> {
    try {
      const body = await this.client.post<{ binding?: ChannelSessionBindingRecord; result?: ChannelCursorUpdateResult }>('/api/channels/cursor', input);
      if (body.result) return body.result;
      if (body.binding) return { ok: true, binding: body.binding };
      throw new CloudError('parse', 'Cloud answered the cursor update without result or binding');
    } catch (error) {
      if (error instanceof CloudError && error.kind === 'not_found') return { ok: false, reason: 'not_found' };
      throw error;
    }
  }

  createInteraction(input: { interactionId: string; agentId: string; sessionBindingId: string; sessionId: string; provider: string; kind: 'permission' | 'question'; targetId: string }): Promise<{ interaction: { interactionId: string; expiresAt: string }; plaintextToken: string }> {
    return this.client.post('/api/channels/interactions', input);
  }

  resolveInteraction(input: {
    token: string; externalInteractionId?: string; provider: string; externalWorkspaceId: string | null; externalUserId: string; externalChatId: string;
    response?: { allowed: boolean }; answers?: string[]; reject?: boolean;
  }): Promise<{ interaction: { interactionId: string; status: string }; command: SessionCommandRecord }> {
    return this.client.post('/api/channels/interactions/resolve', input);
  }

  ackDelivery(deliveryId: string, input: { status: 'sent' | 'failed' | 'dead'; channelBindingId: string; claimedBy: string | null; lastError: string | null; nextAttemptAt?: string }): Promise<{ delivery: ChannelDeliveryRecord }> {
    return this.client.post(`/api/channels/deliveries/${encodeURIComponent(deliveryId)}/ack`, input);
  }

  listDeliveries(query: { status?: string; channelBindingId?: string; limit?: number; deliveryId?: string }): Promise<{ deliveries: ChannelDeliveryRecord[] }> {
    return this.client.get('/api/channels/deliveries', query);
  }

  retryDelivery(deliveryId: string, channelBindingId?: string): Promise<{ delivery: ChannelDeliveryRecord }> {
    return this.client.post(`/api/channels/deliveries/${encodeURIComponent(deliveryId)}/retry`, channelBindingId ? { channelBindingId } : {});
  }

  deadLetterDelivery(deliveryId: string, input: { channelBindingId?: string; lastError?: string }): Promise<{ delivery: ChannelDeliveryRecord }> {
    return this.client.post(`/api/channels/deliveries/${encodeURIComponent(deliveryId)}/dead-letter`, input);
  }
}
