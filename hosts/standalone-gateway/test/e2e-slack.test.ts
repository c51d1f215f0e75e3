import { expect } from 'chai';
import {
  FAKE_BOT_USER_ID,
  FAKE_CHANNEL_ID,
  FAKE_DM_CHANNEL_ID,
  FAKE_TEAM_ID,
  blockActions,
  eventCallback,
  messageEvent,
  slashCommand,
  startFakeSlack,
  urlVerification,
  type FakeSlack,
  type FakeSlackMessage,
} from '@cowork-gateway/slack/testing';
import { isGatewayError, loadConfig } from '@cowork-gateway/core';
import { ALL_STANDALONE_SETTINGS, STANDALONE_CHOICES, STANDALONE_PREFIX } from '../src/index.js';
import { childEnv, eventually, PREFIX, runCli, startHost, writeConfig, type HostProcess } from './helpers/host-process.js';

const BOT_TOKEN = 'xoxb-1111111111-2222222222222-e2eSlackBotTokenValue';
const SIGNING_SECRET = 'e2e-slack-signing-secret-value-0123';
const MEMBER = 'U0MEMBER01';
const APPROVER = 'U0APPROVE1';
const ADMIN = 'U0ADMIN001';
const UNSCOPED = 'U0UNSCOPE1';
const OTHER_TEAM = 'T0OTHER001';
const APP_TOKEN = 'xapp-1-A0FAKEAPP1-1234567890-e2eAppLevelTokenValue';

