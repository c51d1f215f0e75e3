import { expect } from 'chai';
import type { HttpRequest, HttpResponse, HttpRoute, Session, SessionEvent, Store } from '@cowork-gateway/core';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { escapeHtml, html, SafeHtml } from '../src/dashboard/html.js';
import { dashboardRoutes } from '../src/dashboard/routes.js';
import { pendingInteractions, sessionPage } from '../src/dashboard/views.js';
import { startMemoryTestKernel, type MemoryTestKernel } from './helpers/memory-kernel.js';
import { startTestKernel } from '@cowork-gateway/core/testing';

const TOKEN = 'views-admin-token-0123456789';
const AUTH = { adminToken: TOKEN, failureLimit: 3, blockMs: 60_000 };

function request(method: string, path: string, init: Partial<HttpRequest> = {}): HttpRequest {
  return { method, path, params: {}, query: {}, headers: { authorization: `Bearer ${TOKEN}` }, body: undefined, rawBody: Buffer.alloc(0), sourceIp: '127.0.0.1', ...init };
}

function call(routes: HttpRoute[], method: string, template: string, init: Partial<HttpRequest> = {}): Promise<HttpResponse> {
  const route = routes.find((r) => r.method === method && r.path === template);
  if (!route) throw new Error(`no route ${method} ${template}`);
  return route.handle(request(method, template, init));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const event = (seq: number, type: string, payload: Record<string, unknown>): SessionEvent => ({ sessionId: 's-1', seq, type, payload: payload as SessionEvent['payload'], traceId: null, createdAt: new Date(0) });

describe('dashboard html', () => {
  it('escapes every interpolation, keeps nested templates, joins arrays and skips empty values', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).to.equal('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}${null}${undefined}${false}${3}${new Date(0)}</p>`.value)
      .to.equal('<p><b>&lt;i&gt;</b>&lt;<br>31970-01-01T00:00:00.000Z</p>');
    expect(String(new SafeHtml('<x>'))).to.equal('<x>');
  });
});

describe('dashboard session view', () => {
  const session: Session = {
    sessionId: 's-1', instance: 'fake', providerKind: 'fake', workspaceId: '', chatId: 'c', threadId: 't', title: '<b>title</b>',
    status: 'blocked', executorSessionId: null, lastEventSeq: 9, createdAt: new Date(0), updatedAt: new Date(0),
  };
  const events = [
    event(1, 'user.message', { text: '<script>alert(1)</script>', userId: 'alice' }),
    event(2, 'tool.started', { tool: 'bash', title: 'ls <dir>', runId: 'r1' }),
    event(3, 'tool.finished', { tool: 'bash', status: 'failed', error: 'exit 1', runId: 'r1' }),
    event(4, 'permission.requested', { interactionId: 'p1', title: 'run rm', detail: 'rm -rf /tmp/x', runId: 'r1' }),
    event(5, 'question.asked', { interactionId: 'q1', question: 'which?', options: ['a', 'b'], runId: 'r1' }),
    event(6, 'interaction.answered', { interactionId: 'q1', by: 'alice', answer: { answers: [['a']] } }),
    event(7, 'permission.requested', { interactionId: 'p-old', title: 'old', runId: 'r0' }),
    event(8, 'run.failed', { error: { code: 'executor.x', message: 'boom' }, runId: 'r0' }),
    event(9, 'custom.thing', { any: '<value>' }),
  ];

  it('lists only unanswered requests of runs that have not ended as pending', () => {
    expect(pendingInteractions(events).map((e) => e.seq)).to.deep.equal([4]);
  });

  it('renders each kind of event, escaped, with pending and error rows marked', () => {
    const out = sessionPage(session, events, 'csrf-1').value;
    expect(out).not.to.contain('<script>alert');
    expect(out).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).to.contain('tool <code>bash</code> started — ls &lt;dir&gt;');
    expect(out).to.contain('tool <code>bash</code> failed — exit 1');
    expect(out).to.contain('permission: run rm — rm -rf /tmp/x');
    expect(out).to.contain('question: which? [a | b]');
    expect(out).to.contain('answered by alice');
    expect(out).to.contain('error <code>executor.x</code>: boom');
    expect(out).to.contain('&lt;value&gt;');
    expect(out).to.match(/<tr class="ev-pending" data-seq="4">/);
    expect(out).to.match(/<tr class="ev-error" data-seq="3">/);
    expect(out).to.match(/<tr class="ev-error" data-seq="8">/);
    expect(out).to.contain('name="csrf" value="csrf-1"');
  });
});

