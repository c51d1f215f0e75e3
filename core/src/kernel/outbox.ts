import type { DeliveryTarget, OutboundMessage } from '../contracts/provider.js';
import type { RenderedChunk, RenderedMessage } from '../contracts/renderer.js';
import type { Store } from '../contracts/store.js';
import { encodeButtons } from './button-codec.js';
import { enqueueDeliveryClaimed, type EnqueuedDelivery } from './store-ops.js';

/** Chunk ids of a delivery: `<deliveryId>:chunk:<n>`, n from 1, deterministic. */
export function chunkIdsFor(deliveryId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${deliveryId}:chunk:${i + 1}`);
}

export interface EnqueueRenderedOptions {
  /** Stable prefix, e.g. the job id: the delivery id is `<prefix>:<message.key>`. */
  idPrefix: string;
  target: DeliveryTarget;
  sessionId?: string;
  jobId?: string;
  traceId?: string;
  maxAttempts: number;
  expiresAt: Date;
  /** Create the deliveries already claimed by this worker where the store can (`StoreFastPaths.enqueueDeliveryClaimed`). */
  claimFor?: { workerId: string; leaseMs: number };
}

/**
 * The provider-facing form of a rendered chunk: each button's action encoded into its opaque
 * value (at most 64 bytes). Throws `render.button_invalid` for a malformed action.
 */
export function toOutboundMessage(chunk: RenderedChunk): OutboundMessage {
  const message: OutboundMessage = { text: chunk.text, format: chunk.format };
  if (chunk.buttons !== undefined) message.buttons = encodeButtons(chunk.buttons);
  return message;
}

/**
 * Puts rendered messages in the deliveries outbox, with button actions encoded into values, so
 * stored chunks are exactly what the provider is sent. Idempotent: the same prefix and message key
 * give the same delivery id, so re-rendering after a crash never sends twice.
 */
export async function enqueueRendered(
  store: Store, messages: readonly RenderedMessage[], options: EnqueueRenderedOptions,
): Promise<EnqueuedDelivery[]> {
  const out: EnqueuedDelivery[] = [];
  for (const message of messages) {
    const deliveryId = `${options.idPrefix}:${message.key}`;
    const chunkIds = chunkIdsFor(deliveryId, message.chunks.length);
    const enqueued = await enqueueDeliveryClaimed(store, {
      deliveryId,
      instance: options.target.instance,
      target: options.target,
      purpose: message.purpose,
      chunks: message.chunks.map((chunk, i) => ({ chunkId: chunkIds[i]!, message: toOutboundMessage(chunk) })),
      sessionId: options.sessionId,
      jobId: options.jobId,
      traceId: options.traceId,
      maxAttempts: options.maxAttempts,
      expiresAt: options.expiresAt,
    }, options.claimFor);
    out.push(enqueued);
  }
  return out;
}