describe('standalone gateway with Slack (fake Slack)', function () {
  this.timeout(60_000);
  let slack: FakeSlack;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    slack = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    slack.addChannel(FAKE_CHANNEL_ID);
    slack.addChannel(FAKE_DM_CHANNEL_ID);
  });

  afterEach(async () => {
    await host?.stop().catch(() => undefined);
    host = undefined;
    await slack.close();
  });

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
    childEnv({
      [`${PREFIX}SLACK_BOT_TOKEN`]: BOT_TOKEN,
      [`${PREFIX}SLACK_SIGNING_SECRET`]: SIGNING_SECRET,
      [`${PREFIX}SLACK_API_BASE_URL`]: slack.apiUrl,
      [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: '50',
      ...extra,
    });

  const config = (): string =>
    writeConfig({
      // A permission request waits 30 s: the run only finishes in time if the answer arrives.
      executor: { use: '@cowork-gateway/core/testing/fake-executor', options: { interactionTimeoutMs: 30_000 } },
      identities: [
        { provider: 'slack', workspaceId: FAKE_TEAM_ID, externalUserId: MEMBER, role: 'member' },
        { provider: 'slack', workspaceId: FAKE_TEAM_ID, externalUserId: APPROVER, role: 'approver' },
        { provider: 'slack', workspaceId: FAKE_TEAM_ID, externalUserId: ADMIN, role: 'admin' },
        { provider: 'slack', externalUserId: UNSCOPED, role: 'admin' },
      ],
    });

  const webhook = (): string => `${host!.url}/webhooks/slack`;
  const mention = (text: string, options: Parameters<typeof messageEvent>[1] = {}): Record<string, unknown> =>
    messageEvent(`<@${FAKE_BOT_USER_ID}> ${text}`, { type: 'app_mention', user: MEMBER, ...options });
  const postsContaining = (text: string): FakeSlackMessage[] => slack.posts.filter((m) => m.text.includes(text));
  const waitFor = (text: string, what = text): Promise<FakeSlackMessage> =>
    eventually(async () => postsContaining(text)[0], 15_000, what);

  it('answers url_verification and replies to a mention in a thread inside that thread', async () => {
    host = await startHost(['--config', config()], env());
    const challenge = await slack.deliverEvent(webhook(), urlVerification('challenge-token-123'));
    expect(challenge).to.deep.equal({ status: 200, body: { challenge: 'challenge-token-123' } });

    const accepted = await slack.deliverEvent(webhook(), eventCallback(mention('hello from a thread', { ts: '1700000100.000200', threadTs: '1700000000.000100' })));
    expect(accepted.status).to.equal(202);
    const reply = await waitFor('Echo: hello from a thread');
    expect(reply).to.include({ via: 'chat.postMessage', channel: FAKE_CHANNEL_ID, thread_ts: '1700000000.000100', mrkdwn: true });
    expect(reply.text).not.to.contain(FAKE_BOT_USER_ID);

    const topLevel = await slack.deliverEvent(webhook(), eventCallback(mention('start a thread', { ts: '1700000200.000300' })));
    expect(topLevel.status).to.equal(202);
    expect(await waitFor('Echo: start a thread')).to.include({ thread_ts: '1700000200.000300' });
    expect(host.stderr()).not.to.contain(BOT_TOKEN).and.not.to.contain(SIGNING_SECRET);
  });

  it('processes an event Slack retries (same event_id, x-slack-retry-num) once', async () => {
    host = await startHost(['--config', config()], env());
    const envelope = eventCallback(mention('exactly once'), { eventId: 'Ev0E2EONCE1' });
    expect((await slack.deliverEvent(webhook(), envelope)).status).to.equal(202);
    const retry = await slack.deliverEvent(webhook(), envelope, { retryNum: 1, timestamp: Math.floor(Date.now() / 1000) + 1 });
    expect(retry.status).to.equal(202);
    expect((retry.body as { events: { outcome: string }[] }).events[0]?.outcome).to.equal('duplicate');
    await waitFor('Echo: exactly once');
    // A later message is answered after the retry was handled: the retry left nothing behind.
    await slack.deliverEvent(webhook(), eventCallback(mention('afterwards')), { retryNum: 2 });
    await waitFor('Echo: afterwards');
    expect(postsContaining('Echo: exactly once')).to.have.length(1);
    expect(host.logs.some((l) => l.event === 'slack.retry_received' && l.eventId === 'Ev0E2EONCE1')).to.equal(true);
  });

  it('answers a bad, missing or stale signature with 401 and runs nothing', async () => {
    host = await startHost(['--config', config()], env());
    const envelope = (): Record<string, unknown> => eventCallback(mention('forged'));
    const forged = await slack.deliverEvent(webhook(), envelope(), { secret: 'not-the-signing-secret' });
    expect(forged.status).to.equal(401);
    expect(forged.body).to.deep.include({ error: { code: 'webhook.signature_invalid', message: (forged.body as any).error.message } });
    expect((await slack.deliverEvent(webhook(), envelope(), { unsigned: true })).status).to.equal(401);
    const stale = await slack.deliverEvent(webhook(), envelope(), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).to.equal(401);
    expect((stale.body as any).error.code).to.equal('webhook.signature_stale');
    expect((await slack.deliverInteraction(webhook(), blockActions({ value: 'perm:x:once', messageTs: '1.2' }), { secret: 'wrong' })).status).to.equal(401);
    expect((await slack.deliverCommand(webhook(), slashCommand({ command: '/approve', text: 'x' }), { secret: 'wrong' })).status).to.equal(401);
    // The gateway still works for Slack itself, and nothing forged reached the agent.
    await slack.deliverEvent(webhook(), eventCallback(mention('genuine')));
    await waitFor('Echo: genuine');
    expect(postsContaining('forged')).to.deep.equal([]);
  });

  it('lets a workspace-scoped identity prompt only in its own team; an unscoped identity does not cover a team', async () => {
    host = await startHost(['--config', config()], env());
    await slack.deliverEvent(webhook(), eventCallback(mention('from my team')));
    await waitFor('Echo: from my team');

    const otherTeam = await slack.deliverEvent(webhook(), eventCallback(mention('from another team'), { teamId: OTHER_TEAM }));
    const unscoped = await slack.deliverEvent(webhook(), eventCallback(mention('unscoped admin', { user: UNSCOPED })));
    expect((otherTeam.body as { events: { outcome: string }[] }).events[0]?.outcome).to.equal('denied');
    expect((unscoped.body as { events: { outcome: string }[] }).events[0]?.outcome).to.equal('denied');
    await eventually(async () => slack.posts.filter((m) => m.text.includes('not allowed to prompt')).length >= 2 || undefined, 15_000, 'two denial notices');
    // Posted after both denials were handled, so their prompts would have been answered by now.
    await slack.deliverEvent(webhook(), eventCallback(mention('still mine')));
    await waitFor('Echo: still mine');
    expect(postsContaining('Echo: from another team')).to.deep.equal([]);
    expect(postsContaining('Echo: unscoped admin')).to.deep.equal([]);
    expect(host.stderr()).not.to.contain('from another team');
  });

  it('finishes a run when an approver presses the permission button in the thread', async () => {
    host = await startHost(['--config', config()], env());
    await slack.deliverEvent(webhook(), eventCallback(mention('/permission', { ts: '1700000300.000100' })));
    const card = await eventually(async () => slack.posts.find((m) => m.blocks?.some((b) => b.type === 'actions')), 15_000, 'the permission card');
    expect(card).to.include({ channel: FAKE_CHANNEL_ID, thread_ts: '1700000300.000100' });
    const buttons = card.blocks!.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { value: string; action_id: string }[]);
    const once = buttons.find((b) => b.value.endsWith(':once'));
    expect(once, JSON.stringify(buttons)).not.to.equal(undefined);
    expect(once!.action_id).to.equal(once!.value);

    // A member may prompt but not approve.
    const byMember = await slack.deliverInteraction(webhook(), blockActions({ value: once!.value, user: MEMBER, messageTs: card.ts, threadTs: card.thread_ts! }));
    expect(byMember.status).to.equal(200);
    await waitFor('not allowed to answer', 'the refusal for the member');

    const byApprover = await slack.deliverInteraction(webhook(), blockActions({ value: once!.value, user: APPROVER, userName: 'grace', messageTs: card.ts, threadTs: card.thread_ts! }));
    expect(byApprover.status).to.equal(200);
    const confirmation = await waitFor('Allowed once', 'the confirmation');
    expect(confirmation).to.include({ thread_ts: '1700000300.000100' });
    const finished = await waitFor('Echo: /permission', 'the run to finish');
    expect(finished).to.include({ thread_ts: '1700000300.000100' });
  });

  it('approves with the /approve slash command in a direct message', async () => {
    host = await startHost(['--config', config()], env());
    await slack.deliverEvent(webhook(), eventCallback(messageEvent('/permission', { user: ADMIN, channel: FAKE_DM_CHANNEL_ID })));
    const card = await eventually(async () => slack.posts.find((m) => m.channel === FAKE_DM_CHANNEL_ID && m.blocks !== undefined), 15_000, 'the permission card');
    expect(card).not.to.have.property('thread_ts');
    const value = card.blocks!.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { value: string }[]).find((b) => b.value.endsWith(':once'))!.value;
    const id = /^perm:(.+):once$/.exec(value)![1]!;
    const ack = await slack.deliverCommand(webhook(), slashCommand({ command: '/approve', text: id, user: ADMIN, channel: FAKE_DM_CHANNEL_ID, responseUrl: slack.responseUrl(FAKE_DM_CHANNEL_ID) }));
    expect(ack.status).to.equal(200);
    expect(ack.body).to.include({ response_type: 'ephemeral' });
    await waitFor('Allowed once', 'the confirmation');
    expect(await waitFor('Echo: /permission', 'the run to finish')).to.include({ channel: FAKE_DM_CHANNEL_ID });
  });

  it('refuses to start without the signing secret, naming the setting and not the token', async () => {
    const result = await runCli(['start', '--config', config()], env({ [`${PREFIX}SLACK_SIGNING_SECRET`]: '' }));
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('host.slack_signing_secret_required').and.contain(`${PREFIX}SLACK_SIGNING_SECRET`);
    expect(result.stderr).not.to.contain(BOT_TOKEN);
  });

  it('runs in Socket Mode without a public URL: a mention gets a threaded reply, a retried envelope runs once', async () => {
    await slack.close();
    slack = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, appToken: APP_TOKEN });
    slack.addChannel(FAKE_CHANNEL_ID);
    host = await startHost(['--config', config()], env({ [`${PREFIX}SLACK_MODE`]: 'socket', [`${PREFIX}SLACK_APP_TOKEN`]: APP_TOKEN, [`${PREFIX}SLACK_SIGNING_SECRET`]: '' }));
    await slack.waitForSocket();
    const envelope = eventCallback(mention('over the socket', { ts: '1700000600.000100' }), { eventId: 'Ev0E2ESOCK1' });
    await slack.sendEnvelope('events_api', envelope);
    await slack.sendEnvelope('events_api', envelope, { retryAttempt: 1 });
    expect(await waitFor('Echo: over the socket')).to.include({ thread_ts: '1700000600.000100' });
    await slack.sendEnvelope('events_api', eventCallback(mention('second')));
    await waitFor('Echo: second');
    expect(postsContaining('Echo: over the socket')).to.have.length(1);
    // No HTTP route answers for a socket-mode instance.
    expect((await slack.deliverEvent(webhook(), eventCallback(mention('by http')))).status).to.equal(401);
    expect(host.stderr()).not.to.contain(APP_TOKEN).and.not.to.contain(BOT_TOKEN);
  });

  it('refuses Socket Mode without an app-level token', async () => {
    const result = await runCli(['start', '--config', config()], env({ [`${PREFIX}SLACK_MODE`]: 'socket' }));
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('host.slack_app_token_required').and.contain(`${PREFIX}SLACK_APP_TOKEN`);
  });

  it('reads seed 001\'s OPEN_COWORK_GATEWAY_SLACK_* names as aliases', async () => {
    const aliased = childEnv({
      OPEN_COWORK_GATEWAY_SLACK_BOT_TOKEN: BOT_TOKEN,
      OPEN_COWORK_GATEWAY_SLACK_SIGNING_SECRET: SIGNING_SECRET,
      OPEN_COWORK_GATEWAY_SLACK_API_BASE_URL: slack.apiUrl,
    });
    host = await startHost(['--config', config()], aliased);
    await slack.deliverEvent(webhook(), eventCallback(mention('via aliases')));
    await waitFor('Echo: via aliases');
  });
});

