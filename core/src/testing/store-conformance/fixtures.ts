/**
 * Shared fixture and helpers of the Store conformance suite: the per-test store, time constants
 * and builders for sessions, jobs, deliveries, inbound keys and retention cutoffs.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { OperatorPart, OperatorStore } from '../../contracts/store/operator.js';
import type { StoreFastPaths } from '../../contracts/store/fast-paths.js';
import type {
  Delivery,
  InboundKey,
  Job,
  NewDelivery,
  NewJob,
  RetentionCutoffs,
  Session,
  Store,
  ThreadKey,
} from '../../contracts/store.js';
import { isGatewayError } from '../../errors.js';
import { ManualClock } from '../manual-clock.js';

/** A fast path's name, e.g. `enqueueJobWithEvents`. */
export type FastPathName = keyof StoreFastPaths;
/** Every fast path name, in the order the kit registers their cases. */
export const FAST_PATHS: readonly FastPathName[] = ['enqueueJobWithEvents', 'enqueueDeliveryClaimed', 'completeDeliveryWithLastChunk', 'appendEventsWithStatus'];

/** What the kit gives `create()`: the one clock the store must read all its times from. */
export interface StoreKitContext {
  clock: ManualClock;
}

/** What `describeStoreConformance` needs to test one Store implementation. */
export interface StoreConformanceDescriptor {
  /** Shown in the suite title, e.g. `memory-store`. */
  name: string;
  /**
   * Returns a started, empty store that reads every time from `context.clock` (its `Clock`).
   * Called before every test, and twice in the backup tests (the second store receives the
   * import), so each call must give independent, empty state.
   */
  create(context: StoreKitContext): Promise<Store>;
  /** Disposes of a store after `close()`, e.g. drops its database schema. Optional. */
  destroy?(store: Store): Promise<void>;
  /**
   * The operator parts the store has (`Store.operator`); only their cases are registered. The
   * runtime cases check that the store has exactly these parts. Default: none.
   */
  operatorParts?: readonly OperatorPart[];
  /** The fast paths the store has (`Store.fastPaths`); likewise. Default: none. */
  fastPaths?: readonly FastPathName[];
}

/** The store under test, plus any extra stores a test asked for; all disposed after the test. */
export class StoreFixture {
  private current: Store | undefined;
  private readonly extra: Store[] = [];
  /** The clock every store of the test reads; follows real time until a case sets it. */
  readonly clock = new ManualClock();

  /** @param descriptor - Supplies `create()`, the optional `destroy()` and the declared parts. */
  constructor(readonly descriptor: StoreConformanceDescriptor) {}

  /** Whether the descriptor declares this operator part or fast path (decided at registration). */
  has(part: OperatorPart | FastPathName): boolean {
    return (this.descriptor.operatorParts ?? []).includes(part as OperatorPart) || (this.descriptor.fastPaths ?? []).includes(part as FastPathName);
  }

  /** The store with the clock frozen at `now`: `fx.at(t0).leases.acquire(...)`. */
  at(now: Date): Store {
    this.clock.set(now);
    return this.store;
  }

  /** An operator part of the store under test; fails the case when the store lacks it. */
  op<K extends OperatorPart>(part: K, store: Store = this.store): NonNullable<OperatorStore[K]> {
    const found = store.operator?.[part];
    expect(found, `store kit: the store declares operator part "${part}" but store.operator.${part} is missing`).to.not.equal(undefined);
    return found as NonNullable<OperatorStore[K]>;
  }

  /** A fast path of the store under test, bound to it; fails the case when the store lacks it. */
  fast<K extends FastPathName>(name: K): NonNullable<StoreFastPaths[K]> {
    const paths = this.store.fastPaths;
    const found = paths?.[name];
    expect(found, `store kit: the store declares fast path "${name}" but store.fastPaths.${name} is missing`).to.be.a('function');
    return (found as (...args: unknown[]) => unknown).bind(paths) as NonNullable<StoreFastPaths[K]>;
  }

  /** The store for the current test; throws if `setUp()` has not produced one. */
  get store(): Store {
    if (!this.current) throw new Error('store conformance: no store (create() failed?)');
    return this.current;
  }

  /** Creates the store for the next test (mocha `beforeEach`). */
  async setUp(): Promise<void> {
    this.clock.follow();
    this.current = await this.descriptor.create({ clock: this.clock });
  }

  /** A second, independent store (for import tests), disposed with the first. */
  async another(): Promise<Store> {
    const store = await this.descriptor.create({ clock: this.clock });
    this.extra.push(store);
    return store;
  }

  /** Closes and destroys every store of the test (mocha `afterEach`). */
  async tearDown(): Promise<void> {
    const stores = [...(this.current ? [this.current] : []), ...this.extra.splice(0)];
    this.current = undefined;
    for (const store of stores) {
      await store.close();
      await this.descriptor.destroy?.(store);
    }
  }
}

/** One second in milliseconds. */
export const SECOND = 1_000;
/** One minute in milliseconds. */
export const MINUTE = 60 * SECOND;
/** One hour in milliseconds. */
export const HOUR = 60 * MINUTE;
/** One day in milliseconds. */
export const DAY = 24 * HOUR;

