import { defineError } from '../errors.js';

/** A trusted-proxy entry is neither an IP address nor a CIDR range (startup configuration). */
export const HttpTrustedProxyInvalid = defineError<{ entry: string }>({
  code: 'http.trusted_proxy_invalid',
  status: 400,
  message: ({ entry }) => `http.trusted_proxy_invalid: "${entry}" is not an IP address or CIDR range`,
});

/** The client went away (or the stream failed) before the request body was complete. */
export const HttpRequestAborted = defineError<void>({
  code: 'http.request_aborted',
  status: 400,
  message: () => 'the request body ended before it was complete',
});


/** Node rejected the request before routing: malformed HTTP. */
export const HttpBadRequest = defineError<void>({
  code: 'http.bad_request',
  status: 400,
  message: () => 'malformed HTTP request',
});

/** The request headers or body did not arrive within the server's time limits. */
export const HttpRequestTimeout = defineError<void>({
  code: 'http.request_timeout',
  status: 408,
  message: () => 'the request did not arrive in time',
});

/** The request headers are larger than the server accepts. */
export const HttpHeadersTooLarge = defineError<void>({
  code: 'http.headers_too_large',
  status: 431,
  message: () => 'the request headers are too large',
});
