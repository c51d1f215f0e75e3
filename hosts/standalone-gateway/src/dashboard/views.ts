import type { AuditEvent, Delivery, Identity, InboundClaim, Job, Session, SessionEvent, TraceReport } from '@cowork-gateway/core';
import { clip, html, page, query, table, type SafeHtml } from './html.js';

/** A section's rows, or why the store cannot show them. */
export type Section<T> = { rows: T[] } | { unavailable: string };

export interface OverviewData {
  sessions: Section<Session>;
  jobs: Section<Job>;
  deliveries: Section<Delivery>;
  identities: Section<Identity>;
  audit: Section<AuditEvent>;
  canRequeue: boolean;
}

/** What one search found: the traces it resolved to, and how. */
export interface SearchData {
  q: string;
  matchedBy: string | null;
  traces: TraceReport[];
  unavailable: string | null;
}

export function loginPage(message: string | null): SafeHtml {
  return page('Log in', html`<section><h2>Log in</h2>
${message ? html`<p class="unavailable">${message}</p>` : ''}
<form method="post" action="/dashboard/login">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button></form></section>`, null);
}

export function overviewPage(data: OverviewData, csrf: string | null): SafeHtml {
  return page('Overview', html`${searchForm('')}
<section id="sessions"><h2>Sessions</h2>${section(data.sessions, (rows) => table(['Title', 'Status', 'kind:provider', 'Thread', 'Updated'], rows.map((s) => html`<tr>
<td><a href="/dashboard/sessions/${encodeURIComponent(s.sessionId)}">${clip(s.title || s.sessionId, 80)}</a></td>
<td class="status-${s.status}">${s.status}</td><td>${s.providerKind}:${s.instance}</td><td>${threadOf(s)}</td><td>${s.updatedAt}</td></tr>`)))}</section>
<section id="jobs"><h2>Jobs</h2>${section(data.jobs, (rows) => table(['Kind', 'Status', 'Attempts', 'Trace', 'Last error', 'Updated'], rows.map((j) => html`<tr>
<td>${j.kind}</td><td class="status-${j.status}">${j.status}</td><td>${j.attempts}/${j.maxAttempts}</td><td>${traceLink(j.traceId)}</td><td>${clip(j.lastError)}</td><td>${j.updatedAt}</td></tr>`)))}</section>
<section id="deliveries"><h2>Deliveries</h2>${section(data.deliveries, (rows) => deliveriesTable(rows, csrf, data.canRequeue, '/dashboard#deliveries'))}</section>
<section id="identities"><h2>Identities</h2>${section(data.identities, (rows) => table(['Provider', 'Workspace', 'External user', 'Role', 'Status', 'Updated'], rows.map((i) => html`<tr>
<td>${i.provider}</td><td>${i.workspaceId || '—'}</td><td>${i.externalUserId}</td><td>${i.role}</td><td>${i.status}</td><td>${i.updatedAt}</td></tr>`)))}</section>
<section id="audit"><h2>Audit</h2>${section(data.audit, (rows) => auditTable(rows))}</section>`, csrf);
}

export function sessionPage(session: Session, events: SessionEvent[], csrf: string | null): SafeHtml {
  const pending = pendingInteractions(events);
  return page(session.title || 'Session', html`<section><h2>Session ${clip(session.title || session.sessionId, 80)}</h2>
<p>Status <b class="status-${session.status}">${session.status}</b> · ${session.providerKind}:${session.instance} · thread ${threadOf(session)} · executor session <code>${session.executorSessionId ?? '—'}</code></p></section>
<section id="pending"><h2>Pending permissions and questions</h2>${pending.length === 0 ? html`<p class="empty">None pending.</p>` : table(['Seq', 'Kind', 'Request'], pending.map((e) => html`<tr class="ev-pending"><td>${e.seq}</td><td>${e.type}</td><td class="ev">${describeEvent(e)}</td></tr>`))}</section>
<section id="events"><h2>Events (${events.length})</h2>${table(['Seq', 'Time', 'Type', 'Trace', 'Event'], events.map((e) => html`<tr class="${eventClass(e, pending)}" data-seq="${e.seq}">
<td>${e.seq}</td><td>${e.createdAt}</td><td>${e.type}</td><td>${traceLink(e.traceId)}</td><td class="ev">${describeEvent(e)}</td></tr>`))}</section>`, csrf);
}

