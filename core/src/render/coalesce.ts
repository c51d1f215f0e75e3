import type { RuntimeEvent } from '../contracts/execution-authority.js';

/**
 * The one final reply of a run, from its events.
 *
 * - `run.completed.finalText`, when present and not blank, wins.
 * - Otherwise the `assistant.message` snapshots are used (a later snapshot of the same
 *   messageId replaces the earlier one); only when there are none, the `assistant.delta` texts
 *   are concatenated per messageId.
 * - Messages are then merged in order of first appearance: a later text that contains the
 *   merged text so far replaces it, a text the merged text already contains is dropped, any
 *   other text is joined with a blank line.
 *
 * Returns null when the result is empty or whitespace.
 */
export function coalesceFinalText(events: readonly RuntimeEvent[]): string | null {
  const final = finalTextOf(events);
  if (final !== undefined && final.trim() !== '') return final.trim();
  return mergeMessages(messageTexts(events));
}

function finalTextOf(events: readonly RuntimeEvent[]): string | undefined {
  let final: string | undefined;
  for (const e of events) if (e.type === 'run.completed' && e.finalText !== undefined) final = e.finalText;
  return final;
}

/** Text per messageId, in order of first appearance: snapshots if any, else concatenated deltas. */
function messageTexts(events: readonly RuntimeEvent[]): string[] {
  const snapshots = new Map<string, string>();
  const deltas = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'assistant.message') snapshots.set(e.messageId, e.text);
    else if (e.type === 'assistant.delta') deltas.set(e.messageId, (deltas.get(e.messageId) ?? '') + e.text);
  }
  return [...(snapshots.size > 0 ? snapshots : deltas).values()];
}

function mergeMessages(texts: readonly string[]): string | null {
  let merged = '';
  for (const raw of texts) {
    const text = raw.trim();
    if (text === '' || merged.includes(text)) continue;
    merged = merged === '' || text.includes(merged) ? text : `${merged}\n\n${text}`;
  }
  return merged === '' ? null : merged;
}
