import { expect } from 'chai';
import { escapeHtml, escapeMarkdown, isHttpUrl } from '../src/render/escape.js';
import { closeOpenFence, scanFences } from '../src/render/fences.js';
import { formatMarkdown } from '../src/render/format.js';
import { formatPlain } from '../src/render/format-plain.js';
import { formatSlackMrkdwn } from '../src/render/format-slack-mrkdwn.js';
import { formatTelegramHtml } from '../src/render/format-telegram-html.js';
import { parseInline } from '../src/render/markdown-inline.js';
import { seededRandom } from '../src/testing/renderer-conformance.js';

describe('render/parseInline', () => {
  it('parses emphasis, code and links', () => {
    expect(parseInline('a **b** *c* `d` [e](https://x.y)')).to.deep.equal([
      { type: 'text', text: 'a ' },
      { type: 'bold', children: [{ type: 'text', text: 'b' }] },
      { type: 'text', text: ' ' },
      { type: 'italic', children: [{ type: 'text', text: 'c' }] },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'd' },
      { type: 'text', text: ' ' },
      { type: 'link', url: 'https://x.y', children: [{ type: 'text', text: 'e' }] },
    ]);
  });

  it('keeps unmatched markers literal', () => {
    for (const s of ['**open', '*open', '_open', '`open', '``x`', 'a * b * c', '[label]', '[label](', '** x**', '**x **', '[x]( )']) {
      expect(parseInline(s), s).to.deep.equal([{ type: 'text', text: s }]);
    }
  });

  it('does not emphasize underscores inside words', () => {
    expect(parseInline('snake_case_name and __init__')).to.deep.equal([
      { type: 'text', text: 'snake_case_name and ' },
      { type: 'bold', children: [{ type: 'text', text: 'init' }] },
    ]);
    expect(parseInline('_x_y')).to.deep.equal([{ type: 'text', text: '_x_y' }]);
  });

  it('handles nesting and *** runs', () => {
    expect(parseInline('***x***')).to.deep.equal([{ type: 'bold', children: [{ type: 'italic', children: [{ type: 'text', text: 'x' }] }] }]);
    expect(parseInline('*a **b** c*')).to.deep.equal([
      { type: 'italic', children: [{ type: 'text', text: 'a ' }, { type: 'bold', children: [{ type: 'text', text: 'b' }] }, { type: 'text', text: ' c' }] },
    ]);
  });

  it('skips code spans and escapes when looking for a closer', () => {
    expect(parseInline('**a `**` b**')).to.deep.equal([
      { type: 'bold', children: [{ type: 'text', text: 'a ' }, { type: 'code', text: '**' }, { type: 'text', text: ' b' }] },
    ]);
    expect(parseInline('*a \\* b*')).to.deep.equal([{ type: 'italic', children: [{ type: 'text', text: 'a * b' }] }]);
    expect(parseInline('**a `unclosed b**')).to.deep.equal([{ type: 'bold', children: [{ type: 'text', text: 'a `unclosed b' }] }]);
  });

  it('resolves backslash escapes of punctuation only', () => {
    expect(parseInline('\\*not\\* \\a \\')).to.deep.equal([{ type: 'text', text: '*not* \\a \\' }]);
  });

  it('strips one space around code span content', () => {
    expect(parseInline('`` `a` ``')).to.deep.equal([{ type: 'code', text: '`a`' }]);
    expect(parseInline('`  `')).to.deep.equal([{ type: 'code', text: '  ' }]);
  });

  it('parses link destinations with parentheses, titles and code in labels', () => {
    expect(parseInline('[w](https://en.wikipedia.org/wiki/A_(b))')).to.deep.equal([
      { type: 'link', url: 'https://en.wikipedia.org/wiki/A_(b)', children: [{ type: 'text', text: 'w' }] },
    ]);
    expect(parseInline('[`a]`](https://x.y "Title")')).to.deep.equal([{ type: 'link', url: 'https://x.y', children: [{ type: 'code', text: 'a]' }] }]);
    expect(parseInline('[a](u "unterminated)')).to.deep.equal([{ type: 'text', text: '[a](u "unterminated)' }]);
    expect(parseInline('[a\\]b](u)')).to.deep.equal([{ type: 'link', url: 'u', children: [{ type: 'text', text: 'a]b' }] }]);
    expect(parseInline('[a](u x)')).to.deep.equal([{ type: 'text', text: '[a](u x)' }]);
  });
});

describe('render/fences', () => {
  it('finds closed and unclosed fences', () => {
    const fences = scanFences('a\n```ts title\ncode\n````\n   ```\nopen');
    expect(fences).to.have.length(2);
    expect(fences[0]).to.include({ openLine: '```ts title', lang: 'ts', closed: true, marker: '```' });
    expect(fences[1]).to.include({ closed: false, lang: '' });
  });

  it('closes a fence left open, and only then', () => {
    expect(closeOpenFence('```\ncode')).to.equal('```\ncode\n```');
    expect(closeOpenFence('````py\ncode\n')).to.equal('````py\ncode\n````');
    expect(closeOpenFence('```\ncode\n```')).to.equal('```\ncode\n```');
    expect(closeOpenFence('no fence')).to.equal('no fence');
  });
});

const SAMPLE = [
  '# Title & *stuff*',
  'Some **bold**, *it*, _u_, `a<b`, [link](https://x.com/?a=1&b="2") and [bad](javascript:alert(1)).',
  '- item **one**',
  '  * nested',
  '',
  '```ts',
  'const x = a < b && **c**;',
  '```',
  'unbalanced **bold',
].join('\n');

