import * as v from 'valibot';
import { ROLES, type Role } from '../contracts/common.js';

/** The statuses an identity can have. */
export const IDENTITY_STATUSES = ['active', 'disabled'] as const;

const NON_EMPTY = 'a non-empty string';
const nonEmpty = v.pipe(v.string(NON_EMPTY), v.check((s) => s.trim() !== '', NON_EMPTY));

/** The identifying fields of an identity: provider instance id, optional workspace, external user id. */
export const identityKeySchema = v.object({
  provider: nonEmpty,
  workspaceId: v.optional(nonEmpty),
  externalUserId: nonEmpty,
});

/**
 * One identity as config files, the `IDENTITIES` setting, the admin API and the CLI give it.
 * Each issue message is what the field expects (`one of owner, admin, …`), so every caller
 * phrases it the same way.
 */
export const identitySchema = v.object({
  ...identityKeySchema.entries,
  role: v.picklist(ROLES, `one of ${ROLES.join(', ')}`),
  status: v.optional(v.picklist(IDENTITY_STATUSES, `one of ${IDENTITY_STATUSES.join(', ')}`)),
});

export type IdentityInput = v.InferOutput<typeof identitySchema>;
export type IdentityKeyInput = v.InferOutput<typeof identityKeySchema>;

/** The field names of {@link identitySchema}, in order (for unknown-key checks). */
export const IDENTITY_FIELDS = Object.keys(identitySchema.entries) as readonly (keyof IdentityInput)[];

/** A field that failed: its name and what it expects (`a non-empty string`). */
export interface IdentityIssue {
  field: string;
  expected: string;
}

export type IdentityCheck<T> = { ok: true; value: T } | { ok: false; issues: IdentityIssue[] };

/**
 * Validates an identity object with {@link identitySchema} (or only its key with
 * `withRole: false`). Missing fields get the same message as wrong ones; unknown keys are the
 * caller's business.
 */
export function checkIdentity(input: Record<string, unknown>, options: { withRole: false }): IdentityCheck<IdentityKeyInput>;
export function checkIdentity(input: Record<string, unknown>, options?: { withRole?: true }): IdentityCheck<IdentityInput & { role: Role }>;
export function checkIdentity(input: Record<string, unknown>, options: { withRole?: boolean } = {}): IdentityCheck<IdentityKeyInput | IdentityInput> {
  const schema = options.withRole === false ? identityKeySchema : identitySchema;
  // Every field present (maybe undefined), so a missing one reports what it expects.
  const fields = Object.fromEntries(Object.keys(schema.entries).map((name) => [name, input[name]]));
  const parsed = v.safeParse(schema, fields);
  if (parsed.success) return { ok: true, value: parsed.output };
  return { ok: false, issues: parsed.issues.map((issue) => ({ field: String(issue.path?.[0]?.key ?? ''), expected: issue.message })) };
}
