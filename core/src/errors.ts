/**
 * The one error base of cowork-gateway: every error that crosses a package boundary is a
 * {@link GatewayError} with a stable string `code` (`<area>.<reason>`), an HTTP `status`, and
 * `expose` telling the HTTP layer whether its message may be shown to the caller.
 *
 * Codes are API: never rename or reuse one. Every code is listed in `docs/errors.md`.
 */
const BRAND = Symbol.for('cowork-gateway.error');

export interface GatewayErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** Whether the message may be shown to an HTTP caller; default: only for statuses below 500. */
  expose?: boolean;
}

export class GatewayError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status = 500, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = status;
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A GatewayError subclass whose message is built from typed parameters. */
export interface GatewayErrorClass<P> {
  new (params: P, options?: GatewayErrorOptions): GatewayError;
  readonly code: string;
  readonly status: number;
}

/** Registry of every code defined through {@link defineError}, for docs and tests. */
export const errorRegistry = new Map<string, { status: number }>();

/**
 * Adds a code to {@link errorRegistry} for a GatewayError subclass whose code is chosen at
 * construction (DeliveryError's `delivery.<kind>`), so it is documented like the rest.
 */
export function registerErrorCode(code: string, status: number): void {
  errorRegistry.set(code, { status });
}

/** Defines an error class with a stable code, HTTP status and a typed message function. */
export function defineError<P = void>(spec: {
  code: string;
  status: number;
  message: (params: P) => string;
  /**
   * Show the message to HTTP callers even for a 5xx: for deliberate refusals such as a 503
   * while a shared dependency is down, whose message says what to do and holds no secrets.
   */
  expose?: boolean;
}): GatewayErrorClass<P> {
  registerErrorCode(spec.code, spec.status);
  const Defined = class extends GatewayError {
    static readonly code = spec.code;
    static readonly status = spec.status;
    constructor(params: P, options?: GatewayErrorOptions) {
      super(spec.code, spec.message(params), spec.status, spec.expose === undefined ? options : { ...options, expose: spec.expose });
    }
  };
  Object.defineProperty(Defined, 'name', { value: codeToClassName(spec.code) });
  return Defined;
}

function codeToClassName(code: string): string {
  return code
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('') + 'Error';
}

/** Brand check that works across copies of core; optionally matches a code. */
export function isGatewayError(value: unknown, code?: string): value is GatewayError {
  if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
  return code === undefined || (value as GatewayError).code === code;
}

// ---- core's own codes -------------------------------------------------------------------------

export const ConfigInvalid = defineError<{ issues: string[] }>({
  code: 'config.invalid',
  status: 400,
  message: ({ issues }) => issues.map((i) => `config.invalid: ${i}`).join('\n'),
});

export const ConfigFileUnreadable = defineError<{ path: string; reason: string }>({
  code: 'config.file_unreadable',
  status: 400,
  message: ({ path, reason }) => `config.file_unreadable: cannot read config file ${path}: ${reason}`,
});

export const ConfigSecretUnresolved = defineError<{ key: string; source: string; reason: string }>({
  code: 'config.secret_unresolved',
  status: 400,
  message: ({ key, source, reason }) => `config.secret_unresolved: ${key} (${source}): ${reason}`,
});

export const PluginNotFound = defineError<{ use: string; from: string }>({
  code: 'plugin.not_found',
  status: 400,
  message: ({ use, from }) =>
    `plugin.not_found: cannot find plugin module "${use}" (resolved from ${from}); install the package or fix the path`,
});

export const PluginInvalid = defineError<{ use: string; reason: string }>({
  code: 'plugin.invalid',
  status: 400,
  message: ({ use, reason }) =>
    `plugin.invalid: "${use}" is not a cowork-gateway plugin: ${reason}; its default export must come from definePlugin()`,
});

export const PluginWrongKind = defineError<{ use: string; expected: string; actual: string; key: string }>({
  code: 'plugin.wrong_kind',
  status: 400,
  message: ({ use, expected, actual, key }) =>
    `plugin.wrong_kind: ${key} names "${use}", a ${actual} plugin, where a ${expected} plugin is required`,
});

export const PluginOptionsInvalid = defineError<{ use: string; issues: string[] }>({
  code: 'plugin.options_invalid',
  status: 400,
  message: ({ use, issues }) => `plugin.options_invalid: options for "${use}" are invalid:\n  ${issues.join('\n  ')}`,
});

export const PluginCoreVersionMismatch = defineError<{ use: string; wants: string; have: string }>({
  code: 'plugin.core_version_mismatch',
  status: 400,
  message: ({ use, wants, have }) =>
    `plugin.core_version_mismatch: "${use}" supports @cowork-gateway/core ${wants}, this is ${have}`,
});

