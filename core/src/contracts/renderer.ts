import type { OutboundButton, ProviderCapabilities } from './provider.js';
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

/**
 * What pressing a button does: answer a pending permission request (`decision`) or pick option
 * `option` (index from 0) of a pending question. `id` is the interaction id of the runtime event
 * the button answers. The kernel turns an action into the opaque, at most 64-byte
 * {@link OutboundButton.value} providers carry, and decodes a pressed value back; renderers never
 * build values themselves.
 */
export type ButtonAction =
  | { kind: 'permission'; id: string; decision: 'once' | 'always' | 'reject' }
  | { kind: 'question'; id: string; option: number };

/** A button as a renderer produces it: a label and a typed {@link ButtonAction}. */
export interface RenderedButton {
  label: string;
  action: ButtonAction;
  style?: OutboundButton['style'];
}

/**
 * One provider-sized chunk of a rendered message: text already in the provider's dialect and
 * within its `maxTextLength`, with button rows (only when the provider has `buttons`).
 */
export interface RenderedChunk {
  text: string;
  format: ProviderCapabilities['markdownDialect'];
  buttons?: RenderedButton[][];
}

/** One logical outbound message, already formatted and split into provider-sized chunks. */
export interface RenderedMessage {
  /** Suffix that makes the delivery id unique within a run: `reply`, `permission:<id>`. */
  key: string;
  purpose: 'reply' | 'notice' | 'error';
  chunks: RenderedChunk[];
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
