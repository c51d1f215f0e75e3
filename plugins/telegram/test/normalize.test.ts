import { expect } from 'chai';
import { normalizeUpdate, type NormalizeContext, type Normalized } from '../src/normalize.js';
import type { TgUpdate } from '../src/telegram-update.js';
import { FAKE_GROUP_ID, FAKE_USER, callbackQuery, editedMessage, groupMessage, privateMessage, topicMessage, type FakeUpdate } from '../src/testing/index.js';

const BOT = { id: '4242', username: 'cowork_test_bot' };
const BOT_USER = { id: 4242, is_bot: true, first_name: 'Bot', username: 'cowork_test_bot' };
const NOW = new Date('2026-11-23T12:00:00Z');

function normalize(update: FakeUpdate, overrides: Partial<NormalizeContext> = {}, updateId = 77): Normalized {
  const context: NormalizeContext = { provider: 'telegram', instance: 'tg', bot: BOT, respondInGroups: 'mentions_and_replies', now: NOW, ...overrides };
  return normalizeUpdate({ update_id: updateId, ...update } as unknown as TgUpdate, context);
}

function event(normalized: Normalized) {
  expect(normalized.outcome, JSON.stringify(normalized)).to.equal('event');
  return (normalized as Extract<Normalized, { outcome: 'event' }>).event;
}

function ignoredReason(normalized: Normalized): string {
  expect(normalized.outcome, JSON.stringify(normalized)).to.equal('ignored');
  return (normalized as Extract<Normalized, { outcome: 'ignored' }>).reason;
}