export function searchPage(data: SearchData, csrf: string | null, canRequeue: boolean): SafeHtml {
  const back = `/dashboard/search?${query({ q: data.q })}`;
  const body = data.unavailable
    ? html`<p class="unavailable">${data.unavailable}</p>`
    : data.traces.length === 0
      ? html`<p class="empty">Nothing found for <code>${data.q}</code> (searched trace ids, inbound provider event ids and sent provider message ids).</p>`
      : html`<p>Found by ${data.matchedBy}.</p>${data.traces.map((t) => traceView(t, csrf, canRequeue, back))}`;
  return page('Search', html`${searchForm(data.q)}<section id="results"><h2>Results</h2>${body}</section>`, csrf);
}

function traceView(t: TraceReport, csrf: string | null, canRequeue: boolean, back: string): SafeHtml {
  const authorization = t.audit.filter((a) => /\.(prompt|prompt\.denied|interaction\.\w+)$/.test(a.type));
  return html`<article class="trace" data-trace="${t.traceId}"><h3>Trace <code>${t.traceId}</code></h3>
<h4>1. Claim</h4>${table(['Instance', 'Provider event id', 'Status', 'Attempts', 'Last error', 'Created'], t.inbound.map((c: InboundClaim) => html`<tr>
<td>${c.instance}</td><td>${c.eventId}</td><td class="status-${c.status}">${c.status}</td><td>${c.attempts}</td><td>${clip(c.lastError)}</td><td>${c.createdAt}</td></tr>`))}
<h4>2. Authorization</h4>${authorization.length === 0 ? html`<p class="empty">No authorization decision recorded${t.jobs.length ? ' (allowed: a job was enqueued)' : ''}.</p>` : auditTable(authorization)}
<h4>3. Job</h4>${table(['Kind', 'Status', 'Attempts', 'Run', 'Last error', 'Updated'], t.jobs.map((j) => html`<tr>
<td>${j.kind}</td><td class="status-${j.status}">${j.status}</td><td>${j.attempts}/${j.maxAttempts}</td><td><code>${String(j.result?.runId ?? '—')}</code></td><td>${clip(j.lastError)}</td><td>${j.updatedAt}</td></tr>`))}
<h4>4. Executor run</h4>${table(['Session', 'Seq', 'Type', 'Event'], t.events.map((e) => html`<tr class="${eventClass(e, [])}">
<td><a href="/dashboard/sessions/${encodeURIComponent(e.sessionId)}">${e.sessionId.slice(0, 8)}</a></td><td>${e.seq}</td><td>${e.type}</td><td class="ev">${describeEvent(e)}</td></tr>`))}
<h4>5. Deliveries</h4>${t.deliveries.length === 0 ? html`<p class="empty">No rows.</p>` : html`${deliveriesTable(t.deliveries, csrf, canRequeue, back)}${t.deliveries.map(chunksTable)}`}
<h4>Audit</h4>${auditTable(t.audit)}</article>`;
}

function chunksTable(d: Delivery): SafeHtml {
  return html`<p>Chunks of <code>${d.deliveryId}</code></p>${table(['Chunk', 'Status', 'Provider message id', 'Sent'], d.chunks.map((c, i) => html`<tr>
<td><code>${c.chunkId}</code></td><td>${i < d.chunksSent || d.status === 'sent' ? 'sent' : d.status === 'dead' ? 'not sent (dead)' : 'not sent'}</td><td>${c.providerMessageId ?? '—'}</td><td>${c.sentAt ?? '—'}</td></tr>`))}`;
}

function deliveriesTable(rows: Delivery[], csrf: string | null, canRequeue: boolean, back: string): SafeHtml {
  return table(['Delivery', 'Provider', 'Purpose', 'Status', 'Chunks', 'Attempts', 'Error', 'Trace', 'Actions'], rows.map((d) => html`<tr data-delivery="${d.deliveryId}">
<td><code>${d.deliveryId}</code></td><td>${d.instance}</td><td>${d.purpose}</td><td class="status-${d.status}">${d.status}</td><td>${d.chunksSent}/${d.chunks.length}</td>
<td>${d.attempts}/${d.maxAttempts}</td><td>${clip(d.deadReason ?? d.lastError)}</td><td>${traceLink(d.traceId)}</td><td>${deliveryActions(d, csrf, canRequeue, back)}</td></tr>`));
}

