#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { isGatewayError } from '@cowork-gateway/core';
import { loadCloudGatewayConfig, startCloudGateway } from './gateway.js';
import { runSetup } from './setup.js';
import { CLOUD_GATEWAY_PREFIX } from './settings.js';

/** Exit codes: 0 ok, 1 unexpected failure, 2 bad input (config, arguments). */
const EXIT_BAD_INPUT = 2;

async function start(options: { host?: string; port?: string; config?: string }): Promise<void> {
  const config = loadCloudGatewayConfig({ overrides: { HOST: options.host, PORT: options.port, CONFIG: options.config } });
  const gateway = await startCloudGateway(config);
  process.stdout.write(`cowork-gateway listening on ${gateway.url}\n`);
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

function fail(error: unknown): never {
  if (isGatewayError(error)) {
    const message = error.message.startsWith(`${error.code}:`) ? error.message : `${error.code}: ${error.message}`;
    process.stderr.write(message + '\n');
    process.exit(error.status < 500 ? EXIT_BAD_INPUT : 1);
  }
  process.stderr.write(`internal error: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}

const program = new Command('cowork-gateway')
  .description('Cloud Channel Gateway: talk to your Open Cowork Cloud workspace from chat channels.')
  .showHelpAfterError();

program
  .command('start', { isDefault: true })
  .description('start the gateway (HTTP on 127.0.0.1:8790 unless configured otherwise)')
  .option('--host <address>', `listen address; same as ${CLOUD_GATEWAY_PREFIX}HOST`)
  .option('--port <port>', `listen port; same as ${CLOUD_GATEWAY_PREFIX}PORT`)
  .option('--config <path>', `config file (JSON/JSONC); same as ${CLOUD_GATEWAY_PREFIX}CONFIG`)
  .action((options) => start(options).catch(fail));

program
  .command('setup')
  .description('write a private (0600) env file for the remote-Cloud or local all-in-one appliance')
  .requiredOption('--mode <mode>', 'remote (Cloud elsewhere) or local (all-in-one)')
  .option('--cloud-url <url>', 'https URL of Open Cowork Cloud (remote mode)')
  .option('--service-token <token>', 'gateway-scoped Cloud API token (or OPEN_COWORK_GATEWAY_SERVICE_TOKEN)')
  .option('--telegram-bot-token <token>', 'Telegram bot token (or OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN)')
  .option('--admin-token <token>', 'operator admin token (default: generated)')
  .option('--output <path>', 'env file to write', '.env.gateway')
  .option('--force', 'overwrite an existing file')
  .action((options) => {
    try {
      const result = runSetup(options);
      process.stdout.write(`wrote ${result.output} (mode 0600, ${result.mode}): ${result.keys.join(', ')}\n`);
      if (result.generated.length > 0) process.stdout.write(`generated: ${result.generated.join(', ')} (values only in the file)\n`);
    } catch (error) {
      fail(error);
    }
  });

program.parseAsync(process.argv).catch(fail);