describe('normalizeUpdate', () => {
  describe('private chats', () => {
    it('maps a text message to a message event keyed by update_id', () => {
      const e = event(normalize(privateMessage('hello agent', { messageId: 31 }), {}, 9001));
      expect(e).to.deep.include({
        provider: 'telegram',
        instance: 'tg',
        chatId: String(FAKE_USER.id),
        userId: String(FAKE_USER.id),
        userName: 'alice',
        eventId: '9001',
        kind: 'message',
        text: 'hello agent',
        messageId: '31',
        attachments: [],
        receivedAt: NOW,
      });
      expect(e).not.to.have.property('threadId');
      expect(e).not.to.have.property('workspaceId');
    });

    it('makes a /command a command event and drops its @botname suffix', () => {
      const e = event(normalize(privateMessage('/approve@Cowork_Test_Bot abc123 always')));
      expect(e.kind).to.equal('command');
      expect(e.text).to.equal('/approve abc123 always');
    });

    it('uses the caption as text when the message has none', () => {
      expect(event(normalize(privateMessage(undefined, { extra: { caption: 'see attached' } }))).text).to.equal('see attached');
    });

    it('drops messages written by bots, and commands addressed to another bot', () => {
      expect(ignoredReason(normalize(privateMessage('hi', { from: BOT_USER })))).to.equal('bot_message');
      expect(ignoredReason(normalize(privateMessage('/start@other_bot')))).to.equal('command_for_another_bot');
    });
  });

  describe('groups (respondInGroups: mentions_and_replies)', () => {
    it('ignores a group message that neither mentions nor replies to the bot', () => {
      expect(ignoredReason(normalize(groupMessage('just chatting')))).to.equal('not_addressed');
    });

    it('accepts a mention in any case and strips it from the text', () => {
      const e = event(normalize(groupMessage('hey @COWORK_test_bot   what is up?')));
      expect(e.chatId).to.equal(String(FAKE_GROUP_ID));
      expect(e.text).to.equal('hey what is up?');
      expect(e.kind).to.equal('message');
    });

    it('does not take a longer username for a mention', () => {
      expect(ignoredReason(normalize(groupMessage('ask @cowork_test_bot_two')))).to.equal('not_addressed');
    });

    it('accepts a reply to one of the bot\'s messages', () => {
      const e = event(normalize(groupMessage('and then?', { replyTo: BOT_USER })));
      expect(e.text).to.equal('and then?');
    });

    it('accepts a command without suffix or with this bot\'s suffix, not another bot\'s', () => {
      expect(event(normalize(groupMessage('/help'))).kind).to.equal('command');
      expect(event(normalize(groupMessage('/deny@cowork_test_bot x1'))).text).to.equal('/deny x1');
      expect(ignoredReason(normalize(groupMessage('/deny@other_bot x1')))).to.equal('command_for_another_bot');
    });

    it('ignores group messages until the bot\'s username is known', () => {
      expect(ignoredReason(normalize(groupMessage('@cowork_test_bot hi'), { bot: null }))).to.equal('not_addressed');
    });
  });

  describe('groups (other policies)', () => {
    it('accepts every group message with respondInGroups "all"', () => {
      expect(event(normalize(groupMessage('just chatting', { chatType: 'group' }), { respondInGroups: 'all' })).text).to.equal('just chatting');
    });

    it('accepts only commands with respondInGroups "commands_only"', () => {
      expect(ignoredReason(normalize(groupMessage('@cowork_test_bot hi'), { respondInGroups: 'commands_only' }))).to.equal('not_addressed');
      expect(event(normalize(groupMessage('/answer q1 2'), { respondInGroups: 'commands_only' })).kind).to.equal('command');
    });
  });

  it('gives forum topic messages the topic as threadId', () => {
    const e = event(normalize(topicMessage('@cowork_test_bot build it', 77)));
    expect(e.threadId).to.equal('77');
    expect(e.text).to.equal('build it');
  });

  it('ignores a reply chain thread id that is not a forum topic', () => {
    const update = groupMessage('@cowork_test_bot hi', { extra: { message_thread_id: 12 } });
    expect(event(normalize(update))).not.to.have.property('threadId');
  });

  it('ignores edited messages on purpose (no second prompt)', () => {
    expect(ignoredReason(normalize(editedMessage('hello, edited')))).to.equal('edited_message');
  });

  it('ignores update types it does not read', () => {
    expect(ignoredReason(normalize({ my_chat_member: {} }))).to.equal('unsupported_update');
  });

  describe('callback queries', () => {
    it('maps a button press to an interaction event in the card\'s chat and topic', () => {
      const normalized = normalize(callbackQuery('perm:abc:once', { chatId: FAKE_GROUP_ID, messageId: 55, threadId: 9 }), {}, 31);
      const e = event(normalized);
      expect(normalized.callbackQueryId).to.be.a('string');
      expect(e).to.deep.include({ kind: 'interaction', eventId: '31', chatId: String(FAKE_GROUP_ID), threadId: '9', messageId: '55', userId: String(FAKE_USER.id) });
      expect(e.interaction).to.deep.equal({ id: normalized.callbackQueryId, value: 'perm:abc:once' });
    });

    it('still returns the query id of a press it ignores, so it can be answered', () => {
      const normalized = normalize(callbackQuery('x', { from: BOT_USER }));
      expect(ignoredReason(normalized)).to.equal('bot_callback');
      expect(normalized.callbackQueryId).to.be.a('string');
    });
  });

  describe('attachments', () => {
    it('lists a document with its name, type and size', () => {
      const document = { file_id: 'F1', file_unique_id: 'U1', file_name: 'report.pdf', mime_type: 'application/pdf', file_size: 1234 };
      const e = event(normalize(privateMessage(undefined, { extra: { document, caption: 'read this' } })));
      expect(e.attachments).to.deep.equal([{ id: 'F1', filename: 'report.pdf', mimeType: 'application/pdf', sizeBytes: 1234 }]);
    });

    it('lists only the largest photo size, as a jpeg', () => {
      const photo = [
        { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 1000 },
        { file_id: 'large', file_unique_id: 'l', width: 1280, height: 1280, file_size: 90000 },
        { file_id: 'medium', file_unique_id: 'm', width: 320, height: 320, file_size: 9000 },
      ];
      const e = event(normalize(privateMessage(undefined, { extra: { photo } })));
      expect(e.attachments).to.deep.equal([{ id: 'large', filename: 'photo-l.jpg', mimeType: 'image/jpeg', sizeBytes: 90000 }]);
      expect(e).not.to.have.property('text');
    });

    it('lists audio, video and voice notes', () => {
      const extra = {
        audio: { file_id: 'A', file_unique_id: 'a', mime_type: 'audio/mpeg', file_name: 'song.mp3', file_size: 10 },
        video: { file_id: 'V', file_unique_id: 'v', mime_type: 'video/mp4', file_size: 20 },
        voice: { file_id: 'O', file_unique_id: 'o', mime_type: 'audio/ogg', file_size: 30 },
      };
      const e = event(normalize(privateMessage(undefined, { extra })));
      expect(e.attachments.map((a) => [a.id, a.filename, a.mimeType])).to.deep.equal([
        ['A', 'song.mp3', 'audio/mpeg'],
        ['V', 'video.mp4', 'video/mp4'],
        ['O', 'voice-o.ogg', 'audio/ogg'],
      ]);
    });
  });
});
