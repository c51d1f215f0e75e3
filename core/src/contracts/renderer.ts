import type { OutboundMessage, ProviderCapabilities } from './provider.js';
import type { RuntimeEvent } from './execution-authority.js';

/** Something the gateway itself tells a sender (not agent output). */
export type Notice =
  | { kind: 'queued'; position: number }
  | { kind: 'denied'; reason: 'identity_not_found' | 'identity_disabled' | 'role_not_allowed' }
  | { kind: 'executor_not_configured' }
  | { kind: 'run_failed'; code: string; message: string }
  | { kind: 'unsupported'; what: string }
  | { kind: 'attachment_skipped'; filename: string; reason: string }
  /** The outcome of a button press or /approve, /deny, /answer command. */
  | { kind: 'interaction'; outcome: 'answered' | 'not_pending' | 'not_allowed'; summary: string };

/** One logical outbound message, already formatted and split into provider-sized chunks. */
export interface RenderedMessage {
  /** Suffix that makes the delivery id unique within a run: `reply`, `permission:<id>`. */
  key: string;
  purpose: 'reply' | 'notice' | 'error';
  chunks: OutboundMessage[];
}

/**
 * Turns runtime events and gateway notices into channel messages: provider-neutral first
 * (one coalesced final reply per run), then the provider's dialect, then the splitter.
 * Output must be deterministic for the same input so delivery ids stay stable on retries.
 */
export interface Renderer {
  readonly id: string;
  /** Messages to deliver for one finished run (completed or failed). */
  renderRun(events: readonly RuntimeEvent[], capabilities: ProviderCapabilities): RenderedMessage[];
  /** Messages for interactive events that need an answer while the run is going. */
  renderInteraction(event: RuntimeEvent, capabilities: ProviderCapabilities): RenderedMessage | null;
  renderNotice(notice: Notice, capabilities: ProviderCapabilities): RenderedMessage;
}
