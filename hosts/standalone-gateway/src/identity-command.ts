import {
  checkIdentity,
  defineError,
  requireOperatorPart,
  type Identity,
  type IdentityKey,
  type LoadedConfig,
  type Role,
  type Store,
} from '@cowork-gateway/core';
import { assembleStore } from './preset.js';
import { providerSelections } from './selections.js';
import { silentLogger } from '@cowork-gateway/core';

export const IdentityArgsInvalid = defineError<{ reason: string }>({
  code: 'identity.args_invalid',
  status: 400,
  message: ({ reason }) => `identity.args_invalid: ${reason}`,
});

export const IdentityRemoteFailed = defineError<{ url: string; reason: string }>({
  code: 'identity.remote_failed',
  status: 400,
  message: ({ url, reason }) => `identity.remote_failed: the running gateway at ${url} refused the request: ${reason}`,
});

export interface IdentityArgs {
  provider?: string;
  externalUserId?: string;
  providerWorkspaceId?: string;
  role?: string;
  status?: string;
  url?: string;
}

export type IdentityAction = 'upsert' | 'list' | 'disable';

/**
 * Manages identities. With a durable store the command writes the store directly; with the
 * memory store (state lives in the running process) it calls the running gateway's admin API,
 * which needs the admin token.
 */
export async function runIdentityCommand(action: IdentityAction, args: IdentityArgs, config: LoadedConfig): Promise<unknown> {
  validate(action, args);
  const store = await assembleStore(config, silentLogger);
  if (!store.capabilities.durable) return viaAdminApi(action, args, config);
  await store.start();
  try {
    return await viaStore(action, args, store, config);
  } finally {
    await store.close();
  }
}

/** The CLI flag of each identity field, for messages. */
const FLAGS: Record<string, string> = {
  provider: '--provider',
  externalUserId: '--external-user-id',
  workspaceId: '--provider-workspace-id',
  role: '--role',
  status: '--status',
};

/** Checked with core's one identity schema, so the CLI says what config files and the admin API say. */
function validate(action: IdentityAction, args: IdentityArgs): void {
  if (action === 'list') return;
  const input = { provider: args.provider, externalUserId: args.externalUserId, workspaceId: args.providerWorkspaceId || undefined, role: args.role, status: args.status };
  const checked = action === 'upsert' ? checkIdentity(input) : checkIdentity(input, { withRole: false });
  if (checked.ok) return;
  const [first] = checked.issues;
  throw new IdentityArgsInvalid({ reason: `${FLAGS[first!.field] ?? first!.field} must be ${first!.expected}` });
}

function keyOf(args: IdentityArgs): IdentityKey {
  return { provider: args.provider!, externalUserId: args.externalUserId!, workspaceId: args.providerWorkspaceId ?? '' };
}

async function viaStore(action: IdentityAction, args: IdentityArgs, store: Store, config: LoadedConfig): Promise<unknown> {
  const configured = providerSelections(config).map((p) => p.id);
  if (action === 'upsert' && !configured.includes(args.provider!)) {
    throw new IdentityArgsInvalid({ reason: `no provider instance "${args.provider}" is configured (configured: ${configured.join(', ') || 'none'}); identities name a provider instance id` });
  }
  // Listing and disabling are operator parts: a store without them answers store.capability_missing.
  if (action === 'list') return { ok: true, identities: await requireOperatorPart(store, 'lists').identities.list({ provider: args.provider }) };
  if (action === 'disable') {
    const identity = await requireOperatorPart(store, 'actions').identities.disable(keyOf(args));
    if (!identity) throw new IdentityArgsInvalid({ reason: 'no such identity' });
    return { ok: true, identity };
  }
  const identity: Identity = await store.identities.upsert({ ...keyOf(args), role: args.role as Role, status: args.status as 'active' | 'disabled' | undefined });
  return { ok: true, identity };
}

async function viaAdminApi(action: IdentityAction, args: IdentityArgs, config: LoadedConfig): Promise<unknown> {
  const base = args.url ?? `http://${formatHost(config.get<string>('HOST'))}:${config.get<number>('PORT')}`;
  if (!config.isSet('ADMIN_TOKEN')) {
    throw new IdentityArgsInvalid({
      reason: `the memory store keeps identities inside the running gateway; set ${config.envName('ADMIN_TOKEN')} (same value as the gateway's) so this command can use its admin API at ${base}, or list identities under "identities" in the config file`,
    });
  }
  const headers = { authorization: `Bearer ${config.get<string>('ADMIN_TOKEN')}`, 'content-type': 'application/json' };
  const request = action === 'list'
    ? fetch(`${base}/admin/identities${args.provider ? `?provider=${encodeURIComponent(args.provider)}` : ''}`, { headers })
    : fetch(`${base}/admin/identities${action === 'disable' ? '/disable' : ''}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...keyOf(args), role: args.role, status: args.status }),
      });
  let response: Response;
  try {
    response = await request;
  } catch (error) {
    throw new IdentityRemoteFailed({ url: base, reason: `not reachable (${(error as Error).message}); is the gateway running?` }, { cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new IdentityRemoteFailed({ url: base, reason: body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}` });
  return { ok: true, ...body };
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '' ) return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
