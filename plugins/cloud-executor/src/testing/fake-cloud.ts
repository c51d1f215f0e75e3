import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback Open Cowork Cloud implementing the channel surface of cloud-protocol.md §11 items
// 1–7: token auth with binding grants, the channels feature toggle, the stores, endpoints
// 3.1–3.11 with their status codes, the poll-driven delivery SSE with claims and TTL reclaim,
// the session SSE with replay, live follow and `snapshot.required` on gaps, and test controls.

type Role = 'owner' | 'admin' | 'member' | 'approver' | 'viewer';
type Json = Record<string, unknown>;

export interface FakeCloudToken {
  tokenId: string;
  plaintext: string;
  accountId: string;
  role: Role;
  scopes: string[];
  channelBindingIds: string[];
  revoked: boolean;
}

export interface FakeChannelBinding {
  bindingId: string;
  orgId: string;
  agentId: string;
  provider: string;
  externalWorkspaceId: string | null;
  displayName: string;
  status: 'active' | 'disabled' | 'auth_required' | 'error';
  settings: Json;
  createdAt: string;
  updatedAt: string;
}

export interface FakeIdentity {
  identityId: string;
  orgId: string;
  provider: string;
  externalWorkspaceId: string | null;
  externalUserId: string;
  accountId: string | null;
  role: Role;
  status: 'active' | 'disabled' | 'pending';
  metadata: Json;
  createdAt: string;
  updatedAt: string;
}

export interface FakeThreadBinding {
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

export interface FakeSessionEvent {
  tenantId: string;
  sessionId: string;
  eventId: string;
  sequence: number;
  type: string;
  payload: Json;
  createdAt: string;
}

export interface FakeDelivery {
  deliveryId: string;
  orgId: string;
  agentId: string;
  channelBindingId: string;
  sessionBindingId: string | null;
  provider: string;
  target: Json;
  eventType: string;
  payload: Json;
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

export interface FakeProviderEvent {
  eventId: string;
  orgId: string;
  channelBindingId: string | null;
  provider: string;
  providerInstanceId: string;
  externalWorkspaceId: string | null;
  providerEventId: string;
  eventType: 'message' | 'command' | 'interaction';
  status: 'received' | 'processing' | 'processed' | 'failed';
  claimedBy: string | null;
  claimExpiresAt: string | null;
  attemptCount: number;
  retryable: boolean;
  lastError: string | null;
  metadata: Json;
  processedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FakeInteraction {
  interactionId: string;
  orgId: string;
  agentId: string;
  channelBindingId: string;
  sessionBindingId: string;
  sessionId: string;
  provider: string;
  externalInteractionId: string | null;
  kind: 'permission' | 'question';
  targetId: string;
  status: 'pending' | 'used' | 'expired' | 'revoked';
  createdByIdentityId: string | null;
  expiresAt: string;
  usedAt: string | null;
  createdAt: string;
  updatedAt: string;
  tokenHash: string;
}

export interface FakeCommand {
  commandId: string;
  tenantId: string;
  userId: string;
  sessionId: string;
  kind: 'prompt' | 'abort' | 'permission.respond' | 'question.reply' | 'question.reject';
  payload: Json;
  targetLeaseToken: null;
  createdSequence: number;
  createdAt: string;
  status: 'pending' | 'running' | 'acked' | 'failed';
  claimedBy: null;
  claimedLeaseToken: null;
  ackedAt: string | null;
  error: string | null;
}

/** A recorded request: method, path (with query) and parsed JSON body. */
export interface FakeCloudRequest {
  method: string;
  path: string;
  body: Json | null;
  headers: Record<string, string | string[] | undefined>;
}

/** A forced failure for requests whose path matches. */
interface ForcedFailure {
  match: RegExp;
  status: number;
  remaining: number;
  retryAfterSeconds?: number;
  drop?: boolean;
}

/**
 * How the fake agent answers a prompt (the scripted runtime): `reply` answers with deltas then a
 * snapshot, `/fail` ends in `runtime.error`, `/slow` never ends on its own, `/permission` and
 * `/question` wait for the interaction, `/poison` emits an assistant event the gateway cannot
 * render, `/silent` submits only.
 */
export interface FakeCloudOptions {
  orgId?: string;
  /** The delivery SSE poll interval (ssePollMs). Default 25 ms for tests. */
  ssePollMs?: number;
  /** Session SSE keep-alive interval. Default 1000 ms. */
  keepAliveMs?: number;
  /** Whether prompts run the scripted agent. Default true. */
  autoRun?: boolean;
}

const ORG = 'org_fake';
const SSE_HEADERS_SESSION = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
const SSE_HEADERS_DELIVERY = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' };
const KNOWN_EVENT_TYPES = new Set([
  'session.created', 'session.imported', 'session.project_source.bound', 'prompt.submitted', 'assistant.message', 'tool.call', 'task.run',
  'permission.requested', 'permission.resolved', 'question.asked', 'question.resolved', 'todos.updated', 'cost.updated',
  'artifact.created', 'artifact.updated', 'session.status', 'session.idle', 'session.aborted', 'runtime.error',
]);

class HttpFailure extends Error {
  constructor(readonly status: number, message: string, readonly extra: Json = {}) {
    super(message);
  }
}

function hash(...parts: (string | null | undefined)[]): string {
  return createHash('sha256').update(parts.map((p) => p ?? '').join('\u0000')).digest('hex').slice(0, 32);
}

function b64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

interface Principal {
  token: FakeCloudToken;
}

interface SessionStream {
  res: ServerResponse;
  sessionId: string;
  cursor: number;
  busy: boolean;
}

interface SessionState {
  sessionId: string;
  userId: string;
  profileName: string;
  title: string;
  status: 'idle' | 'running' | 'closed' | 'errored';
  events: FakeSessionEvent[];
  /** The next sequence to assign. */
  next: number;
  createdAt: string;
  updatedAt: string;
}

/** A loopback fake of Open Cowork Cloud's channel surface, with failure controls for tests. */
export class FakeCloud {
  readonly orgId: string;
  readonly requests: FakeCloudRequest[] = [];
  readonly tokens = new Map<string, FakeCloudToken>();
  readonly agents = new Map<string, Json>();
  readonly bindings = new Map<string, FakeChannelBinding>();
  readonly identities = new Map<string, FakeIdentity>();
  readonly threads = new Map<string, FakeThreadBinding>();
  readonly sessions = new Map<string, SessionState>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly deliveries = new Map<string, FakeDelivery>();
  readonly providerEvents = new Map<string, FakeProviderEvent>();
  readonly commands = new Map<string, FakeCommand>();
  /** Whether the org's Cloud profile has the `channels` feature. */
  channelsEnabled = true;
  /** Commands the fake agent should not answer yet, by session: `/slow` runs. */
  private readonly failures: ForcedFailure[] = [];
  private readonly sessionStreams = new Set<SessionStream>();
  private readonly deliveryStreams = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private readonly pendingInteractions = new Map<string, { sessionId: string; kind: 'permission' | 'question'; commandId: string; messageId: string }>();
  private server: Server | null = null;
  private baseUrl = '';
  private readonly ssePollMs: number;
  private readonly keepAliveMs: number;
  private readonly autoRun: boolean;
  /** Sequences dropped from sessions (to force gaps). */
  private readonly skips = new Map<string, number>();
  private clockOffsetMs = 0;

