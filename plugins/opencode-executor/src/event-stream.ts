import { createParser } from 'eventsource-parser';
import { ExecutorUnavailableError, isGatewayError, type Logger } from '@cowork-gateway/core';
import type { OpenCodeClient } from './opencode-client.js';
import type { OpenCodeEvent } from './opencode-types.js';

export interface EventStreamTiming {
  /** First reconnect delay; doubles up to `reconnectMaxMs`. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** No bytes for this long (OpenCode sends a heartbeat every 10 s) → reconnect. */
  silenceMs: number;
}

export const DEFAULT_EVENT_STREAM_TIMING: EventStreamTiming = { reconnectBaseMs: 200, reconnectMaxMs: 5_000, silenceMs: 35_000 };

type State = 'idle' | 'connecting' | 'connected' | 'stopped';

/**
 * The one `GET /event` subscription of an executor (all its sessions share one project
 * directory). It reconnects with backoff when the stream drops, falls silent, or ends after
 * `server.instance.disposed`; after every reconnect it calls the resync listeners, because
 * OpenCode's SSE has no ids to resume from (events in the gap are read back through REST).
 */
export class OpenCodeEventStream {
  private state: State = 'idle';
  private readonly eventListeners = new Set<(event: OpenCodeEvent) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly stateWaiters = new Set<() => void>();
  private lastError: unknown;
  private connections = 0;
  private stop = new AbortController();
  private current: AbortController | null = null;

  constructor(
    private readonly client: OpenCodeClient,
    private readonly logger: Logger,
    private readonly timing: EventStreamTiming = DEFAULT_EVENT_STREAM_TIMING,
    private readonly connectTimeoutMs = 10_000,
  ) {}

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  onEvent(listener: (event: OpenCodeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called after each reconnection, once `server.connected` arrived on the new stream. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /**
   * Resolves once the stream is connected (starting it on first use). Subscribing before a
   * prompt is posted is what guarantees no event of the run is missed.
   */
  async connected(timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') throw new ExecutorUnavailableError('the OpenCode executor is stopped');
    if (this.state === 'idle') void this.run();
    const deadline = Date.now() + timeoutMs;
    while (this.state !== 'connected') {
      if (isGatewayError(this.lastError) && this.lastError.status !== 503) throw this.lastError;
      const left = deadline - Date.now();
      if (left <= 0 || (this.state as State) === 'stopped') {
        throw new ExecutorUnavailableError(`cannot subscribe to OpenCode events at ${this.client.baseUrl}: ${describe(this.lastError)}`, { cause: this.lastError });
      }
      await this.stateChange(left);
    }
  }

  /** Drops the current connection; it is re-opened (and resynced) at once. */
  reconnect(): void {
    this.current?.abort();
  }

  close(): void {
    this.state = 'stopped';
    this.stop.abort();
    this.notifyState();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stop.signal.aborted) {
      this.setState('connecting');
      const opened = await this.readOnce().catch((error: unknown) => {
        this.lastError = error;
        return false;
      });
      if (this.stop.signal.aborted) break;
      attempt = opened ? 0 : attempt + 1;
      const delay = Math.min(this.timing.reconnectMaxMs, this.timing.reconnectBaseMs * 2 ** Math.min(attempt, 10));
      this.logger.debug('opencode.events.reconnecting', { inMs: delay, error: describe(this.lastError) });
      this.setState('connecting');
      await sleep(delay, this.stop.signal);
    }
  }

  /** Reads one connection until it ends; true when it got as far as `server.connected`. */
  private async readOnce(): Promise<boolean> {
    const connection = new AbortController();
    this.current = connection;
    const onStop = (): void => connection.abort();
    this.stop.signal.addEventListener('abort', onStop);
    const connectTimer = setTimeout(() => connection.abort(), this.connectTimeoutMs);
    let response: Response;
    try {
      response = await this.client.openEvents(connection.signal);
    } catch (error) {
      this.stop.signal.removeEventListener('abort', onStop);
      throw connection.signal.aborted && !this.stop.signal.aborted ? new Error(`GET /event did not answer within ${this.connectTimeoutMs} ms`) : error;
    } finally {
      clearTimeout(connectTimer);
    }
    let opened = false;
    let silence = setTimeout(() => connection.abort(), this.timing.silenceMs);
    const parser = createParser({
      onEvent: (message) => {
        const event = parseEvent(message.data);
        if (!event) return;
        if (event.type === 'server.connected') {
          opened = true;
          this.onConnected();
          return;
        }
        if (event.type === 'server.instance.disposed') {
          // OpenCode ends the stream right after; the silence timer covers a server that does not.
          this.logger.info('opencode.events.instance_disposed', {});
          return;
        }
        for (const listener of this.eventListeners) listener(event);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(silence);
        silence = setTimeout(() => connection.abort(), this.timing.silenceMs);
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      this.lastError = new Error('the event stream ended');
    } catch (error) {
      this.lastError = connection.signal.aborted ? new Error('the event stream was dropped (silent or instance disposed)') : error;
    } finally {
      clearTimeout(silence);
      this.stop.signal.removeEventListener('abort', onStop);
      this.current = null;
    }
    return opened;
  }

  private onConnected(): void {
    this.connections += 1;
    this.lastError = undefined;
    this.setState('connected');
    if (this.connections === 1) return;
    this.logger.info('opencode.events.reconnected', { connections: this.connections });
    for (const listener of this.resyncListeners) listener();
  }

  private setState(state: State): void {
    if (this.state === 'stopped') return;
    this.state = state;
    this.notifyState();
  }

  private notifyState(): void {
    for (const wake of [...this.stateWaiters]) wake();
  }

  private stateChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.stateWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(timeoutMs, 250));
      this.stateWaiters.add(wake);
    });
  }
}

function parseEvent(data: string): OpenCodeEvent | null {
  try {
    const value = JSON.parse(data) as Partial<OpenCodeEvent> & { payload?: OpenCodeEvent };
    const event = value.payload ?? value;
    if (typeof event.type !== 'string') return null;
    return { id: event.id, type: event.type, properties: (event.properties ?? {}) as Record<string, unknown> };
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error === undefined) return 'not connected yet';
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
