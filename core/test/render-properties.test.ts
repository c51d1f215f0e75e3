import { expect } from 'chai';
import { closeOpenFence } from '../src/render/fences.js';
import { formatPlain } from '../src/render/format-plain.js';
import { formatSlackMrkdwn } from '../src/render/format-slack-mrkdwn.js';
import { formatTelegramHtml } from '../src/render/format-telegram-html.js';
import { splitFormatted } from '../src/render/split-formatted.js';
import { planTelegramHtmlChunks } from '../src/render/split-html.js';
import { planTextChunks, shortenFenceLines, splitText } from '../src/render/split.js';
import { chunkText } from '../src/render/split-limits.js';
import { fenceLineCount, seededRandom, telegramHtmlProblems } from '../src/testing/renderer-conformance.js';

type Rnd = () => number;

const INLINE = ['word', 'a', 'the', '**', '*', '_', '`', '[', ']', '(', ')', '<', '>', '&', '&amp;', '"', "'", '😀', 'é', '\\', '**bold**', '*it*', '`code`', '[l](https://e.com/?a=1&b=2)', '#'];
const LANGS = ['', 'ts', 'python', 'a-very-long-language-name-for-tests'];
const LIMITS = [32, 33, 47, 64, 100, 257, 1000];

function pick<T>(rnd: Rnd, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

/** A line that never starts with a backtick, so it never opens or closes a fence. */
function inlineLine(rnd: Rnd): string {
  const words = Array.from({ length: Math.floor(rnd() * 25) }, () => pick(rnd, INLINE));
  return `x ${words.join(rnd() < 0.8 ? ' ' : '')}`;
}

function block(rnd: Rnd): string {
  const r = rnd();
  if (r < 0.15) {
    const body = Array.from({ length: Math.floor(rnd() * 30) }, () => `  ${inlineLine(rnd)}`);
    return [`\`\`\`${pick(rnd, LANGS)}`, ...body, '```'].join('\n');
  }
  if (r < 0.25) return `${pick(rnd, ['#', '##', '######'])} ${inlineLine(rnd)}`;
  if (r < 0.35) return Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => `${pick(rnd, ['- ', '  * ', '+ '])}${inlineLine(rnd)}`).join('\n');
  if (r < 0.42) return `x${'y'.repeat(Math.floor(rnd() * 300))}`;
  if (r < 0.47) return `x${'😀'.repeat(Math.floor(rnd() * 100))}`;
  if (r < 0.52) return `| a | b |\n|---|---|\n| ${inlineLine(rnd)} | & |`;
  return Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => inlineLine(rnd)).join('\n');
}

function randomDoc(seed: number): string {
  const rnd = seededRandom(seed);
  const blocks = Array.from({ length: 1 + Math.floor(rnd() * 25) }, () => block(rnd));
  return blocks.join(pick(rnd, ['\n\n', '\n', '\n\n\n']));
}

