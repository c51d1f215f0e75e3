import 'reflect-metadata';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { INSTANCE, LOGGER, PROVIDER, pluginOptionsJsonSchema, resolve, rootContainer, silentLogger } from '@cowork-gateway/core';
import { DEFAULT_COMMANDS, telegramOptions } from '../src/options.js';
import { telegramPlugin } from '../src/plugin.js';
import { TelegramProvider } from '../src/telegram-provider.js';
import { TOKEN } from './helpers/fixtures.js';

describe('telegramOptions', () => {
  it('needs only the token and fills in the documented defaults', () => {
    expect(v.parse(telegramOptions, { token: TOKEN })).to.deep.equal({
      token: TOKEN,
      mode: 'polling',
      apiRoot: 'https://api.telegram.org',
      respondInGroups: 'mentions_and_replies',
      maxAttachmentBytes: 20_971_520,
      pollTimeoutSeconds: 30,
      pollStallGraceMs: 15_000,
      commands: DEFAULT_COMMANDS,
    });
  });

  it('rejects unknown keys, a missing or empty token, and out-of-range values', () => {
    for (const bad of [
      {},
      { token: '' },
      { token: TOKEN, tokn: 'typo' },
      { token: TOKEN, mode: 'websocket' },
      { token: TOKEN, apiRoot: 'not a url' },
      { token: TOKEN, respondInGroups: 'everyone' },
      { token: TOKEN, pollTimeoutSeconds: 51 },
      { token: TOKEN, maxAttachmentBytes: 1.5 },
      { token: TOKEN, commands: [{ command: '/start', description: 'x' }] },
    ]) {
      expect(v.safeParse(telegramOptions, bad).success, JSON.stringify(bad)).to.equal(false);
    }
  });

  it('gives every option a description for the generated docs', () => {
    const schema = pluginOptionsJsonSchema(telegramPlugin) as { properties: Record<string, { description?: string }>; required: string[] };
    expect(schema.required).to.deep.equal(['token']);
    for (const [name, property] of Object.entries(schema.properties)) expect(property.description, name).to.be.a('string').and.not.empty;
  });
});

describe('README', () => {
  it('documents every option in its options table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.include.members(Object.keys(telegramOptions.entries));
  });
});

describe('telegramPlugin', () => {
  it('binds one TelegramProvider per instance container', () => {
    const instance = { id: 'tg', plugin: '@cowork-gateway/telegram', kind: 'provider' as const };
    const make = () => {
      const container = rootContainer.createChildContainer();
      container.register(LOGGER, { useValue: silentLogger });
      container.register(INSTANCE, { useValue: instance });
      telegramPlugin.register(container, v.parse(telegramOptions, { token: TOKEN }), instance);
      return container;
    };
    const a = make();
    const b = make();
    expect(resolve(a, PROVIDER)).to.be.instanceOf(TelegramProvider);
    expect(resolve(a, PROVIDER)).to.equal(resolve(a, PROVIDER));
    expect(resolve(a, PROVIDER)).to.not.equal(resolve(b, PROVIDER));
    expect(resolve(a, PROVIDER).capabilities).to.deep.equal({
      maxTextLength: 4096, threads: true, buttons: true, edits: true, files: true, attachments: true, markdownDialect: 'telegram-html', inbound: 'polling',
    });
  });
});
