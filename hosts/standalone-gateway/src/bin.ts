#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { isGatewayError, loadConfig, type LoadedConfig } from '@cowork-gateway/core';
import { createHostLogger, startGateway } from './gateway.js';
import { runIdentityCommand, type IdentityAction, type IdentityArgs } from './identity-command.js';
import { runMigrateCommand } from './migrate-command.js';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX } from './settings.js';
import { runBackup, runRestore } from './commands/backup.js';
import { runDoctor } from './commands/doctor.js';
import { runRetention } from './commands/retention.js';
import { runSetup } from './commands/setup.js';
import { runSmoke } from './commands/smoke.js';
import type { CommandResult } from './commands/shared.js';
import { runTrace } from './commands/trace.js';
import { runValidate } from './commands/validate.js';

/** Exit codes: 0 ok, 1 a check failed / nothing found / unexpected failure, 2 bad input (config, arguments). */
const EXIT_BAD_INPUT = 2;

function configFrom(overrides: Record<string, unknown>): LoadedConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return loadConfig({ prefix: STANDALONE_PREFIX, specs: ALL_STANDALONE_SETTINGS, overrides: defined });
}

async function start(options: { store?: string; host?: string; port?: string; config?: string }): Promise<void> {
  const config = configFrom({ STORE: options.store, HOST: options.host, PORT: options.port, CONFIG: options.config });
  const gateway = await startGateway(config);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    gateway.kernel.logger.info('gateway.stopping', { signal });
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.kernel.logger.error('gateway.stop_failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function identity(action: IdentityAction, options: IdentityArgs & { config?: string; store?: string }): Promise<void> {
  const config = configFrom({ CONFIG: options.config, STORE: options.store });
  const result = await runIdentityCommand(action, options, config);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

async function migrate(options: { config?: string; status?: boolean }): Promise<void> {
  const config = configFrom({ CONFIG: options.config, STORE: 'postgres' });
  const result = await runMigrateCommand(config, { status: options.status === true }, createHostLogger(config));
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

/** Prints a command's output and exits with its code once stdout is flushed. */
function finish(result: CommandResult): void {
  process.stdout.write(result.stdout, () => process.exit(result.exitCode));
}

function fail(error: unknown): never {
  if (isGatewayError(error)) {
    const message = error.message.startsWith(`${error.code}:`) ? error.message : `${error.code}: ${error.message}`;
    process.stderr.write(message + '\n');
    process.exit(error.status < 500 ? EXIT_BAD_INPUT : 1);
  }
  process.stderr.write(`internal error: ${(error as Error)?.message ?? String(error)}\n`);
  if (process.env.DEBUG) process.stderr.write(String((error as Error)?.stack) + '\n');
  process.exit(1);
}

const program = new Command('cowork-standalone-gateway')
  .description('Standalone Gateway: talk to a private AI coding agent from chat.')
  .showHelpAfterError();

const configOption = (): Option => new Option('--config <path>', `config file (JSON/JSONC); same as ${STANDALONE_PREFIX}CONFIG`);
const storeOption = (): Option => new Option('--store <kind>', `store: memory or postgres; same as ${STANDALONE_PREFIX}STORE`);

program
  .command('start')
  .description('start the gateway (HTTP on 127.0.0.1:8795 unless configured otherwise)')
  .addOption(storeOption())
  .option('--host <address>', `listen address; same as ${STANDALONE_PREFIX}HOST`)
  .option('--port <port>', `listen port; same as ${STANDALONE_PREFIX}PORT`)
  .addOption(configOption())
  .action((options) => start(options).catch(fail));

program
  .command('migrate')
  .description('apply pending PostgreSQL schema migrations (safe to run from several processes at once)')
  .option('--status', 'only print the schema version and the pending migrations')
  .addOption(configOption())
  .action((options) => migrate(options).catch(fail));

const identityCommand = program.command('identity').description('manage who may use the gateway');
const identityOptions = (command: Command, withRole: boolean): Command => {
  command
    .option('--provider <id>', 'provider instance id, e.g. telegram or slack-prod')
    .option('--external-user-id <id>', "the sender's user id on that provider")
    .option('--provider-workspace-id <id>', 'workspace (Slack team, Discord guild) the identity is scoped to')
    .option('--url <url>', 'admin URL of the running gateway (memory store only)')
    .addOption(configOption())
    .addOption(storeOption());
  if (withRole) command.option('--role <role>', 'owner, admin, member, approver or viewer').option('--status <status>', 'active (default) or disabled');
  return command;
};
identityOptions(identityCommand.command('upsert').description('create or update an identity'), true)
  .action((options) => identity('upsert', options).catch(fail));
identityOptions(identityCommand.command('list').description('list identities'), false)
  .action((options) => identity('list', options).catch(fail));
identityOptions(identityCommand.command('disable').description('disable an identity'), false)
  .action((options) => identity('disable', options).catch(fail));

const EXIT_HELP = '\nExit codes: 0 ok, 1 a check failed or the command could not finish, 2 bad input (arguments, config).';
const urlOption = (): Option => new Option('--url <url>', 'base URL of the running gateway (default: from HOST and PORT)');

program
  .command('setup')
  .description('write a starter env file (mode 0600) or print a placeholder example')
  .option('--output <file>', 'write the env file here (mode 0600); secrets are not echoed')
  .option('--print', 'print the env file to stdout; secrets as placeholders')
  .option('--allow-secret-print', 'let --print show provided secrets (controlled terminals only)')
  .option('--force', 'replace an existing --output file')
  .option('--admin-token <token>', 'admin token to write (16+ characters, not a placeholder)')
  .option('--generate-admin-token', 'generate a random admin token into the file')
  .option('--opencode-url <url>', 'private OpenCode server URL (loopback/private only); default: a managed OpenCode')
  .option('--allow-private-dns', 'accept a private-looking OpenCode host name without resolving it')
  .option('--host <address>', 'listen address (wildcards refused; default 127.0.0.1)')
  .option('--port <port>', 'listen port (default 8795)')
  .option('--store <kind>', 'postgres (default) or memory')
  .option('--database-url <url>', 'postgres:// connection URL')
  .option('--runtime-root <dir>', 'absolute project directory OpenCode works in')
  .option('--telegram-bot-token <token>', 'Telegram bot token')
  .addHelpText('after', EXIT_HELP)
  .action((options) => runSetup(options).then(finish, fail));

program
  .command('doctor')
  .description('check config, store, migrations, TLS, OpenCode and its model, providers, identities, retention and the admin token')
  .option('--json', 'print the report as JSON')
  .option('--security', 'also flag risky setups (exposed bind without a token, unsigned providers, no approver)')
  .addOption(urlOption())
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', '\nExit codes: 0 every check passed, 1 a check failed, 2 bad arguments.')
  .action((options) => runDoctor(options).then(finish, fail));

program
  .command('validate')
  .description('statically check config files, env files, systemd units and topology profiles; no files: the current config')
  .argument('[files...]', 'files to check')
  .option('--json', 'print findings as JSON')
  .addOption(configOption())
  .addHelpText('after', '\nExit codes: 0 no errors (warnings allowed), 1 errors found, 2 bad arguments.')
  .action((files: string[], options) => runValidate(files, options).then(finish, fail));

program
  .command('backup')
  .description('stream the store manifest into a versioned, checksummed archive (secrets never included)')
  .option('--output <file>', 'archive path (gzip JSON lines), written mode 0600')
  .option('--force', 'replace an existing archive')
  .option('--secret-inventory <file>', 'also write the names (never values) of the configured secrets here')
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', EXIT_HELP)
  .action((options) => runBackup(options).then(finish, fail));

program
  .command('restore')
  .description('restore an archive into an empty database (all or nothing; checksum verified)')
  .option('--input <file>', 'archive written by `backup`')
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', EXIT_HELP)
  .action((options) => runRestore(options).then(finish, fail));

program
  .command('retention')
  .description('retention windows (RETENTION_*_DAYS)')
  .command('run')
  .description('run one retention pass under the daemon lease; --dry-run only counts')
  .option('--dry-run', 'count what would be deleted; delete nothing')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', '\nExit codes: 0 done, 1 a running gateway holds the daemon lease, 2 bad input.')
  .action((options) => runRetention(options).then(finish, fail));

program
  .command('trace')
  .description("show one message's whole path: claim, authorization, job, executor events, deliveries")
  .argument('<id>', 'trace id or provider message id')
  .option('--provider <id>', 'provider instance the message id belongs to (default: every configured one)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', '\nExit codes: 0 found, 1 nothing recorded for the id, 2 bad input.')
  .action((id: string, options) => runTrace(id, options).then(finish, fail));

program
  .command('smoke')
  .description('drive one real prompt through the running gateway on loopback with a temporary identity; per-step latency')
  .option('--provider <id>', 'provider instance to send through (default: the first one smoke can drive)')
  .option('--text <text>', 'prompt text')
  .option('--timeout-ms <ms>', 'give up after this long (default 60000)')
  .option('--json', 'print JSON')
  .addOption(urlOption())
  .addOption(configOption())
  .addOption(storeOption())
  .addHelpText('after', '\nExit codes: 0 the reply was delivered, 1 a step failed, 2 bad input.')
  .action((options) => runSmoke(options).then(finish, fail));

program.parseAsync(process.argv).catch(fail);
