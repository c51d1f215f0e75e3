import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { defineError, requireOperatorPart, silentLogger, type LoadedConfig, type ManifestRecord, type Store } from '@cowork-gateway/core';
import { assembleStore } from '../preset.js';
import { ALL_STANDALONE_SETTINGS } from '../settings.js';
import { CliArgsInvalid, configFrom, EXIT, type CommandResult } from './shared.js';

/** Archive format: gzip of JSON lines — header, one line per record, trailer with counts and SHA-256. */
export const ARCHIVE_FORMAT = 'cowork-gateway-manifest';
export const ARCHIVE_VERSION = 1;
const TABLES: readonly ManifestRecord['table'][] = ['identity', 'session', 'event', 'job', 'delivery', 'audit', 'artifact'];

export const BackupArchiveInvalid = defineError<{ path: string; reason: string }>({
  code: 'backup.archive_invalid',
  status: 400,
  message: ({ path, reason }) => `backup.archive_invalid: ${path}: ${reason}; nothing was restored`,
});

export const RestoreTargetNotEmpty = defineError<{ table: string }>({
  code: 'backup.restore_target_not_empty',
  status: 400,
  message: ({ table }) => `backup.restore_target_not_empty: the target database already has ${table} rows; restore only into an empty database (a fresh schema or DATABASE_SCHEMA)`,
});

export const BackupNeedsDurableStore = defineError<{ store: string }>({
  code: 'backup.store_not_durable',
  status: 400,
  message: ({ store }) => `backup.store_not_durable: the ${store} store keeps its rows inside the running gateway process; backup and restore work on a durable store (STORE=postgres)`,
});

export interface BackupArgs {
  output?: string;
  force?: boolean;
  secretInventory?: string;
  config?: string;
  store?: string;
}

export interface RestoreArgs {
  input?: string;
  config?: string;
  store?: string;
}

type Counts = Record<ManifestRecord['table'], number>;
const zero = (): Counts => Object.fromEntries(TABLES.map((t) => [t, 0])) as Counts;

async function openDurableStore(config: LoadedConfig): Promise<Store> {
  const store = await assembleStore(config, silentLogger);
  if (!store.capabilities.durable) throw new BackupNeedsDurableStore({ store: store.kind });
  requireOperatorPart(store, 'manifest');
  await store.start();
  return store;
}

/**
 * `backup`: streams the store's manifest (identities, sessions, events, jobs, deliveries, audit,
 * artifact metadata) into a gzip JSON-lines archive through a temp file renamed at the end, so
 * memory stays flat and a failed run leaves no half archive. Configured secret values never
 * enter it: a record that contains one is written with the value replaced.
 */
export async function runBackup(args: BackupArgs): Promise<CommandResult> {
  if (!args.output && !args.secretInventory) throw new CliArgsInvalid({ command: 'backup', reason: 'give --output <file.jsonl.gz> (and/or --secret-inventory <file>)' });
  const config = configFrom({ CONFIG: args.config, STORE: args.store });
  const lines: string[] = [];
  if (args.secretInventory) {
    const inventory = secretInventory(config);
    writeFileSync(resolve(args.secretInventory), JSON.stringify(inventory, null, 2) + '\n', { mode: 0o600 });
    lines.push(`wrote the secret inventory (${inventory.secrets.length} names, no values) to ${resolve(args.secretInventory)}`);
  }
  if (args.output) {
    const path = resolve(args.output);
    if (existsSync(path) && !args.force) throw new CliArgsInvalid({ command: 'backup', reason: `${path} exists; pass --force to replace it` });
    const store = await openDurableStore(config);
    const temp = `${path}.partial-${process.pid}`;
    try {
      const started = Date.now();
      const result = await writeArchive(requireOperatorPart(store, 'manifest').exportManifest(), temp, store.kind, config.secrets.list());
      renameSync(temp, path);
      lines.push(
        `wrote ${path}: ${Object.entries(result.counts).map(([t, n]) => `${t} ${n}`).join(', ')} (sha256 ${result.sha256}, ${Date.now() - started} ms)`,
        ...(result.redacted > 0 ? [`${result.redacted} record(s) contained a configured secret value, written as [REDACTED]`] : []),
      );
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    } finally {
      await store.close();
    }
  }
  return { exitCode: EXIT.ok, stdout: lines.join('\n') + '\n' };
}

/** Streams records through a gzip into `path`; returns the counts and the record checksum. */
export async function writeArchive(records: AsyncIterable<ManifestRecord>, path: string, storeKind: string, secrets: readonly string[]): Promise<{ counts: Counts; sha256: string; redacted: number }> {
  const counts = zero();
  const hash = createHash('sha256');
  let redacted = 0;
  const guarded = secrets.filter((s) => s.length >= 4);
  async function* lines(): AsyncGenerator<string> {
    yield JSON.stringify({ format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, createdAt: new Date().toISOString(), store: storeKind, tables: TABLES }) + '\n';
    for await (const record of records) {
      let line = JSON.stringify({ t: record.table, r: record.row });
      if (guarded.some((s) => line.includes(s))) {
        redacted += 1;
        for (const s of guarded) line = line.split(JSON.stringify(s).slice(1, -1)).join('[REDACTED]');
      }
      line += '\n';
      hash.update(line);
      counts[record.table] += 1;
      yield line;
    }
    yield JSON.stringify({ end: true, counts, sha256: hash.copy().digest('hex') }) + '\n';
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path, { mode: 0o600 }));
  return { counts, sha256: hash.digest('hex'), redacted };
}

