import {
  AdminBadRequest,
  StoreNotFound,
  defineError,
  isGatewayError,
  operatorPart,
  type HttpRequest,
  type HttpResponse,
  type HttpRoute,
  type Kernel,
  type OperatorPart,
  type TraceReport,
} from '@cowork-gateway/core';
import type { SafeHtml } from './html.js';
import { DashboardAuth, type DashboardAuthOptions, type DashboardViewer } from './session-auth.js';
import { loginPage, overviewPage, searchPage, sessionPage, type OverviewData, type SearchData, type Section } from './views.js';

/**
 * The dashboard's Content-Security-Policy: no scripts, images, frames or connections at all;
 * inline styles only; forms post only to this origin.
 */
export const DASHBOARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Rows per overview table. */
export const DASHBOARD_ROWS = 50;
/** Most session events shown on a session page (the latest ones). */
export const SESSION_EVENTS_SHOWN = 500;
/** Recent deliveries scanned for a sent provider message id. */
const MESSAGE_ID_SCAN = 500;

export const DashboardSearchInvalid = defineError<{ reason: string }>({
  code: 'dashboard.search_invalid',
  status: 400,
  message: ({ reason }) => `dashboard.search_invalid: ${reason}`,
});

/**
 * The operator dashboard of the standalone gateway, server-rendered HTML under `/dashboard`:
 * sessions and their ordered events, jobs, deliveries (retry a dead one, dead-letter a pending
 * one), identities, audit, and a search by trace id or provider message id that shows one
 * message's whole path. It reads the store's operator parts and says which are unavailable.
 * Every route needs the admin token (see {@link DashboardAuth}); without it pages answer 401
 * with the login form, form posts 401 JSON.
 */
export function dashboardRoutes(kernel: Kernel, authOptions: DashboardAuthOptions): HttpRoute[] {
  const auth = new DashboardAuth(authOptions);
  const { store } = kernel.context;
  const unavailable = (part: OperatorPart): string => `Unavailable: the ${store.kind} store has no "${part}" operator part.`;

  const view = (path: string, render: (req: HttpRequest, viewer: DashboardViewer) => Promise<SafeHtml>): HttpRoute => ({
    method: 'GET',
    path,
    auth: 'none',
    handle: async (req) => {
      const viewer = auth.viewer(req);
      if (!viewer) return htmlResponse(401, loginPage(null));
      return htmlResponse(200, await render(req, viewer));
    },
  });

  const action = (path: string, run: (req: HttpRequest, fields: Record<string, string>) => Promise<void>): HttpRoute => ({
    method: 'POST',
    path,
    auth: 'none',
    handle: async (req) => {
      const fields = formFields(req);
      auth.requireAction(req, fields);
      await run(req, fields);
      return redirect(safeBack(fields.back));
    },
  });

  const csrfOf = (viewer: DashboardViewer): string | null => (viewer.kind === 'session' ? viewer.csrf : null);

  return [
    view('/dashboard', async (_req, viewer) => overviewPage(await overview(kernel, unavailable), csrfOf(viewer))),
    view('/dashboard/sessions/:sessionId', async (req, viewer) => {
      const session = await store.sessions.get(req.params.sessionId!);
      if (!session) throw new StoreNotFound({ what: 'session', id: req.params.sessionId! });
      const afterSeq = Math.max(0, session.lastEventSeq - SESSION_EVENTS_SHOWN);
      return sessionPage(session, await store.events.list(session.sessionId, { afterSeq, limit: SESSION_EVENTS_SHOWN }), csrfOf(viewer));
    }),
    view('/dashboard/search', async (req, viewer) => searchPage(await search(kernel, req.query.q ?? '', unavailable), csrfOf(viewer), operatorPart(store, 'actions') !== undefined)),
    {
      method: 'POST',
      path: '/dashboard/login',
      auth: 'none',
      handle: async (req) => {
        const fields = formFields(req);
        try {
          const { cookie } = auth.login(req, fields.token ?? '');
          return redirect('/dashboard', { 'Set-Cookie': cookie });
        } catch (error) {
          if (isGatewayError(error, 'admin.unauthorized')) return htmlResponse(401, loginPage('That is not the admin token.'));
          throw error;
        }
      },
    },
    logoutRoute(auth),
    action('/dashboard/deliveries/:deliveryId/retry', async (req) => {
      const actions = operatorPart(store, 'actions');
      if (!actions) throw new AdminBadRequest({ reason: unavailable('actions') });
      const delivery = await store.deliveries.get(req.params.deliveryId!);
      if (!delivery) throw new StoreNotFound({ what: 'delivery', id: req.params.deliveryId! });
      if (delivery.status !== 'dead') throw new AdminBadRequest({ reason: `delivery is ${delivery.status}; only dead deliveries can be retried` });
      await actions.deliveries.requeue(delivery.deliveryId, { expiresAt: kernel.context.deliveryExpiry() });
      kernel.metrics.deliveryRequeued(kernel.context.providers.get(delivery.instance)?.kind ?? 'other');
      kernel.context.wakeDeliveries();
    }),
    action('/dashboard/deliveries/:deliveryId/dead-letter', async (req) => {
      const delivery = await store.deliveries.get(req.params.deliveryId!);
      if (!delivery) throw new StoreNotFound({ what: 'delivery', id: req.params.deliveryId! });
      if (delivery.status !== 'pending') throw new AdminBadRequest({ reason: `delivery is ${delivery.status}; only pending deliveries can be dead-lettered` });
      await store.deliveries.deadLetter(delivery.deliveryId, null, 'operator: dead-lettered from the dashboard');
    }),
  ];
}

