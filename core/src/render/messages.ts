import type { Notice } from '../contracts/renderer.js';
import { escapeMarkdown } from './escape.js';

// Texts of the default renderer, as provider-neutral Markdown (dynamic parts escaped).

/** Shown when a run completed without any assistant text. */
export const EMPTY_REPLY_TEXT = '(The agent finished without a text reply.)';

/** "⚠️ The agent run failed (code): message". */
export function runFailedText(code: string, message: string): string {
  return `⚠️ The agent run failed (${escapeMarkdown(code)}): ${escapeMarkdown(message)}`;
}

/** The text of a gateway notice. */
export function noticeText(notice: Notice): string {
  switch (notice.kind) {
    case 'queued':
      return `⏳ Queued #${notice.position}: your message will run after the current one finishes.`;
    case 'denied':
      return `⛔ You are not allowed to prompt this gateway (${escapeMarkdown(notice.reason)}). Ask an admin to add your identity.`;
    case 'executor_not_configured':
      return '⚙️ This gateway has no execution runtime configured yet, so prompts cannot run. An operator needs to configure an executor.';
    case 'run_failed':
      return runFailedText(notice.code, notice.message);
    case 'unsupported':
      return `${escapeMarkdown(notice.what)} is not supported here.`;
    case 'attachment_skipped':
      return `📎 The file "${escapeMarkdown(notice.filename)}" was not passed to the agent: ${escapeMarkdown(notice.reason)}.`;
    case 'interaction':
      return interactionText(notice.outcome, escapeMarkdown(notice.summary));
  }
}

function interactionText(outcome: 'answered' | 'not_pending' | 'not_allowed', summary: string): string {
  if (outcome === 'answered') return `✅ ${summary}`;
  if (outcome === 'not_pending') return `ℹ️ That request is no longer waiting for an answer (${summary}).`;
  return `⛔ You are not allowed to answer this request (${summary}).`;
}

/** "🔐 Permission requested: <title>" and the detail on the next line. */
export function permissionText(title: string, detail: string | undefined): string {
  const head = `🔐 Permission requested: ${escapeMarkdown(title)}`;
  return detail === undefined || detail.trim() === '' ? head : `${head}\n${escapeMarkdown(detail)}`;
}

/** Text fallback for providers without buttons. */
export function permissionFallbackText(interactionId: string): string {
  const id = escapeMarkdown(interactionId);
  return `Reply /approve ${id} or /deny ${id}`;
}

/** "❓ <question>". */
export function questionText(question: string): string {
  return `❓ ${escapeMarkdown(question)}`;
}

/** Numbered options and the `/answer` hint, for providers without buttons. */
export function questionFallbackText(interactionId: string, options: readonly string[]): string {
  const id = escapeMarkdown(interactionId);
  if (options.length === 0) return `Reply /answer ${id} \\<your answer>`;
  const list = options.map((o, i) => `${i + 1}. ${escapeMarkdown(o)}`);
  return [...list, `Reply /answer ${id} \\<number>`].join('\n');
}
