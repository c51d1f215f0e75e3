import type { Logger, ProviderContext } from '@cowork-gateway/core';
import { backoffMs, sleep } from './backoff.js';
import { BotApiError, describeBotApiFailure, hasErrorCode, type BotApiFailure } from './bot-api-failure.js';
import type { BotApi } from './bot-api.js';
import type { HealthState } from './health-state.js';
import { ALLOWED_UPDATES, type TgUpdate } from './telegram-update.js';
import { decodeOffset, encodeOffset } from './offset-cursor.js';

/** What the poller needs from the provider. */
export interface PollerOptions {
  api: BotApi;
  ctx: Pick<ProviderContext, 'cursor' | 'reportInboundProgress'>;
  logger: Logger;
  health: HealthState;
  timeoutSeconds: number;
  stallGraceMs: number;
  /** Normalizes and ingests one update; resolves once the kernel claimed it durably. */
  handleUpdate(update: TgUpdate): Promise<void>;
  /** Aborted to stop polling; the in-flight getUpdates is aborted with it. */
  signal: AbortSignal;
}

/** Thrown inside {@link Poller} when the watchdog aborted a getUpdates that never answered. */
class PollStalled extends Error {}

/**
 * Long polling with getUpdates. The offset comes from the instance's durable cursor and is
 * saved only after every update below it was ingested, so a restart neither replays nor skips.
 * Failures back off with jitter; 409 (another poller or a webhook) and stalls degrade health
 * with their own reason; 401 marks health down and ends polling.
 */
export class Poller {
  constructor(private readonly options: PollerOptions) {}

  /** Polls until the signal aborts or the token is refused. */
  async run(): Promise<void> {
    const { signal } = this.options;
    let offset = await this.loadOffset();
    let failures = 0;
    while (!signal.aborted) {
      let updates: TgUpdate[];
      try {
        updates = await this.poll(offset);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof PollStalled) {
          this.reportStall();
          continue;
        }
        const failure = describeBotApiFailure('getUpdates', error, '');
        if (hasErrorCode(failure, 401)) return this.reportUnauthorized();
        failures += 1;
        await sleep(this.reportFailure(failure, failures), signal);
        continue;
      }
      this.options.ctx.reportInboundProgress();
      this.options.health.ok();
      const delivered = await this.deliver(updates, offset);
      offset = delivered.offset;
      failures = delivered.complete ? 0 : failures + 1;
      if (!delivered.complete) await sleep(backoffMs(failures), signal);
    }
  }

  /** One getUpdates, aborted by the watchdog after timeout + grace or by stop. */
  private async poll(offset: number | undefined): Promise<TgUpdate[]> {
    const { api, signal, timeoutSeconds, stallGraceMs } = this.options;
    const controller = new AbortController();
    const onStop = (): void => controller.abort();
    signal.addEventListener('abort', onStop, { once: true });
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, timeoutSeconds * 1000 + stallGraceMs);
    try {
      const params = { timeout: timeoutSeconds, allowed_updates: ALLOWED_UPDATES, ...(offset !== undefined ? { offset } : {}) };
      return (await api.call('getUpdates', (a) => a.getUpdates(params, controller.signal))) as unknown as TgUpdate[];
    } catch (error) {
      // The client's own timeout (wait + 10 s) firing first is a stall as well.
      const timedOut = error instanceof BotApiError && error.failure.kind === 'timeout';
      if ((stalled || timedOut) && !signal.aborted) throw new PollStalled();
      throw error;
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', onStop);
    }
  }

  /**
   * Hands the updates to the kernel in update_id order and saves the offset past the last one
   * ingested. An ingest failure stops the batch there: that update comes back on the next poll.
   */
  private async deliver(updates: TgUpdate[], offset: number | undefined): Promise<{ offset: number | undefined; complete: boolean }> {
    let next = offset;
    let complete = true;
    for (const update of [...updates].sort((a, b) => Number(a.update_id) - Number(b.update_id))) {
      const id = Number(update.update_id);
      if (next !== undefined && id < next) continue;
      let finished: boolean;
      try {
        finished = await untilAborted(this.options.handleUpdate(update), this.options.signal);
      } catch (error) {
        this.options.logger.error('telegram.ingest_failed', { eventId: String(update.update_id), error });
        finished = false;
      }
      if (!finished) {
        complete = false;
        break;
      }
      next = id + 1;
    }
    if (next !== undefined && next !== offset) await this.saveOffset(next);
    return { offset: next, complete };
  }

  private async loadOffset(): Promise<number | undefined> {
    try {
      const decoded = decodeOffset(await this.options.ctx.cursor.load(), new Date());
      if (decoded.ignored) this.options.logger.warn('telegram.cursor_ignored', { reason: decoded.ignored });
      return decoded.offset;
    } catch (error) {
      this.options.logger.error('telegram.cursor_load_failed', { error });
      return undefined;
    }
  }

  private async saveOffset(offset: number): Promise<void> {
    try {
      await this.options.ctx.cursor.save(encodeOffset(offset, new Date()));
    } catch (error) {
      // Telegram still confirms these updates on the next poll; only a crash before it replays them (deduped).
      this.options.logger.error('telegram.cursor_save_failed', { offset, error });
    }
  }

  private reportStall(): void {
    const { timeoutSeconds, stallGraceMs } = this.options;
    this.options.logger.warn('telegram.poll_stalled', { code: 'telegram.poll_stalled', timeoutSeconds, stallGraceMs });
    this.options.health.degraded('telegram.poll_stalled');
  }

  private reportUnauthorized(): void {
    this.options.logger.error('telegram.unauthorized', { code: 'telegram.unauthorized', method: 'getUpdates' });
    this.options.health.down('telegram.unauthorized');
  }

  /** Logs and records a failed poll; returns how long to wait before the next one. */
  private reportFailure(failure: BotApiFailure, failures: number): number {
    const wait = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : backoffMs(failures);
    const fields = { errorCode: failure.errorCode, kind: failure.kind, description: failure.description, retryInMs: wait };
    if (hasErrorCode(failure, 409)) {
      this.options.logger.warn('telegram.poll_conflict', { code: 'telegram.poll_conflict', ...fields, hint: 'another process polls this bot, or a webhook is set' });
      this.options.health.degraded('telegram.poll_conflict');
    } else {
      this.options.logger.warn('telegram.poll_failed', { code: 'telegram.poll_failed', ...fields });
      this.options.health.degraded('telegram.poll_failed');
    }
    return wait;
  }
}

/**
 * Waits for `work`, or stops waiting when `signal` aborts (stop must not hang on a slow ingest).
 * True when the work finished; an abandoned update is not confirmed, so it comes back after a
 * restart and the kernel's inbound claim makes the repeat a no-op.
 */
async function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort!: () => void;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => true as const), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
