import type { Role } from '../contracts/common.js';
import { checkIdentity } from '../config/identity-schema.js';
import type { IdentityKey } from '../contracts/store.js';
import { AdminBadRequest, StoreNotFound } from '../errors.js';
import type { HttpRequest, HttpResponse, HttpRoute } from '../http/index.js';
import type { Kernel } from './kernel.js';
import { redactValue } from '../redaction.js';
import { requireOperatorPart } from './store-ops.js';

/**
 * Operator endpoints behind the admin token: "where is my message?" traces, identities (so a
 * memory-store gateway can be managed while it runs), and the delivery outbox (list, retry a dead
 * delivery, dead-letter a pending one). Each route
 * needs an operator part of the store; without it the route answers `store.capability_missing`
 * (404) naming the part.
 */
export function adminRoutes(kernel: Kernel): HttpRoute[] {
  const { store } = kernel.context;
  return [
    route('GET', '/admin/trace', async (req) => {
      const traceIds = await traceIdsFor(kernel, req);
      const tracer = requireOperatorPart(store, 'trace');
      const reports = await Promise.all(traceIds.map((id) => tracer.trace(id)));
      // Claim tokens are capabilities over in-flight work: operators see that a claim exists, not its token.
      return ok({ traces: redactValue(reports) });
    }),
    route('GET', '/admin/identities', async (req) => ok({ identities: await requireOperatorPart(store, 'lists').identities.list({ provider: req.query.provider || undefined }) })),
    route('POST', '/admin/identities', async (req) => {
      const input = identityInput(req.body, true);
      const configured = [...kernel.context.providers.keys()];
      if (!configured.includes(input.provider)) {
        throw new AdminBadRequest({ reason: `no provider instance "${input.provider}" is configured here (configured: ${configured.join(', ') || 'none'})` });
      }
      return ok({ identity: await store.identities.upsert(input as IdentityKey & { role: Role }) });
    }),
    route('POST', '/admin/identities/disable', async (req) => {
      const identity = await requireOperatorPart(store, 'actions').identities.disable(identityInput(req.body, false));
      if (!identity) throw new StoreNotFound({ what: 'identity', id: JSON.stringify(req.body) });
      return ok({ identity });
    }),
    route('GET', '/admin/deliveries', async (req) => {
      const status = req.query.status as 'pending' | 'sending' | 'sent' | 'dead' | undefined;
      if (status && !['pending', 'sending', 'sent', 'dead'].includes(status)) throw new AdminBadRequest({ reason: 'status must be pending, sending, sent or dead' });
      const lists = requireOperatorPart(store, 'lists');
      const counts = requireOperatorPart(store, 'counts');
      return ok({ deliveries: await lists.deliveries.list({ status, limit: 200 }), counts: await counts.deliveries.countByStatus() });
    }),
    route('POST', '/admin/deliveries/:deliveryId/retry', async (req) => {
      const actions = requireOperatorPart(store, 'actions');
      const delivery = await store.deliveries.get(req.params.deliveryId!);
      if (!delivery) throw new StoreNotFound({ what: 'delivery', id: req.params.deliveryId! });
      if (delivery.status !== 'dead') throw new AdminBadRequest({ reason: `delivery is ${delivery.status}; only dead deliveries can be retried` });
      const requeued = await actions.deliveries.requeue(delivery.deliveryId, { expiresAt: kernel.context.deliveryExpiry() });
      kernel.metrics.deliveryRequeued(kernel.context.providers.get(delivery.instance)?.kind ?? 'other');
      kernel.context.wakeDeliveries();
      return ok({ delivery: requeued });
    }),
    route('POST', '/admin/deliveries/:deliveryId/dead-letter', async (req) => {
      const given = typeof req.body === 'object' && req.body !== null && typeof (req.body as { reason?: unknown }).reason === 'string' ? (req.body as { reason: string }).reason.trim() : '';
      if (given.length > 500) throw new AdminBadRequest({ reason: 'reason must be at most 500 characters' });
      const delivery = await store.deliveries.get(req.params.deliveryId!);
      if (!delivery) throw new StoreNotFound({ what: 'delivery', id: req.params.deliveryId! });
      // A sending delivery is leased by a worker; only one waiting for its next attempt is parked.
      if (delivery.status !== 'pending') throw new AdminBadRequest({ reason: `delivery is ${delivery.status}; only pending deliveries can be dead-lettered` });
      const dead = await store.deliveries.deadLetter(delivery.deliveryId, null, `operator: ${given || 'dead-lettered by an operator'}`);
      return ok({ delivery: dead });
    }),
  ];
}

function route(method: HttpRoute['method'], path: string, handle: (req: HttpRequest) => Promise<HttpResponse>): HttpRoute {
  return { method, path, auth: 'admin', handle };
}

function ok(body: unknown): HttpResponse {
  return { status: 200, body };
}

async function traceIdsFor(kernel: Kernel, req: HttpRequest): Promise<string[]> {
  requireOperatorPart(kernel.context.store, 'trace');
  if (req.query.traceId) return [req.query.traceId];
  if (req.query.instance && req.query.eventId) {
    const claims = await requireOperatorPart(kernel.context.store, 'lists').inbound.findByEventId(req.query.instance, req.query.eventId);
    return claims.map((c) => c.traceId);
  }
  throw new AdminBadRequest({ reason: 'give ?traceId=… or ?instance=…&eventId=…' });
}

/** Validated with core's one identity schema, so the admin API, config files and the CLI say the same. */
function identityInput(body: unknown, withRole: boolean): IdentityKey & { role?: Role; status?: 'active' | 'disabled' } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminBadRequest({ reason: 'body must be a JSON object' });
  const b = { ...(body as Record<string, unknown>) };
  // An empty workspace id means "no workspace", as the store keys it.
  if (b.workspaceId === '') delete b.workspaceId;
  const checked = withRole ? checkIdentity(b) : checkIdentity(b, { withRole: false });
  if (!checked.ok) {
    const [first] = checked.issues;
    throw new AdminBadRequest({ reason: `"${first!.field}" must be ${first!.expected}` });
  }
  const value = checked.value as IdentityKey & { role?: Role; status?: 'active' | 'disabled' };
  const key = { provider: value.provider, externalUserId: value.externalUserId, workspaceId: value.workspaceId ?? '' };
  return withRole ? { ...key, role: value.role, status: value.status } : key;
}
