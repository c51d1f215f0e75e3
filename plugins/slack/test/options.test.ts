import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import * as v from 'valibot';
import { pluginOptionsJsonSchema } from '@cowork-gateway/core';
import slackPlugin, { slackOptions } from '../src/index.js';

describe('slackOptions', () => {
  it('needs only the bot token and fills the documented defaults', () => {
    expect(v.parse(slackOptions, { botToken: 'xoxb-1' })).to.deep.equal({
      botToken: 'xoxb-1',
      mode: 'events',
      apiUrl: 'https://slack.com/api/',
      channelMessages: 'mentions',
      signatureWindowSeconds: 300,
      requestTimeoutMs: 15_000,
    });
  });

  it('rejects unknown keys, a malformed team id and out-of-range numbers', () => {
    expect(v.safeParse(slackOptions, { botToken: 'x', token: 'typo' }).success).to.equal(false);
    expect(v.safeParse(slackOptions, { botToken: 'x', teamId: 'acme' }).success).to.equal(false);
    expect(v.safeParse(slackOptions, { botToken: 'x', signatureWindowSeconds: 0 }).success).to.equal(false);
    expect(v.safeParse(slackOptions, { botToken: 'x', mode: 'rtm' }).success).to.equal(false);
    expect(v.safeParse(slackOptions, { botToken: '' }).success).to.equal(false);
  });

  it('gives every option a description for the generated docs', () => {
    const schema = pluginOptionsJsonSchema(slackPlugin) as { properties: Record<string, { description?: string }>; required: string[] };
    expect(schema.required).to.deep.equal(['botToken']);
    for (const [name, property] of Object.entries(schema.properties)) expect(property.description, name).to.be.a('string').and.not.empty;
  });
});

describe('README', () => {
  it('documents every option in its options table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.include.members(Object.keys(slackOptions.entries));
  });
});
