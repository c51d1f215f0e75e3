import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../contracts/common.js';
import type { DeliveryTarget, InboundEvent } from '../contracts/provider.js';
import { inboundClaimKey, type InboundKey } from '../contracts/store.js';
import { WebhookPayloadInvalid } from '../errors.js';
import { authorizePrompt } from './authorize.js';
import { InteractionHandler, parseInteractionIntent } from './interactions.js';
import { assertReplyContext, replyTarget } from './reply-target.js';
import { toJson } from './json.js';
import { enqueueJobWithEvents } from './store-ops.js';
import type { KernelContext } from './context.js';

/** What happened to one inbound event. */
export interface IngestResult {
  accepted: boolean;
  duplicate: boolean;
  traceId: string;
  outcome: 'enqueued' | 'duplicate' | 'denied' | 'ignored' | 'refused' | 'answered';
  jobId?: string;
  sessionId?: string;
}

/**
 * The inbound half of the kernel: claim the event durably (duplicates are no-ops), authorize
 * the sender, bind the thread's session and enqueue a prompt job. The agent never runs on the
 * caller's request: a job worker picks the job up.
 */
/** One "not allowed" notice per sender and channel in this window; every denial is still audited. */
const DENIAL_NOTICE_COOLDOWN_MS = 10 * 60_000;

export class InboundPipeline {
  private readonly interactions: InteractionHandler;
  private readonly lastDenialNotice = new Map<string, number>();

  constructor(private readonly kernel: KernelContext) {
    this.interactions = new InteractionHandler(kernel);
  }

  async ingest(event: InboundEvent): Promise<IngestResult> {
    assertWellFormed(event);
    const key: InboundKey = {
      provider: event.provider,
      instance: event.instance,
      workspaceId: event.workspaceId,
      eventType: event.kind,
      eventId: event.eventId,
    };
    const claimed = await this.kernel.store.inbound.claim(key, {
      owner: this.kernel.workerId,
      leaseMs: this.kernel.settings.inboundLeaseMs,
      traceId: randomUUID(),
    });
    const { claim } = claimed;
    const log = this.kernel.logger.child({ traceId: claim.traceId, instance: event.instance, eventId: event.eventId });
    if (claimed.outcome === 'duplicate') {
      log.info('inbound.duplicate', { status: claim.status });
      return { accepted: true, duplicate: true, traceId: claim.traceId, outcome: 'duplicate' };
    }
    try {
      const result = await this.process(event, claim.traceId);
      await this.kernel.store.inbound.complete(claim.key, claim.token, toJson(result));
      log.info('inbound.accepted', { outcome: result.outcome, jobId: result.jobId, sessionId: result.sessionId });
      return result;
    } catch (error) {
      await this.kernel.store.inbound
        .fail(claim.key, claim.token, { retryable: true, error: (error as Error).message })
        .catch((failError: unknown) => log.error('inbound.fail_record_failed', { error: failError }));
      log.error('inbound.failed', { error });
      throw error;
    }
  }

  private async process(event: InboundEvent, traceId: string): Promise<IngestResult> {
    const target = replyTarget(event);
    const base = { accepted: true, duplicate: false, traceId };
    const intent = parseInteractionIntent(event);
    const decision = await authorizePrompt(this.kernel.store.identities, event);
    if (intent && event.senderVerified === false) {
      // A forged sender answers nothing and is told nothing (backscatter); the attempt is audited.
      await this.kernel.audit('interaction.denied', event.userId, toJson({ provider: event.instance, kind: intent.kind, role: null, reason: 'sender_unverified' }), traceId);
      return { ...base, outcome: 'denied' };
    }
    if (intent) {
      const role = decision.identity?.status === 'active' ? decision.identity.role : null;
      const outcome = await this.interactions.handle(event, intent, role, traceId);
      return { ...base, outcome: outcome === 'answered' ? 'answered' : 'ignored' };
    }
    if (!decision.allowed) {
      await this.kernel.audit('prompt.denied', event.userId, deniedMetadata(event, decision.reason, decision.identity), traceId);
      // A forged sender gets no answer: it would go to the address the forger used (backscatter).
      if (decision.reason !== 'sender_unverified' && this.shouldTellDenied(event)) await this.kernel.notify({ kind: 'denied', reason: decision.reason }, target, `denied:${traceId}`, { traceId });
      return { ...base, outcome: 'denied' };
    }
    if (event.kind === 'interaction') {
      await this.kernel.notify({ kind: 'unsupported', what: 'This button' }, target, `interaction:${traceId}`, { traceId });
      return { ...base, outcome: 'ignored' };
    }
    const text = (event.text ?? '').trim();
    if (!text && event.attachments.length === 0) return { ...base, outcome: 'ignored' };
    if (!this.kernel.executor) {
      await this.kernel.notify({ kind: 'executor_not_configured' }, target, `refused:${traceId}`, { traceId });
      return { ...base, outcome: 'refused' };
    }
    return this.enqueuePrompt(event, text, target, traceId);
  }

