/** Health of one component as reported to `/ready`. */
export type ComponentHealth =
  | { state: 'ok'; detail?: Record<string, unknown> }
  | { state: 'degraded'; reason: string; detail?: Record<string, unknown> }
  | { state: 'down'; reason: string; detail?: Record<string, unknown> }
  | { state: 'not_configured'; reason: string };

/** The roles of the seed's "Roles" section. */
export const ROLES = ['owner', 'admin', 'member', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may start agent work (seed: owner, admin, member). */
export const PROMPT_ROLES: readonly Role[] = ['owner', 'admin', 'member'];

/** JSON-compatible value, for payloads persisted by the Store. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