  constructor(options: FakeCloudOptions = {}) {
    this.orgId = options.orgId ?? ORG;
    this.ssePollMs = options.ssePollMs ?? 25;
    this.keepAliveMs = options.keepAliveMs ?? 1000;
    this.autoRun = options.autoRun ?? true;
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.json(res, 500, { error: (error as Error).message });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const stream of this.sessionStreams) stream.res.destroy();
    for (const res of this.deliveryStreams) res.destroy();
    this.sessionStreams.clear();
    this.deliveryStreams.clear();
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- setup ---------------------------------------------------------------------------------

  /** Issues an API token (`occ_<tokenId>_<secret>`); default: an org owner with scope `gateway`. */
  issueToken(options: { role?: Role; scopes?: string[]; channelBindingIds?: string[] } = {}): FakeCloudToken {
    const tokenId = `tok_${b64url(12)}`;
    const token: FakeCloudToken = {
      tokenId,
      plaintext: `occ_${tokenId}_${b64url(32)}`,
      accountId: `acct_${b64url(6)}`,
      role: options.role ?? 'owner',
      scopes: options.scopes ?? ['gateway'],
      channelBindingIds: options.channelBindingIds ?? [],
      revoked: false,
    };
    this.tokens.set(tokenId, token);
    return token;
  }

  /** Creates a headless agent and an active channel binding for `provider`. */
  addChannelBinding(options: { bindingId?: string; provider: string; externalWorkspaceId?: string | null; status?: FakeChannelBinding['status'] }): FakeChannelBinding {
    const agentId = `agent_${b64url(6)}`;
    const now = this.nowIso();
    this.agents.set(agentId, { agentId, orgId: this.orgId, tenantId: this.orgId, profileName: 'default', name: 'Agent', status: 'active', managed: false, createdByAccountId: null, createdAt: now, updatedAt: now });
    const binding: FakeChannelBinding = {
      bindingId: options.bindingId ?? `cb_${b64url(6)}`,
      orgId: this.orgId,
      agentId,
      provider: options.provider,
      externalWorkspaceId: options.externalWorkspaceId ?? null,
      displayName: options.provider,
      status: options.status ?? 'active',
      settings: {},
      createdAt: now,
      updatedAt: now,
    };
    this.bindings.set(binding.bindingId, binding);
    return binding;
  }

  grant(token: FakeCloudToken, channelBindingId: string): void {
    if (!token.channelBindingIds.includes(channelBindingId)) token.channelBindingIds.push(channelBindingId);
  }

  /** Sets (creates) an identity as an admin would: role and status. */
  setIdentity(options: { provider: string; externalUserId: string; externalWorkspaceId?: string | null; role: Role; status?: FakeIdentity['status'] }): FakeIdentity {
    const identity = this.upsertIdentity(options.provider, options.externalWorkspaceId ?? null, options.externalUserId, {});
    identity.role = options.role;
    identity.status = options.status ?? 'active';
    return identity;
  }

  // ---- controls ------------------------------------------------------------------------------

  /** The next `count` requests whose path matches answer `status` (429 with Retry-After when given). */
  failNext(match: RegExp, status: number, count = 1, retryAfterSeconds?: number): void {
    this.failures.push({ match, status, remaining: count, retryAfterSeconds });
  }

  /** The next `count` requests whose path matches are dropped (socket destroyed, no response). */
  dropNext(match: RegExp, count = 1): void {
    this.failures.push({ match, status: 0, remaining: count, drop: true });
  }

  /** Cancels every forced failure not used up yet. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Destroys every open SSE connection (session and delivery streams). */
  dropStreams(): void {
    for (const stream of this.sessionStreams) stream.res.destroy();
    for (const res of this.deliveryStreams) res.destroy();
    this.sessionStreams.clear();
    this.deliveryStreams.clear();
  }

  /** Ends every open SSE connection gracefully (as Cloud does at the max stream lifetime). */
  endStreams(): void {
    for (const stream of this.sessionStreams) stream.res.end();
    for (const res of this.deliveryStreams) res.end();
    this.sessionStreams.clear();
    this.deliveryStreams.clear();
  }

  /** Skips `count` sequences in a session (a retention gap): the next event jumps ahead. */
  forceGap(sessionId: string, count: number): void {
    this.skips.set(sessionId, (this.skips.get(sessionId) ?? 0) + count);
  }

  /** Moves the fake's clock forward (claims and leases expire). */
  advance(ms: number): void {
    this.clockOffsetMs += ms;
  }

  /** Appends a session event (and wakes live streams); returns it. */
  appendSessionEvent(sessionId: string, type: string, payload: Json): FakeSessionEvent {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`unknown session ${sessionId}`);
    const skip = this.skips.get(sessionId) ?? 0;
    if (skip > 0) {
      session.next += skip;
      this.skips.delete(sessionId);
    }
    const event: FakeSessionEvent = { tenantId: this.orgId, sessionId, eventId: `evt_${b64url(8)}`, sequence: session.next, type, payload, createdAt: this.nowIso() };
    session.next += 1;
    session.events.push(event);
    // The projection's status follows the events, as Cloud's session projection does.
    if (type === 'session.idle') session.status = session.status === 'errored' ? 'errored' : 'idle';
    else if (type === 'runtime.error') session.status = 'errored';
    else if (type === 'prompt.submitted') session.status = 'running';
    session.updatedAt = event.createdAt;
    this.wake();
    return event;
  }

  /** Injects a delivery as a Cloud producer would (status pending, due now); returns it. */
  injectDelivery(options: { channelBindingId: string; target: Json; payload: Json; eventType?: string; deliveryId?: string; sessionBindingId?: string | null }): FakeDelivery {
    const binding = this.bindings.get(options.channelBindingId);
    if (!binding) throw new Error(`unknown channel binding ${options.channelBindingId}`);
    return this.createDelivery(binding, {
      deliveryId: options.deliveryId,
      target: options.target,
      payload: options.payload,
      eventType: options.eventType ?? 'channel.message',
      sessionBindingId: options.sessionBindingId ?? null,
    });
  }

