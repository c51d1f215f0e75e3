import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineError } from '@cowork-gateway/core';
import { isLoopbackHost } from './safety.js';

export const SetupInvalid = defineError<{ reason: string }>({
  code: 'cloud_gateway.setup_invalid',
  status: 400,
  message: ({ reason }) => `cloud_gateway.setup_invalid: ${reason}`,
});

export interface SetupArgs {
  mode?: string;
  cloudUrl?: string;
  serviceToken?: string;
  telegramBotToken?: string;
  adminToken?: string;
  output?: string;
  force?: boolean;
}

/** What `setup` did: the file and the keys it wrote (never their values). */
export interface SetupResult {
  output: string;
  mode: 'remote' | 'local';
  keys: string[];
  generated: string[];
}

const secret = (): string => randomBytes(32).toString('base64url');

/**
 * Writes a private (0600) env file for the remote-Cloud or local all-in-one appliance. Secrets come
 * from flags or the environment and are never echoed; missing gateway/Cloud secrets of the local
 * mode are generated. Refuses to overwrite a file unless `force`.
 */
export function runSetup(args: SetupArgs, env: Record<string, string | undefined> = process.env): SetupResult {
  const mode = args.mode;
  if (mode !== 'remote' && mode !== 'local') throw new SetupInvalid({ reason: '--mode must be remote or local' });
  const output = resolve(args.output ?? '.env.gateway');
  if (existsSync(output) && !args.force) throw new SetupInvalid({ reason: `${output} exists; pass --force to overwrite it` });
  const serviceToken = args.serviceToken ?? env.OPEN_COWORK_GATEWAY_SERVICE_TOKEN;
  const telegram = args.telegramBotToken ?? env.OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN;
  const lines: [string, string][] = [];
  const generated: string[] = [];
  if (mode === 'remote') {
    const cloudUrl = args.cloudUrl ?? env.OPEN_COWORK_CLOUD_BASE_URL;
    if (!cloudUrl) throw new SetupInvalid({ reason: 'remote mode needs --cloud-url (or OPEN_COWORK_CLOUD_BASE_URL)' });
    let url: URL;
    try {
      url = new URL(cloudUrl);
    } catch {
      throw new SetupInvalid({ reason: '--cloud-url is not a URL' });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new SetupInvalid({ reason: '--cloud-url must be https (or loopback http)' });
    if (!serviceToken) throw new SetupInvalid({ reason: 'remote mode needs --service-token (or OPEN_COWORK_GATEWAY_SERVICE_TOKEN)' });
    lines.push(['OPEN_COWORK_CLOUD_BASE_URL', url.origin + url.pathname.replace(/\/+$/, '')]);
  } else {
    lines.push(['OPEN_COWORK_CLOUD_BASE_URL', 'http://open-cowork-cloud:8787'], ['OPEN_COWORK_GATEWAY_ALLOW_INSECURE_HTTP', 'true']);
    for (const key of ['OPEN_COWORK_CLOUD_SECRET_KEY', 'OPEN_COWORK_CLOUD_COOKIE_SECRET', 'OPEN_COWORK_CLOUD_INTERNAL_TOKEN', 'OPEN_COWORK_CLOUD_OBJECT_STORE_SECRET_ACCESS_KEY']) {
      lines.push([key, secret()]);
      generated.push(key);
    }
    lines.push(['OPEN_COWORK_CLOUD_PUBLIC_URL', 'http://127.0.0.1:8787']);
  }
  if (serviceToken) {
    if (!/^occ_tok_[A-Za-z0-9_-]+_[A-Za-z0-9_-]+$/.test(serviceToken)) throw new SetupInvalid({ reason: 'the service token does not look like a Cloud API token occ_<tokenId>_<secret>' });
    lines.push(['OPEN_COWORK_GATEWAY_SERVICE_TOKEN', serviceToken]);
  }
  const adminToken = args.adminToken ?? env.OPEN_COWORK_GATEWAY_ADMIN_TOKEN;
  if (adminToken) lines.push(['OPEN_COWORK_GATEWAY_ADMIN_TOKEN', adminToken]);
  else {
    lines.push(['OPEN_COWORK_GATEWAY_ADMIN_TOKEN', secret()]);
    generated.push('OPEN_COWORK_GATEWAY_ADMIN_TOKEN');
  }
  lines.push(
    ['OPEN_COWORK_GATEWAY_PRODUCT_MODE', 'cloud_channel'],
    ['OPEN_COWORK_GATEWAY_MODE', 'self-host'],
    ['OPEN_COWORK_GATEWAY_HOST', '127.0.0.1'],
    ['OPEN_COWORK_GATEWAY_PORT', '8790'],
    ['OPEN_COWORK_GATEWAY_ALLOW_LOOPBACK_OPERATOR_BYPASS', 'false'],
    ['OPEN_COWORK_GATEWAY_MAX_REQUEST_BODY_BYTES', '1048576'],
    ['OPEN_COWORK_GATEWAY_CLOUD_REQUEST_TIMEOUT_MS', '30000'],
    ['OPEN_COWORK_GATEWAY_SHUTDOWN_DRAIN_TIMEOUT_MS', '10000'],
  );
  if (telegram) lines.push(['OPEN_COWORK_GATEWAY_TELEGRAM_BOT_TOKEN', telegram], ['OPEN_COWORK_GATEWAY_TELEGRAM_MODE', 'polling']);
  const text = [
    `# Cloud Channel Gateway (${mode === 'remote' ? 'remote Cloud' : 'local all-in-one'}), written by cowork-gateway setup. Private: keep mode 0600, out of git.`,
    ...(serviceToken ? [] : ['# Set OPEN_COWORK_GATEWAY_SERVICE_TOKEN to a gateway-scoped token issued by the local Cloud once it runs.']),
    ...lines.map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
  writeFileSync(output, text, { mode: 0o600 });
  chmodSync(output, 0o600);
  return { output, mode, keys: lines.map(([k]) => k), generated };
}
