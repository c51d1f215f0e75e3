import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One mail the test SMTP server received, parsed. */
export interface ReceivedMail {
  /** The SMTP envelope. */
  mailFrom: string;
  rcptTo: string[];
  messageId: string;
  from: string;
  to: string;
  subject: string;
  /** The text part, without the trailing newline MIME adds. */
  text: string;
  html: string;
  inReplyTo?: string;
  references: string[];
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; content: Buffer }[];
  /** The `X-Cowork-Delivery-Id` header: the kernel's idempotency key of the send. */
  deliveryId?: string;
  /** The user name the client authenticated as, when AUTH was used. */
  user?: string;
  raw: Buffer;
}

/** How the next transaction fails: like a real MTA's 4xx/5xx replies. */
export type SmtpFailure = 'transient' | 'rate_limited' | 'permanent';

const FAILURE_REPLY: Record<SmtpFailure, { code: number; message: string }> = {
  transient: { code: 451, message: '4.3.0 Temporary local problem, try again later' },
  rate_limited: { code: 421, message: '4.7.0 Too many messages, slow down' },
  permanent: { code: 550, message: '5.1.1 Mailbox unavailable' },
};

export interface SmtpSinkOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials (over the plaintext test connection). */
  auth?: { user: string; pass: string };
}

/**
 * An in-process SMTP server (smtp-server) on 127.0.0.1 that receives the gateway's mail: it
 * records and parses every message, can require AUTH and refuses bad credentials with 535, and
 * fails the next transaction with a real MTA's reply on request. STARTTLS is off: smtp-server's
 * built-in certificate has a public private key.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly failures: SmtpFailure[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: SMTPServer, readonly port: number) {}

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    let sink: SmtpSink | null = null;
    const config: SMTPServerOptions = {
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onRcptTo(_address, _session, callback) {
        const failure = sink?.failures.shift();
        if (failure) callback(Object.assign(new Error(FAILURE_REPLY[failure].message), { responseCode: FAILURE_REPLY[failure].code }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          sink!.record(Buffer.concat(chunks), session.envelope, typeof session.user === 'string' ? session.user : undefined).then(() => callback(), callback);
        });
      },
    };
    const server = new SMTPServer(config);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return sink;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Fails the next `times` transactions (at RCPT TO) with the reply of `kind`. */
  failNext(kind: SmtpFailure, times = 1): void {
    for (let i = 0; i < times; i += 1) this.failures.push(kind);
  }

  /** Resolves with the first `count` mails once that many arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    if (this.received.length >= count) return this.received.slice(0, count);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${count} mails, received ${this.received.length} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (this.received.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.received.slice(0, count));
      };
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async record(raw: Buffer, envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] }, user: string | undefined): Promise<void> {
    const parsed = await simpleParser(raw, { skipTextToHtml: true });
    const headers: Record<string, string> = {};
    for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const references = Array.isArray(parsed.references) ? parsed.references : parsed.references ? parsed.references.split(/\s+/) : [];
    const deliveryId = headers['x-cowork-delivery-id'];
    this.received.push({
      mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
      rcptTo: envelope.rcptTo.map((r) => r.address),
      messageId: parsed.messageId ?? '',
      from: headers.from ?? '',
      to: headers.to ?? '',
      subject: parsed.subject ?? '',
      text: (parsed.text ?? '').replace(/\r?\n$/, ''),
      html: typeof parsed.html === 'string' ? parsed.html : '',
      ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo } : {}),
      references,
      headers,
      attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
      ...(deliveryId ? { deliveryId } : {}),
      ...(user ? { user } : {}),
      raw,
    });
    for (const wake of [...this.waiters]) wake();
  }
}