describe('Slack selection from flat settings (in process)', () => {
  const configWith = (env: Record<string, string>) =>
    loadConfig({ prefix: STANDALONE_PREFIX, specs: ALL_STANDALONE_SETTINGS, env: { [`${STANDALONE_PREFIX}STORE`]: 'memory', ...env } });
  const select = (env: Record<string, string>) => STANDALONE_CHOICES.providers!(configWith(env));
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
      return 'no error';
    } catch (error) {
      return isGatewayError(error) ? error.code : String(error);
    }
  };

  it('selects the Slack plugin with the mapped options and the instance id setting', () => {
    const [selection] = select({ [`${PREFIX}SLACK_BOT_TOKEN`]: BOT_TOKEN, [`${PREFIX}SLACK_SIGNING_SECRET`]: SIGNING_SECRET, [`${PREFIX}SLACK_PROVIDER_ID`]: 'slack-prod', [`${PREFIX}SLACK_TEAM_ID`]: 'T0123ABCD' });
    expect(selection).to.deep.include({ use: '@cowork-gateway/slack', id: 'slack-prod' });
    expect(selection!.options).to.deep.include({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, teamId: 'T0123ABCD', mode: 'events', channelMessages: 'mentions' });
  });

  it('fails closed without the secret of the chosen mode', () => {
    expect(codeOf(() => select({ [`${PREFIX}SLACK_BOT_TOKEN`]: BOT_TOKEN }))).to.equal('host.slack_signing_secret_required');
    expect(codeOf(() => select({ [`${PREFIX}SLACK_BOT_TOKEN`]: BOT_TOKEN, [`${PREFIX}SLACK_MODE`]: 'socket' }))).to.equal('host.slack_app_token_required');
    const [socket] = select({ [`${PREFIX}SLACK_BOT_TOKEN`]: BOT_TOKEN, [`${PREFIX}SLACK_MODE`]: 'socket', [`${PREFIX}SLACK_APP_TOKEN`]: APP_TOKEN });
    expect(socket!.options).to.deep.include({ mode: 'socket', appToken: APP_TOKEN });
  });

  it('selects nothing for Slack without SLACK_BOT_TOKEN', () => {
    expect(select({ [`${PREFIX}SLACK_SIGNING_SECRET`]: SIGNING_SECRET })).to.deep.equal([]);
  });
});