describe('render/formatTelegramHtml', () => {
  it('formats the Markdown subset', () => {
    expect(formatTelegramHtml(SAMPLE)).to.equal(
      [
        '<b>Title &amp; <i>stuff</i></b>',
        'Some <b>bold</b>, <i>it</i>, <i>u</i>, <code>a&lt;b</code>, <a href="https://x.com/?a=1&amp;b=&quot;2&quot;">link</a> and bad (javascript:alert(1)).',
        '• item <b>one</b>',
        '  • nested',
        '',
        '<pre><code class="language-ts">const x = a &lt; b &amp;&amp; **c**;</code></pre>',
        'unbalanced **bold',
      ].join('\n'),
    );
  });

  it('uses <pre> without a language, drops unsafe languages, and renders unclosed fences', () => {
    expect(formatTelegramHtml('```\n<x>\n```')).to.equal('<pre>&lt;x&gt;</pre>');
    expect(formatTelegramHtml('```"><script>\nx\n```')).to.equal('<pre>x</pre>');
    expect(formatTelegramHtml('```py\nopen')).to.equal('<pre><code class="language-py">open</code></pre>');
  });

  it('does not nest a tag in itself, and renders empty headings and bare links', () => {
    expect(formatTelegramHtml('# a **b**')).to.equal('<b>a b</b>');
    expect(formatTelegramHtml('*a _b_*')).to.equal('<i>a b</i>');
    expect(formatTelegramHtml('#')).to.equal('');
    expect(formatTelegramHtml('[](https://x.y)')).to.equal('<a href="https://x.y">https://x.y</a>');
    expect(formatTelegramHtml('[](ftp://x.y)')).to.equal('ftp://x.y');
    expect(formatTelegramHtml('## Closed ##')).to.equal('<b>Closed</b>');
  });
});

describe('render/formatSlackMrkdwn', () => {
  it('formats the Markdown subset', () => {
    expect(formatSlackMrkdwn(SAMPLE)).to.equal(
      [
        '*Title &amp; _stuff_*',
        'Some *bold*, _it_, _u_, `a&lt;b`, <https://x.com/?a=1&amp;b="2"|link> and bad (javascript:alert(1)).',
        '• item *one*',
        '  • nested',
        '',
        '```',
        'const x = a &lt; b &amp;&amp; **c**;',
        '```',
        'unbalanced **bold',
      ].join('\n'),
    );
  });

  it('renders bare links, pipes in URLs, nested emphasis and empty headings', () => {
    expect(formatSlackMrkdwn('[](https://x.y/a|b)')).to.equal('<https://x.y/a%7Cb>');
    expect(formatSlackMrkdwn('[](mailto:a@b.c)')).to.equal('mailto:a@b.c');
    expect(formatSlackMrkdwn('[*a* & b](https://x.y)')).to.equal('<https://x.y|a &amp; b>');
    expect(formatSlackMrkdwn('*a **b** c* _a *b*_')).to.equal('_a *b* c_ _a b_');
    expect(formatSlackMrkdwn('[a [b](https://x.y)')).to.equal('[a <https://x.y|b>');
    expect(formatSlackMrkdwn('# **x**')).to.equal('*x*');
    expect(formatSlackMrkdwn('###')).to.equal('');
  });
});

describe('render/formatPlain', () => {
  it('strips markers and keeps fence content', () => {
    expect(formatPlain(SAMPLE)).to.equal(
      [
        'Title & stuff',
        'Some bold, it, u, a<b, link (https://x.com/?a=1&b="2") and bad (javascript:alert(1)).',
        '- item one',
        '  - nested',
        '',
        'const x = a < b && **c**;',
        'unbalanced **bold',
      ].join('\n'),
    );
  });

  it('shows a link once when its text is the URL', () => {
    expect(formatPlain('[https://x.y](https://x.y) [](https://z)')).to.equal('https://x.y https://z');
  });
});

describe('render/formatMarkdown', () => {
  it('dispatches by dialect and passes Markdown through', () => {
    expect(formatMarkdown(SAMPLE, 'markdown')).to.equal(SAMPLE);
    expect(formatMarkdown(SAMPLE, 'plain')).to.equal(formatPlain(SAMPLE));
    expect(formatMarkdown(SAMPLE, 'slack-mrkdwn')).to.equal(formatSlackMrkdwn(SAMPLE));
    expect(formatMarkdown(SAMPLE, 'telegram-html')).to.equal(formatTelegramHtml(SAMPLE));
  });
});

describe('render/escape', () => {
  it('recognises http(s) URLs only', () => {
    expect(isHttpUrl('https://a.b/c?d')).to.equal(true);
    expect(isHttpUrl('HTTP://a')).to.equal(true);
    expect(isHttpUrl('javascript:alert(1)')).to.equal(false);
    expect(isHttpUrl('https://a b')).to.equal(false);
    expect(isHttpUrl('https://')).to.equal(false);
  });

  it('escapes Markdown so every formatter shows the text literally', () => {
    const alphabet = ['*', '_', '`', '[', ']', '(', ')', '#', '-', '+', '\\', '<', '>', '&', '"', ' ', '\n', 'a', 'b', '1', '.', '😀', '```', '\t'];
    const rnd = seededRandom(7);
    for (let n = 0; n < 300; n++) {
      const s = Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const escaped = escapeMarkdown(s);
      expect(formatPlain(escaped), JSON.stringify(s)).to.equal(s);
      expect(formatTelegramHtml(escaped), JSON.stringify(s)).to.equal(escapeHtml(s));
    }
  });

  it('keeps underscores inside words', () => {
    expect(escapeMarkdown('run_failed _x_ # a\n- b')).to.equal('run_failed \\_x\\_ # a\n\\- b');
  });
});
