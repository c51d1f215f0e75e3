import type { OutboundButton } from '../contracts/provider.js';
import type { ButtonAction, RenderedButton } from '../contracts/renderer.js';
import { defineError } from '../errors.js';
import { compactInteractionId, hashedInteractionId, MAX_BUTTON_VALUE_BYTES } from '../render/button-values.js';

/**
 * The kernel's half of typed buttons: a renderer's {@link ButtonAction} becomes the opaque
 * {@link OutboundButton.value} a provider carries (Telegram `callback_data`, at most 64 bytes),
 * and a pressed value is read back into an action. Wire format: `perm:<id>:<decision>` and
 * `q:<id>:<option>`, with ids that would not fit compacted to a hash.
 */

const DECISIONS = ['once', 'always', 'reject'] as const;

/** A renderer produced a button the kernel cannot encode (a renderer bug, caught before sending). */
export const RenderButtonInvalid = defineError<{ label: string; reason: string }>({
  code: 'render.button_invalid',
  status: 500,
  message: ({ label, reason }) => `render.button_invalid: the renderer produced button "${label}" with ${reason}; fix the renderer (its conformance suite checks this)`,
});

/** The reason an action is malformed, or null when it can be encoded. */
export function buttonActionProblem(action: ButtonAction): string | null {
  if (typeof action !== 'object' || action === null) return 'no action';
  if (typeof action.id !== 'string' || action.id.length === 0) return 'an empty interaction id';
  if (action.kind === 'permission') return (DECISIONS as readonly string[]).includes(action.decision) ? null : `an unknown decision "${String(action.decision)}"`;
  if (action.kind === 'question') return Number.isSafeInteger(action.option) && action.option >= 0 ? null : `an option index that is not a whole number ≥ 0 (${String(action.option)})`;
  return `an unknown action kind "${String((action as { kind?: unknown }).kind)}"`;
}

/**
 * The value of one action. `optionCount` (questions only) is how many options the question's
 * buttons cover; every option of a question then compacts its id the same way. Defaults to
 * `option + 1`.
 */
export function encodeButtonAction(action: ButtonAction, optionCount?: number): string {
  if (action.kind === 'permission') return `perm:${compactInteractionId(action.id, 'perm::reject'.length)}:${action.decision}`;
  const highest = Math.max(action.option, (optionCount ?? action.option + 1) - 1, 0);
  return `q:${compactInteractionId(action.id, 'q::'.length + String(highest).length)}:${action.option}`;
}

/**
 * Encodes the button rows of one chunk; throws {@link RenderButtonInvalid} for a malformed action.
 * The id of a question is compacted the same way on all its buttons.
 */
export function encodeButtons(rows: readonly (readonly RenderedButton[])[]): OutboundButton[][] {
  const optionCounts = new Map<string, number>();
  for (const button of rows.flat()) {
    const problem = buttonActionProblem(button.action);
    if (problem !== null) throw new RenderButtonInvalid({ label: button.label, reason: problem });
    if (button.action.kind === 'question') optionCounts.set(button.action.id, Math.max(optionCounts.get(button.action.id) ?? 0, button.action.option + 1));
  }
  return rows.map((row) => row.map((button) => {
    const value = encodeButtonAction(button.action, button.action.kind === 'question' ? optionCounts.get(button.action.id) : undefined);
    if (Buffer.byteLength(value, 'utf8') > MAX_BUTTON_VALUE_BYTES) throw new RenderButtonInvalid({ label: button.label, reason: `an option index too large for a ${MAX_BUTTON_VALUE_BYTES}-byte value` });
    return button.style === undefined ? { label: button.label, value } : { label: button.label, value, style: button.style };
  }));
}

/**
 * Reads a pressed button's value back into an action; null for a value the kernel did not make.
 * `id` is the id as carried, which may be compacted: compare with {@link interactionIdMatches}.
 */
export function decodeButtonValue(value: string): ButtonAction | null {
  const permission = /^perm:(.+):(once|always|reject)$/.exec(value);
  if (permission) return { kind: 'permission', id: permission[1]!, decision: permission[2] as 'once' | 'always' | 'reject' };
  const question = /^q:(.+):(\d{1,9})$/.exec(value);
  if (question) return { kind: 'question', id: question[1]!, option: Number(question[2]) };
  return null;
}

/** True when `ref` (a typed id or the id a button carried) names the interaction `interactionId`. */
export function interactionIdMatches(interactionId: string, ref: string): boolean {
  return ref === interactionId || ref === hashedInteractionId(interactionId);
}
