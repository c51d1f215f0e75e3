import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp } from './app.js';
import { clientErrorHandler } from './client-error.js';
import type { GatewayHttpOptions, RunningHttpServer } from './types.js';

/** Node server limits applied by {@link startHttpServer}. */
export const HTTP_SERVER_LIMITS = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 15_000,
  keepAliveTimeoutMs: 10_000,
  maxConnections: 1024,
});

const IDLE_SWEEP_MS = 250;

/**
 * Starts the gateway HTTP server on `host:port` (port 0 picks a free port) with hardened Node
 * limits (see {@link HTTP_SERVER_LIMITS}) and JSON answers for malformed HTTP.
 */
export async function startHttpServer(options: GatewayHttpOptions): Promise<RunningHttpServer> {
  const app = createHttpApp(options);
  const server = createServer(
    { requestTimeout: HTTP_SERVER_LIMITS.requestTimeoutMs, headersTimeout: HTTP_SERVER_LIMITS.headersTimeoutMs },
    app.callback(),
  );
  server.keepAliveTimeout = HTTP_SERVER_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = HTTP_SERVER_LIMITS.maxConnections;
  server.on('clientError', clientErrorHandler(options.logger));
  await listen(server, options.port, options.host);
  const { address, port } = server.address() as AddressInfo;
  const hostPart = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${hostPart}:${port}`, port, host: address, server, close: closer(server) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * `close()`: stops accepting, ends idle keep-alive sockets now and as in-flight requests finish,
 * and after `requestTimeoutMs` (Node stops enforcing it once closing) destroys what is left.
 * Idempotent.
 */
function closer(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve, reject) => {
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
      const force = setTimeout(() => server.closeAllConnections(), HTTP_SERVER_LIMITS.requestTimeoutMs).unref();
      server.close((error) => {
        clearInterval(sweep);
        clearTimeout(force);
        if (error) reject(error);
        else resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
}
