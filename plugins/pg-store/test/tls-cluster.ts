/**
 * A throwaway PostgreSQL cluster with TLS for the TLS tests: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate for `certuser`, and an unrelated "wrong" CA, all
 * made with openssl in a temp dir. The cluster listens on a free loopback port, refuses
 * non-TLS TCP connections (`hostnossl … reject`) and requires a verified client certificate
 * for `certuser` (`clientcert=verify-full`). initdb refuses to run as root, so as root the
 * server tools run as the `postgres` user.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The server's bin dir (initdb, pg_ctl): PG_BIN, else `pg_config --bindir`, else Debian's PostgreSQL 15. */
const PG_BIN = process.env.PG_BIN ?? bindir() ?? '/usr/lib/postgresql/15/bin';

function bindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A running TLS cluster and the files a client needs. */
export interface TlsCluster {
  port: number;
  /** postgres://<user>@127.0.0.1:<port>/postgres */
  url(user?: string): string;
  caPath: string;
  wrongCaPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  stop(): Promise<void>;
}

export async function startTlsCluster(): Promise<TlsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-pg-tls-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const stop = async (): Promise<void> => {
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await makeCertificates(dir);
    if (isRoot()) await run('chown', ['-R', 'postgres:', dir]);
    await asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    configureServer(dir, data);
    if (isRoot()) await run('chown', ['-R', 'postgres:', data]);
    const settings = [
      `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
      '-c ssl=on', '-c ssl_cert_file=server.crt', '-c ssl_key_file=server.key', '-c ssl_ca_file=ca.crt',
    ].join(' ');
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', settings, 'start']);
    await run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', 'create user certuser; grant create on database postgres to certuser']);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    url: (user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/postgres`,
    caPath: join(dir, 'ca.crt'),
    wrongCaPath: join(dir, 'wrong-ca.crt'),
    clientCertPath: join(dir, 'client.crt'),
    clientKeyPath: join(dir, 'client.key'),
    stop,
  };
}

async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cg-test-ca');
  await ssl('req', '-x509', ...ec, '-keyout', 'wrong-ca.key', '-out', 'wrong-ca.crt', '-days', '2', '-subj', '/CN=cg-wrong-ca');
  await ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  await ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=certuser');
  await ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
}

function configureServer(dir: string, data: string): void {
  for (const file of ['server.crt', 'server.key', 'ca.crt']) copyFileSync(join(dir, file), join(data, file));
  chmodSync(join(data, 'server.key'), 0o600);
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local     all all                   trust',
      'hostssl   all certuser 127.0.0.1/32 trust clientcert=verify-full',
      'hostssl   all all      127.0.0.1/32 trust',
      'hostnossl all all      127.0.0.1/32 reject',
      '',
    ].join('\n'),
  );
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function asPostgres(command: string, args: string[]): Promise<unknown> {
  return isRoot() ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
