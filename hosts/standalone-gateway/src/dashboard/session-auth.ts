import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AdminNotConfigured,
  AdminUnauthorized,
  FixedWindowRateLimiter,
  HttpSourceBlocked,
  adminTokenMatches,
  defineError,
  type HttpRequest,
} from '@cowork-gateway/core';

/** Name of the dashboard's session cookie (HttpOnly, SameSite=Strict, Path=/dashboard). */
export const DASHBOARD_COOKIE = 'cgw_dashboard';
/** How long a dashboard login lasts. */
export const DASHBOARD_SESSION_MS = 8 * 3_600_000;
const MAX_SESSIONS = 1_000;

export const DashboardCsrfInvalid = defineError<void>({
  code: 'dashboard.csrf_invalid',
  status: 403,
  message: () => 'dashboard.csrf_invalid: the form is stale or came from another site; reload the dashboard and try again',
});

/** Who is looking: a browser login (with its CSRF token) or a client with the bearer token. */
export type DashboardViewer = { kind: 'session'; csrf: string } | { kind: 'bearer' };

interface LoginSession {
  csrf: string;
  expiresAt: number;
}

export interface DashboardAuthOptions {
  adminToken: string | undefined;
  /** Failed logins from one source before it is blocked for `blockMs`. */
  failureLimit: number;
  blockMs: number;
  now?: () => number;
}

/**
 * Dashboard authentication. `Authorization: Bearer <admin token>` works on every dashboard
 * request (curl). A browser logs in once by posting the admin token to `/dashboard/login` and
 * gets an opaque session id in an HttpOnly, SameSite=Strict cookie; every state-changing form
 * also carries that session's CSRF token, compared in constant time. Sessions live in this
 * process only (a restart logs everyone out). Failed logins and wrong bearer tokens are counted
 * per source address and block it like failed admin authentications do.
 */
export class DashboardAuth {
  private readonly sessions = new Map<string, LoginSession>();
  private readonly failures: FixedWindowRateLimiter;
  private readonly now: () => number;

  constructor(private readonly options: DashboardAuthOptions) {
    this.now = options.now ?? Date.now;
    this.failures = new FixedWindowRateLimiter({ limit: options.failureLimit, windowMs: options.blockMs, blockMs: options.blockMs });
  }

  /** The viewer of a request, or null when it carries neither the bearer token nor a live login. */
  viewer(req: HttpRequest): DashboardViewer | null {
    const token = this.requireToken();
    const authorization = header(req, 'authorization');
    if (authorization !== undefined) {
      this.assertNotBlocked(req);
      if (adminTokenMatches(authorization, token)) return { kind: 'bearer' };
      this.failures.recordFailure(req.sourceIp, this.now());
      return null;
    }
    const session = this.session(req);
    return session ? { kind: 'session', csrf: session.csrf } : null;
  }

  /** Like {@link viewer} but throws `admin.unauthorized` (401) when there is none. */
  requireViewer(req: HttpRequest): DashboardViewer {
    const viewer = this.viewer(req);
    if (!viewer) throw new AdminUnauthorized();
    return viewer;
  }

  /**
   * For a form post: a bearer client passes as is (browsers never attach that header on their
   * own); a browser login must send its session's CSRF token in the `csrf` field.
   */
  requireAction(req: HttpRequest, fields: Record<string, string>): DashboardViewer {
    const viewer = this.requireViewer(req);
    if (viewer.kind === 'bearer') return viewer;
    if (header(req, 'sec-fetch-site') === 'cross-site' || !equalSecrets(fields.csrf ?? '', viewer.csrf)) throw new DashboardCsrfInvalid();
    return viewer;
  }

  /** Checks a posted admin token; on success a new session and its `Set-Cookie` value. */
  login(req: HttpRequest, presented: string): { cookie: string } {
    const token = this.requireToken();
    this.assertNotBlocked(req);
    if (!equalSecrets(presented, token)) {
      this.failures.recordFailure(req.sourceIp, this.now());
      throw new AdminUnauthorized();
    }
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(sessionKey(id), { csrf: randomBytes(32).toString('base64url'), expiresAt: this.now() + DASHBOARD_SESSION_MS });
    return { cookie: `${DASHBOARD_COOKIE}=${id}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${DASHBOARD_SESSION_MS / 1000}` };
  }

  /** Ends the request's login; the `Set-Cookie` value that clears the cookie. */
  logout(req: HttpRequest): string {
    const id = cookieValue(req, DASHBOARD_COOKIE);
    if (id) this.sessions.delete(sessionKey(id));
    return `${DASHBOARD_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** 429 `http.source_blocked` while the source has too many failed logins or bearer attempts. */
  private assertNotBlocked(req: HttpRequest): void {
    const blocked = this.failures.check(req.sourceIp, this.now());
    if (blocked.allowed) return;
    const retryAfterSeconds = Math.ceil(blocked.retryAfterMs / 1000);
    throw new HttpSourceBlocked({ retryAfterSeconds }, { details: { retryAfterSeconds } });
  }

  private session(req: HttpRequest): LoginSession | null {
    const id = cookieValue(req, DASHBOARD_COOKIE);
    if (!id) return null;
    const key = sessionKey(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return null;
    }
    return session;
  }

  private requireToken(): string {
    const token = this.options.adminToken;
    if (token === undefined || token.length === 0) throw new AdminNotConfigured();
    return token;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

function header(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookieValue(req: HttpRequest, name: string): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Sessions are kept under the digest of their id, so a memory dump does not hold usable cookies. */
function sessionKey(id: string): string {
  return digest(id).toString('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison of two secrets of any length; an empty secret never matches. */
function equalSecrets(presented: string, expected: string): boolean {
  if (presented.length === 0 || expected.length === 0) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