describe('dashboard routes without a token, or over a store without operator parts', () => {
  let t: MemoryTestKernel;

  afterEach(async () => {
    await t?.stop();
  });

  it('answers admin.not_configured when no admin token is set', async () => {
    t = await startMemoryTestKernel();
    const routes = dashboardRoutes(t.kernel, { ...AUTH, adminToken: undefined });
    expect(await codeOf(call(routes, 'GET', '/dashboard'))).to.equal('admin.not_configured');
  });

  it('blocks a source after too many wrong bearer tokens, even for the right one', async () => {
    t = await startMemoryTestKernel();
    const routes = dashboardRoutes(t.kernel, AUTH);
    const wrong = { headers: { authorization: 'Bearer wrong-token-000000000000' } };
    for (let i = 0; i < AUTH.failureLimit; i += 1) expect((await call(routes, 'GET', '/dashboard', wrong)).status).to.equal(401);
    expect(await codeOf(call(routes, 'GET', '/dashboard'))).to.equal('http.source_blocked');
    expect((await call(routes, 'GET', '/dashboard', { sourceIp: '10.0.0.9' })).status, 'another source is not blocked').to.equal(200);
  });

  it('says which operator part is unavailable instead of failing', async () => {
    const memory = new MemoryStore({ maxEventsPerSession: 1000 });
    // The runtime Store only: every operator part hidden.
    const bare = new Proxy(memory, { get: (target, key) => (key === 'operator' ? undefined : Reflect.get(target, key, target)) }) as Store;
    t = (await startTestKernel({ store: bare })) as unknown as MemoryTestKernel;
    const routes = dashboardRoutes(t.kernel, AUTH);
    const overview = await call(routes, 'GET', '/dashboard');
    expect(overview.status).to.equal(200);
    expect(overview.body).to.contain('Unavailable: the memory store has no &quot;lists&quot; operator part.');
    const search = await call(routes, 'GET', '/dashboard/search', { query: { q: 'abc' } });
    expect(search.body).to.contain('no &quot;trace&quot; operator part');
    const retry = call(routes, 'POST', '/dashboard/deliveries/:deliveryId/retry', { params: { deliveryId: 'd' }, body: {} });
    expect(await codeOf(retry)).to.equal('admin.bad_request');
  });

  it('dead-letters a pending delivery and only redirects back into the dashboard', async () => {
    t = await startMemoryTestKernel();
    const routes = dashboardRoutes(t.kernel, AUTH);
    await t.kernel.stop();
    const enqueue = (id: string) => t.store.deliveries.enqueue({
      deliveryId: id, instance: 'fake', purpose: 'reply', target: { instance: 'fake', chatId: 'c' },
      chunks: [{ chunkId: `${id}:chunk:1`, message: { text: 'x', format: 'plain' } }], expiresAt: new Date(Date.now() + 60_000),
    });
    const cases: [string, string][] = [['https://evil.example/', '/dashboard'], ['//evil.example', '/dashboard'], ['/dashboard/search?q=x', '/dashboard/search?q=x']];
    for (const [i, [back, location]] of cases.entries()) {
      await enqueue(`d-${i}`);
      const res = await call(routes, 'POST', '/dashboard/deliveries/:deliveryId/dead-letter', { params: { deliveryId: `d-${i}` }, body: { back } });
      expect(res.status).to.equal(303);
      expect(res.headers!.Location).to.equal(location);
      expect((await t.store.deliveries.get(`d-${i}`))!.status).to.equal('dead');
    }
    const again = call(routes, 'POST', '/dashboard/deliveries/:deliveryId/dead-letter', { params: { deliveryId: 'd-0' }, body: {} });
    expect(await codeOf(again)).to.equal('admin.bad_request');
    expect(await codeOf(call(routes, 'POST', '/dashboard/deliveries/:deliveryId/dead-letter', { params: { deliveryId: 'none' }, body: {} }))).to.equal('store.not_found');
    expect(await codeOf(call(routes, 'GET', '/dashboard/sessions/:sessionId', { params: { sessionId: 'none' } }))).to.equal('store.not_found');
    expect(await codeOf(call(routes, 'GET', '/dashboard/search', { query: { q: 'x'.repeat(201) } }))).to.equal('dashboard.search_invalid');
    const none = await call(routes, 'GET', '/dashboard/search', { query: { q: 'nothing-here' } });
    expect(none.body).to.contain('Nothing found for <code>nothing-here</code>');
  });
});
