import 'reflect-metadata';
import { AssertionError, expect } from 'chai';
import * as v from 'valibot';
import {
  DeliveryError,
  type DeliveryTarget,
  type OutboundMessage,
  type Provider,
  type ProviderCapabilities,
  type SendOptions,
  type SendResult,
  type WebhookRequest,
  type WebhookResult,
} from '../src/contracts/provider.js';
import type { ComponentHealth } from '../src/contracts/common.js';
import { WebhookPayloadInvalid } from '../src/errors.js';
import { definePlugin } from '../src/plugin.js';
import { PROVIDER, type InstanceInfo } from '../src/tokens.js';
import { FakeChannel } from '../src/testing/fake-channel.js';
import { fakeProviderPlugin, signFakePayload } from '../src/testing/fake-provider.js';
import {
  describeProviderConformance,
  providerChecks,
  runProviderCheck,
  type InboundSample,
  type ProviderConformanceDescriptor,
  type SendFailureKind,
} from '../src/testing/provider-conformance.js';

const SECRET = 'conformance-secret';

/** A JSON webhook request as the fake provider expects it, signed when `secret` is given. */
function fakeRequest(sample: InboundSample, secret?: string): WebhookRequest {
  const body = { id: sample.eventId, chatId: sample.chatId, userId: sample.userId, text: sample.text };
  const rawBody = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret) headers['x-fake-signature'] = signFakePayload(rawBody, secret);
  return { method: 'POST', path: '/webhooks/conformance', headers, rawBody, body, sourceIp: '127.0.0.1' };
}

const FAILURES: Record<SendFailureKind, { status: number; headers?: Record<string, string> }> = {
  transient: { status: 503 },
  rate_limited: { status: 429, headers: { 'retry-after': '2' } },
  permanent: { status: 400 },
};

describeProviderConformance<FakeChannel>({
  name: 'fake provider → FakeChannel, signed webhooks',
  plugin: fakeProviderPlugin,
  fake: () => FakeChannel.start(),
  stopFake: (channel) => channel.close(),
  options: (channel) => ({ deliveryUrl: channel.url, sharedSecret: SECRET }),
  inboundRequest: (_channel, sample) => fakeRequest(sample, SECRET),
  forgedRequest: (_channel, sample) => fakeRequest(sample, 'not-the-secret'),
  failNextSend: (channel, kind) => channel.failNext({ ...FAILURES[kind], count: 1 }),
  received: (channel) => channel.messages.map((m) => ({ text: m.message.text, deliveryId: m.deliveryId })),
});

describeProviderConformance<undefined>({
  name: 'fake provider, in memory, unsigned webhooks',
  plugin: fakeProviderPlugin,
  options: () => ({}),
  inboundRequest: (_fake, sample) => fakeRequest(sample),
});

// ---- the suite can fail -----------------------------------------------------------------------

const FLAWS = [
  'none', 'tiny-limit', 'two-events', 'timestamp-ids', 'lenient-payload', 'fixed-id', 'misclassify', 'down',
  'accepts-forged', 'drops-sends', 'truncates',
  'undeclared-fetch', 'missing-fetch', 'undeclared-edit', 'missing-edit', 'undeclared-send-file', 'missing-send-file',
] as const;
type Flaw = (typeof FLAWS)[number];

/** The broken provider's stand-in for a channel: one scripted failure and what was sent. */
interface BrokenFake {
  failNext?: SendFailureKind;
  sent: { text: string; deliveryId: string }[];
}

/** An in-memory provider with one deliberate contract violation, chosen by `flaw`. */
class BrokenProvider implements Provider {
  readonly kind = 'broken';
  readonly capabilities: ProviderCapabilities;
  private started = false;