  /** A sender who keeps writing without access gets one notice per cooldown, not one per message. */
  private shouldTellDenied(event: InboundEvent): boolean {
    const key = `${event.instance}\u0000${event.workspaceId ?? ''}\u0000${event.userId}`;
    const now = this.kernel.clock.now().getTime();
    const last = this.lastDenialNotice.get(key);
    if (last !== undefined && now - last < DENIAL_NOTICE_COOLDOWN_MS) return false;
    if (this.lastDenialNotice.size >= 10_000) this.lastDenialNotice.clear();
    this.lastDenialNotice.set(key, now);
    return true;
  }

  private async enqueuePrompt(event: InboundEvent, text: string, target: DeliveryTarget, traceId: string): Promise<IngestResult> {
    const { store } = this.kernel;
    const { session } = await store.sessions.findOrCreate({
      instance: event.instance,
      workspaceId: event.workspaceId,
      chatId: event.chatId,
      threadId: event.threadId,
      providerKind: event.provider,
      title: text.slice(0, 80) || 'Gateway session',
      actor: event.userId,
    });
    // Stored with the job (atomically where the store fuses it); the job's id is added to the payload.
    const userMessage = [{ type: 'user.message', payload: toJson({ text, userId: event.userId, eventId: event.eventId }), traceId }];
    const { job, created, queuePosition } = await enqueueJobWithEvents(store, {
      kind: 'prompt',
      idempotencyKey: `inbound:${inboundClaimKey({ provider: event.provider, instance: event.instance, workspaceId: event.workspaceId, eventType: event.kind, eventId: event.eventId })}`,
      queueKey: session.sessionId,
      sessionId: session.sessionId,
      payload: toJson({ text, target, userId: event.userId, eventId: event.eventId, attachments: event.attachments }),
      maxAttempts: this.kernel.settings.jobMaxAttempts,
      traceId,
    }, userMessage);
    if (created) {
      if (queuePosition > 0) await this.kernel.notify({ kind: 'queued', position: queuePosition }, target, `${job.jobId}:queued`, { sessionId: session.sessionId, traceId });
      this.kernel.wakeJobs();
    }
    return { accepted: true, duplicate: false, traceId, outcome: 'enqueued', jobId: job.jobId, sessionId: session.sessionId };
  }
}

function assertWellFormed(event: InboundEvent): void {
  for (const field of ['eventId', 'chatId', 'userId', 'instance', 'provider'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0) {
      throw new WebhookPayloadInvalid({ instance: String(event.instance), reason: `normalized event has no ${field}` });
    }
  }
  assertReplyContext(event);
}

function deniedMetadata(event: InboundEvent, reason: string, identity: { identityId: string; role: string; status: string } | null): JsonObject {
  return toJson({
    provider: event.instance,
    providerKind: event.provider,
    providerWorkspaceId: event.workspaceId ?? '',
    reason,
    identityId: identity?.identityId ?? null,
    identityRole: identity?.role ?? null,
    identityStatus: identity?.status ?? null,
  });
}
