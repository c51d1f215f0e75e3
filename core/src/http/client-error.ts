import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import { HttpBadRequest, HttpHeadersTooLarge, HttpRequestTimeout } from './codes.js';
import { JSON_CONTENT_TYPE } from './response.js';

function answerFor(nodeCode: string | undefined): GatewayError {
  if (nodeCode === 'HPE_HEADER_OVERFLOW') return new HttpHeadersTooLarge();
  if (nodeCode === 'ERR_HTTP_REQUEST_TIMEOUT') return new HttpRequestTimeout();
  return new HttpBadRequest();
}

/**
 * `clientError` listener: answers requests Node rejects before routing (malformed HTTP, oversized
 * headers, request timeouts) with the usual JSON error body, then closes the socket. Sockets that
 * already sent bytes or are gone are just destroyed.
 */
export function clientErrorHandler(logger: Logger): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    const net = socket as Socket;
    if (error.code === 'ECONNRESET' || !net.writable || net.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const answer = answerFor(error.code);
    logger.info(answer.code, { status: answer.status, nodeCode: error.code, sourceIp: net.remoteAddress });
    const body = JSON.stringify({ error: answer.toJSON() });
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };
}