export const PluginDependencyMissing = defineError<{ plugin: string; token: string }>({
  code: 'plugin.dependency_missing',
  status: 400,
  message: ({ plugin, token }) => `plugin.dependency_missing: plugin "${plugin}" needs ${token}, which nothing provides`,
});

export const PluginInstanceIdInvalid = defineError<{ id: string; key: string }>({
  code: 'plugin.instance_id_invalid',
  status: 400,
  message: ({ id, key }) =>
    `plugin.instance_id_invalid: ${key} "${id}" is not a valid instance id (lowercase letters, digits and "-", starting with a letter, at most 64 characters)`,
});

export const PluginInstanceIdDuplicate = defineError<{ id: string; key?: string }>({
  code: 'plugin.instance_id_duplicate',
  status: 400,
  message: ({ id, key }) =>
    `plugin.instance_id_duplicate: two providers use the instance id "${id}"${key ? ` (again at ${key})` : ''}; ids must be unique`,
});

export const HttpBadJson = defineError<{ reason: string }>({
  code: 'http.bad_json',
  status: 400,
  message: ({ reason }) => `request body is not valid JSON: ${reason}`,
});

export const HttpUnsupportedMediaType = defineError<{ contentType: string }>({
  code: 'http.unsupported_media_type',
  status: 415,
  message: ({ contentType }) => `content type "${contentType}" is not accepted here; send application/json`,
});

export const HttpBodyTooLarge = defineError<{ limit: number }>({
  code: 'http.body_too_large',
  status: 413,
  message: ({ limit }) => `request body is larger than the ${limit}-byte limit`,
});

export const HttpNotFound = defineError<{ path: string }>({
  code: 'http.not_found',
  status: 404,
  message: ({ path }) => `no route for ${path}`,
});

export const HttpMethodNotAllowed = defineError<{ method: string; path: string }>({
  code: 'http.method_not_allowed',
  status: 405,
  message: ({ method, path }) => `${method} is not allowed on ${path}`,
});

export const HttpRateLimited = defineError<{ retryAfterSeconds: number }>({
  code: 'http.rate_limited',
  status: 429,
  message: ({ retryAfterSeconds }) => `too many requests from this source; retry after ${retryAfterSeconds} s`,
});

export const HttpSourceBlocked = defineError<{ retryAfterSeconds: number }>({
  code: 'http.source_blocked',
  status: 429,
  message: ({ retryAfterSeconds }) =>
    `too many failed authentications from this source; blocked for ${retryAfterSeconds} s`,
});

export const WebhookUnknownInstance = defineError<{ instance: string }>({
  code: 'webhook.unknown_instance',
  status: 404,
  message: ({ instance }) => `no provider instance "${instance}" accepts webhooks here`,
});

export const WebhookAuthFailed = defineError<{ instance: string; reason: string }>({
  code: 'webhook.signature_invalid',
  status: 401,
  message: ({ instance, reason }) => `webhook verification failed for "${instance}": ${reason}`,
});

export const WebhookPayloadInvalid = defineError<{ instance: string; reason: string }>({
  code: 'webhook.payload_invalid',
  status: 400,
  message: ({ instance, reason }) => `webhook payload for "${instance}" is invalid: ${reason}`,
});

export const AdminUnauthorized = defineError<void>({
  code: 'admin.unauthorized',
  status: 401,
  message: () => 'admin endpoints need "Authorization: Bearer <admin token>"',
});

export const AdminNotConfigured = defineError<void>({
  code: 'admin.not_configured',
  status: 403,
  message: () => 'no admin token is configured; set ADMIN_TOKEN to use admin endpoints',
});

export const AdminBadRequest = defineError<{ reason: string }>({
  code: 'admin.bad_request',
  status: 400,
  message: ({ reason }) => reason,
});

export const StoreNotFound = defineError<{ what: string; id: string }>({
  code: 'store.not_found',
  status: 404,
  message: ({ what, id }) => `${what} "${id}" does not exist`,
});

export const StoreStaleClaim = defineError<{ what: string; id: string }>({
  code: 'store.stale_claim',
  status: 409,
  message: ({ what, id }) => `${what} "${id}" is no longer held by this claim (its lease expired or was taken over)`,
});

export const StoreLeaseLost = defineError<{ name: string }>({
  code: 'store.lease_lost',
  status: 409,
  message: ({ name }) => `lease "${name}" is not held by this process`,
});

export const StoreCapabilityMissing = defineError<{ kind: string; part: string }>({
  code: 'store.capability_missing',
  status: 404,
  message: ({ kind, part }) => `the ${kind} store has no "${part}" operator part, so this operation is not available`,
});

export const HostBindRefused = defineError<{ host: string; optIn: string }>({
  code: 'host.bind_refused',
  status: 400,
  message: ({ host, optIn }) =>
    `host.bind_refused: refusing to listen on wildcard address ${host}; bind to loopback, or set ${optIn}=true behind a reverse proxy with an admin token`,
});