function deliveryActions(d: Delivery, csrf: string | null, canRequeue: boolean, back: string): SafeHtml {
  const hidden = html`<input type="hidden" name="csrf" value="${csrf ?? ''}"><input type="hidden" name="back" value="${back}">`;
  const id = encodeURIComponent(d.deliveryId);
  if (d.status === 'dead') {
    return canRequeue
      ? html`<form class="inline" method="post" action="/dashboard/deliveries/${id}/retry">${hidden}<button type="submit">Retry</button></form>`
      : html`<span class="unavailable">retry unavailable (no "actions" store part)</span>`;
  }
  if (d.status === 'pending') return html`<form class="inline" method="post" action="/dashboard/deliveries/${id}/dead-letter">${hidden}<button type="submit">Dead-letter</button></form>`;
  return html``;
}

function auditTable(rows: AuditEvent[]): SafeHtml {
  return table(['Action', 'Actor', 'Trace', 'Metadata', 'Created'], rows.map((a) => html`<tr>
<td>${a.type}</td><td>${a.actor}</td><td>${traceLink(a.traceId)}</td><td><code>${clip(JSON.stringify(a.metadata), 200)}</code></td><td>${a.createdAt}</td></tr>`));
}

function section<T>(data: Section<T>, render: (rows: T[]) => SafeHtml): SafeHtml {
  return 'unavailable' in data ? html`<p class="unavailable">${data.unavailable}</p>` : render(data.rows);
}

function searchForm(q: string): SafeHtml {
  return html`<section><form method="get" action="/dashboard/search"><label>Trace id or provider message id
<input type="search" name="q" value="${q}" required></label> <button type="submit">Find</button></form></section>`;
}

function traceLink(traceId: string | null): SafeHtml {
  return traceId ? html`<a href="/dashboard/search?${query({ q: traceId })}"><code>${traceId.slice(0, 8)}</code></a>` : html`—`;
}

function threadOf(s: Session): string {
  return s.threadId ? `${s.chatId}/${s.threadId}` : s.chatId;
}

/** Permission requests and questions with no `interaction.answered` and whose run has not ended. */
export function pendingInteractions(events: readonly SessionEvent[]): SessionEvent[] {
  const answered = new Set(events.filter((e) => e.type === 'interaction.answered').map((e) => String(e.payload.interactionId)));
  const ended = new Set(events.filter((e) => e.type === 'run.completed' || e.type === 'run.failed').map((e) => String(e.payload.runId)));
  return events.filter((e) => (e.type === 'permission.requested' || e.type === 'question.asked')
    && !answered.has(String(e.payload.interactionId)) && !ended.has(String(e.payload.runId)));
}

function eventClass(e: SessionEvent, pending: readonly SessionEvent[]): string {
  if (pending.includes(e)) return 'ev-pending';
  if (e.type === 'run.failed' || (e.type === 'tool.finished' && e.payload.status === 'failed')) return 'ev-error';
  return `ev-${e.type.split('.')[0]}`;
}

/** One line per event kind: what an operator wants to read, every value escaped by `html`. */
function describeEvent(e: SessionEvent): SafeHtml {
  const p = e.payload as Record<string, unknown>;
  const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  switch (e.type) {
    case 'user.message': return html`<b>${s(p.userId)}</b>: ${s(p.text)}`;
    case 'assistant.message': return html`${s(p.text)}`;
    case 'tool.started': return html`tool <code>${s(p.tool)}</code> started${p.title ? html` — ${s(p.title)}` : ''}`;
    case 'tool.finished': return html`tool <code>${s(p.tool)}</code> ${s(p.status)}${p.error ? html` — ${s(p.error)}` : ''}`;
    case 'permission.requested': return html`permission: ${s(p.title)}${p.detail ? html` — ${s(p.detail)}` : ''}`;
    case 'question.asked': return html`question: ${s(p.question)} ${Array.isArray(p.options) ? html`[${(p.options as unknown[]).map(s).join(' | ')}]` : ''}`;
    case 'run.failed': {
      const error = (p.error ?? {}) as Record<string, unknown>;
      return html`error <code>${s(error.code)}</code>: ${s(error.message)}`;
    }
    case 'run.completed': return html`run completed`;
    case 'interaction.answered': return html`answered by ${s(p.by)}: ${s(p.answer)}`;
    default: return html`<code>${clip(JSON.stringify(p), 300)}</code>`;
  }
}
