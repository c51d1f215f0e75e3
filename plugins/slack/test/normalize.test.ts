import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { cleanText, normalizeSlackRequest, normalizeSocketEnvelope, type NormalizeContext } from '../src/normalize.js';
import { FAKE_BOT_USER_ID, FAKE_DM_CHANNEL_ID, FAKE_TEAM_ID, FAKE_USER_ID, eventCallback, messageEvent, slashCommand } from '../src/testing/index.js';

const ctx: NormalizeContext = { provider: 'slack', instance: 'slack', botUserId: FAKE_BOT_USER_ID, channelMessages: 'mentions', now: new Date('2026-01-01T00:00:00Z') };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('normalizeSlackRequest / normalizeSocketEnvelope', () => {
  it('acknowledges other Events API envelope types without an event', () => {
    const result = normalizeSlackRequest(Buffer.from(JSON.stringify({ type: 'app_rate_limited', team_id: FAKE_TEAM_ID, minute_rate_limited: 1 })), 'application/json', ctx);
    expect(result).to.deep.include({ outcome: 'ignored' });
  });

  it('accepts thread broadcasts and file shares as messages, and uses the gateway clock without event_time', () => {
    const envelope = eventCallback(messageEvent('broadcast', { channel: FAKE_DM_CHANNEL_ID, subtype: 'thread_broadcast' }));
    delete envelope.event_time;
    const result = normalizeSlackRequest(Buffer.from(JSON.stringify(envelope)), 'application/json; charset=utf-8', ctx);
    expect(result.outcome).to.equal('event');
    if (result.outcome === 'event') expect(result.event.receivedAt).to.deep.equal(ctx.now);
  });

  it('marks text starting with a slash as a command', () => {
    const result = normalizeSlackRequest(Buffer.from(JSON.stringify(eventCallback(messageEvent('/long 10', { channel: FAKE_DM_CHANNEL_ID })))), 'application/json', ctx);
    expect(result.outcome === 'event' && result.event.kind).to.equal('command');
  });

  it('maps Socket Mode envelope types onto the same normalization, and drops unknown types', () => {
    const event = normalizeSocketEnvelope('events_api', eventCallback(messageEvent('hi', { channel: FAKE_DM_CHANNEL_ID })), ctx);
    expect(event.outcome).to.equal('event');
    const command = normalizeSocketEnvelope('slash_commands', Object.fromEntries(slashCommand({ command: '/deny', text: 'p-1', channel: FAKE_DM_CHANNEL_ID })), ctx);
    expect(command.outcome === 'event' && command.event.text).to.equal('/deny p-1');
    expect(normalizeSocketEnvelope('something_new', {}, ctx)).to.deep.include({ outcome: 'ignored' });
    expect(isGatewayError(thrown(() => normalizeSocketEnvelope('slash_commands', 'nope', ctx)), 'webhook.payload_invalid')).to.equal(true);
    expect(isGatewayError(thrown(() => normalizeSocketEnvelope('interactive', { no: 'type' }, ctx)), 'webhook.payload_invalid')).to.equal(true);
  });

  it('ignores a button press outside a conversation, and requires a press id', () => {
    const base = { type: 'block_actions', team: { id: FAKE_TEAM_ID }, user: { id: FAKE_USER_ID }, actions: [{ type: 'button', value: 'perm:x:once', action_ts: '1.2' }] };
    expect(normalizeSocketEnvelope('interactive', base, ctx)).to.deep.include({ outcome: 'ignored' });
    const noPressId = { ...base, channel: { id: 'C1' }, actions: [{ type: 'button', value: 'perm:x:once' }] };
    expect(isGatewayError(thrown(() => normalizeSocketEnvelope('interactive', noPressId, ctx)), 'webhook.payload_invalid')).to.equal(true);
    const teamless = { ...base, team: null, user: { id: FAKE_USER_ID }, channel: { id: 'C1' } };
    expect(isGatewayError(thrown(() => normalizeSocketEnvelope('interactive', teamless, ctx)), 'webhook.payload_invalid')).to.equal(true);
    const byUserTeam = { ...base, team: null, user: { id: FAKE_USER_ID, team_id: FAKE_TEAM_ID }, channel: { id: 'C1' }, trigger_id: 't1', response_url: 'not a url' };
    const pressed = normalizeSocketEnvelope('interactive', byUserTeam, ctx);
    expect(pressed.outcome === 'event' && pressed.event.workspaceId).to.equal(FAKE_TEAM_ID);
    expect(pressed.outcome === 'event' && pressed.event.replyContext).to.equal(undefined);
  });

  it('keeps text without the bot id as is, decoding Slack\'s escapes', () => {
    expect(cleanText('a &amp;&lt;b&gt;', null)).to.equal('a &<b>');
    expect(cleanText(`<@${FAKE_BOT_USER_ID}>   hello   <@U0OTHER>`, FAKE_BOT_USER_ID)).to.equal('hello <@U0OTHER>');
  });
});
