import { DeliveryError, type OutboundButton, type OutboundMessage } from '@cowork-gateway/core';
import { SlackApiError } from './web-api.js';

/** Block Kit limits (api.slack.com/reference/block-kit): section text, button label, elements per actions block. */
export const SECTION_TEXT_LIMIT = 3000;
const BUTTON_LABEL_LIMIT = 75;
const ACTIONS_PER_BLOCK = 25;

/**
 * The chat.postMessage / chat.update fields that show a message: the text (mrkdwn when the
 * renderer produced Slack mrkdwn) and, with buttons, Block Kit blocks — the text as a section,
 * then one `actions` block per button row. Each button's `value` and `action_id` are the
 * kernel's opaque value, unchanged (unique within a message, at most 64 bytes).
 */
export function messageFields(message: OutboundMessage): Record<string, unknown> {
  const mrkdwn = message.format === 'slack-mrkdwn';
  const fields: Record<string, unknown> = { text: message.text, mrkdwn, unfurl_links: false, unfurl_media: false };
  const rows = (message.buttons ?? []).filter((row) => row.length > 0);
  if (rows.length > 0) fields.blocks = blocks(message.text, mrkdwn, rows);
  return fields;
}

function blocks(text: string, mrkdwn: boolean, rows: OutboundButton[][]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let start = 0; start < text.length; start += SECTION_TEXT_LIMIT) {
    out.push({ type: 'section', text: { type: mrkdwn ? 'mrkdwn' : 'plain_text', text: text.slice(start, start + SECTION_TEXT_LIMIT) } });
  }
  for (const row of rows) {
    for (let start = 0; start < row.length; start += ACTIONS_PER_BLOCK) {
      out.push({ type: 'actions', elements: row.slice(start, start + ACTIONS_PER_BLOCK).map(button) });
    }
  }
  return out;
}

function button(b: OutboundButton): Record<string, unknown> {
  const label = b.label.length > BUTTON_LABEL_LIMIT ? `${b.label.slice(0, BUTTON_LABEL_LIMIT - 1)}…` : b.label;
  return {
    type: 'button',
    text: { type: 'plain_text', text: label || '·', emoji: true },
    value: b.value,
    action_id: b.value,
    ...(b.style === 'primary' || b.style === 'danger' ? { style: b.style } : {}),
  };
}

/** Slack errors that a retry cannot fix, with the code each one is reported under. */
const PERMANENT: Record<string, string> = {
  channel_not_found: 'slack.channel_not_found',
  not_in_channel: 'slack.not_in_channel',
  is_archived: 'slack.channel_archived',
  invalid_auth: 'slack.invalid_auth',
  not_authed: 'slack.invalid_auth',
  account_inactive: 'slack.invalid_auth',
  token_revoked: 'slack.invalid_auth',
  token_expired: 'slack.invalid_auth',
  no_permission: 'slack.forbidden',
  missing_scope: 'slack.forbidden',
  restricted_action: 'slack.forbidden',
  message_not_found: 'slack.message_not_found',
  cant_update_message: 'slack.message_not_found',
  expired_url: 'slack.response_url_expired',
  used_url: 'slack.response_url_expired',
};

/** Errors Slack reports for its own trouble: worth a retry. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'network', 'timeout', 'bad_response']);

/** True when Slack answered that the token is not (or no longer) valid. */
export function isAuthFailure(error: unknown): boolean {
  return error instanceof SlackApiError && PERMANENT[error.error] === 'slack.invalid_auth';
}

/**
 * Classifies a failed call for the kernel: `ratelimited` (HTTP 429) → rate_limited with the
 * Retry-After Slack sent (1 s when it sent none); `channel_not_found`, `not_in_channel`,
 * `invalid_auth` and the other errors a retry cannot fix (`msg_too_long`, `invalid_blocks`…) →
 * permanent; 5xx, Slack's own failures, network errors and timeouts → transient.
 */
export function deliveryErrorFor(error: unknown): DeliveryError {
  const failure = error instanceof SlackApiError ? error : new SlackApiError('unknown', 'network');
  const what = failure.message;
  if (failure.error === 'ratelimited') {
    return new DeliveryError(what, { kind: 'rate_limited', retryAfterMs: Math.max(1000, failure.retryAfterMs ?? 1000) }, { code: 'slack.rate_limited', cause: failure });
  }
  const permanent = PERMANENT[failure.error];
  if (permanent) return new DeliveryError(what, { kind: 'permanent' }, { code: permanent, cause: failure });
  const serverSide = failure.status !== undefined && failure.status >= 500;
  if (TRANSIENT.has(failure.error) || serverSide || failure.error === 'aborted') {
    return new DeliveryError(what, { kind: 'transient' }, { code: 'slack.send_failed', cause: failure });
  }
  return new DeliveryError(what, { kind: 'permanent' }, { code: 'slack.send_rejected', cause: failure });
}
