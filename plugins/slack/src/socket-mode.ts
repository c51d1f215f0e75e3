import { LogLevel, SocketModeClient, type Logger as SlackLogger } from '@slack/socket-mode';
import type { Logger } from '@cowork-gateway/core';

/** One envelope as SocketModeClient emits it on `slack_event`. */
export interface SocketEnvelope {
  type: string;
  body: unknown;
  retryNum: number | undefined;
  ack(payload?: Record<string, unknown>): Promise<void>;
}

/** What the provider learns from the connection. */
export interface SocketModeHandlers {
  envelope(envelope: SocketEnvelope): Promise<void>;
  /** The socket is open and Slack's heartbeat is answered (on connect and every heartbeat interval). */
  alive(): void;
  state(state: 'connected' | 'reconnecting' | 'disconnected'): void;
}

/** How often an open, heartbeat-checked socket counts as inbound progress. */
const ALIVE_INTERVAL_MS = 5000;

/**
 * A Socket Mode connection on `@slack/socket-mode`: `apps.connections.open` with the app-level
 * token (through `apiUrl`, so tests can use a fake), then a WebSocket that delivers envelopes.
 * The library reconnects by itself and drops a socket whose ping/pong heartbeat fails, so an
 * open socket is a live one. Its own log lines (which may carry payloads) are reduced to
 * warnings and errors without bodies.
 */
export class SocketModeConnection {
  private readonly client: SocketModeClient;
  private aliveTimer: NodeJS.Timeout | null = null;

  constructor(appToken: string, apiUrl: string, private readonly logger: Logger, private readonly handlers: SocketModeHandlers) {
    this.client = new SocketModeClient({
      appToken,
      logger: libraryLogger(logger),
      autoReconnectEnabled: true,
      // The kernel owns retries of sends; only the connection's own call goes through this client.
      clientOptions: { slackApiUrl: apiUrl, retryConfig: { retries: 0 } },
    });
    this.client.on('slack_event', (event: { type: string; body: unknown; retry_num?: number; ack: (payload?: Record<string, unknown>) => Promise<void> }) => {
      void this.handlers.envelope({ type: event.type, body: event.body, retryNum: event.retry_num, ack: event.ack }).catch((error: unknown) => {
        this.logger.error('slack.envelope_failed', { code: 'slack.envelope_failed', error: error instanceof Error ? error.name : 'unknown' });
      });
    });
    this.client.on('connected', () => {
      this.handlers.state('connected');
      this.handlers.alive();
    });
    this.client.on('reconnecting', () => this.handlers.state('reconnecting'));
    this.client.on('disconnected', () => this.handlers.state('disconnected'));
  }

  /**
   * Opens the connection. Resolves when Slack said hello; rejects when Slack refused the app
   * token or the Web API could not be used (the library does not retry those).
   */
  async start(): Promise<void> {
    await this.client.start();
    this.aliveTimer = setInterval(() => {
      if (this.client.websocket?.isActive()) this.handlers.alive();
    }, ALIVE_INTERVAL_MS);
    this.aliveTimer.unref();
  }

  /** Whether the WebSocket is open now (the library closes it when its heartbeat fails). */
  get active(): boolean {
    return this.client.websocket?.isActive() ?? false;
  }

  async stop(): Promise<void> {
    if (this.aliveTimer) clearInterval(this.aliveTimer);
    this.aliveTimer = null;
    await this.client.disconnect();
  }
}

/** The library's logger interface, forwarding only warnings and errors, as fixed event names. */
function libraryLogger(logger: Logger): SlackLogger {
  let level: LogLevel = LogLevel.WARN;
  let name = 'socket-mode';
  return {
    debug: () => undefined,
    info: () => undefined,
    // Library messages can quote payloads and URLs: only their first words are kept.
    warn: (...messages: unknown[]) => logger.warn('slack.socket_warning', { component: name, message: brief(messages) }),
    error: (...messages: unknown[]) => logger.warn('slack.socket_error', { component: name, message: brief(messages) }),
    setLevel: (next: LogLevel) => void (level = next),
    getLevel: () => level,
    setName: (next: string) => void (name = next),
  };
}

function brief(messages: unknown[]): string {
  const text = messages.map((m) => (m instanceof Error ? m.name : String(m))).join(' ');
  return text.split(/[:(]/)[0]!.slice(0, 80);
}
