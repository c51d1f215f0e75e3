import { expect } from 'chai';
import type { RuntimeEvent } from '../src/contracts/execution-authority.js';
import type { ProviderCapabilities } from '../src/contracts/provider.js';
import { toOutboundMessage } from '../src/kernel/outbox.js';
import { DefaultRenderer } from '../src/render/default-renderer.js';
import { conformanceCapabilities, telegramHtmlProblems } from '../src/testing/renderer-conformance.js';

const renderer = new DefaultRenderer();
const markdown = conformanceCapabilities('markdown', 4096);
const telegram = conformanceCapabilities('telegram-html', 4096, true);

function texts(m: { chunks: { text: string }[] } | null): string[] {
  return m?.chunks.map((c) => c.text) ?? [];
}

const failed: RuntimeEvent = { runId: 'r', type: 'run.failed', error: { code: 'executor.timeout', message: 'deadline <exceeded>', retryable: true } };

describe('render/DefaultRenderer.renderRun', () => {
  it('has id "default"', () => {
    expect(renderer.id).to.equal('default');
  });

  it('renders one coalesced reply, without tool activity', () => {
    const events: RuntimeEvent[] = [
      { runId: 'r', type: 'run.started' },
      { runId: 'r', type: 'tool.started', callId: 'c', tool: 'bash', title: 'npm test' },
      { runId: 'r', type: 'assistant.message', messageId: 'm', text: 'All **good**.' },
      { runId: 'r', type: 'run.completed' },
    ];
    const messages = renderer.renderRun(events, telegram);
    expect(messages).to.deep.equal([{ key: 'reply', purpose: 'reply', chunks: [{ text: 'All <b>good</b>.', format: 'telegram-html' }] }]);
  });

  it('says so when the run finished without text', () => {
    const [m] = renderer.renderRun([{ runId: 'r', type: 'run.completed' }], markdown);
    expect(texts(m ?? null)).to.deep.equal(['(The agent finished without a text reply.)']);
    expect(m?.purpose).to.equal('reply');
  });

  it('renders only the failure notice for a failed run', () => {
    const events: RuntimeEvent[] = [{ runId: 'r', type: 'assistant.delta', messageId: 'm', text: 'partial' }, failed];
    const messages = renderer.renderRun(events, telegram);
    expect(messages).to.deep.equal([
      {
        key: 'reply',
        purpose: 'error',
        chunks: [{ text: '⚠️ The agent run failed (executor.timeout): deadline &lt;exceeded&gt;', format: 'telegram-html' }],
      },
    ]);
  });

  it('closes a fence the agent left open before formatting', () => {
    const events: RuntimeEvent[] = [{ runId: 'r', type: 'run.completed', finalText: '```sh\nls' }];
    expect(texts(renderer.renderRun(events, markdown)[0] ?? null)).to.deep.equal(['```sh\nls\n```']);
  });

  it('splits long replies to the limit, after formatting', () => {
    const text = `${'a & b '.repeat(40)}`;
    const caps = conformanceCapabilities('telegram-html', 64);
    const [m] = renderer.renderRun([{ runId: 'r', type: 'run.completed', finalText: text }], caps);
    expect(m?.chunks.length).to.be.greaterThan(1);
    for (const c of m?.chunks ?? []) {
      expect(c.text.length).to.be.at.most(64);
      expect(telegramHtmlProblems(c.text)).to.deep.equal([]);
      expect(c.buttons).to.equal(undefined);
    }
  });

  it('throws a RangeError for a limit below 32', () => {
    expect(() => renderer.renderRun([], conformanceCapabilities('plain', 20))).to.throw(RangeError);
  });
});

