import type { Role } from '../contracts/common.js';
import type { InteractionAnswer } from '../contracts/execution-authority.js';
import type { DeliveryTarget, InboundEvent } from '../contracts/provider.js';
import type { Session, SessionEvent } from '../contracts/store.js';
import { isGatewayError } from '../errors.js';
import { decodeButtonValue, interactionIdMatches } from './button-codec.js';
import type { KernelContext } from './context.js';
import { toJson } from './json.js';
import { replyTarget } from './reply-target.js';

/** Roles that may decide permission requests (seed: owner and admin approve; approver is for approvals). */
const APPROVER_ROLES: readonly Role[] = ['owner', 'admin', 'approver'];
/** Roles that may answer an agent's question: whoever may prompt, and approvers. */
const ANSWER_ROLES: readonly Role[] = ['owner', 'admin', 'member', 'approver'];
/** How far back in a session's history a pending request is looked for. */
const LOOKBACK_EVENTS = 200;

/** What a sender wants to do with a pending permission request or question. */
export type InteractionIntent =
  | { kind: 'permission'; ref: string; decision: 'once' | 'always' | 'reject' }
  | { kind: 'question'; ref: string; index?: number; text?: string };

/**
 * Reads an answer from a button press (`perm:<id>:<decision>`, `q:<id>:<index>`) or a text
 * command (`/approve <id> [always]`, `/deny <id>`, `/answer <id> <number or text>`); null when
 * the event is none of these and should be treated as a prompt.
 */
export function parseInteractionIntent(event: InboundEvent): InteractionIntent | null {
  if (event.kind === 'interaction' && event.interaction) return intentOfButton(event.interaction.value);
  const text = (event.text ?? '').trim();
  const match = /^\/(approve|deny|answer)(?:@\S+)?\s+(\S+)(?:\s+([\s\S]+))?$/i.exec(text);
  if (!match) return null;
  const [, verb, ref, rest] = match as unknown as [string, string, string, string | undefined];
  if (verb.toLowerCase() === 'approve') return { kind: 'permission', ref, decision: rest?.trim().toLowerCase() === 'always' ? 'always' : 'once' };
  if (verb.toLowerCase() === 'deny') return { kind: 'permission', ref, decision: 'reject' };
  if (!rest) return null;
  const number = /^\d+$/.test(rest.trim()) ? Number(rest.trim()) - 1 : undefined;
  return number === undefined ? { kind: 'question', ref, text: rest.trim() } : { kind: 'question', ref, index: number };
}

/** A pressed button, decoded by the kernel's button codec (the renderer only made an action). */
function intentOfButton(value: string): InteractionIntent | null {
  const action = decodeButtonValue(value);
  if (action === null) return null;
  if (action.kind === 'permission') return { kind: 'permission', ref: action.id, decision: action.decision };
  return { kind: 'question', ref: action.id, index: action.option };
}

/**
 * Answers pending permission requests and questions from the chat: checks the sender's role,
 * finds the request in the thread's session history (by id, or by the compacted id a button
 * carries), passes the answer to the executor, records `interaction.answered` in the session and
 * `<prefix>.interaction.answered` in the audit, and confirms in the chat.
 */
export class InteractionHandler {
  constructor(private readonly kernel: KernelContext) {}

