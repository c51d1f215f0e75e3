import { expect } from 'chai';
import { planTelegramHtmlChunks, splitTelegramHtml } from '../src/render/split-html.js';
import { tokenizeHtml } from '../src/render/html-tokens.js';
import { telegramHtmlProblems } from '../src/testing/renderer-conformance.js';

/** Text a reader sees: tags removed, entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<[^<>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function expectWellFormed(chunks: readonly string[], max: number): void {
  for (const c of chunks) {
    expect(c.length, c).to.be.at.most(max);
    expect(telegramHtmlProblems(c), c).to.deep.equal([]);
  }
}

describe('render/tokenizeHtml', () => {
  it('splits tags, entities and characters, keeping surrogate pairs whole', () => {
    const tokens = tokenizeHtml('<b>a&amp;😀</b><br/>&#128512;<x');
    expect(tokens.map((t) => `${t.kind}:${t.raw}`)).to.deep.equal([
      'open:<b>',
      'text:a',
      'entity:&amp;',
      'text:😀',
      'close:</b>',
      'void:<br/>',
      'entity:&#128512;',
      'text:<',
      'text:x',
    ]);
  });
});

describe('render/splitTelegramHtml', () => {
  it('rejects a bad maxLength and returns fitting HTML unchanged', () => {
    expect(() => splitTelegramHtml('x', 10)).to.throw(RangeError);
    expect(splitTelegramHtml('<b>x</b>', 32)).to.deep.equal(['<b>x</b>']);
  });

  it('closes and reopens a code block with its language', () => {
    const body = Array.from({ length: 40 }, (_, i) => `line ${i} &lt;&amp;&gt;`).join('\n');
    const html = `<pre><code class="language-ts">${body}</code></pre>\nafter`;
    const chunks = splitTelegramHtml(html, 200);
    expectWellFormed(chunks, 200);
    expect(chunks.length).to.be.greaterThan(2);
    for (const c of chunks.slice(1)) expect(c.startsWith('<pre><code class="language-ts">'), c).to.equal(true);
    for (const c of chunks.slice(0, -1)) expect(c.endsWith('\n</code></pre>'), c).to.equal(true);
    expect(visible(chunks.join(''))).to.equal(visible(html));
  });

  it('never cuts an entity', () => {
    const html = '&amp;'.repeat(100);
    const chunks = splitTelegramHtml(html, 33);
    expectWellFormed(chunks, 33);
    for (const c of chunks) expect(c).to.match(/^(&amp;)+$/);
    expect(chunks.join('')).to.equal(html);
  });

  it('reopens nested inline tags', () => {
    const html = `<b>bold <i>${'word '.repeat(30)}</i> tail</b>`;
    const chunks = splitTelegramHtml(html, 60);
    expectWellFormed(chunks, 60);
    expect(chunks[1]?.startsWith('<b><i>')).to.equal(true);
    expect(visible(chunks.join(''))).to.equal(visible(html));
  });

  it('prefers a newline and avoids cutting right before a closing tag', () => {
    const html = `${'a'.repeat(34)}\n${'b'.repeat(30)}`;
    expect(splitTelegramHtml(html, 50)).to.deep.equal([`${'a'.repeat(34)}\n`, 'b'.repeat(30)]);
    const tight = `<b>${'x'.repeat(40)}</b>`;
    const chunks = splitTelegramHtml(tight, 40);
    expectWellFormed(chunks, 40);
    for (const c of chunks) expect(c).to.not.include('<b></b>');
  });

  it('prefers a blank line, then a space', () => {
    const blank = `${'a'.repeat(34)}\n\n${'b'.repeat(8)}\n${'c'.repeat(30)}`;
    expect(splitTelegramHtml(blank, 50)[0]).to.equal(`${'a'.repeat(34)}\n\n`);
    const words = `${'a'.repeat(34)} ${'b'.repeat(30)}`;
    expect(splitTelegramHtml(words, 50)[0]).to.equal(`${'a'.repeat(34)} `);
  });

  it('drops a tag too long to reopen but keeps its text', () => {
    const html = `<a href="https://example.com/${'p'.repeat(80)}">${'label '.repeat(20)}</a> end`;
    const chunks = splitTelegramHtml(html, 64);
    expectWellFormed(chunks, 64);
    expect(chunks.join('')).to.not.include('<a');
    expect(visible(chunks.join(''))).to.equal(visible(html));
  });

  it('stops reopening the innermost tags when they would take over half the limit', () => {
    const html = `<b><i><u><s><code>${'z'.repeat(100)}</code></s></u></i></b>`;
    const chunks = splitTelegramHtml(html, 32);
    expectWellFormed(chunks, 32);
    expect(visible(chunks.join(''))).to.equal('z'.repeat(100));
  });

  it('repairs broken input: stray closing tags, misnesting, unclosed tags', () => {
    const html = `</i>${'a '.repeat(20)}<b><i>${'x '.repeat(20)}</b></i><u>${'y '.repeat(20)}`;
    const chunks = splitTelegramHtml(html, 40);
    expectWellFormed(chunks, 40);
    expect(visible(chunks.join(''))).to.equal(visible(html));
  });

  it('keeps void tags whole', () => {
    const html = `${'a'.repeat(30)}<br/>${'b'.repeat(30)}`;
    const chunks = splitTelegramHtml(html, 34);
    for (const c of chunks) expect(c.length).to.be.at.most(34);
    expect(chunks.join('')).to.equal(html);
  });

  it('plans chunks whose bodies give the input back', () => {
    const html = `<b>${'bold '.repeat(30)}</b>\n<pre>${'code\n'.repeat(30)}</pre>`;
    const plans = planTelegramHtmlChunks(html, 80);
    expect(plans.map((p) => p.body).join('')).to.equal(html);
    expect(plans[1]?.prefix).to.equal('<b>');
  });
});
