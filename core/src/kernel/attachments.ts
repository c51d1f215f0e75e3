import type { PromptInput } from '../contracts/execution-authority.js';
import type { DeliveryTarget, InboundAttachment } from '../contracts/provider.js';
import type { Job, Session } from '../contracts/store.js';
import type { KernelContext } from './context.js';

type PromptAttachment = NonNullable<PromptInput['attachments']>[number];

/**
 * Fetches a prompt's attachments through the provider that received them, records each as an
 * artifact and returns them as data URLs for the executor. A file that cannot be fetched (too
 * large, provider without files, fetch failure) is skipped and the sender is told why; the
 * prompt still runs.
 */
export async function fetchPromptAttachments(
  kernel: KernelContext,
  job: Job,
  session: Session,
  attachments: readonly InboundAttachment[],
  target: DeliveryTarget,
): Promise<PromptAttachment[]> {
  const fetched: PromptAttachment[] = [];
  for (const [index, attachment] of attachments.entries()) {
    try {
      fetched.push(await fetchOne(kernel, job, session, attachment, index, target));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      kernel.logger.warn('attachment.skipped', { jobId: job.jobId, filename: attachment.filename, reason });
      await kernel.notify({ kind: 'attachment_skipped', filename: attachment.filename, reason }, target, `${job.jobId}:attachment:${index}`, {
        sessionId: session.sessionId,
        traceId: job.traceId ?? undefined,
      });
    }
  }
  return fetched;
}

async function fetchOne(kernel: KernelContext, job: Job, session: Session, attachment: InboundAttachment, index: number, target: DeliveryTarget): Promise<PromptAttachment> {
  const provider = kernel.providers.get(target.instance);
  // The declared capability decides (the conformance suite ties it to the method); never probe.
  if (!provider?.capabilities.attachments) throw new Error('this channel cannot fetch files');
  const maxBytes = kernel.settings.attachmentMaxBytes;
  if (attachment.sizeBytes !== undefined && attachment.sizeBytes > maxBytes) throw new Error(`it is larger than the ${formatBytes(maxBytes)} limit`);
  const file = await provider.fetchAttachment!(attachment, { maxBytes });
  const mimeType = file.mimeType ?? attachment.mimeType ?? 'application/octet-stream';
  const artifact = await kernel.store.artifacts.record({
    artifactId: `${job.jobId}:attachment:${index}`,
    sessionId: session.sessionId,
    filename: file.filename,
    contentType: mimeType,
    storageUri: `provider://${encodeURIComponent(target.instance)}/${encodeURIComponent(attachment.id)}`,
    sizeBytes: file.bytes.length,
  });
  return { artifactId: artifact.artifactId, filename: file.filename, mimeType, dataUrl: `data:${mimeType};base64,${file.bytes.toString('base64')}` };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
