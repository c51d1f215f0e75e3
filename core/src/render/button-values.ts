import { createHash } from 'node:crypto';

/** Longest button value providers accept (Telegram `callback_data`), in UTF-8 bytes. */
export const MAX_BUTTON_VALUE_BYTES = 64;

/**
 * Shortens an interaction id so that `<prefix><id><suffix>` fits in `maxBytes` UTF-8 bytes.
 *
 * Ids that fit are returned unchanged. Longer ids become {@link hashedInteractionId} (deterministic,
 * so the kernel can map a pressed button back by computing the same value for each pending
 * interaction).
 */
export function compactInteractionId(id: string, reservedBytes: number, maxBytes = MAX_BUTTON_VALUE_BYTES): string {
  if (Buffer.byteLength(id, 'utf8') + reservedBytes <= maxBytes) return id;
  return hashedInteractionId(id);
}

/** `h_` + the first 22 base64url characters of the id's SHA-256: the compacted form of a long id. */
export function hashedInteractionId(id: string): string {
  return `h_${createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 22)}`;
}
