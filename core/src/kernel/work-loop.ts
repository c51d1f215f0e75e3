import type { Logger } from '../logging.js';

/**
 * Runs up to `concurrency` copies of `step` in a loop. `step` returns true when it did work
 * (so it is called again at once) and false when idle (the loop sleeps `idlePollMs` or until
 * `wake()`). `stop()` lets in-flight steps finish, up to a drain deadline.
 */
export class WorkLoop {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Idle lanes; the argument tells the lane whether to ramp up (see {@link lane}). */
  private wakers: ((rampUp: boolean) => void)[] = [];
  private missedWakes = 0;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<boolean>,
    private readonly options: { concurrency: number; idlePollMs: number; logger: Logger },
  ) {}

  /** True between `start()` and `stop()`. */
  get active(): boolean {
    return this.running;
  }

  /** Lanes waiting for work right now. */
  get idleLanes(): number {
    return this.wakers.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i += 1) this.track(this.lane());
  }

  /**
   * Wakes one idle lane, for one piece of work added in this process. The woken lane keeps
   * going while it finds work but wakes nobody else: every addition wakes its own lane, so no
   * lane is woken just to find the queue empty.
   */
  wake(): void {
    const waker = this.wakers.shift();
    if (waker) waker(false);
    // No lane idle: the work may have landed just after a busy lane's claim looked, so the next
    // lane that finds nothing looks once more instead of sleeping.
    else this.missedWakes = Math.min(this.missedWakes + 1, this.options.concurrency);
  }

  private wakeAll(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w(false);
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

  /**
   * Work found by polling (not announced by `wake`) may be a burst added by another process, so
   * a lane that finds some after its idle timer wakes one more lane, which does the same: the
   * loop ramps up to full concurrency, one extra empty claim per burst.
   */
  private async lane(): Promise<void> {
    let rampUp = false;
    while (this.running) {
      let didWork = false;
      try {
        didWork = await this.step();
      } catch (error) {
        this.options.logger.error(`${this.name}.step_failed`, { error });
      }
      if (didWork && rampUp) this.wakers.shift()?.(true);
      rampUp = false;
      if (didWork || !this.running) continue;
      if (this.missedWakes > 0) this.missedWakes -= 1;
      else rampUp = await this.idle();
    }
  }

  /**
   * Resolves when woken, with its ramp-up flag. While any lane is idle one poll timer runs, and
   * each tick wakes one idle lane to look (ramping up if it finds work): idle lanes poll the
   * store once per `idlePollMs` in all, not once each.
   */
  private idle(): Promise<boolean> {
    return new Promise((resolve) => {
      const waker = (rampUp: boolean): void => {
        this.wakers = this.wakers.filter((w) => w !== waker);
        resolve(rampUp);
      };
      this.wakers.push(waker);
      this.armPollTimer();
    });
  }

  private armPollTimer(): void {
    if (this.pollTimer) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.wakers.shift()?.(true);
    }, this.options.idlePollMs);
    this.pollTimer.unref();
  }
}
