import type { DeliveryTarget } from '../contracts/provider.js';
import type { Job } from '../contracts/store.js';
import { isGatewayError } from '../errors.js';
import { backoffDelayMs } from './backoff.js';
import type { KernelContext } from './context.js';
import { PromptRunner, promptAuditMetadata, type PromptOutcome } from './prompt-runner.js';
import { WorkLoop } from './work-loop.js';

/**
 * Claims jobs from the Store and runs them: prompt jobs through the {@link PromptRunner};
 * workflow, watch and team_task jobs are failed with a descriptive error and audited as
 * `<prefix>.job.unsupported` (seed: they are not silently completed and do not run).
 * A job's lease is renewed while it runs; errors retry with backoff until `maxAttempts`.
 */
export class JobWorker {
  private readonly loop: WorkLoop;
  private readonly runner: PromptRunner;

  constructor(private readonly kernel: KernelContext) {
    this.runner = new PromptRunner(kernel);
    this.loop = new WorkLoop('jobs', () => this.step(), {
      concurrency: kernel.settings.workerConcurrency,
      idlePollMs: kernel.settings.idlePollMs,
      logger: kernel.logger,
    });
    kernel.onWake('jobs', () => this.loop.wake());
  }

  start(): void {
    this.loop.start();
  }

  stop(drainMs: number): Promise<boolean> {
    return this.loop.stop(drainMs);
  }

  /** Claims and runs one job; false when there was none. */
  async step(): Promise<boolean> {
    const job = await this.kernel.store.jobs.claim({
      workerId: this.kernel.workerId,
      leaseMs: this.kernel.settings.jobLeaseMs,
    });
    if (!job) return false;
    await this.kernel.audit('job.claimed', this.kernel.workerId, { jobId: job.jobId, kind: job.kind, attempt: job.attempts }, job.traceId ?? undefined);
    const stopHeartbeat = this.keepLeaseAlive(job);
    try {
      await this.handle(job);
    } finally {
      stopHeartbeat();
    }
    return true;
  }

  private async handle(job: Job): Promise<void> {
    if (job.kind !== 'prompt') return this.refuseUnsupported(job);
    const started = performance.now();
    let outcome: PromptOutcome;
    try {
      outcome = await this.runner.run(job);
    } catch (error) {
      return this.retryOrGiveUp(job, error, started);
    }
    const { session } = outcome;
    const { metrics } = this.kernel;
    metrics.prompt(outcome.status, performance.now() - started);
    metrics.job(job.kind, outcome.status);
    if (outcome.status === 'completed') {
      await this.kernel.store.jobs.complete(job.jobId, job.claimToken!, { runId: outcome.runId, outcome: 'completed' });
      await this.kernel.audit('prompt', job.payload.userId as string ?? 'unknown', promptAuditMetadata(job, session, { runId: outcome.runId }), job.traceId ?? undefined);
      return;
    }
    await this.kernel.store.jobs.fail(job.jobId, job.claimToken!, { error: `${outcome.code}: ${outcome.message}` });
    await this.kernel.audit('prompt.failed', job.payload.userId as string ?? 'unknown', promptAuditMetadata(job, session, { code: outcome.code }), job.traceId ?? undefined);
  }

  private async refuseUnsupported(job: Job): Promise<void> {
    const error = `Job kind "${job.kind}" is not implemented in the ${this.kernel.settings.auditPrefix} gateway.`;
    this.kernel.metrics.job(job.kind, 'unsupported');
    await this.kernel.audit('job.unsupported', this.kernel.workerId, { jobId: job.jobId, kind: job.kind }, job.traceId ?? undefined);
    await this.kernel.store.jobs.fail(job.jobId, job.claimToken!, { error });
  }

  private async retryOrGiveUp(job: Job, error: unknown, started: number): Promise<void> {
    const log = this.kernel.logger.child({ jobId: job.jobId, traceId: job.traceId });
    const message = describeFailure(error);
    if (isGatewayError(error, 'store.stale_claim')) {
      this.kernel.metrics.job(job.kind, 'claim_lost');
      log.warn('job.claim_lost', { error });
      return;
    }
    const exhausted = job.attempts >= job.maxAttempts;
    this.kernel.metrics.prompt(exhausted ? 'dead' : 'retry', performance.now() - started);
    this.kernel.metrics.job(job.kind, exhausted ? 'dead' : 'retry');
    const delay = backoffDelayMs(job.attempts, { baseMs: 1_000, maxMs: 60_000 });
    const retryAt = new Date(this.kernel.clock.now().getTime() + delay);
    const updated = await this.kernel.store.jobs.fail(job.jobId, job.claimToken!, { error: message, retryAt });
    if (job.sessionId) await this.kernel.store.sessions.setStatus(job.sessionId, exhausted ? 'failed' : 'idle');
    if (!exhausted) {
      log.warn('job.retry_scheduled', { attempt: job.attempts, retryInMs: delay, error });
      return;
    }
    log.error('job.dead', { attempts: updated.attempts, error });
    const session = job.sessionId ? await this.kernel.store.sessions.get(job.sessionId) : null;
    await this.kernel.audit('prompt.failed', (job.payload.userId as string) ?? 'unknown', promptAuditMetadata(job, session, { code: errorCode(error), dead: true }), job.traceId ?? undefined);
    const target = job.payload.target as unknown as DeliveryTarget | undefined;
    if (target) {
      await this.kernel.notify({ kind: 'run_failed', code: errorCode(error), message: 'the agent could not be reached after several attempts' }, target, `${job.jobId}:dead`, {
        sessionId: job.sessionId ?? undefined,
        traceId: job.traceId ?? undefined,
      });
    }
  }

  private keepLeaseAlive(job: Job): () => void {
    const every = Math.max(250, Math.floor(this.kernel.settings.jobLeaseMs / 3));
    const timer = setInterval(() => {
      this.kernel.store.jobs
        .heartbeat(job.jobId, job.claimToken!, this.kernel.settings.jobLeaseMs)
        .catch((error: unknown) => this.kernel.logger.warn('job.heartbeat_failed', { jobId: job.jobId, error }));
    }, every);
    timer.unref();
    return () => clearInterval(timer);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'executor.error';
}

function describeFailure(error: unknown): string {
  return `${errorCode(error)}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 2000);
}
