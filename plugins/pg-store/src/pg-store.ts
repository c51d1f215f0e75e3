import { CLOCK, LOGGER, completeStoreParts, inject, injectable } from '@cowork-gateway/core';
import type {
  Clock,
  ComponentHealth,
  Lease,
  Logger,
  ManifestRecord,
  OperatorStore,
  StoreFastPaths,
  RetentionCutoffs,
  RetentionResult,
  Store,
  TraceReport,
} from '@cowork-gateway/core';
import { connectFailed, createClient, describeFailure, redactUrl, type Sql } from './connection.js';
import { PgDatabase } from './database.js';
import { PgStoreMigrationsPending } from './errors.js';
import { applyMigrations, readSchemaStatus, refuseNewer } from './migrations.js';
import { PG_STORE_OPTIONS, type PgStoreOptions } from './options.js';
import { PgArtifacts } from './pg-artifacts.js';
import { PgAudit } from './pg-audit.js';
import { PgCursors } from './pg-cursors.js';
import { PgDeliveries } from './pg-deliveries.js';
import { PgEvents } from './pg-events.js';
import { PgIdentities } from './pg-identities.js';
import { PgInbound } from './pg-inbound.js';
import { PgJobs } from './pg-jobs.js';
import { PgLeases } from './pg-leases.js';
import { exportDatabase, importDatabase, type ManifestCounts } from './pg-manifest.js';
import { pruneDatabase } from './pg-retention.js';
import { PgSessions } from './pg-sessions.js';
import { traceDatabase } from './pg-trace.js';

/** How long a health probe waits for the database. */
const HEALTH_TIMEOUT_MS = 2_000;

/**
 * The Store in PostgreSQL: durable, and shared by any number of gateway processes on one
 * database (active-active). Claims use `FOR UPDATE SKIP LOCKED` under leases; every state
 * change of a claimed row is guarded by its claim token. Times come from the injected clock.
 * It has every operator part and every fast path (one statement each, which the bench relies on).
 */
@injectable()
export class PgStore implements Store {
  readonly kind = 'postgres';
  readonly capabilities = { durable: true, shared: true } as const;

  readonly identities: PgIdentities;
  readonly sessions: PgSessions;
  readonly events: PgEvents;
  readonly inbound: PgInbound;
  readonly jobs: PgJobs;
  readonly deliveries: PgDeliveries;
  readonly audit: PgAudit;
  readonly artifacts: PgArtifacts;
  readonly leases: PgLeases;
  readonly cursors: PgCursors;

  readonly operator: Required<OperatorStore>;
  readonly fastPaths: Required<StoreFastPaths>;

  private readonly db: PgDatabase;
  private phase: 'new' | 'started' | 'closed' = 'new';

  constructor(
    @inject(PG_STORE_OPTIONS) private readonly options: PgStoreOptions,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(CLOCK) clock: Clock,
  ) {
    this.db = new PgDatabase(clock);
    this.identities = new PgIdentities(this.db);
    this.sessions = new PgSessions(this.db);
    this.events = new PgEvents(this.db);
    this.inbound = new PgInbound(this.db);
    this.jobs = new PgJobs(this.db);
    this.deliveries = new PgDeliveries(this.db);
    this.audit = new PgAudit(this.db);
    this.artifacts = new PgArtifacts(this.db);
    this.leases = new PgLeases(this.db);
    this.cursors = new PgCursors(this.db);
    ({ operator: this.operator, fastPaths: this.fastPaths } = completeStoreParts(this, this));
  }

  /** The schema this store uses. */
  get schema(): string {
    return this.options.schema;
  }

  /**
   * Connects, checks TLS policy, and brings the schema to this release's version (`migrate:
   * auto`) or refuses to start while migrations are pending (`verify`). Refuses a schema newer
   * than this release in either mode. Idempotent while started.
   */
  async start(): Promise<void> {
    if (this.db.open) return;
    const sql = createClient(this.options, this.logger);
    try {
      await this.connect(sql);
      await this.migrate(sql);
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => undefined);
      throw error;
    }
    this.db.attach(sql);
    this.phase = 'started';
    this.logger.info('pg_store.started', { database: redactUrl(this.options.url), schema: this.options.schema, ssl: this.options.ssl });
  }

  /** Ends the pool, waiting up to 5 s for queries in flight. Idempotent. */
  async close(): Promise<void> {
    const sql = this.db.detach();
    if (this.phase === 'started') this.phase = 'closed';
    await sql?.end({ timeout: 5 });
  }

  /** `ok` when the database answers, `degraded` with the reason when it does not. */
  async health(): Promise<ComponentHealth> {
    if (!this.db.open) return { state: 'down', reason: `postgres store is ${this.phase === 'new' ? 'not started' : 'closed'}` };
    try {
      await withTimeout(this.db.sql`select 1`, HEALTH_TIMEOUT_MS);
      return { state: 'ok', detail: { durable: true, shared: true, schema: this.options.schema, ssl: this.options.ssl } };
    } catch (error) {
      return { state: 'degraded', reason: `database connection lost: ${describeFailure(error, this.options.url)}`, detail: { schema: this.options.schema } };
    }
  }

  prune(cutoffs: RetentionCutoffs, lease: Lease): Promise<RetentionResult> {
    return pruneDatabase(this.db, cutoffs, lease);
  }

  exportManifest(): AsyncIterable<ManifestRecord> {
    return exportDatabase(this.db);
  }

  importManifest(records: AsyncIterable<ManifestRecord> | Iterable<ManifestRecord>): Promise<ManifestCounts> {
    return importDatabase(this.db, records);
  }

  trace(traceId: string): Promise<TraceReport> {
    return traceDatabase(this.db, traceId);
  }

  private async connect(sql: Sql): Promise<void> {
    try {
      await sql`select 1`;
    } catch (error) {
      throw connectFailed(this.options, error);
    }
  }

  private async migrate(sql: Sql): Promise<void> {
    if (this.options.migrate === 'auto') {
      await applyMigrations(sql, this.options.schema, this.logger);
      return;
    }
    const status = await readSchemaStatus(sql, this.options.schema);
    refuseNewer(this.options.schema, [{ version: status.current }]);
    if (status.pending.length > 0) throw new PgStoreMigrationsPending({ schema: this.options.schema, pending: status.pending });
  }
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
