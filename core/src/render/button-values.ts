import { createHash } from 'node:crypto';

/** Longest button value providers accept (Telegram `callback_data`), in UTF-8 bytes. */
export const MAX_BUTTON_VALUE_BYTES = 64;

/**
 * Shortens an interaction id so that `<prefix><id><suffix>` fits in `maxBytes` UTF-8 bytes.
 *
 * Ids that fit are returned unchanged. Longer ids become `h_` + the first 22 base64url characters
 * of their SHA-256 (deterministic, so the kernel can map a pressed button back by computing the
 * same value for each pending interaction).
 */
export function compactInteractionId(id: string, reservedBytes: number, maxBytes = MAX_BUTTON_VALUE_BYTES): string {
  if (Buffer.byteLength(id, 'utf8') + reservedBytes <= maxBytes) return id;
  return `h_${createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 22)}`;
}

/** Value of a permission button: `perm:<id>:<decision>`, at most 64 bytes. */
export function permissionButtonValue(interactionId: string, decision: 'once' | 'always' | 'reject'): string {
  return `perm:${compactInteractionId(interactionId, 'perm::reject'.length)}:${decision}`;
}

/**
 * Value of a question option button: `q:<id>:<index>` (index from 0), at most 64 bytes. The id is
 * compacted the same way for every option of a question with `optionCount` options.
 */
export function questionButtonValue(interactionId: string, index: number, optionCount: number): string {
  const reserved = 'q::'.length + String(Math.max(0, optionCount - 1)).length;
  return `q:${compactInteractionId(interactionId, reserved)}:${index}`;
}