/** `base + ms`. */
export function at(base: Date, ms: number): Date {
  return new Date(base.getTime() + ms);
}

/** `Date.now() + ms`. */
export function fromNow(ms: number): Date {
  return new Date(Date.now() + ms);
}

/** Moves the kit's clock a few milliseconds on, so the next row gets a strictly later timestamp. */
export async function tick(fx: StoreFixture): Promise<void> {
  fx.clock.advance(5);
}

/** `prefix` followed by a random UUID, unique per call. */
export function uniq(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Awaits `promise` and asserts that it rejects with a GatewayError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(isGatewayError(error, code), `expected a GatewayError with code "${code}", got ${String(error)}`).to.equal(true);
}

/**
 * Awaits `promise` and asserts that it rejects with `store.stale_claim`: a stale or wrong claim
 * token must never be accepted. `what` names the call in the failure message.
 */
export async function expectStale(promise: Promise<unknown>, what: string): Promise<void> {
  let error: unknown;
  let accepted = false;
  try {
    await promise;
    accepted = true;
  } catch (caught) {
    error = caught;
  }
  const got = accepted ? 'was accepted' : `threw ${String(error)}`;
  expect(isGatewayError(error, 'store.stale_claim'), `store kit: ${what} ${got}; expected store.stale_claim`).to.equal(true);
}

/** A thread key plus provider kind and title, for `sessions.findOrCreate`; defaults to `chat-main`/`chat-1`. */
export function thread(overrides: Partial<ThreadKey & { providerKind: string; title: string }> = {}): ThreadKey & {
  providerKind: string;
  title: string;
} {
  return { instance: 'chat-main', chatId: 'chat-1', providerKind: 'fake', title: 'A session', ...overrides };
}

/** Creates a session on a fresh, unique chat (unless `overrides` names one) and returns it. */
export async function newSession(store: Store, overrides: Partial<ThreadKey> = {}): Promise<Session> {
  const { session } = await store.sessions.findOrCreate(thread({ chatId: uniq('chat'), ...overrides }));
  return session;
}

/** A prompt job due a minute ago. */
export function job(overrides: Partial<NewJob> = {}): NewJob {
  return { kind: 'prompt', idempotencyKey: uniq('job'), payload: { text: 'hello' }, runAt: fromNow(-MINUTE), ...overrides };
}

/** Enqueues {@link job}`(overrides)` and returns the stored job. */
export async function enqueueJob(store: Store, overrides: Partial<NewJob> = {}): Promise<Job> {
  return (await store.jobs.enqueue(job(overrides))).job;
}

/** Enqueues a job due a minute ago and claims it (nothing else may be due). */
export async function runningJob(store: Store, overrides: Partial<NewJob> = {}): Promise<Job> {
  const queued = await enqueueJob(store, overrides);
  const claimed = await store.jobs.claim({ workerId: 'worker-a', leaseMs: MINUTE });
  expect(claimed?.jobId).to.equal(queued.jobId);
  return claimed as Job;
}

/** A two-chunk reply delivery to `chat-main`/`chat-1`, expiring in a day. */
export function delivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  const deliveryId = overrides.deliveryId ?? uniq('delivery');
  return {
    deliveryId,
    instance: 'chat-main',
    target: { instance: 'chat-main', chatId: 'chat-1' },
    purpose: 'reply',
    chunks: [
      { chunkId: `${deliveryId}:chunk:1`, message: { text: 'part one', format: 'plain' } },
      { chunkId: `${deliveryId}:chunk:2`, message: { text: 'part two', format: 'plain' } },
    ],
    expiresAt: fromNow(DAY),
    ...overrides,
  };
}

/** Enqueues a delivery and returns it with a `now` safely after its first due time. */
export async function enqueueDelivery(store: Store, overrides: Partial<NewDelivery> = {}): Promise<{ d: Delivery; t0: Date }> {
  const { delivery: d } = await store.deliveries.enqueue(delivery(overrides));
  return { d, t0: fromNow(SECOND) };
}

/** Claims the next due delivery at `now` as `sender-a`, asserting that one was due. */
export async function claimDelivery(fx: StoreFixture, now: Date, leaseMs = MINUTE): Promise<Delivery> {
  const claimed = await fx.at(now).deliveries.claim({ workerId: 'sender-a', leaseMs });
  expect(claimed, 'a due delivery').to.not.equal(null);
  return claimed as Delivery;
}

/** An inbound key for a `message` event with a unique event id. */
export function inboundKey(overrides: Partial<InboundKey> = {}): InboundKey {
  return { provider: 'fake', instance: 'chat-main', eventType: 'message', eventId: uniq('event'), ...overrides };
}

/** Retention cutoffs an hour ago for every table, unless overridden. */
export function cutoffs(overrides: Partial<RetentionCutoffs>): RetentionCutoffs {
  const past = fromNow(-HOUR);
  return { sessions: past, artifacts: past, audit: past, jobs: past, ...overrides };
}

/** Drains an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The `key` column of each row, in order. */
export function ids<T>(rows: readonly T[], key: keyof T): unknown[] {
  return rows.map((row) => row[key]);
}