describe('render/DefaultRenderer.renderInteraction', () => {
  const permission: RuntimeEvent = { runId: 'r', type: 'permission.requested', interactionId: 'p1', title: 'Run *tests*', detail: 'npm test' };
  const question: RuntimeEvent = { runId: 'r', type: 'question.asked', interactionId: 'q1', question: 'Which DB?', options: ['Postgres', 'SQLite'] };

  it('renders a permission request with buttons', () => {
    expect(renderer.renderInteraction(permission, telegram)).to.deep.equal({
      key: 'permission:p1',
      purpose: 'notice',
      chunks: [
        {
          text: '🔐 Permission requested: Run *tests*\nnpm test',
          format: 'telegram-html',
          buttons: [
            [
              { label: 'Allow once', action: { kind: 'permission', id: 'p1', decision: 'once' } },
              { label: 'Always', action: { kind: 'permission', id: 'p1', decision: 'always' } },
              { label: 'Deny', action: { kind: 'permission', id: 'p1', decision: 'reject' }, style: 'danger' },
            ],
          ],
        },
      ],
    });
  });

  it('renders a permission request with a text fallback when there are no buttons', () => {
    const m = renderer.renderInteraction({ ...permission, detail: undefined }, conformanceCapabilities('plain', 4096));
    expect(texts(m)).to.deep.equal(['🔐 Permission requested: Run *tests*\nReply /approve p1 or /deny p1']);
    expect(m?.chunks[0]?.buttons).to.equal(undefined);
  });

  it('renders a question with one button per option', () => {
    const m = renderer.renderInteraction(question, conformanceCapabilities('slack-mrkdwn', 3000, true));
    expect(m?.key).to.equal('question:q1');
    expect(m?.chunks[0]?.text).to.equal('❓ Which DB?');
    expect(m?.chunks[0]?.buttons).to.deep.equal([
      [{ label: 'Postgres', action: { kind: 'question', id: 'q1', option: 0 } }],
      [{ label: 'SQLite', action: { kind: 'question', id: 'q1', option: 1 } }],
    ]);
    // The kernel encodes the actions into the values providers carry (wire format unchanged).
    expect(toOutboundMessage(m!.chunks[0]!).buttons).to.deep.equal([[{ label: 'Postgres', value: 'q:q1:0' }], [{ label: 'SQLite', value: 'q:q1:1' }]]);
  });

  it('renders a question as a numbered list without buttons', () => {
    expect(texts(renderer.renderInteraction(question, conformanceCapabilities('telegram-html', 4096)))).to.deep.equal([
      '❓ Which DB?\n1. Postgres\n2. SQLite\nReply /answer q1 &lt;number&gt;',
    ]);
    const open = renderer.renderInteraction({ ...question, options: [] }, telegram);
    expect(texts(open)).to.deep.equal(['❓ Which DB?\nReply /answer q1 &lt;your answer&gt;']);
    expect(open?.chunks[0]?.buttons).to.equal(undefined);
  });

  it('shortens long and blank button labels', () => {
    const long = 'x'.repeat(62) + '😀😀';
    const m = renderer.renderInteraction({ ...question, options: [long, '  '] }, telegram);
    const [[first], [second]] = m?.chunks[0]?.buttons ?? [[], []];
    expect(first?.label).to.equal(`${'x'.repeat(62)}…`);
    expect(second?.label).to.equal('2');
  });

  it('puts buttons on the last chunk only', () => {
    const caps = conformanceCapabilities('telegram-html', 100, true);
    const m = renderer.renderInteraction({ ...permission, detail: 'word '.repeat(100) }, caps);
    expect(m?.chunks.length).to.be.greaterThan(2);
    m?.chunks.forEach((c, i) => expect(c.buttons === undefined, String(i)).to.equal(i < (m?.chunks.length ?? 0) - 1));
  });

  it('keeps button values within 64 bytes for long ids once the kernel encodes them', () => {
    const id = 'é'.repeat(40);
    const m = renderer.renderInteraction({ ...permission, interactionId: id }, telegram);
    for (const b of m?.chunks[0]?.buttons?.flat() ?? []) expect(b.action.id).to.equal(id);
    for (const b of toOutboundMessage(m!.chunks[0]!).buttons?.flat() ?? []) expect(Buffer.byteLength(b.value)).to.be.at.most(64);
    expect(m?.key).to.equal(`permission:${id}`);
  });

  it('returns null for events that need no answer', () => {
    expect(renderer.renderInteraction({ runId: 'r', type: 'run.started' }, telegram)).to.equal(null);
    expect(renderer.renderInteraction(failed, telegram)).to.equal(null);
  });
});

describe('render/DefaultRenderer.renderNotice', () => {
  const caps: ProviderCapabilities = conformanceCapabilities('plain', 4096);

  it('renders every notice kind', () => {
    const cases: [Parameters<DefaultRenderer['renderNotice']>[0], string, string][] = [
      [{ kind: 'queued', position: 2 }, 'notice', '⏳ Queued #2: your message will run after the current one finishes.'],
      [
        { kind: 'denied', reason: 'role_not_allowed' },
        'notice',
        '⛔ You are not allowed to prompt this gateway (role_not_allowed). Ask an admin to add your identity.',
      ],
      [
        { kind: 'executor_not_configured' },
        'notice',
        '⚙️ This gateway has no execution runtime configured yet, so prompts cannot run. An operator needs to configure an executor.',
      ],
      [{ kind: 'run_failed', code: 'x_y', message: '*boom*' }, 'error', '⚠️ The agent run failed (x_y): *boom*'],
      [{ kind: 'unsupported', what: 'Voice notes' }, 'notice', 'Voice notes is not supported here.'],
      [{ kind: 'attachment_skipped', filename: 'a.pdf', reason: 'too large' }, 'notice', '📎 The file "a.pdf" was not passed to the agent: too large.'],
    ];
    for (const [notice, purpose, text] of cases) {
      const m = renderer.renderNotice(notice, caps);
      expect(m.key).to.equal(`notice:${notice.kind}`);
      expect(m.purpose).to.equal(purpose);
      expect(texts(m)).to.deep.equal([text]);
      expect(m.chunks[0]?.format).to.equal('plain');
    }
  });

  it('escapes dynamic parts for the dialect', () => {
    const m = renderer.renderNotice({ kind: 'unsupported', what: '<Stickers> & *GIFs*' }, telegram);
    expect(texts(m)).to.deep.equal(['&lt;Stickers&gt; &amp; *GIFs* is not supported here.']);
    const md = renderer.renderNotice({ kind: 'unsupported', what: '# *GIFs*' }, markdown);
    expect(texts(md)).to.deep.equal(['\\# \\*GIFs\\* is not supported here.']);
  });
});