  /** Expires every live delivery and provider-event claim. */
  expireClaims(): void {
    const past = new Date(this.now() - 1).toISOString();
    for (const d of this.deliveries.values()) if (d.status === 'claimed') d.claimExpiresAt = past;
    for (const e of this.providerEvents.values()) if (e.status === 'processing') e.claimExpiresAt = past;
    this.wake();
  }

  /** The thread binding of a chat/thread, if any. */
  threadFor(externalChatId: string, externalThreadId?: string): FakeThreadBinding | undefined {
    return [...this.threads.values()].find((t) => t.externalChatId === externalChatId && t.externalThreadId === (externalThreadId ?? externalChatId));
  }

  sessionEvents(sessionId: string): FakeSessionEvent[] {
    return [...(this.sessions.get(sessionId)?.events ?? [])];
  }

  /** Requests whose path starts with `prefix` (and method, when given). */
  requestsTo(prefix: string, method?: string): FakeCloudRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix) && (method === undefined || r.method === method));
  }

  /** Resolves when `predicate` holds, re-checked on every state change (no polling sleeps). */
  async until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake Cloud: ${what} did not hold within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
    for (const stream of [...this.sessionStreams]) void this.pumpSession(stream);
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private async readBody(req: IncomingMessage): Promise<Json | null> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return null;
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return null;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpFailure(400, 'Request body must be a JSON object.');
      return parsed as Json;
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      throw new HttpFailure(400, 'Request body must be valid JSON.');
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = req.method === 'POST' || req.method === 'PATCH' ? await this.readBody(req).catch((e: unknown) => e as HttpFailure) : null;
    if (body instanceof HttpFailure) return this.json(res, body.status, { error: body.message });
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, body, headers: { ...req.headers } });
    this.wake();
    const forced = this.failures.find((f) => f.remaining > 0 && f.match.test(url.pathname));
    if (forced) {
      forced.remaining -= 1;
      if (forced.drop) {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = forced.retryAfterSeconds !== undefined ? { 'retry-after': String(forced.retryAfterSeconds) } : {};
      return this.json(res, forced.status, { error: forced.status === 429 ? 'Rate limit exceeded.' : 'Internal error.', ...(forced.retryAfterSeconds !== undefined ? { retryAfterMs: forced.retryAfterSeconds * 1000 } : {}) }, headers);
    }
    try {
      const principal = this.authenticate(req);
      if (!url.pathname.startsWith('/api/channels/')) throw new HttpFailure(404, 'Not found.');
      if (!this.channelsEnabled) throw new HttpFailure(403, 'Channels are disabled for this Cloud profile.', { verdict: { allowed: false, reason: 'Channels are disabled.', policyCode: 'channels.disabled' } });
      await this.route(req.method ?? 'GET', url, body ?? {}, principal, req, res);
    } catch (error) {
      if (error instanceof HttpFailure) {
        if (res.headersSent) return void res.end();
        return this.json(res, error.status, { error: error.message, ...error.extra });
      }
      throw error;
    }
  }

  private authenticate(req: IncomingMessage): Principal {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (occ_(tok_[A-Za-z0-9_-]{16})_([A-Za-z0-9_-]+))$/.exec(header);
    if (!match) throw new HttpFailure(401, 'Authentication required.');
    const token = this.tokens.get(match[2]!);
    if (!token || token.revoked) throw new HttpFailure(401, 'Authentication required.');
    const given = Buffer.from(match[1]!);
    const expected = Buffer.from(token.plaintext);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpFailure(401, 'Authentication required.');
    if (!token.scopes.includes('gateway') && !token.scopes.includes('admin')) throw new HttpFailure(403, 'Token scope does not allow channel access.');
    return { token };
  }

  /** Active channel bindings granted to the token (admin-scoped tokens see all). */
  private granted(principal: Principal): FakeChannelBinding[] {
    const isAdmin = principal.token.scopes.includes('admin') && !principal.token.scopes.includes('gateway');
    const active = [...this.bindings.values()].filter((b) => b.status === 'active');
    const list = isAdmin ? active : active.filter((b) => principal.token.channelBindingIds.includes(b.bindingId));
    if (list.length === 0) throw this.scopeRequired();
    return list;
  }

  private scopeRequired(): HttpFailure {
    return new HttpFailure(403, 'Gateway API token has no active channel binding grant.', { verdict: { allowed: false, reason: 'No active channel binding is granted to this token.', policyCode: 'channels.binding_scope_required' } });
  }

  private requireGatewayAccess(principal: Principal): void {
    if (principal.token.role !== 'owner' && principal.token.role !== 'admin') throw new HttpFailure(403, 'Channel gateway access requires an org admin.');
  }

  private grantedBinding(principal: Principal, channelBindingId: string | undefined, provider: string | undefined, workspace?: string | null): FakeChannelBinding {
    const granted = this.granted(principal);
    if (channelBindingId) {
      const binding = granted.find((b) => b.bindingId === channelBindingId);
      if (!binding) throw new HttpFailure(403, 'Gateway API token is not authorized for the requested channel binding.');
      if (provider && binding.provider !== provider) throw new HttpFailure(400, 'Channel binding provider does not match.');
      if (workspace && binding.externalWorkspaceId && workspace !== binding.externalWorkspaceId) throw new HttpFailure(403, 'Channel binding workspace does not match.');
      return binding;
    }
    const candidates = granted.filter((b) => b.provider === provider && (workspace === undefined || (b.externalWorkspaceId ?? null) === (workspace ?? null)));
    if (candidates.length !== 1) throw new HttpFailure(400, candidates.length === 0 ? 'No channel binding matches.' : 'Several channel bindings match; pass channelBindingId.');
    return candidates[0]!;
  }

  private async route(method: string, url: URL, body: Json, principal: Principal, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    this.requireGatewayAccess(principal);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/api/channels/identities/resolve') return this.json(res, 200, this.resolveIdentity(principal, body));
    if (method === 'POST' && path === '/api/channels/sessions/bind') return this.json(res, 200, this.bindThread(principal, body));
    if (method === 'GET' && path === '/api/channels/sessions/by-thread') return this.json(res, 200, this.byThread(principal, url));
    if (method === 'POST' && path === '/api/channels/sessions/prompt') return this.json(res, 202, this.prompt(principal, body));
    if (method === 'POST' && path === '/api/channels/provider-events/claim') return this.json(res, 200, this.claimProviderEvent(principal, body));
    if (method === 'POST' && (m = /^\/api\/channels\/provider-events\/([^/]+)\/complete$/.exec(path))) return this.json(res, 200, this.completeProviderEvent(principal, decodeURIComponent(m[1]!), body));
    if (method === 'POST' && path === '/api/channels/cursor') return this.json(res, 200, this.updateCursor(principal, body));
    if (method === 'POST' && path === '/api/channels/interactions') return this.json(res, 201, this.createInteraction(principal, body));
    if (method === 'POST' && path === '/api/channels/interactions/resolve') return this.json(res, 202, this.resolveInteraction(principal, body));
    if (method === 'GET' && (m = /^\/api\/channels\/sessions\/([^/]+)\/snapshot$/.exec(path))) return this.json(res, 200, this.snapshot(principal, decodeURIComponent(m[1]!)));
    if (method === 'GET' && (m = /^\/api\/channels\/sessions\/([^/]+)\/events$/.exec(path))) return this.openSessionStream(principal, decodeURIComponent(m[1]!), url, req, res);
    if (method === 'GET' && (m = /^\/api\/channels\/sessions\/([^/]+)\/artifacts\/([^/]+)$/.exec(path))) throw new HttpFailure(503, 'Cloud object storage is not configured.');
    if (method === 'GET' && path === '/api/channels/deliveries/stream') return this.openDeliveryStream(principal, url, res);
    if (method === 'GET' && path === '/api/channels/deliveries') return this.json(res, 200, this.listDeliveries(principal, url));
    if (method === 'POST' && path === '/api/channels/deliveries') return this.json(res, 201, this.createDeliveryRoute(principal, body));
    if (method === 'POST' && (m = /^\/api\/channels\/deliveries\/([^/]+)\/ack$/.exec(path))) return this.json(res, 200, this.ackDelivery(principal, decodeURIComponent(m[1]!), body, url));
    if (method === 'POST' && (m = /^\/api\/channels\/deliveries\/([^/]+)\/(retry|dead-letter)$/.exec(path))) return this.json(res, 200, this.operateDelivery(principal, decodeURIComponent(m[1]!), m[2] as 'retry' | 'dead-letter', body));
    throw new HttpFailure(404, 'Not found.');
  }

  // ---- identities, threads, sessions -----------------------------------------------------------

  private upsertIdentity(provider: string, workspace: string | null, externalUserId: string, metadata: Json): FakeIdentity {
    const key = hash(this.orgId, provider, workspace, externalUserId);
    const existing = this.identities.get(key);
    const now = this.nowIso();
    if (existing) {
      existing.metadata = { ...existing.metadata, ...metadata };
      existing.updatedAt = now;
      return existing;
    }
    const identity: FakeIdentity = { identityId: `ident_${key.slice(0, 16)}`, orgId: this.orgId, provider, externalWorkspaceId: workspace, externalUserId, accountId: null, role: 'viewer', status: 'pending', metadata, createdAt: now, updatedAt: now };
    this.identities.set(key, identity);
    return identity;
  }

  private resolveIdentity(principal: Principal, body: Json): Json {
    const provider = str(body.provider);
    const externalUserId = str(body.externalUserId);
    if (!provider || !externalUserId) throw new HttpFailure(400, 'provider and externalUserId are required.');
    const binding = this.grantedBinding(principal, str(body.channelBindingId), provider, nullableStr(body.externalWorkspaceId));
    const identity = this.upsertIdentity(provider, binding.externalWorkspaceId ?? nullableStr(body.externalWorkspaceId) ?? null, externalUserId, isObject(body.metadata) ? body.metadata : {});
    return { identity: { ...identity } };
  }

  private actor(principal: Principal, body: Json, binding: FakeChannelBinding, roles: Role[]): FakeIdentity {
    void principal;
    const identityId = str(body.identityId);
    const externalUserId = str(body.externalUserId);
    const identity = [...this.identities.values()].find((i) => (identityId ? i.identityId === identityId : i.externalUserId === externalUserId) && i.provider === binding.provider);
    if (!identity || identity.status !== 'active' || !roles.includes(identity.role) || (identity.externalWorkspaceId ?? null) !== (binding.externalWorkspaceId ?? null)) {
      throw new HttpFailure(403, 'Channel actor identity is not authorized for this channel session.');
    }
    return identity;
  }

  private bindThread(principal: Principal, body: Json): Json {
    const channelBindingId = str(body.channelBindingId);
    const provider = str(body.provider);
    const externalChatId = str(body.externalChatId);
    const externalThreadId = str(body.externalThreadId) ?? externalChatId;
    if (!channelBindingId || !provider || !externalChatId || !externalThreadId) throw new HttpFailure(400, 'channelBindingId, provider, externalChatId and externalThreadId are required.');
    const binding = this.grantedBinding(principal, channelBindingId, provider);
    this.actor(principal, body, binding, ['owner', 'admin', 'member']);
    const key = hash(this.orgId, provider, binding.externalWorkspaceId, externalChatId, externalThreadId);
    const existing = [...this.threads.values()].find((t) => t.provider === provider && t.externalWorkspaceId === binding.externalWorkspaceId && t.externalChatId === externalChatId && t.externalThreadId === externalThreadId);
    if (existing) return { binding: { ...existing }, session: this.view(existing.sessionId) };
    const sessionId = `channel_session_${key}`;
    const now = this.nowIso();
    this.sessions.set(sessionId, { sessionId, userId: principal.token.accountId, profileName: 'default', title: str(body.title) ?? `Channel ${provider}`, status: 'idle', events: [], next: 1, createdAt: now, updatedAt: now });
    const thread: FakeThreadBinding = {
      bindingId: `csb_${key.slice(0, 20)}`,
      orgId: this.orgId,
      agentId: binding.agentId,
      channelBindingId,
      provider,
      externalWorkspaceId: binding.externalWorkspaceId,
      externalThreadId,
      externalChatId,
      sessionId,
      lastEventSequence: 0,
      lastWorkspaceSequence: 0,
      lastChatMessageId: null,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    this.threads.set(thread.bindingId, thread);
    this.appendSessionEvent(sessionId, 'session.created', { sessionId, title: this.sessions.get(sessionId)!.title });
    return { binding: { ...thread }, session: this.view(sessionId) };
  }

  private byThread(principal: Principal, url: URL): Json {
    const q = url.searchParams;
    const thread = [...this.threads.values()].find((t) => t.provider === q.get('provider') && t.externalChatId === q.get('externalChatId') && t.externalThreadId === (q.get('externalThreadId') ?? q.get('externalChatId')));
    if (!thread || !this.granted(principal).some((b) => b.bindingId === thread.channelBindingId)) throw new HttpFailure(404, 'Channel session binding was not found.');
    return { binding: { ...thread }, session: this.view(thread.sessionId) };
  }

  private thread(principal: Principal, bindingId: string | undefined): FakeThreadBinding {
    if (!bindingId) throw new HttpFailure(400, 'bindingId is required.');
    const thread = this.threads.get(bindingId);
    if (!thread || thread.status !== 'active') throw new HttpFailure(404, 'Channel session binding was not found.');
    if (!this.granted(principal).some((b) => b.bindingId === thread.channelBindingId)) throw new HttpFailure(403, 'Gateway API token is not authorized for the requested channel binding.');
    return thread;
  }

  private view(sessionId: string): Json {
    const s = this.sessions.get(sessionId)!;
    const last = s.events[s.events.length - 1];
    return {
      session: { tenantId: this.orgId, userId: s.userId, sessionId, opencodeSessionId: `oc_${sessionId.slice(-8)}`, profileName: s.profileName, status: s.status, title: s.title, createdAt: s.createdAt, updatedAt: s.updatedAt },
      projection: { tenantId: this.orgId, sessionId, sequence: last?.sequence ?? 0, view: { messages: [] }, updatedAt: s.updatedAt },
    };
  }

  private snapshot(principal: Principal, bindingId: string): Json {
    return this.view(this.thread(principal, bindingId).sessionId);
  }

  private prompt(principal: Principal, body: Json): Json {
    const thread = this.thread(principal, str(body.bindingId));
    const text = str(body.text);
    if (!text) throw new HttpFailure(400, 'bindingId and text are required.');
    const binding = this.bindings.get(thread.channelBindingId)!;
    this.actor(principal, body, binding, ['owner', 'admin', 'member']);
    const idempotencyKey = str(body.idempotencyKey) ?? b64url(8);
    const commandId = `channel_command_${hash(this.orgId, thread.bindingId, idempotencyKey)}`;
    const existing = this.commands.get(commandId);
    if (existing) {
      if (existing.status === 'failed') throw new HttpFailure(409, 'The idempotent command already failed.');
      return { binding: { ...thread }, command: { ...existing }, processed: 0, view: this.view(thread.sessionId), projectionFence: null };
    }
    const submitted = this.appendSessionEvent(thread.sessionId, 'prompt.submitted', { text, commandId, messageId: `msg_user_${b64url(4)}` });
    const command: FakeCommand = {
      commandId, tenantId: this.orgId, userId: principal.token.accountId, sessionId: thread.sessionId, kind: 'prompt',
      payload: { text, agent: str(body.agent) ?? 'build' }, targetLeaseToken: null, createdSequence: submitted.sequence, createdAt: this.nowIso(),
      status: 'pending', claimedBy: null, claimedLeaseToken: null, ackedAt: null, error: null,
    };
    this.commands.set(commandId, command);
    if (this.autoRun) setImmediate(() => this.runAgent(thread.sessionId, command, text));
    return { binding: { ...thread }, command: { ...command }, processed: 0, view: this.view(thread.sessionId), projectionFence: { version: 1, scope: 'session', tenantId: this.orgId, sessionId: thread.sessionId, commandId, sequence: submitted.sequence, projectionVersion: submitted.sequence, issuedAt: this.nowIso() } };
  }

  /** The scripted agent: what Cloud's worker would append for a prompt. */
  private runAgent(sessionId: string, command: FakeCommand, text: string): void {
    if (!this.sessions.has(sessionId)) return;
    const session = this.sessions.get(sessionId)!;
    session.status = 'running';
    command.status = 'running';
    const messageId = `msg_${b64url(6)}`;
    const word = text.trim().split(/\s+/)[0] ?? '';
    if (word === '/silent') return;
    if (word === '/slow') return;
    if (word === '/fail') {
      this.appendSessionEvent(sessionId, 'runtime.error', { message: text.slice(5).trim() || 'the agent failed', code: 'agent_failed' });
      return this.finish(session, command, 'failed');
    }
    if (word === '/permission') {
      const permissionId = `perm_${b64url(6)}`;
      this.pendingInteractions.set(permissionId, { sessionId, kind: 'permission', commandId: command.commandId, messageId });
      this.appendSessionEvent(sessionId, 'permission.requested', { permissionId, id: permissionId, sessionId, tool: 'bash', input: { command: 'ls' }, description: 'Run ls' });
      return;
    }
    if (word === '/question') {
      const requestId = `que_${b64url(6)}`;
      this.pendingInteractions.set(requestId, { sessionId, kind: 'question', commandId: command.commandId, messageId });
      this.appendSessionEvent(sessionId, 'question.asked', { requestId, id: requestId, sessionId, questions: [{ header: 'Pick', question: 'Which one?', options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'cool' }], multiple: false, custom: false }] });
      return;
    }
    if (word === '/poison') {
      this.appendSessionEvent(sessionId, 'assistant.message', { messageId, content: { not: 'text' }, mode: 'append' });
      this.appendSessionEvent(sessionId, 'assistant.message', { messageId: `${messageId}b`, content: 'after the poison', mode: 'replace' });
      return this.finish(session, command, 'acked');
    }
    if (word === '/tool') {
      this.appendSessionEvent(sessionId, 'tool.call', { id: 'call_1', name: 'bash', input: { command: 'ls' }, status: 'running' });
      this.appendSessionEvent(sessionId, 'tool.call', { id: 'call_1', name: 'bash', input: { command: 'ls' }, status: 'complete', output: 'a b' });
    }
    const reply = `Echo: ${text}`;
    const half = Math.ceil(reply.length / 2);
    this.appendSessionEvent(sessionId, 'assistant.message', { sessionId, messageId, content: reply.slice(0, half), mode: 'append' });
    this.appendSessionEvent(sessionId, 'cost.updated', { id: messageId, cost: 0.001, tokens: { input: 3, output: 5 } });
    this.appendSessionEvent(sessionId, 'assistant.message', { sessionId, messageId, content: reply.slice(half), mode: 'append' });
    this.appendSessionEvent(sessionId, 'assistant.message', { sessionId, messageId, content: reply, mode: 'replace' });
    this.finish(session, command, 'acked');
  }

  private finish(session: SessionState, command: FakeCommand, status: 'acked' | 'failed'): void {
    command.status = status;
    command.ackedAt = this.nowIso();
    this.appendSessionEvent(session.sessionId, 'session.idle', { sessionId: session.sessionId });
  }

  private updateCursor(principal: Principal, body: Json): Json {
    const bindingId = str(body.bindingId);
    if (!bindingId) throw new HttpFailure(400, 'bindingId is required.');
    const last = body.lastEventSequence;
    const lastWs = body.lastWorkspaceSequence;
    if (!isNonNegativeInt(last) || !isNonNegativeInt(lastWs)) throw new HttpFailure(400, 'lastEventSequence and lastWorkspaceSequence must be non-negative integers.');
    const thread = this.threads.get(bindingId);
    if (!thread) throw new HttpFailure(404, 'Channel session binding was not found.');
    this.thread(principal, bindingId);
    if (last < thread.lastEventSequence || lastWs < thread.lastWorkspaceSequence) return { binding: { ...thread }, result: { ok: false, reason: 'stale', binding: { ...thread } } };
    thread.lastEventSequence = last;
    thread.lastWorkspaceSequence = lastWs;
    if (body.lastChatMessageId !== undefined) thread.lastChatMessageId = nullableStr(body.lastChatMessageId) ?? null;
    thread.updatedAt = this.nowIso();
    this.wake();
    return { binding: { ...thread }, result: { ok: true, binding: { ...thread } } };
  }

  // ---- provider events -------------------------------------------------------------------------

  private claimProviderEvent(principal: Principal, body: Json): Json {
    const provider = str(body.provider);
    const providerInstanceId = str(body.providerInstanceId);
    const providerEventId = str(body.providerEventId);
    const eventType = str(body.eventType);
    const claimedBy = str(body.claimedBy);
    if (!provider || !providerInstanceId || !providerEventId || !eventType || !claimedBy) throw new HttpFailure(400, 'provider, providerInstanceId, providerEventId, eventType and claimedBy are required.');
    if (!['message', 'command', 'interaction'].includes(eventType)) throw new HttpFailure(400, 'eventType must be message, command or interaction.');
    const metadata = isObject(body.metadata) ? body.metadata : {};
    if (Buffer.byteLength(JSON.stringify(metadata)) > 16 * 1024) throw new HttpFailure(400, 'metadata is too large.');
    const binding = this.grantedBinding(principal, str(body.channelBindingId), provider, nullableStr(body.externalWorkspaceId));
    const workspace = nullableStr(body.externalWorkspaceId) ?? null;
    const ttl = clamp(typeof body.ttlMs === 'number' && Number.isFinite(body.ttlMs) ? body.ttlMs : 300_000, 1, 3_600_000);
    const eventId = `channel_provider_event_${hash(this.orgId, binding.bindingId, provider, providerInstanceId, workspace, eventType, providerEventId)}`;
    const now = this.now();
    const nowIso = new Date(now).toISOString();
    const expires = new Date(now + ttl).toISOString();
    const existing = this.providerEvents.get(eventId);
    if (!existing) {
      const event: FakeProviderEvent = {
        eventId, orgId: this.orgId, channelBindingId: binding.bindingId, provider, providerInstanceId, externalWorkspaceId: workspace, providerEventId,
        eventType: eventType as FakeProviderEvent['eventType'], status: 'processing', claimedBy, claimExpiresAt: expires, attemptCount: 1, retryable: true,
        lastError: null, metadata: { ...metadata, channelBindingId: binding.bindingId }, processedAt: null, createdAt: nowIso, updatedAt: nowIso,
      };
      this.providerEvents.set(eventId, event);
      return { event: { ...event }, claimed: true, duplicate: false };
    }
    const reclaimable = existing.status === 'received'
      || (existing.status === 'failed' && existing.retryable)
      || (existing.status === 'processing' && existing.claimExpiresAt !== null && Date.parse(existing.claimExpiresAt) <= now);
    existing.updatedAt = nowIso;
    if (!reclaimable) return { event: { ...existing }, claimed: false, duplicate: true };
    Object.assign(existing, { status: 'processing', claimedBy, claimExpiresAt: expires, attemptCount: existing.attemptCount + 1, retryable: true, lastError: null, metadata: { ...metadata, channelBindingId: binding.bindingId } });
    return { event: { ...existing }, claimed: true, duplicate: false };
  }

  private completeProviderEvent(principal: Principal, eventId: string, body: Json): Json {
    const claimedBy = str(body.claimedBy);
    const status = str(body.status);
    if (!claimedBy || (status !== 'processed' && status !== 'failed')) throw new HttpFailure(400, 'claimedBy and status (processed or failed) are required.');
    const event = this.providerEvents.get(eventId);
    const granted = this.granted(principal).map((b) => b.bindingId);
    if (!event || event.claimedBy !== claimedBy || (event.channelBindingId !== null && !granted.includes(event.channelBindingId))) throw new HttpFailure(404, 'Provider event claim was not found.');
    const now = this.nowIso();
    event.status = status;
    event.claimedBy = null;
    event.claimExpiresAt = null;
    event.retryable = status === 'failed' ? body.retryable !== false : false;
    event.lastError = status === 'failed' ? (nullableStr(body.lastError) ?? null)?.slice(0, 1024) ?? null : null;
    if (status === 'processed') event.processedAt = now;
    event.updatedAt = now;
    this.wake();
    return { event: { ...event } };
  }

  // ---- interactions ----------------------------------------------------------------------------

  private createInteraction(principal: Principal, body: Json): Json {
    const requested = str(body.interactionId);
    const thread = this.thread(principal, str(body.sessionBindingId));
    const kind = str(body.kind);
    const targetId = str(body.targetId);
    if (!requested || (kind !== 'permission' && kind !== 'question') || !targetId) throw new HttpFailure(400, 'interactionId, sessionBindingId, kind and targetId are required.');
    const interactionId = `channel_interaction_${hash(this.orgId, thread.channelBindingId, requested)}`;
    if (this.interactions.has(interactionId)) throw new HttpFailure(409, 'Channel interaction already exists.');
    const secret = str(body.tokenSecret) ?? b64url(24);
    const plaintextToken = `occi_${interactionId}_${secret}`;
    const now = this.now();
    const interaction: FakeInteraction = {
      interactionId, orgId: this.orgId, agentId: thread.agentId, channelBindingId: thread.channelBindingId, sessionBindingId: thread.bindingId, sessionId: thread.sessionId,
      provider: thread.provider, externalInteractionId: nullableStr(body.externalInteractionId) ?? null, kind, targetId, status: 'pending', createdByIdentityId: null,
      expiresAt: str(body.expiresAt) ?? new Date(now + 10 * 60_000).toISOString(), usedAt: null, createdAt: new Date(now).toISOString(), updatedAt: new Date(now).toISOString(),
      tokenHash: createHash('sha256').update(plaintextToken).digest('hex'),
    };
    this.interactions.set(interactionId, interaction);
    const { tokenHash: _omit, ...wire } = interaction;
    return { interaction: wire, plaintextToken };
  }

  private resolveInteraction(principal: Principal, body: Json): Json {
    const token = str(body.token);
    const notFound = new HttpFailure(404, 'Channel interaction was not found or is no longer pending.');
    let interaction: FakeInteraction | undefined;
    if (token) {
      const m = /^occi_(channel_interaction_[0-9a-f]{32})_[A-Za-z0-9_-]+$/.exec(token);
      const candidate = m ? this.interactions.get(m[1]!) : undefined;
      if (candidate && candidate.tokenHash === createHash('sha256').update(token).digest('hex')) interaction = candidate;
    }
    if (!interaction) throw notFound;
    if (!this.granted(principal).some((b) => b.bindingId === interaction!.channelBindingId)) throw notFound;
    if (interaction.status === 'used') throw new HttpFailure(409, 'Channel interaction was already resolved.');
    if (interaction.status !== 'pending') throw notFound;
    if (Date.parse(interaction.expiresAt) <= this.now()) {
      interaction.status = 'expired';
      throw notFound;
    }
    const binding = this.bindings.get(interaction.channelBindingId)!;
    let identity: FakeIdentity;
    try {
      identity = this.actor(principal, body, binding, ['owner', 'admin', 'member', 'approver']);
    } catch {
      throw notFound;
    }
    const chat = str(body.externalChatId);
    if (chat && ![...this.threads.values()].some((t) => t.sessionId === interaction!.sessionId && t.status === 'active' && t.externalChatId === chat)) throw notFound;
    const now = this.nowIso();
    interaction.status = 'used';
    interaction.usedAt = now;
    interaction.createdByIdentityId ??= identity.identityId;
    interaction.updatedAt = now;
    const pending = this.pendingInteractions.get(interaction.targetId);
    const session = this.sessions.get(interaction.sessionId)!;
    const kind: FakeCommand['kind'] = interaction.kind === 'permission' ? 'permission.respond' : body.reject === true ? 'question.reject' : 'question.reply';
    const payload: Json = interaction.kind === 'permission'
      ? { permissionId: interaction.targetId, response: isObject(body.response) ? body.response : { allowed: false } }
      : body.reject === true ? { requestId: interaction.targetId } : { requestId: interaction.targetId, answers: Array.isArray(body.answers) ? body.answers : [] };
    const command: FakeCommand = {
      commandId: `channel_command_${hash(this.orgId, interaction.interactionId)}`, tenantId: this.orgId, userId: principal.token.accountId, sessionId: session.sessionId, kind, payload,
      targetLeaseToken: null, createdSequence: session.next, createdAt: now, status: 'acked', claimedBy: null, claimedLeaseToken: null, ackedAt: now, error: null,
    };
    this.commands.set(command.commandId, command);
    if (interaction.kind === 'permission') {
      const allowed = (payload.response as Json).allowed === true;
      this.appendSessionEvent(session.sessionId, 'permission.resolved', { commandId: command.commandId, permissionId: interaction.targetId, allowed });
    } else {
      this.appendSessionEvent(session.sessionId, 'question.resolved', { requestId: interaction.targetId, id: interaction.targetId, ...(body.reject === true ? { rejected: true } : { answers: payload.answers }) });
    }
    if (pending) {
      this.pendingInteractions.delete(interaction.targetId);
      const prompt = this.commands.get(pending.commandId);
      this.appendSessionEvent(session.sessionId, 'assistant.message', { sessionId: session.sessionId, messageId: pending.messageId, content: `Resolved ${interaction.kind}: ${JSON.stringify(payload.response ?? payload.answers ?? 'rejected')}`, mode: 'replace' });
      if (prompt) this.finish(session, prompt, 'acked');
    }
    const { tokenHash: _omit, ...wire } = interaction;
    return { interaction: wire, command: { ...command }, processed: 1, view: this.view(session.sessionId), projectionFence: null };
  }

  // ---- session SSE -----------------------------------------------------------------------------

  private openSessionStream(principal: Principal, bindingId: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    const thread = this.thread(principal, bindingId);
    const afterParam = Number(url.searchParams.get('after') ?? '0');
    const lastId = Number(req.headers['last-event-id'] ?? '0');
    const cursor = Number.isInteger(afterParam) && afterParam > 0 ? afterParam : Number.isInteger(lastId) && lastId > 0 ? lastId : 0;
    res.writeHead(200, SSE_HEADERS_SESSION);
    res.write(': connected\n\n');
    const stream: SessionStream = { res, sessionId: thread.sessionId, cursor, busy: false };
    this.sessionStreams.add(stream);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.keepAliveMs);
    const close = (): void => {
      clearInterval(keepAlive);
      this.sessionStreams.delete(stream);
    };
    res.on('close', close);
    void this.pumpSession(stream);
  }

  private async pumpSession(stream: SessionStream): Promise<void> {
    if (stream.busy || stream.res.writableEnded || stream.res.destroyed) return;
    stream.busy = true;
    try {
      const session = this.sessions.get(stream.sessionId);
      if (!session) return;
      for (const event of session.events) {
        if (event.sequence <= stream.cursor) continue;
        if (event.sequence > stream.cursor + 1 && stream.cursor >= 0) {
          // A gap (retention or a skipped sequence): tell the client to take a snapshot.
          const gap = {
            tenantId: this.orgId, sessionId: session.sessionId, eventId: `snapshot-required:${stream.cursor}`, sequence: stream.cursor, type: 'snapshot.required',
            entityType: 'session', entityId: session.sessionId, operation: 'snapshot_required', projectionVersion: stream.cursor,
            payload: { reason: 'event_retention_gap', afterSequence: stream.cursor, earliestSequence: event.sequence, latestSequence: event.sequence - 1 },
            createdAt: this.nowIso(),
          };
          stream.res.write(`id: ${gap.sequence}\nevent: snapshot.required\ndata: ${JSON.stringify(gap)}\n\n`);
          stream.cursor = event.sequence - 1;
        }
        stream.cursor = event.sequence;
        if (!KNOWN_EVENT_TYPES.has(event.type)) continue;
        stream.res.write(`id: ${event.sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      }
    } finally {
      stream.busy = false;
    }
  }

  // ---- deliveries ------------------------------------------------------------------------------

  private createDelivery(binding: FakeChannelBinding, input: { deliveryId?: string; target: Json; payload: Json; eventType: string; sessionBindingId: string | null }): FakeDelivery {
    const deliveryId = input.deliveryId ?? `dlv_${b64url(8)}`;
    const key = `${this.orgId}|${binding.bindingId}|${deliveryId}`;
    const existing = this.deliveries.get(key);
    if (existing) return existing;
    const now = this.nowIso();
    const delivery: FakeDelivery = {
      deliveryId, orgId: this.orgId, agentId: binding.agentId, channelBindingId: binding.bindingId, sessionBindingId: input.sessionBindingId, provider: binding.provider,
      target: input.target, eventType: input.eventType, payload: input.payload, status: 'pending', attemptCount: 0, claimedBy: null, lastClaimedBy: null,
      claimExpiresAt: null, nextAttemptAt: now, lastError: null, createdAt: now, updatedAt: now,
    };
    this.deliveries.set(key, delivery);
    this.wake();
    return delivery;
  }

  private createDeliveryRoute(principal: Principal, body: Json): Json {
    const binding = this.grantedBinding(principal, str(body.channelBindingId), str(body.provider));
    if (!isObject(body.target) || !isObject(body.payload) || !str(body.eventType)) throw new HttpFailure(400, 'target, eventType and payload are required.');
    return { delivery: { ...this.createDelivery(binding, { deliveryId: str(body.deliveryId), target: body.target, payload: body.payload, eventType: str(body.eventType)!, sessionBindingId: nullableStr(body.sessionBindingId) ?? null }) } };
  }

  private openDeliveryStream(principal: Principal, url: URL, res: ServerResponse): void {
    const requested = url.searchParams.getAll('channelBindingId');
    const granted = this.granted(principal).map((b) => b.bindingId);
    for (const id of requested) if (!granted.includes(id)) throw new HttpFailure(403, 'Gateway API token is not authorized for the requested channel binding.');
    const scope = requested.length > 0 ? requested : granted;
    const claimedBy = url.searchParams.get('claimedBy') || principal.token.tokenId;
    const ttlParam = Number(url.searchParams.get('ttlMs'));
    const ttlMs = Number.isFinite(ttlParam) && ttlParam > 0 ? ttlParam : 30_000;
    res.writeHead(200, SSE_HEADERS_DELIVERY);
    this.deliveryStreams.add(res);
    const poll = (): void => {
      if (res.writableEnded || res.destroyed) return;
      for (;;) {
        const next = this.nextClaimable(scope);
        if (!next) break;
        const now = this.now();
        Object.assign(next, { status: 'claimed', claimedBy, lastClaimedBy: principal.token.tokenId, claimExpiresAt: new Date(now + ttlMs).toISOString(), attemptCount: next.attemptCount + 1, updatedAt: new Date(now).toISOString() });
        res.write(`id: ${next.deliveryId}\nevent: channel.delivery\ndata: ${JSON.stringify({ delivery: next })}\n\n`);
        this.wake();
      }
      res.write(': keep-alive\n\n');
      // Waiters may depend on the client's reaction to what was just written: check them each tick.
      for (const waiter of [...this.waiters]) waiter();
    };
    const timer = setInterval(poll, this.ssePollMs);
    res.on('close', () => {
      clearInterval(timer);
      this.deliveryStreams.delete(res);
    });
    poll();
  }

  /** Writes an `event: error` frame to every open delivery stream. */
  emitDeliveryStreamError(message: string): void {
    for (const res of this.deliveryStreams) res.write(`event: error\ndata: ${JSON.stringify({ error: message })}\n\n`);
  }

  private nextClaimable(scope: readonly string[]): FakeDelivery | undefined {
    const now = this.now();
    return [...this.deliveries.values()]
      .filter((d) => scope.includes(d.channelBindingId))
      .filter((d) => ((d.status === 'pending' || d.status === 'failed') && Date.parse(d.nextAttemptAt) <= now) || (d.status === 'claimed' && d.claimExpiresAt !== null && Date.parse(d.claimExpiresAt) <= now))
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.createdAt.localeCompare(b.createdAt))[0];
  }

  private findDelivery(principal: Principal, deliveryId: string, channelBindingId: string | undefined): FakeDelivery[] {
    const granted = this.granted(principal).map((b) => b.bindingId);
    return [...this.deliveries.values()].filter((d) => d.deliveryId === deliveryId && granted.includes(d.channelBindingId) && (channelBindingId === undefined || d.channelBindingId === channelBindingId));
  }

  private ackDelivery(principal: Principal, deliveryId: string, body: Json, url: URL): Json {
    const status = str(body.status);
    if (status !== 'sent' && status !== 'failed' && status !== 'dead') throw new HttpFailure(400, 'status must be sent, failed or dead.');
    const claimedBy = str(body.claimedBy) ?? url.searchParams.get('claimedBy') ?? principal.token.tokenId;
    const matches = this.findDelivery(principal, deliveryId, str(body.channelBindingId)).filter((d) => d.claimedBy === claimedBy && d.lastClaimedBy === principal.token.tokenId);
    if (matches.length !== 1) throw new HttpFailure(404, 'Channel delivery was not found.');
    const delivery = matches[0]!;
    const nextAttemptAt = str(body.nextAttemptAt);
    Object.assign(delivery, { status, claimedBy: null, claimExpiresAt: null, lastError: (nullableStr(body.lastError) ?? null)?.slice(0, 1024) ?? null, nextAttemptAt: nextAttemptAt ?? this.nowIso(), updatedAt: this.nowIso() });
    this.wake();
    return { delivery: { ...delivery } };
  }

  private listDeliveries(principal: Principal, url: URL): Json {
    const q = url.searchParams;
    const granted = this.granted(principal).map((b) => b.bindingId);
    const limit = clamp(Number(q.get('limit') ?? 50) || 50, 1, 200);
    const list = [...this.deliveries.values()]
      .filter((d) => granted.includes(d.channelBindingId) && d.lastClaimedBy === principal.token.tokenId)
      .filter((d) => (!q.get('status') || d.status === q.get('status')) && (!q.get('channelBindingId') || d.channelBindingId === q.get('channelBindingId')) && (!q.get('deliveryId') || d.deliveryId === q.get('deliveryId')))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
    return { deliveries: list.map((d) => ({ ...d })) };
  }

  private operateDelivery(principal: Principal, deliveryId: string, action: 'retry' | 'dead-letter', body: Json): Json {
    const matches = this.findDelivery(principal, deliveryId, str(body.channelBindingId)).filter((d) => d.lastClaimedBy === principal.token.tokenId);
    if (matches.length !== 1) throw new HttpFailure(404, 'Channel delivery was not found.');
    const delivery = matches[0]!;
    const now = this.nowIso();
    if (action === 'retry') Object.assign(delivery, { status: 'failed', claimedBy: null, claimExpiresAt: null, lastError: null, nextAttemptAt: now, updatedAt: now });
    else Object.assign(delivery, { status: 'dead', claimedBy: null, claimExpiresAt: null, lastError: str(body.lastError) ?? 'Manually dead-lettered by gateway operator.', updatedAt: now });
    this.wake();
    return { delivery: { ...delivery } };
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function nullableStr(value: unknown): string | null | undefined {
  if (value === null) return null;
  return str(value);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}


