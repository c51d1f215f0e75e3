import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '@cowork-gateway/core';
import { EmailListenerFailed } from './errors.js';
import { parseRawMail, type InboundMail } from './mail.js';

/** What the listener does with a received mail; a thrown error answers 451 (try again later). */
export type MailHandler = (mail: InboundMail) => Promise<void>;

export interface ListenerSettings {
  instance: string;
  host: string;
  port: number;
  maxMessageBytes: number;
  logger: Logger;
}

/**
 * An SMTP listener for direct delivery (smtp-server): no AUTH (it is a receiving MX), STARTTLS
 * off (put a TLS-terminating MTA or relay in front for the internet), size-capped. A mail without
 * a Message-ID is refused with 550; one the kernel could not claim gets 451 so the sender retries.
 */
export class SmtpListener {
  private server: SMTPServer | null = null;

  constructor(private readonly settings: ListenerSettings, private readonly handle: MailHandler) {}

  /** The bound port (after {@link start}). */
  port = 0;

  async start(): Promise<void> {
    const { host, port, maxMessageBytes, instance, logger } = this.settings;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: maxMessageBytes,
      banner: 'cowork-gateway',
      logger: false,
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(() => callback(), (error: Error & { responseCode?: number }) => callback(error));
      },
    });
    server.on('error', (error: Error) => logger.warn('email.listener_error', { code: 'email.listener_error', error: error.message }));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(new EmailListenerFailed({ instance, host, port, reason: error.message }));
      server.server.once('error', onError);
      server.listen(port, host, () => {
        server.server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    logger.info('email.listening', { host, port: this.port });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, 'Message exceeds the size limit');
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const mail = await parseRawMail(Buffer.concat(chunks), { ip: session.remoteAddress, helo: session.hostNameAppearsAs, mailFrom });
    if (!mail.messageId) throw smtpError(550, 'A Message-ID header is required');
    try {
      await this.handle(mail);
    } catch (error) {
      this.settings.logger.warn('email.listener_handle_failed', { code: 'email.listener_handle_failed', error: (error as Error).message });
      throw smtpError(451, 'Temporary failure, try again later');
    }
  }
}

function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}