function visibleHtml(html: string): string {
  return html
    .replace(/<[^<>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Collects failed checks, so a property loop makes one assertion at the end. */
class Problems {
  readonly list: string[] = [];
  check(ok: boolean, what: string, sample: string): void {
    if (!ok && this.list.length < 5) this.list.push(`${what}: ${JSON.stringify(sample.slice(0, 120))}`);
  }
  noSplitPairs(chunks: readonly string[]): void {
    for (const c of chunks) this.check(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(c), 'surrogate pair split', c);
  }
  within(chunks: readonly string[], max: number): void {
    for (const c of chunks) this.check(c.length <= max, `longer than ${max}`, c);
  }
  fencesBalanced(chunks: readonly string[]): void {
    for (const c of chunks) this.check(fenceLineCount(c) % 2 === 0, 'unbalanced fences', c);
  }
  equal(actual: string, expected: string, what: string): void {
    this.check(actual === expected, what, actual);
  }
}

const DOCS = Array.from({ length: 200 }, (_, i) => randomDoc(1000 + i));

describe('render properties (200 seeded random documents × 7 limits)', () => {
  it('markdown: every chunk fits, fences balance, bodies join back to the text', () => {
    const p = new Problems();
    let repaired = 0;
    for (const doc of DOCS) {
      for (const max of LIMITS) {
        const plans = planTextChunks(doc, max);
        repaired += plans.filter((x) => x.prefix !== '').length;
        const chunks = plans.map(chunkText);
        p.equal(plans.map((x) => x.body).join(''), doc.length <= max ? doc : shortenFenceLines(doc, max), 'bodies differ');
        p.noSplitPairs(chunks);
        p.within(chunks, max);
        p.fencesBalanced(chunks);
      }
    }
    expect(p.list).to.deep.equal([]);
    expect(repaired, 'fence repairs exercised').to.be.greaterThan(100);
  });

  it('markdown with fences left open: limits hold and content is kept', () => {
    const p = new Problems();
    for (const doc of DOCS.slice(0, 60)) {
      const open = `${doc}\n\`\`\`ts\n${'tail line\n'.repeat(20)}`;
      for (const max of LIMITS) {
        const plans = planTextChunks(open, max);
        p.equal(plans.map((x) => x.body).join(''), shortenFenceLines(open, max), 'bodies differ');
        p.within(plans.map(chunkText), max);
        p.fencesBalanced(splitText(closeOpenFence(open), max));
      }
    }
    expect(p.list).to.deep.equal([]);
  });

  it('telegram-html: every chunk fits, is well-formed, and the visible text is kept', () => {
    const p = new Problems();
    let reopened = 0;
    for (const doc of DOCS) {
      const html = formatTelegramHtml(doc);
      p.check(telegramHtmlProblems(html).length === 0, 'formatter output malformed', html);
      for (const max of LIMITS) {
        const plans = planTelegramHtmlChunks(html, max);
        reopened += plans.filter((x) => x.prefix !== '').length;
        const chunks = plans.map(chunkText);
        p.noSplitPairs(chunks);
        p.within(chunks, max);
        for (const c of chunks) p.check(telegramHtmlProblems(c).length === 0, 'malformed chunk', c);
        p.equal(visibleHtml(chunks.join('')), visibleHtml(html), 'visible text differs');
      }
    }
    expect(p.list).to.deep.equal([]);
    expect(reopened, 'tag repairs exercised').to.be.greaterThan(100);
  });

  it('telegram-html: with a realistic limit no tag is dropped, so bodies join back exactly', () => {
    const p = new Problems();
    for (const doc of DOCS) {
      const html = formatTelegramHtml(doc);
      p.equal(planTelegramHtmlChunks(html, 1000).map((x) => x.body).join(''), html, 'bodies differ');
    }
    expect(p.list).to.deep.equal([]);
  });

  it('slack-mrkdwn: every chunk fits, fences balance, escapes and links stay whole', () => {
    const p = new Problems();
    for (const doc of DOCS) {
      const formatted = formatSlackMrkdwn(doc);
      for (const max of LIMITS) {
        const plans = planTextChunks(formatted, max, { atomic: /<[^<>\n]*>|&(?:amp|lt|gt);/g });
        const chunks = splitFormatted(formatted, 'slack-mrkdwn', max);
        p.check(JSON.stringify(plans.map(chunkText)) === JSON.stringify(chunks), 'plan differs from split', formatted);
        p.equal(plans.map((x) => x.body).join(''), formatted, 'bodies differ');
        p.noSplitPairs(chunks);
        p.within(chunks, max);
        p.fencesBalanced(chunks);
        for (const c of chunks) {
          p.check(!c.replace(/&(amp|lt|gt);/g, '').includes('&'), 'cut escape', c);
          p.check(c.split('<').length === c.split('>').length, 'cut link', c);
        }
      }
    }
    expect(p.list).to.deep.equal([]);
  });

  it('plain: every chunk fits and joins back to the formatted text', () => {
    const p = new Problems();
    for (const doc of DOCS) {
      const formatted = formatPlain(doc);
      for (const max of LIMITS) {
        const chunks = splitFormatted(formatted, 'plain', max);
        p.noSplitPairs(chunks);
        p.within(chunks, max);
        p.equal(planTextChunks(formatted, max).map((x) => x.body).join(''), formatted, 'bodies differ');
      }
    }
    expect(p.list).to.deep.equal([]);
  });

  it('is deterministic', () => {
    for (const doc of DOCS.slice(0, 20)) {
      expect(splitFormatted(formatTelegramHtml(doc), 'telegram-html', 100)).to.deep.equal(splitFormatted(formatTelegramHtml(doc), 'telegram-html', 100));
      expect(splitText(doc, 64)).to.deep.equal(splitText(doc, 64));
    }
  });
});
