import { isGatewayError, type FetchedAttachment, type InboundAttachment } from '@cowork-gateway/core';
import { BotApiError } from './bot-api-failure.js';
import type { BotApi } from './bot-api.js';
import { TelegramAttachmentFetchFailed, TelegramAttachmentTooLarge } from './errors.js';

/** Client timeout of one file download. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/**
 * Downloads an inbound attachment: getFile, then GET `<apiRoot>/file/bot<token>/<file_path>`,
 * reading at most `maxBytes` (the download is aborted as soon as it goes over). Sizes Telegram
 * announces are checked before anything is downloaded.
 */
export async function fetchAttachment(
  api: BotApi,
  attachment: InboundAttachment,
  options: { maxBytes: number; instance: string; signal?: AbortSignal },
): Promise<FetchedAttachment> {
  const { maxBytes, instance } = options;
  const tooLarge = (): Error => new TelegramAttachmentTooLarge({ instance, filename: attachment.filename, limit: maxBytes });
  if (attachment.sizeBytes !== undefined && attachment.sizeBytes > maxBytes) throw tooLarge();
  const file = await api.call('getFile', (a) => a.getFile({ file_id: attachment.id }, options.signal)).catch((error: unknown) => {
    // The real Bot API answers 400 "file is too big" above its 20 MB download limit.
    if (error instanceof BotApiError && /too big/i.test(error.failure.description)) throw tooLarge();
    throw fetchFailed(attachment, instance, error instanceof BotApiError ? error.message : 'getFile failed');
  });
  if (file.file_size !== undefined && file.file_size > maxBytes) throw tooLarge();
  if (!file.file_path) throw fetchFailed(attachment, instance, 'getFile returned no file_path');
  const bytes = await download(api, file.file_path, maxBytes, options.signal, tooLarge, (reason) => fetchFailed(attachment, instance, reason));
  return { bytes, filename: attachment.filename, ...(attachment.mimeType ? { mimeType: attachment.mimeType } : {}) };
}

async function download(
  api: BotApi,
  filePath: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
  tooLarge: () => Error,
  failed: (reason: string) => Error,
): Promise<Buffer> {
  const controller = new AbortController();
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  const signals = signal ? [signal, timeout, controller.signal] : [timeout, controller.signal];
  let response: Response;
  try {
    response = await fetch(api.fileUrl(filePath), { signal: AbortSignal.any(signals) });
  } catch (error) {
    throw failed(api.redact(describeFetchError(error)));
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw failed(`the file download answered HTTP ${response.status}`);
  }
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > maxBytes) {
    controller.abort();
    throw tooLarge();
  }
  return readCapped(response, maxBytes, controller, tooLarge, (error) => failed(api.redact(describeFetchError(error))));
}

/** Reads a body chunk by chunk and aborts the request once more than `maxBytes` arrived. */
async function readCapped(
  response: Response,
  maxBytes: number,
  controller: AbortController,
  tooLarge: () => Error,
  failed: (error: unknown) => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        controller.abort();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
  } catch (error) {
    if (isGatewayError(error, TelegramAttachmentTooLarge.code)) throw error;
    throw failed(error);
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}

function fetchFailed(attachment: InboundAttachment, instance: string, reason: string): Error {
  return new TelegramAttachmentFetchFailed({ instance, filename: attachment.filename, reason });
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'the download was aborted or timed out';
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
