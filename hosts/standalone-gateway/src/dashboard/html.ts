/**
 * Escaping HTML templates for the dashboard. Every interpolated value is escaped unless it is
 * already {@link SafeHtml} (the output of another `html` template), so user content (chat text,
 * titles, errors, provider ids) can never become markup.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | Date | readonly Value[];

function render(value: Value): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Value) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Date) return escapeHtml(value.toISOString());
  return escapeHtml(value);
}

/** Tagged template: literal parts are markup, interpolations are escaped (arrays joined). */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** `?q=…` style query strings, each part URI-encoded. */
export function query(params: Record<string, string>): string {
  return Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** A table, or "No rows." when empty. */
export function table(headers: readonly string[], rows: readonly SafeHtml[]): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">No rows.</p>`;
  return html`<table><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Shortens long text for a table cell; the full text stays in the title attribute. */
export function clip(text: string | null | undefined, max = 160): SafeHtml {
  const value = text ?? '';
  if (value.length <= max) return html`${value}`;
  return html`<span title="${value}">${value.slice(0, max)}…</span>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d232a;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#cfe3ff}header form{margin-left:auto}
main{padding:1em 1.2em}section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6em 1em;margin:0 0 1em}
h1{font-size:1.1em;margin:0}h2{font-size:1.05em;margin:.2em 0 .6em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;background:#fafbfc}.empty{color:#667}.unavailable{color:#8a4b00}
.status-dead,.status-failed,.ev-error{color:#b00020}.status-sent,.status-completed{color:#0a6b2f}
.ev-pending{background:#fff7d6}.ev{white-space:pre-wrap;word-break:break-word}code{font-size:.95em}
form.inline{display:inline}button{cursor:pointer}input[type=search]{width:28em}
`;

/** The page frame: navigation, logout (with its CSRF token) and the content. */
export function page(title: string, body: SafeHtml, csrf: string | null): SafeHtml {
  const logout = csrf === null
    ? html``
    : html`<form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Log out</button></form>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title} · Standalone Gateway</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header><h1>Standalone Gateway</h1><a href="/dashboard">Overview</a>${logout}</header>
<main>${body}</main></body></html>`;
}