  constructor(private readonly flaw: Flaw, private readonly instance: InstanceInfo, private readonly fake: BrokenFake) {
    const maxTextLength = flaw === 'tiny-limit' ? 0 : 1000;
    this.capabilities = {
      maxTextLength, threads: false, buttons: false, markdownDialect: 'plain', inbound: 'webhook',
      // A `missing-*` flaw declares the capability without its method.
      attachments: flaw === 'missing-fetch', edits: flaw === 'missing-edit', files: flaw === 'missing-send-file',
    };
    // An `undeclared-*` flaw has the method without declaring the capability.
    const self = this as Provider;
    if (flaw === 'undeclared-fetch') self.fetchAttachment = async (attachment) => ({ bytes: Buffer.from('x'), filename: attachment.filename });
    if (flaw === 'undeclared-edit') self.edit = async (_target, providerMessageId) => ({ providerMessageId });
    if (flaw === 'undeclared-send-file') self.sendFile = async () => ({ providerMessageId: 'file-1' });
  }

  get id(): string {
    return this.flaw === 'fixed-id' ? 'broken' : this.instance.id;
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  async health(): Promise<ComponentHealth> {
    return this.started && this.flaw !== 'down' ? { state: 'ok' } : { state: 'down', reason: 'broken on purpose' };
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    // 'accepts-forged' is the only flaw whose descriptor gives forgedRequest: it never checks the signature.
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    if (this.flaw !== 'lenient-payload' && (!body.id || !body.chatId || !body.userId)) {
      throw new WebhookPayloadInvalid({ instance: this.id, reason: 'missing fields' });
    }
    const event = {
      provider: this.kind, instance: this.id, chatId: body.chatId ?? '', userId: body.userId ?? '', text: body.text,
      eventId: this.flaw === 'timestamp-ids' ? String(Date.now()) : body.id ?? '', kind: 'message' as const, attachments: [], receivedAt: new Date(),
    };
    return { events: this.flaw === 'two-events' ? [event, { ...event }] : [event] };
  }

  async send(_target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    const failure = this.fake.failNext;
    this.fake.failNext = undefined;
    if (failure) throw this.failure(failure);
    // 'drops-sends' answers with an id but nothing arrives; 'truncates' cuts long texts at 500 characters.
    if (this.flaw !== 'drops-sends') this.fake.sent.push({ text: this.flaw === 'truncates' ? message.text.slice(0, 500) : message.text, deliveryId: options.deliveryId });
    return { providerMessageId: `broken-${this.fake.sent.length}` };
  }

  /** `misclassify` swaps transient and permanent, and throws rate limits as plain (transient) errors. */
  private failure(kind: SendFailureKind): Error {
    if (kind === 'rate_limited') return this.flaw === 'misclassify' ? new Error('a plain error') : new DeliveryError('scripted', { kind, retryAfterMs: 1000 });
    const swapped = kind === 'transient' ? 'permanent' : 'transient';
    return new DeliveryError('scripted', { kind: this.flaw === 'misclassify' ? swapped : kind });
  }
}

const brokenPlugin = definePlugin({
  name: 'broken-provider',
  kind: 'provider',
  configSchema: v.object({ flaw: v.picklist(FLAWS), fake: v.custom<BrokenFake>((value) => typeof value === 'object' && value !== null) }),
  register(container, options, instance) {
    container.register(PROVIDER, { useValue: new BrokenProvider(options.flaw, instance, options.fake) });
  },
});

function broken(flaw: Flaw): ProviderConformanceDescriptor<BrokenFake> {
  return {
    name: `broken (${flaw})`,
    plugin: brokenPlugin,
    fake: async () => ({ sent: [] }),
    options: (fake) => ({ flaw, fake }),
    inboundRequest: (_fake, sample) => fakeRequest(sample),
    failNextSend: (fake, kind) => {
      fake.failNext = kind;
    },
    received: (fake) => fake.sent,
    ...(flaw === 'accepts-forged' ? { forgedRequest: (_fake: BrokenFake, sample: InboundSample) => fakeRequest(sample, 'not-the-secret') } : {}),
  };
}

/** Runs one check on a broken provider and returns what it rejected with (undefined when it passed). */
async function failureOf(flaw: Flaw, id: string): Promise<unknown> {
  return runProviderCheck(broken(flaw), id).then(() => undefined, (error: unknown) => error);
}

/** Which checks each flaw must break. */
const EXPECTED_FAILURES: Record<Exclude<Flaw, 'none' | 'accepts-forged' | 'drops-sends' | 'truncates'>, string[]> = {
  'tiny-limit': ['capabilities'],
  'two-events': ['webhook-normalizes'],
  'timestamp-ids': ['webhook-stable-ids'],
  'lenient-payload': ['webhook-payload-invalid'],
  'fixed-id': ['identity', 'two-instances', 'two-instances-inbound'],
  misclassify: ['classify-transient', 'classify-rate_limited', 'classify-permanent'],
  down: ['lifecycle', 'two-instances'],
  'undeclared-fetch': ['capability-methods'],
  'missing-fetch': ['capability-methods'],
  'undeclared-edit': ['capability-methods'],
  'missing-edit': ['capability-methods'],
  'undeclared-send-file': ['capability-methods'],
  'missing-send-file': ['capability-methods'],
};

/** The kit's own words for each capability/method mismatch. */
const MISMATCH_MESSAGES: Record<string, RegExp> = {
  'undeclared-fetch': /has fetchAttachment\(\) but declares attachments: false/,
  'missing-fetch': /declares attachments: true but has no fetchAttachment\(\)/,
  'undeclared-edit': /has edit\(\) but declares edits: false/,
  'missing-edit': /declares edits: true but has no edit\(\)/,
  'undeclared-send-file': /has sendFile\(\) but declares files: false/,
  'missing-send-file': /declares files: true but has no sendFile\(\)/,
};

describe('describeProviderConformance', () => {
  it('passes a provider without flaws on every check (buttons undeclared: its text is still sent)', async () => {
    const results: Record<string, string> = {};
    for (const check of providerChecks) results[check.id] = await runProviderCheck(broken('none'), check.id);
    const notApplicable = Object.keys(results).filter((id) => results[id] === 'not-applicable');
    expect(notApplicable).to.deep.equal(['webhook-signature']);
  });

  it('fails the webhook-signature check with its own assertion for a provider that accepts a forged request', async () => {
    const failure = await failureOf('accepts-forged', 'webhook-signature');
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.equal('handleWebhook(forged) resolved, but it must throw');
  });

  it('fails the send checks with their own assertion for a provider that returns an id but delivers nothing', async () => {
    for (const id of ['send', 'send-max-length', 'send-buttons', 'two-instances']) {
      const failure = await failureOf('drops-sends', id);
      expect(failure, id).to.be.instanceOf(AssertionError);
      expect((failure as Error).message, id).to.match(/^the fake received ".*" exactly once: expected \[\] to have a length of 1 but got \+0$/);
    }
  });

  it('fails the send-max-length check with its own assertion for a provider that truncates a long send', async () => {
    expect(await failureOf('truncates', 'send'), 'a short send still arrives whole').to.equal(undefined);
    const failure = await failureOf('truncates', 'send-max-length');
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/^the fake received "a{40}" exactly once: expected \[\] to have a length of 1 but got \+0$/);
  });

  for (const [flaw, pattern] of Object.entries(MISMATCH_MESSAGES)) {
    it(`names the mismatch for a provider with the "${flaw}" flaw`, async () => {
      const failure = await runProviderCheck(broken(flaw as Flaw), 'capability-methods').then(() => null, (error: unknown) => error);
      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).message).to.match(/^provider conformance: capabilities and methods disagree: /);
      expect((failure as Error).message).to.match(pattern);
    });
  }

  for (const [flaw, checks] of Object.entries(EXPECTED_FAILURES)) {
    for (const id of checks) {
      it(`fails the ${id} check for a provider with the "${flaw}" flaw`, async () => {
        let failure: unknown;
        await runProviderCheck(broken(flaw as Flaw), id).catch((error: unknown) => {
          failure = error;
        });
        expect(failure, `${id} must reject for "${flaw}"`).to.be.instanceOf(Error);
      });
    }
  }

  it('rejects an unknown check id', async () => {
    let failure: unknown;
    await runProviderCheck(broken('none'), 'no-such-check').catch((error: unknown) => {
      failure = error;
    });
    expect(String(failure)).to.match(/no check "no-such-check"/);
  });
});
