/**
 * One redactor for every log, error, doctor and audit path. Keys that name secrets are masked
 * whole; text is scrubbed of configured secret values and of token shapes (Bearer/Basic values,
 * Telegram `bot<token>` URL segments, `xoxb-`/`sk-`/`ghp_` keys, URL passwords, `token=` pairs).
 */
export const REDACTED = '[redacted]';

const SECRET_KEY = /(token|secret|password|passwd|credential|authorization|api[_-]?key|private[_-]?key|cookie)/i;

const TEXT_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  [/\/bot\d+:[A-Za-z0-9_-]{10,}/g, `/bot${REDACTED}`],
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, REDACTED],
  [/\b(xox[abposr]-[A-Za-z0-9-]{6,})/g, REDACTED],
  [/\b(sk-[A-Za-z0-9_-]{12,})/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, REDACTED],
  [/(:\/\/[^:/@\s]+:)[^@\s/]+@/g, `$1${REDACTED}@`],
  [/\b((?:access_?|refresh_?|api_?|bot_?)?(?:token|secret|password|api_?key)\s*[=:]\s*)("?)[^\s"&,;]+/gi, `$1$2${REDACTED}`],
];

/** Cheap pre-check: text with none of these fragments cannot match any TEXT_PATTERNS entry. */
const MAYBE_SENSITIVE = /bearer|basic|\/bot|\d{6}:|xox|sk-|gh[pousr]_|:\/\/[^\s]*@|token|secret|password|api_?key/i;

/** Masks configured secrets (exact values, 4+ chars) and token-shaped substrings in text. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAYBE_SENSITIVE.test(out)) return out;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Deep copy with secret-named keys masked and every string scrubbed by {@link redactText}. */
export function redactValue<T>(value: T, secrets: readonly string[] = [], depth = 0): T {
  if (depth > 12) return '[truncated]' as T;
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1)) as T;
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'object'
      ? REDACTED
      : redactValue(v, secrets, depth + 1);
  }
  return out as T;
}

/** Holds the secret values known to this process (resolved from config) for the redactor. */
export class SecretRegistry {
  private readonly values = new Set<string>();
  add(value: string | undefined | null): void {
    if (value && value.length >= 4) this.values.add(value);
  }
  list(): readonly string[] {
    return [...this.values].sort((a, b) => b.length - a.length);
  }
}
