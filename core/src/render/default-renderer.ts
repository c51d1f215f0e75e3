import type { RuntimeEvent } from '../contracts/execution-authority.js';
import type { ProviderCapabilities } from '../contracts/provider.js';
import type { Notice, RenderedButton, RenderedChunk, RenderedMessage, Renderer } from '../contracts/renderer.js';
import { coalesceFinalText } from './coalesce.js';
import { closeOpenFence } from './fences.js';
import { formatMarkdown } from './format.js';
import {
  EMPTY_REPLY_TEXT,
  noticeText,
  permissionFallbackText,
  permissionText,
  questionFallbackText,
  questionText,
  runFailedText,
} from './messages.js';
import { splitFormatted } from './split-formatted.js';

type Purpose = RenderedMessage['purpose'];
type PermissionEvent = Extract<RuntimeEvent, { type: 'permission.requested' }>;
type QuestionEvent = Extract<RuntimeEvent, { type: 'question.asked' }>;

/** Longest button label, in UTF-16 code units (Slack allows 75, Telegram more). */
const MAX_BUTTON_LABEL = 64;

/**
 * The built-in {@link Renderer}: one coalesced final reply per run (tool activity is not
 * re-sent), a failure notice for failed runs, permission and question cards with buttons
 * where the provider has them and `/approve`, `/deny`, `/answer` hints where not, and gateway
 * notices. Everything is formatted for `markdownDialect`, split to `maxTextLength` (which must
 * be an integer ≥ 32), and buttons (typed actions; the kernel encodes them) go on the last chunk
 * only. Output is deterministic.
 */
export class DefaultRenderer implements Renderer {
  readonly id = 'default';

  renderRun(events: readonly RuntimeEvent[], capabilities: ProviderCapabilities): RenderedMessage[] {
    const failed = lastFailure(events);
    if (failed) return [message('reply', 'error', runFailedText(failed.error.code, failed.error.message), capabilities)];
    const text = coalesceFinalText(events) ?? EMPTY_REPLY_TEXT;
    return [message('reply', 'reply', closeOpenFence(text), capabilities)];
  }

  renderInteraction(event: RuntimeEvent, capabilities: ProviderCapabilities): RenderedMessage | null {
    if (event.type === 'permission.requested') return renderPermission(event, capabilities);
    if (event.type === 'question.asked') return renderQuestion(event, capabilities);
    return null;
  }

  renderNotice(notice: Notice, capabilities: ProviderCapabilities): RenderedMessage {
    return message(`notice:${notice.kind}`, notice.kind === 'run_failed' ? 'error' : 'notice', noticeText(notice), capabilities);
  }
}

function lastFailure(events: readonly RuntimeEvent[]): Extract<RuntimeEvent, { type: 'run.failed' }> | undefined {
  let failed: Extract<RuntimeEvent, { type: 'run.failed' }> | undefined;
  for (const e of events) if (e.type === 'run.failed') failed = e;
  return failed;
}

function renderPermission(event: PermissionEvent, caps: ProviderCapabilities): RenderedMessage {
  const id = event.interactionId;
  const text = permissionText(event.title, event.detail);
  const key = `permission:${id}`;
  if (!caps.buttons) return message(key, 'notice', `${text}\n${permissionFallbackText(id)}`, caps);
  const row: RenderedButton[] = [
    { label: 'Allow once', action: { kind: 'permission', id, decision: 'once' } },
    { label: 'Always', action: { kind: 'permission', id, decision: 'always' } },
    { label: 'Deny', action: { kind: 'permission', id, decision: 'reject' }, style: 'danger' },
  ];
  return message(key, 'notice', text, caps, [row]);
}

function renderQuestion(event: QuestionEvent, caps: ProviderCapabilities): RenderedMessage {
  const id = event.interactionId;
  const text = questionText(event.question);
  const key = `question:${id}`;
  if (!caps.buttons || event.options.length === 0) {
    return message(key, 'notice', `${text}\n${questionFallbackText(id, event.options)}`, caps);
  }
  const rows = event.options.map((option, i): RenderedButton[] => [
    { label: buttonLabel(option, i), action: { kind: 'question', id, option: i } },
  ]);
  return message(key, 'notice', text, caps, rows);
}

/** The option text cut to {@link MAX_BUTTON_LABEL} (never inside a surrogate pair), or its number when blank. */
function buttonLabel(option: string, index: number): string {
  const label = option.trim() === '' ? String(index + 1) : option.trim();
  if (label.length <= MAX_BUTTON_LABEL) return label;
  let cut = MAX_BUTTON_LABEL - 1;
  const code = label.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${label.slice(0, cut)}…`;
}

/** Formats, splits and wraps one logical message; buttons go on the last chunk. */
function message(
  key: string,
  purpose: Purpose,
  markdown: string,
  caps: ProviderCapabilities,
  buttons?: RenderedButton[][],
): RenderedMessage {
  const format = caps.markdownDialect;
  const texts = splitFormatted(formatMarkdown(markdown, format), format, caps.maxTextLength);
  const chunks = texts.map((text, i): RenderedChunk => {
    const last = i === texts.length - 1;
    return last && buttons !== undefined ? { text, format, buttons } : { text, format };
  });
  return { key, purpose, chunks };
}
