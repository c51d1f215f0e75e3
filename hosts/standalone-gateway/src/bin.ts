#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { isGatewayError, loadConfig, type LoadedConfig } from '@cowork-gateway/core';
import { createHostLogger, startGateway } from './gateway.js';
import { runIdentityCommand, type IdentityAction, type IdentityArgs } from './identity-command.js';
import { runMigrateCommand } from './migrate-command.js';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX } from './settings.js';

/** Exit codes: 0 ok, 1 unexpected failure, 2 bad input (config, arguments). */
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

program.parseAsync(process.argv).catch(fail);
