import { defineError } from '@cowork-gateway/core';

/** The setting operators use to point the gateway at OpenCode (seed name). */
export const URL_SETTING = 'OPEN_COWORK_STANDALONE_GATEWAY_OPENCODE_URL';

export const OpenCodeUrlInvalid = defineError<{ reason: string }>({
  code: 'opencode.url_invalid',
  status: 400,
  message: ({ reason }) => `opencode.url_invalid: ${URL_SETTING} (executor option "url") is not usable: ${reason}`,
});

export const OpenCodeUrlNotPrivate = defineError<{ host: string; reason: string }>({
  code: 'opencode.url_not_private',
  status: 400,
  message: ({ host, reason }) =>
    `opencode.url_not_private: refusing OpenCode endpoint host "${host}" from ${URL_SETTING}: ${reason}. ` +
    'OpenCode must stay private: use a loopback or private-network address and never expose its port publicly',
});

export const OpenCodeUnauthorized = defineError<{ url: string }>({
  code: 'opencode.unauthorized',
  status: 502,
  message: ({ url }) =>
    `opencode.unauthorized: OpenCode at ${url} rejected the credentials (HTTP 401); set the executor's "password" ` +
    '(and "username" if not "opencode") to the server\'s OPENCODE_SERVER_PASSWORD / OPENCODE_SERVER_USERNAME',
});

export const OpenCodeBadResponse = defineError<{ url: string; route: string; reason: string }>({
  code: 'opencode.bad_response',
  status: 502,
  message: ({ url, route, reason }) =>
    `opencode.bad_response: ${route} on ${url} ${reason}; check that ${URL_SETTING} points at \`opencode serve\` (1.2 or newer)`,
});

export const OpenCodeRequestRejected = defineError<{ route: string; status: number; detail: string }>({
  code: 'opencode.request_rejected',
  status: 502,
  message: ({ route, status, detail }) => `opencode.request_rejected: OpenCode answered ${route} with HTTP ${status}: ${detail}`,
});

export const OpenCodeSessionNotFound = defineError<{ sessionId: string }>({
  code: 'opencode.session_not_found',
  status: 404,
  message: ({ sessionId }) => `opencode.session_not_found: OpenCode has no session ${sessionId} (was its data directory wiped?)`,
});

export const OpenCodeRunNotFound = defineError<{ runId: string }>({
  code: 'opencode.run_not_found',
  status: 404,
  message: ({ runId }) => `opencode.run_not_found: ${runId} is not a run of this executor, or its prompt is not in the OpenCode session`,
});

export const OpenCodeInteractionNotFound = defineError<{ interactionId: string }>({
  code: 'opencode.interaction_not_found',
  status: 404,
  message: ({ interactionId }) => `opencode.interaction_not_found: ${interactionId} is no longer pending in OpenCode (answered, aborted or unknown)`,
});

export const OpenCodeBinaryNotFound = defineError<{ tried: string }>({
  code: 'opencode.binary_not_found',
  status: 400,
  message: ({ tried }) =>
    `opencode.binary_not_found: cannot find the opencode binary (${tried}); install opencode-ai (npm i opencode-ai), ` +
    'set the executor option managed.command, or use a running server (url; in the Standalone Gateway ' +
    'OPEN_COWORK_STANDALONE_GATEWAY_OPENCODE_URL, or OPENCODE_MANAGED=false to run without an executor)',
});

export const OpenCodeStartFailed = defineError<{ reason: string }>({
  code: 'opencode.start_failed',
  status: 503,
  message: ({ reason }) => `opencode.start_failed: the managed opencode serve did not become ready: ${reason}`,
});
