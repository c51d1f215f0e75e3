import type { Logger } from '../logging.js';

/**
 * Runs up to `concurrency` copies of `step` in a loop. `step` returns true when it did work
 * (so it is called again at once) and false when idle (the loop sleeps `idlePollMs` or until
 * `wake()`). `stop()` lets in-flight steps finish, up to a drain deadline.
 */
export class WorkLoop {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private wakers: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<boolean>,
    private readonly options: { concurrency: number; idlePollMs: number; logger: Logger },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i += 1) this.track(this.lane());
  }

  /**
   * Wakes one idle lane (called after in-process work was added). A lane that finds work wakes
   * the next one, so a burst ramps up to full concurrency without every enqueue stampeding
   * all lanes into the store.
   */
  wake(): void {
    this.wakers.shift()?.();
  }

  private wakeAll(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  /** Stops claiming; resolves when lanes finished or `drainMs` passed (true if drained). */
  async stop(drainMs: number): Promise<boolean> {
    this.running = false;
    this.wakeAll();
    const all = Promise.all([...this.inFlight]).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), drainMs).unref());
    return Promise.race([all, timeout]);
  }

  private track(lane: Promise<void>): void {
    this.inFlight.add(lane);
    void lane.finally(() => this.inFlight.delete(lane));
  }

  private async lane(): Promise<void> {
    while (this.running) {
      let didWork = false;
      try {
        didWork = await this.step();
      } catch (error) {
        this.options.logger.error(`${this.name}.step_failed`, { error });
      }
      if (didWork) this.wake();
      else if (this.running) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waker = (): void => {
        clearTimeout(timer);
        this.wakers = this.wakers.filter((w) => w !== waker);
        resolve();
      };
      timer = setTimeout(waker, this.options.idlePollMs);
      timer.unref();
      this.wakers.push(waker);
    });
  }
}
