import { PROMPT_ROLES, type Role } from '../contracts/common.js';
import type { InboundEvent } from '../contracts/provider.js';
import type { Identity, IdentityRepository } from '../contracts/store.js';

export type DenyReason = 'identity_not_found' | 'identity_disabled' | 'role_not_allowed' | 'sender_unverified';

export type AuthorizationDecision =
  | { allowed: true; identity: Identity }
  | { allowed: false; reason: DenyReason; identity: Identity | null };

/**
 * Decides whether the sender of an event may start agent work (seed "Roles"): the identity is
 * looked up exactly on (provider instance, workspace, user) — an unscoped identity does not
 * authorize messages that carry a workspace id — and must be active with a prompt role. An event
 * whose channel reports the sender as unverified (`senderVerified: false`) is never authorized.
 */
export async function authorizePrompt(identities: IdentityRepository, event: InboundEvent): Promise<AuthorizationDecision> {
  const identity = await identities.find({
    provider: event.instance,
    workspaceId: event.workspaceId ?? '',
    externalUserId: event.userId,
  });
  if (!identity) return { allowed: false, reason: 'identity_not_found', identity: null };
  // A forged sender (failed DMARC) never acts as the identity its address belongs to.
  if (event.senderVerified === false) return { allowed: false, reason: 'sender_unverified', identity };
  if (identity.status !== 'active') return { allowed: false, reason: 'identity_disabled', identity };
  if (!canPrompt(identity.role)) return { allowed: false, reason: 'role_not_allowed', identity };
  return { allowed: true, identity };
}

export function canPrompt(role: Role): boolean {
  return PROMPT_ROLES.includes(role);
}
