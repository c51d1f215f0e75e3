import { expect } from 'chai';
import { chunkDeliveryIds } from '../src/render/chunk-ids.js';
import { planTextChunks, shortenFenceLines, splitText } from '../src/render/split.js';
import { chunkText } from '../src/render/split-limits.js';
import { fenceLineCount } from '../src/testing/renderer-conformance.js';

function bodies(text: string, max: number, atomic?: RegExp): string {
  return planTextChunks(text, max, atomic ? { atomic } : {})
    .map((p) => p.body)
    .join('');
}

function expectWithin(chunks: readonly string[], max: number): void {
  for (const c of chunks) expect(c.length, JSON.stringify(c)).to.be.at.most(max);
}

describe('render/splitText', () => {
  it('rejects a maxLength that is not an integer ≥ 32', () => {
    for (const bad of [31, 0, -5, 32.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => splitText('x', bad), String(bad)).to.throw(RangeError);
    }
    expect(splitText('x', 32)).to.deep.equal(['x']);
  });

  it('returns text that fits unchanged, even with an unclosed fence', () => {
    expect(splitText('', 40)).to.deep.equal(['']);
    const text = '```ts\nconst a = 1;';
    expect(splitText(text, 40)).to.deep.equal([text]);
    expect(splitText('x'.repeat(40), 40)).to.deep.equal(['x'.repeat(40)]);
  });

  it('prefers the last blank line at ≥ 65 % of the window', () => {
    const text = `${'a'.repeat(40)}\n\n${'b'.repeat(30)}`;
    const chunks = splitText(text, 50);
    expect(chunks).to.deep.equal([`${'a'.repeat(40)}\n\n`, 'b'.repeat(30)]);
    expect(chunks.join('')).to.equal(text);
  });

  it('falls back to a newline, then a space', () => {
    const lines = `${'a'.repeat(20)}\n${'b'.repeat(20)}\n${'c'.repeat(20)}`;
    expect(splitText(lines, 50)[0]).to.equal(`${'a'.repeat(20)}\n${'b'.repeat(20)}\n`);
    const words = `${'a'.repeat(20)} ${'b'.repeat(20)} ${'c'.repeat(20)}`;
    expect(splitText(words, 50)[0]).to.equal(`${'a'.repeat(20)} ${'b'.repeat(20)} `);
  });

  it('ignores a separator before 65 % of the window and hard-cuts', () => {
    const text = `ab\n\n${'x'.repeat(200)}`;
    const chunks = splitText(text, 40);
    expect(chunks[0]).to.equal(text.slice(0, 40));
    expectWithin(chunks, 40);
    expect(chunks.join('')).to.equal(text);
  });

  it('prefers a blank line over a later newline', () => {
    const text = `${'a'.repeat(34)}\n\n${'b'.repeat(8)}\n${'c'.repeat(30)}`;
    expect(splitText(text, 50)[0]).to.equal(`${'a'.repeat(34)}\n\n`);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(100);
    const chunks = splitText(text, 33);
    expectWithin(chunks, 33);
    for (const c of chunks) expect(c.length % 2).to.equal(0);
    expect(chunks.join('')).to.equal(text);
  });

  it('closes a fence at a cut and reopens it with the same fence line', () => {
    const code = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const text = `intro\n\`\`\`ts\n${code}\n\`\`\`\nafter`;
    const chunks = splitText(text, 60);
    expectWithin(chunks, 60);
    expect(chunks.length).to.be.greaterThan(2);
    for (const c of chunks) expect(fenceLineCount(c) % 2, c).to.equal(0);
    for (const c of chunks.slice(1, -1)) expect(c.startsWith('```ts\n'), c).to.equal(true);
    for (const c of chunks.slice(0, -1)) expect(c.trimEnd().endsWith('```'), c).to.equal(true);
    expect(chunks[chunks.length - 1]).to.equal('after');
  });

  it('adds "\\n```" when the cut is not after a newline', () => {
    const text = `\`\`\`\n${'x'.repeat(100)}\n\`\`\``;
    const [first, second] = planTextChunks(text, 40);
    expect(first?.suffix).to.equal('\n```');
    expect(second?.prefix).to.equal('```\n');
    expect(chunkText(first!)).to.have.length.at.most(40);
  });

  it('keeps the pieces of the text: joining bodies gives the text back', () => {
    const text = `# T\n\n\`\`\`py\n${'print(1)\n'.repeat(40)}\`\`\`\n\n${'word '.repeat(60)}`;
    for (const max of [32, 45, 64, 100, 333]) {
      expect(bodies(text, max)).to.equal(text);
      expectWithin(splitText(text, max), max);
    }
  });

  it('does not cut inside a fence line', () => {
    const text = `${'a'.repeat(25)} \`\`\`typescript\n${'b'.repeat(10)}`;
    // the fence is not at the start of a line here, so only the plain rules apply
    expect(splitText(text, 32).join('')).to.equal(text);
    const fenced = `${'a'.repeat(28)}\n\`\`\`typescript\n${'b\n'.repeat(30)}\`\`\``;
    for (const c of splitText(fenced, 32)) {
      expect(c.length).to.be.at.most(32);
      for (const line of c.split('\n').filter((l) => l.startsWith('`'))) expect(['```', '```typescript']).to.include(line);
      expect(fenceLineCount(c) % 2, c).to.equal(0);
    }
  });

  it('reopens with a bare ``` when the fence line is too long for the limit', () => {
    const text = `\`\`\`a-very-long-language-name\n${'code\n'.repeat(20)}\`\`\``;
    const chunks = splitText(text, 32);
    expectWithin(chunks, 32);
    expect(chunks[1]?.startsWith('```\n')).to.equal(true);
    for (const c of chunks) expect(fenceLineCount(c) % 2, c).to.equal(0);
  });

  it('drops the info string of a fence line too long to repeat, only when splitting', () => {
    const text = `\`\`\`${'l'.repeat(20)} title\n${'code\n'.repeat(20)}\`\`\``;
    expect(shortenFenceLines(text, 32).startsWith('```\ncode')).to.equal(true);
    expect(shortenFenceLines(text, 400)).to.equal(text);
    expect(shortenFenceLines('```python', 32)).to.equal('```');
    expect(splitText(text, 1000)).to.deep.equal([text]);
  });

  it('never starts a chunk with backticks taken from the middle of a line', () => {
    const text = `${'a'.repeat(27)} \`\`\`\`not a fence\` ${'b'.repeat(40)}`;
    for (const max of [32, 33, 34, 35]) {
      const chunks = splitText(text, max);
      expect(chunks.join('')).to.equal(text);
      for (const c of chunks) expect(c, c).to.not.match(/^ {0,3}```/);
    }
  });

  it('gives up repairs for absurd fence markers but still respects the limit', () => {
    const marker = '`'.repeat(12);
    const text = `${marker}\n${'code\n'.repeat(20)}${marker}`;
    const chunks = splitText(text, 32);
    expectWithin(chunks, 32);
    expect(chunks.join('')).to.equal(text);
  });

  it('leaves an unclosed source fence open in the last chunk only', () => {
    const text = `\`\`\`\n${'x\n'.repeat(40)}`;
    const chunks = splitText(text, 32);
    expectWithin(chunks, 32);
    for (const c of chunks.slice(0, -1)) expect(fenceLineCount(c) % 2).to.equal(0);
    expect(fenceLineCount(chunks[chunks.length - 1] ?? '')).to.equal(1);
  });

  it('keeps atomic spans whole', () => {
    const atomic = /<[^<>\n]*>|&(?:amp|lt|gt);/g;
    const text = `${'word '.repeat(5)}<https://example.com/abcdef|label> &amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;${'z'.repeat(40)}`;
    const chunks = splitText(text, 40, { atomic });
    expectWithin(chunks, 40);
    expect(chunks.join('')).to.equal(text);
    for (const c of chunks) {
      expect(c.split('<').length, c).to.equal(c.split('>').length);
      expect(c.replace(/&(amp|lt|gt);/g, ''), c).to.not.include('&');
    }
    // a non-global pattern works too
    expect(splitText(text, 40, { atomic: /<[^<>\n]*>/ }).join('')).to.equal(text);
  });

  it('hard-cuts an atomic span longer than the window', () => {
    const text = `<${'u'.repeat(100)}>`;
    const chunks = splitText(text, 40, { atomic: /<[^<>]*>/g });
    expectWithin(chunks, 40);
    expect(chunks.join('')).to.equal(text);
  });

  it('is deterministic', () => {
    const text = `${'lorem ipsum '.repeat(50)}\n\`\`\`js\n${'x();\n'.repeat(50)}\`\`\``;
    expect(splitText(text, 77)).to.deep.equal(splitText(text, 77));
  });
});

describe('render/chunkDeliveryIds', () => {
  it('suffixes every chunk, from 1, even a single one', () => {
    expect(chunkDeliveryIds('d1', 1)).to.deep.equal(['d1:chunk:1']);
    expect(chunkDeliveryIds('s:e:reply', 3)).to.deep.equal(['s:e:reply:chunk:1', 's:e:reply:chunk:2', 's:e:reply:chunk:3']);
    expect(chunkDeliveryIds('d', 0)).to.deep.equal([]);
  });

  it('rejects a count that is not a non-negative integer', () => {
    expect(() => chunkDeliveryIds('d', -1)).to.throw(RangeError);
    expect(() => chunkDeliveryIds('d', 1.5)).to.throw(RangeError);
  });
});
