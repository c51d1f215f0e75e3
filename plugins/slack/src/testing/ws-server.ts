import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * One server side of a WebSocket connection (RFC 6455), just enough for Slack's Socket Mode:
 * unfragmented text frames, ping → pong, close. Client frames are masked and unmasked here;
 * server frames are sent unmasked.
 */
export class FakeWebSocket {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private readonly onText: (text: string) => void;

  constructor(private readonly socket: Duplex, onText: (text: string) => void, private readonly onClose: () => void) {
    this.onText = onText;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  /** Completes the opening handshake of `req` on `socket`; null when it is not a WebSocket upgrade. */
  static accept(req: IncomingMessage, socket: Duplex, onText: (text: string) => void, onClose: () => void): FakeWebSocket | null {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return null;
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    return new FakeWebSocket(socket, onText, onClose);
  }

  get open(): boolean {
    return !this.closed;
  }

  sendText(text: string): void {
    this.frame(0x1, Buffer.from(text, 'utf8'));
  }

  ping(): void {
    this.frame(0x9, Buffer.from('fake-slack'));
  }

  /** Sends a close frame and ends the connection. */
  close(code = 1000): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.frame(0x8, payload);
    this.socket.end();
    this.finish();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const length = payload.length;
    const header = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (length >= 126 && length < 65_536) {
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(length, 2);
    } else if (length >= 65_536) {
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    this.socket.write(Buffer.concat([header, payload]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const maskLength = masked ? 4 : 0;
      if (this.buffer.length < offset + maskLength + length) return;
      const mask = masked ? this.buffer.subarray(offset, offset + 4) : null;
      const payload = Buffer.from(this.buffer.subarray(offset + maskLength, offset + maskLength + length));
      if (mask) for (let i = 0; i < payload.length; i += 1) payload[i]! ^= mask[i % 4]!;
      this.buffer = this.buffer.subarray(offset + maskLength + length);
      if (opcode === 0x1) this.onText(payload.toString('utf8'));
      else if (opcode === 0x9) this.frame(0xa, payload);
      else if (opcode === 0x8) {
        this.frame(0x8, payload.subarray(0, 2));
        this.socket.end();
        this.finish();
        return;
      }
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
