import { AssertionError } from 'node:assert';
import { expect } from 'chai';
import type { RuntimeEvent } from '../src/contracts/execution-authority.js';
import type { ProviderCapabilities } from '../src/contracts/provider.js';
import type { ButtonAction, Notice, RenderedMessage, Renderer } from '../src/contracts/renderer.js';
import { DefaultRenderer } from '../src/render/default-renderer.js';
import {
  RENDERER_CONFORMANCE_PREFIX,
  buildMarkedAnswer,
  markerProblems,
  rendererChecks,
  runRendererCheck,
  telegramHtmlProblems,
} from '../src/testing/renderer-conformance.js';

/** The DefaultRenderer with one deliberate flaw applied to what it renders. */
class FlawedRenderer implements Renderer {
  readonly id = 'flawed';
  private readonly inner = new DefaultRenderer();

  constructor(private readonly flaw: {
    run?: (messages: RenderedMessage[], caps: ProviderCapabilities) => RenderedMessage[];
    action?: (action: ButtonAction, event: RuntimeEvent) => ButtonAction;
  }) {}

  renderRun(events: readonly RuntimeEvent[], caps: ProviderCapabilities): RenderedMessage[] {
    const messages = this.inner.renderRun(events, caps);
    return this.flaw.run ? this.flaw.run(messages, caps) : messages;
  }

  renderInteraction(event: RuntimeEvent, caps: ProviderCapabilities): RenderedMessage | null {
    const message = this.inner.renderInteraction(event, caps);
    const change = this.flaw.action;
    if (!message || !change) return message;
    return {
      ...message,
      chunks: message.chunks.map((chunk) => (chunk.buttons ? { ...chunk, buttons: chunk.buttons.map((row) => row.map((b) => ({ ...b, action: change(b.action, event) }))) } : chunk)),
    };
  }

  renderNotice(notice: Notice, caps: ProviderCapabilities): RenderedMessage {
    return this.inner.renderNotice(notice, caps);
  }
}

/** Runs one kit check and returns what it failed with (null when it passed). */
async function failureOf(renderer: () => Renderer, id: string): Promise<unknown> {
  return runRendererCheck({ name: 'flawed', create: renderer }, id).then(() => null, (error: unknown) => error);
}

function expectKitFailure(error: unknown, pattern: RegExp): void {
  expect(error, 'the check must fail').to.be.instanceOf(AssertionError);
  const message = (error as Error).message;
  expect(message.startsWith(`${RENDERER_CONFORMANCE_PREFIX} `), message).to.equal(true);
  expect(message).to.match(pattern);
}

