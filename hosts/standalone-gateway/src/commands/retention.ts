import { randomUUID } from 'node:crypto';
import { requireOperatorPart, silentLogger, type LoadedConfig, type ManifestRecord, type RetentionCutoffs } from '@cowork-gateway/core';
import { assembleStore } from '../preset.js';
import { STANDALONE_AUDIT_PREFIX } from '../preset.js';
import { BackupNeedsDurableStore } from './backup.js';
import { configFrom, EXIT, table, type CommandResult } from './shared.js';

export interface RetentionArgs {
  dryRun?: boolean;
  json?: boolean;
  config?: string;
  store?: string;
}

const DAY_MS = 86_400_000;
/** The lease the serving daemon holds while it prunes (core's maintenance uses the same name). */
const DAEMON_LEASE = 'gateway:daemon';

export function cutoffsFrom(config: LoadedConfig, now: number): RetentionCutoffs {
  const days = (key: string): Date => new Date(now - Math.max(1, Math.floor(config.get<number>(key))) * DAY_MS);
  return { sessions: days('RETENTION_SESSION_DAYS'), artifacts: days('RETENTION_ARTIFACT_DAYS'), audit: days('RETENTION_AUDIT_DAYS'), jobs: days('RETENTION_JOB_DAYS') };
}

/**
 * `retention run`: with `--dry-run`, counts what a pass would delete by streaming the manifest
 * through the same rules the store's prune applies (changes nothing). Without it, prunes once
 * under the daemon lease — refused while a serving gateway holds that lease, since it prunes on
 * its own schedule — and audits `standalone.retention.pruned`.
 */
export async function runRetention(args: RetentionArgs): Promise<CommandResult> {
  const config = configFrom({ CONFIG: args.config, STORE: args.store });
  const store = await assembleStore(config, silentLogger);
  if (!store.capabilities.durable) throw new BackupNeedsDurableStore({ store: store.kind });
  await store.start();
  try {
    const cutoffs = cutoffsFrom(config, Date.now());
    const shownCutoffs = Object.fromEntries(Object.entries(cutoffs).map(([k, v]) => [k, v.toISOString()]));
    if (args.dryRun) {
      const counts = await dryRun(requireOperatorPart(store, 'manifest').exportManifest(), cutoffs);
      return output({ ok: true, dryRun: true, cutoffs: shownCutoffs, wouldDelete: counts }, args.json);
    }
    const pruner = requireOperatorPart(store, 'prune');
    const holder = `cli-retention-${randomUUID()}`;
    const lease = await store.leases.acquire(DAEMON_LEASE, holder, 60_000);
    if (!lease) return output({ ok: false, dryRun: false, error: 'a running gateway holds the daemon lease and prunes on its own schedule (RETENTION_INTERVAL_SECONDS); nothing was deleted' }, args.json, EXIT.failed);
    try {
      const result = await pruner.prune(cutoffs, lease);
      const metadata = { sessionCutoff: shownCutoffs.sessions!, artifactCutoff: shownCutoffs.artifacts!, auditCutoff: shownCutoffs.audit!, jobCutoff: shownCutoffs.jobs!, ...result };
      await store.audit.record({ type: `${STANDALONE_AUDIT_PREFIX}.retention.pruned`, actor: holder, metadata });
      return output({ ok: true, dryRun: false, cutoffs: shownCutoffs, deleted: result }, args.json);
    } finally {
      await store.leases.release(lease).catch(() => undefined);
    }
  } finally {
    await store.close();
  }
}

function output(body: Record<string, any>, json: boolean | undefined, exitCode: number = EXIT.ok): CommandResult {
  if (json) return { exitCode, stdout: JSON.stringify(body, null, 2) + '\n' };
  if (!body.ok) return { exitCode, stdout: `retention: ${body.error}\n` };
  const counts = (body.wouldDelete ?? body.deleted) as Record<string, number | string>;
  const head = body.dryRun ? 'retention dry run (nothing deleted); a pass now would delete:' : 'retention pass done; deleted:';
  const cutoffs = Object.entries(body.cutoffs as Record<string, string>).map(([k, v]) => `${k} before ${v}`).join(', ');
  return { exitCode, stdout: `${head}\n${table(['WHAT', 'COUNT'], Object.entries(counts).map(([k, v]) => [k, String(v)]))}cutoffs: ${cutoffs}\n` };
}

/**
 * The prune rules over a streamed manifest: idle/failed/completed sessions updated before the
 * session cutoff with no pending/running job (and their events); artifacts and audit created
 * before theirs; completed/failed/dead jobs and sent/dead deliveries updated before the job
 * cutoff. Inbound claims are not in the manifest, so they are not counted. Memory holds only
 * candidate session ids.
 */
export async function dryRun(records: AsyncIterable<ManifestRecord>, cutoffs: RetentionCutoffs): Promise<Record<string, number | string>> {
  const candidates = new Map<string, number>();
  const busy = new Set<string>();
  let artifacts = 0;
  let audit = 0;
  let jobs = 0;
  let deliveries = 0;
  const before = (value: Date | string, cutoff: Date): boolean => new Date(value).getTime() < cutoff.getTime();
  for await (const record of records) {
    switch (record.table) {
      case 'session':
        if (['idle', 'failed', 'completed'].includes(record.row.status) && before(record.row.updatedAt, cutoffs.sessions)) candidates.set(record.row.sessionId, 0);
        break;
      case 'event':
        if (candidates.has(record.row.sessionId)) candidates.set(record.row.sessionId, candidates.get(record.row.sessionId)! + 1);
        break;
      case 'job':
        if ((record.row.status === 'pending' || record.row.status === 'running') && record.row.sessionId) busy.add(record.row.sessionId);
        if (['completed', 'failed', 'dead'].includes(record.row.status) && before(record.row.updatedAt, cutoffs.jobs)) jobs += 1;
        break;
      case 'delivery':
        if ((record.row.status === 'sent' || record.row.status === 'dead') && before(record.row.updatedAt, cutoffs.jobs)) deliveries += 1;
        break;
      case 'audit':
        if (before(record.row.createdAt, cutoffs.audit)) audit += 1;
        break;
      case 'artifact':
        if (before(record.row.createdAt, cutoffs.artifacts)) artifacts += 1;
        break;
      default:
        break;
    }
  }
  let sessions = 0;
  let events = 0;
  for (const [sessionId, eventCount] of candidates) {
    if (busy.has(sessionId)) continue;
    sessions += 1;
    events += eventCount;
  }
  return {
    sessionsDeleted: sessions,
    eventsDeleted: events,
    artifactsDeleted: artifacts,
    auditEventsDeleted: audit,
    jobsDeleted: jobs,
    deliveriesDeleted: deliveries,
    inboundClaimsDeleted: 'not counted in a dry run',
  };
}