/**
 * Reads an archive as a stream of records, checking the header first and, at the end, the
 * trailer's counts and SHA-256; a mismatch or a truncated file throws from the iterator, so
 * an import running in one transaction rolls back.
 */
export async function* readArchive(path: string): AsyncGenerator<ManifestRecord> {
  const input = createReadStream(path).pipe(createGunzip());
  const reader = createInterface({ input, crlfDelay: Infinity });
  const hash = createHash('sha256');
  const counts = zero();
  let header = false;
  let trailer: { counts: Counts; sha256: string } | null = null;
  let lineNo = 0;
  try {
    for await (const line of reader) {
      lineNo += 1;
      if (trailer) throw new BackupArchiveInvalid({ path, reason: `data after the trailer at line ${lineNo}` });
      let value: any;
      try {
        value = JSON.parse(line);
      } catch {
        throw new BackupArchiveInvalid({ path, reason: `line ${lineNo} is not JSON` });
      }
      if (!header) {
        if (value?.format !== ARCHIVE_FORMAT) throw new BackupArchiveInvalid({ path, reason: 'not a cowork-gateway manifest archive' });
        if (value.version !== ARCHIVE_VERSION) throw new BackupArchiveInvalid({ path, reason: `archive version ${value.version} is not supported (this gateway reads version ${ARCHIVE_VERSION})` });
        header = true;
        continue;
      }
      if (value?.end === true) {
        trailer = value;
        continue;
      }
      if (!TABLES.includes(value?.t) || typeof value.r !== 'object' || value.r === null) throw new BackupArchiveInvalid({ path, reason: `line ${lineNo} is not a manifest record` });
      hash.update(line + '\n');
      counts[value.t as ManifestRecord['table']] += 1;
      yield { table: value.t, row: value.r } as ManifestRecord;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || (error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') {
      throw new BackupArchiveInvalid({ path, reason: 'the gzip stream is truncated or corrupt' }, { cause: error });
    }
    throw error;
  }
  if (!header) throw new BackupArchiveInvalid({ path, reason: 'the archive is empty' });
  if (!trailer) throw new BackupArchiveInvalid({ path, reason: 'the trailer is missing (truncated archive)' });
  const digest = hash.digest('hex');
  if (digest !== trailer.sha256) throw new BackupArchiveInvalid({ path, reason: `checksum mismatch (records hash to ${digest}, the trailer says ${trailer.sha256})` });
  for (const table of TABLES) {
    if (trailer.counts?.[table] !== counts[table]) throw new BackupArchiveInvalid({ path, reason: `the trailer counts ${trailer.counts?.[table]} ${table} records, the archive has ${counts[table]}` });
  }
}

/**
 * `restore`: imports an archive into an empty durable store, all or nothing (one transaction
 * in pg-store), verifying the checksum as it streams.
 */
export async function runRestore(args: RestoreArgs): Promise<CommandResult> {
  if (!args.input) throw new CliArgsInvalid({ command: 'restore', reason: 'give --input <file.jsonl.gz>' });
  const path = resolve(args.input);
  if (!existsSync(path)) throw new CliArgsInvalid({ command: 'restore', reason: `${path} does not exist` });
  const config = configFrom({ CONFIG: args.config, STORE: args.store });
  // Check the archive fully before touching the target, then import while re-verifying.
  for await (const _record of readArchive(path)) void _record;
  const store = await openDurableStore(config);
  try {
    const manifest = requireOperatorPart(store, 'manifest');
    for await (const record of manifest.exportManifest()) throw new RestoreTargetNotEmpty({ table: record.table });
    const started = Date.now();
    const counts = await manifest.importManifest(readArchive(path));
    return { exitCode: EXIT.ok, stdout: `restored ${path}: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')} (${Date.now() - started} ms)\n` };
  } finally {
    await store.close();
  }
}

/** Names of the secret settings that are set and where each came from; never values. */
export function secretInventory(config: LoadedConfig): { generatedAt: string; note: string; secrets: { name: string; source: string }[] } {
  const secrets = ALL_STANDALONE_SETTINGS.filter((spec) => spec.secret && config.isSet(spec.key)).map((spec) => ({ name: config.envName(spec.key), source: config.sourceOf(spec.key) }));
  return {
    generatedAt: new Date().toISOString(),
    note: 'Names only. Store the values in your secret manager; backups never contain them.',
    secrets,
  };
}