  async handle(event: InboundEvent, intent: InteractionIntent, role: Role | null, traceId: string): Promise<'answered' | 'not_pending' | 'not_allowed'> {
    const target = replyTarget(event);
    const allowed = intent.kind === 'permission' ? APPROVER_ROLES : ANSWER_ROLES;
    if (role === null || !allowed.includes(role)) {
      await this.kernel.audit('interaction.denied', event.userId, toJson({ provider: event.instance, kind: intent.kind, role, reason: role === null ? 'identity_not_found' : 'role_not_allowed' }), traceId);
      return this.tell(target, traceId, 'not_allowed', role === null ? 'unknown sender' : `role ${role}`);
    }
    const session = await this.kernel.store.sessions.findByThread({ instance: event.instance, workspaceId: event.workspaceId, chatId: event.chatId, threadId: event.threadId });
    const pending = session ? await this.findPending(session, intent) : null;
    if (!session || !pending || !this.kernel.executor) return this.tell(target, traceId, 'not_pending', intent.ref);
    const answer = toAnswer(intent, pending);
    if (!answer) return this.tell(target, traceId, 'not_pending', `no option ${(intent as { index?: number }).index! + 1}`);
    try {
      await this.kernel.executor.answer(pending.interactionId, answer, {
        instance: event.instance,
        provider: event.provider,
        workspaceId: event.workspaceId,
        userId: event.userId,
        chatId: event.chatId,
        threadId: event.threadId,
        eventId: event.eventId,
      });
    } catch (error) {
      if (isGatewayError(error) && error.status === 404) return this.tell(target, traceId, 'not_pending', intent.ref);
      throw error;
    }
    const record = toJson({ interactionId: pending.interactionId, kind: intent.kind, by: event.userId, answer });
    await this.kernel.store.events.append(session.sessionId, [{ type: 'interaction.answered', payload: record, traceId }]);
    await this.kernel.store.sessions.setStatus(session.sessionId, 'running');
    await this.kernel.audit('interaction.answered', event.userId, toJson({ provider: event.instance, sessionId: session.sessionId, interactionId: pending.interactionId, kind: intent.kind, decision: intent.kind === 'permission' ? intent.decision : 'answer' }), traceId);
    return this.tell(target, traceId, 'answered', summarize(answer, event.userName ?? event.userId));
  }

  /** The newest unanswered request in the session that the intent refers to. */
  private async findPending(session: Session, intent: InteractionIntent): Promise<PendingRequest | null> {
    const events = await this.kernel.store.events.list(session.sessionId, { afterSeq: Math.max(0, session.lastEventSeq - LOOKBACK_EVENTS) });
    const answered = new Set(events.filter((e) => e.type === 'interaction.answered').map((e) => e.payload.interactionId));
    for (const event of [...events].reverse()) {
      const request = asRequest(event);
      if (!request || answered.has(request.interactionId) || request.kind !== intent.kind) continue;
      if (matches(request, intent)) return request;
    }
    return null;
  }

  private async tell(target: DeliveryTarget, traceId: string, outcome: 'answered' | 'not_pending' | 'not_allowed', summary: string): Promise<'answered' | 'not_pending' | 'not_allowed'> {
    await this.kernel.notify({ kind: 'interaction', outcome, summary }, target, `interaction:${traceId}`, { traceId });
    return outcome;
  }
}

interface PendingRequest {
  kind: 'permission' | 'question';
  interactionId: string;
  options: string[];
}

function asRequest(event: SessionEvent): PendingRequest | null {
  const id = event.payload.interactionId;
  if (typeof id !== 'string') return null;
  if (event.type === 'permission.requested') return { kind: 'permission', interactionId: id, options: [] };
  if (event.type === 'question.asked') {
    const options = Array.isArray(event.payload.options) ? event.payload.options.map(String) : [];
    return { kind: 'question', interactionId: id, options };
  }
  return null;
}

/** A reference matches the full id (typed commands) or the id as compacted into a button value. */
function matches(request: PendingRequest, intent: InteractionIntent): boolean {
  return interactionIdMatches(request.interactionId, intent.ref);
}

function toAnswer(intent: InteractionIntent, request: PendingRequest): InteractionAnswer | null {
  if (intent.kind === 'permission') return { kind: 'permission', decision: intent.decision };
  if (intent.text !== undefined) return { kind: 'question', answers: [intent.text] };
  const option = request.options[intent.index ?? -1];
  return option === undefined ? null : { kind: 'question', answers: [option] };
}

function summarize(answer: InteractionAnswer, who: string): string {
  if (answer.kind === 'question') return `Answered "${answer.answers.join(', ')}" (by ${who})`;
  const verb = { once: 'Allowed once', always: 'Allowed always', reject: 'Denied' }[answer.decision];
  return `${verb} (by ${who})`;
}
