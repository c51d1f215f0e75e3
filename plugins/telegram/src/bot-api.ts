import { Api } from 'node-telegram-bot-api';
import { BotApiError, describeBotApiFailure, redactToken } from './bot-api-failure.js';

/** Client timeout of ordinary Bot API calls; getUpdates gets its long-poll wait plus 10 s on top. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * The node-telegram-bot-api v2 client, configured for a gateway: the library never retries (the
 * kernel and the poller own retries, backoff and circuit breaking), and every failure comes out
 * as a token-free {@link BotApiError}.
 */
export class BotApi {
  private readonly api: Api;

  constructor(private readonly token: string, readonly apiRoot: string) {
    this.api = new Api(token, { apiRoot, maxRetries: 0, timeoutMs: CALL_TIMEOUT_MS });
  }

  /** Runs one call; `method` names it in errors and logs. */
  async call<R>(method: string, run: (api: Api) => Promise<R>): Promise<R> {
    try {
      return await run(this.api);
    } catch (error) {
      throw new BotApiError(describeBotApiFailure(method, error, this.token));
    }
  }

  /** The download URL of a file from getFile. It contains the token: never log or return it. */
  fileUrl(filePath: string): string {
    const path = filePath.split('/').map(encodeURIComponent).join('/');
    return `${this.apiRoot.replace(/\/+$/, '')}/file/bot${this.token}/${path}`;
  }

  /** Removes the token from text about this bot (error messages of our own fetches). */
  redact(text: string): string {
    return redactToken(text, this.token);
  }
}
