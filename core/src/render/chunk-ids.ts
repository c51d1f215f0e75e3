/**
 * Delivery ids for the chunks of one logical message: `<deliveryId>:chunk:<n>`, n from 1.
 *
 * Always suffixed, even when there is a single chunk, so a message's id does not change shape
 * when a different limit or text splits it differently; the ids are deterministic for the same
 * inputs, which keeps retries idempotent.
 *
 * @throws RangeError when `count` is not a non-negative integer.
 */
export function chunkDeliveryIds(deliveryId: string, count: number): string[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  return Array.from({ length: count }, (_, i) => `${deliveryId}:chunk:${i + 1}`);
}