/** Logout also clears the cookie; it is an action (CSRF-checked) so another site cannot log an operator out. */
function logoutRoute(auth: DashboardAuth): HttpRoute {
  return {
    method: 'POST',
    path: '/dashboard/logout',
    auth: 'none',
    handle: async (req) => {
      auth.requireAction(req, formFields(req));
      return redirect('/dashboard', { 'Set-Cookie': auth.logout(req) });
    },
  };
}

async function overview(kernel: Kernel, unavailable: (part: OperatorPart) => string): Promise<OverviewData> {
  const lists = operatorPart(kernel.context.store, 'lists');
  const section = async <T>(load: (l: NonNullable<typeof lists>) => Promise<T[]>): Promise<Section<T>> => (lists ? { rows: await load(lists) } : { unavailable: unavailable('lists') });
  const [sessions, jobs, deliveries, identities, audit] = await Promise.all([
    section((l) => l.sessions.list({ limit: DASHBOARD_ROWS })),
    section((l) => l.jobs.list({ limit: DASHBOARD_ROWS })),
    section((l) => l.deliveries.list({ limit: DASHBOARD_ROWS })),
    section((l) => l.identities.list()),
    section((l) => l.audit.list({ limit: DASHBOARD_ROWS })),
  ]);
  return { sessions, jobs, deliveries, identities, audit, canRequeue: operatorPart(kernel.context.store, 'actions') !== undefined };
}

/**
 * Resolves `q` to traces: a trace id with anything recorded under it; else an inbound provider
 * event id on any configured provider instance; else the provider message id of a sent chunk
 * among the latest deliveries.
 */
async function search(kernel: Kernel, raw: string, unavailable: (part: OperatorPart) => string): Promise<SearchData> {
  const q = raw.trim();
  if (q.length === 0 || q.length > 200) throw new DashboardSearchInvalid({ reason: 'give a trace id or provider message id of 1 to 200 characters' });
  const { store, providers } = kernel.context;
  const tracer = operatorPart(store, 'trace');
  const lists = operatorPart(store, 'lists');
  if (!tracer) return { q, matchedBy: null, traces: [], unavailable: unavailable('trace') };
  const direct = await tracer.trace(q);
  if (hasAnything(direct)) return { q, matchedBy: 'trace id', traces: [direct], unavailable: null };
  if (!lists) return { q, matchedBy: null, traces: [], unavailable: unavailable('lists') };
  const claims = (await Promise.all([...providers.keys()].map((instance) => lists.inbound.findByEventId(instance, q)))).flat();
  if (claims.length > 0) return { q, matchedBy: 'inbound provider event id', traces: await traces(tracer, claims.map((c) => c.traceId)), unavailable: null };
  const recent = await lists.deliveries.list({ limit: MESSAGE_ID_SCAN });
  const sent = recent.filter((d) => d.traceId && d.chunks.some((c) => c.providerMessageId === q));
  return { q, matchedBy: sent.length ? 'sent provider message id' : null, traces: await traces(tracer, sent.map((d) => d.traceId!)), unavailable: null };
}

async function traces(tracer: { trace(id: string): Promise<TraceReport> }, ids: string[]): Promise<TraceReport[]> {
  return Promise.all([...new Set(ids)].map((id) => tracer.trace(id)));
}

function hasAnything(t: TraceReport): boolean {
  return t.inbound.length + t.jobs.length + t.events.length + t.deliveries.length + t.audit.length > 0;
}

function formFields(req: HttpRequest): Record<string, string> {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Only a dashboard path; anything else (another site, `//host`) goes to the overview. */
function safeBack(back: string | undefined): string {
  return back && /^\/dashboard(?:[/?#][^\s\\]*)?$/.test(back) && !back.startsWith('//') ? back : '/dashboard';
}

function redirect(location: string, headers: Record<string, string> = {}): HttpResponse {
  return { status: 303, body: undefined, headers: { Location: location, ...headers } };
}

function htmlResponse(status: number, body: SafeHtml): HttpResponse {
  return {
    status,
    body: body.value,
    contentType: 'text/html; charset=utf-8',
    headers: { 'Content-Security-Policy': DASHBOARD_CSP, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' },
  };
}