describe('describeRendererConformance catches broken renderers', () => {
  it('passes the DefaultRenderer on every check', async () => {
    for (const check of rendererChecks) expect(await runRendererCheck({ name: 'default', create: () => new DefaultRenderer() }, check.id), check.id).to.equal('passed');
  });

  it('fails a renderer whose Telegram HTML chunks leave a tag open', async () => {
    const unbalanced = (): Renderer => new FlawedRenderer({
      run: (messages, caps) => caps.markdownDialect !== 'telegram-html' ? messages : messages.map((m) => ({ ...m, chunks: m.chunks.map((c) => ({ ...c, text: `<b>${c.text}` })) })),
    });
    expectKitFailure(await failureOf(unbalanced, 'balanced:telegram-html'), /a chunk is not well-formed Telegram HTML \(.*unclosed tags: b/);
  });

  it('fails a renderer that loses a middle chunk, which the start/end check alone would miss', async () => {
    const lossy = (): Renderer => new FlawedRenderer({
      run: (messages) => messages.map((m) => (m.chunks.length < 3 ? m : { ...m, chunks: m.chunks.filter((_, i) => i !== Math.floor(m.chunks.length / 2)) })),
    });
    expect(await runRendererCheck({ name: 'lossy', create: lossy }, 'keeps-start-end')).to.equal('passed');
    expectKitFailure(await failureOf(lossy, 'keeps-every-part:plain'), /text lost, repeated or reordered across plain chunks: PART-\d{4} arrived 0 times/);
  });

  it('fails a renderer whose button answers another interaction', async () => {
    const wrongId = (): Renderer => new FlawedRenderer({ action: (action) => ({ ...action, id: `${action.id}-other` }) });
    expectKitFailure(await failureOf(wrongId, 'buttons:true'), /dead button ".+" on permission\.requested .+: its action names interaction ".+-other", not/);
  });

  it('fails a renderer whose question button points past the last option', async () => {
    const outOfRange = (): Renderer => new FlawedRenderer({
      action: (action, event) => (action.kind === 'question' && event.type === 'question.asked' ? { ...action, option: event.options.length } : action),
    });
    expectKitFailure(await failureOf(outOfRange, 'buttons:true'), /dead button "A" on question\.asked q-1: its option 3 is not one of the question's 3 options/);
  });

  it('fails a renderer whose permission button carries an unknown decision or a question action', async () => {
    const badDecision = (): Renderer => new FlawedRenderer({ action: (action) => (action.kind === 'permission' ? { ...action, decision: 'maybe' as 'once' } : action) });
    expectKitFailure(await failureOf(badDecision, 'buttons:true'), /its decision "maybe" is not once, always or reject/);
    const wrongKind = (): Renderer => new FlawedRenderer({ action: (action) => ({ kind: 'question', id: action.id, option: 0 }) });
    expectKitFailure(await failureOf(wrongKind, 'buttons:true'), /its action is a question action on a permission request/);
  });

  it('fails a renderer that puts buttons on a final reply', async () => {
    const buttonsOnReply = (): Renderer => new FlawedRenderer({
      run: (messages) => messages.map((m) => ({ ...m, chunks: m.chunks.map((c) => ({ ...c, buttons: [[{ label: 'Again', action: { kind: 'permission', id: 'p', decision: 'once' } }]] })) })),
    });
    expectKitFailure(await failureOf(buttonsOnReply, 'within-limits:markdown'), /the reply carries buttons, which could answer no pending interaction/);
  });
});

describe('renderer conformance markers', () => {
  it('finds a lost, a repeated and a reordered part', () => {
    const text = buildMarkedAnswer(30);
    expect(markerProblems(text, 30)).to.deep.equal([]);
    expect(markerProblems(text.replace('PART-0007', ''), 30)).to.deep.equal(['PART-0007 arrived 0 times']);
    expect(markerProblems(`${text} PART-0030`, 30)).to.deep.equal(['PART-0030 arrived 2 times']);
    expect(markerProblems(text.replace('PART-0002 PART-0003', 'PART-0003 PART-0002'), 30)).to.deep.equal(['PART-0002 comes after PART-0003']);
  });
});

describe('telegramHtmlProblems (the HTML checker of the renderer suites)', () => {
  it('accepts well-formed Telegram HTML with attributes, entities and nesting', () => {
    const html = '<b>bold <i>both</i></b> &amp; &lt;tag&gt; &quot;q&quot; &#128512; &#x1F600; <a href="https://x.test/?a=1&amp;b=2">link</a>\n<pre><code class="language-ts">a &lt; b</code></pre> <tg-spoiler>s</tg-spoiler> <blockquote>q</blockquote>';
    expect(telegramHtmlProblems(html)).to.deep.equal([]);
    expect(telegramHtmlProblems('')).to.deep.equal([]);
  });

  it('reports an unclosed tag', () => {
    expect(telegramHtmlProblems('<b>bold <i>and italic</i>')).to.deep.equal(['unclosed tags: b']);
  });

  it('reports a stray closing tag', () => {
    expect(telegramHtmlProblems('text</i>')).to.deep.equal(['stray </i> at 4']);
  });

  it('reports bad nesting', () => {
    expect(telegramHtmlProblems('<b><i>x</b></i>')).to.deep.equal(['misnested </b> at 7: <i> is open', 'misnested </i> at 11: <b> is open']);
  });

  it('reports a tag Telegram does not know', () => {
    expect(telegramHtmlProblems('<div>x</div>')).to.deep.equal(['unknown tag <div>', 'unknown tag <div>']);
  });

  it('reports an unknown or cut entity and a bare ampersand', () => {
    expect(telegramHtmlProblems('a&nbsp;b')).to.deep.equal(['bad entity at 1: "&nbsp;b"']);
    expect(telegramHtmlProblems('AT&am')).to.deep.equal(['bad entity at 2: "&am"']);
    expect(telegramHtmlProblems('a & b')).to.deep.equal(['bad entity at 2: "& b"']);
  });

  it('reports a numeric entity beyond U+10FFFF', () => {
    expect(telegramHtmlProblems('&#1114112;')).to.deep.equal(['entity beyond U+10FFFF at 0: &#1114112;']);
    expect(telegramHtmlProblems('&#x110000;')).to.deep.equal(['entity beyond U+10FFFF at 0: &#x110000;']);
  });

  it('reports a bare < and a bare >', () => {
    expect(telegramHtmlProblems('a < b')).to.deep.equal(['bad tag at 2: "< b"']);
    expect(telegramHtmlProblems('a > b')).to.deep.equal(['stray > at 2']);
  });

  it('reports a tag cut in the middle', () => {
    expect(telegramHtmlProblems('x <a href="https://x')).to.deep.equal(['bad tag at 2: "<a href=\\"https://x"']);
  });
});
