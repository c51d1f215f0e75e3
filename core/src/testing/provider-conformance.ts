import { expect } from 'chai';
import type { DependencyContainer } from 'tsyringe';
import { container as rootContainer } from '../di.js';
import {
  classifyDeliveryFailure,
  type DeliveryFailureClass,
  type DeliveryTarget,
  type InboundEvent,
  type OutboundButton,
  type Provider,
  type ProviderContext,
  type WebhookRequest,
} from '../contracts/provider.js';
import { isGatewayError } from '../errors.js';
import { silentLogger } from '../logging.js';
import { isGatewayPlugin, type GatewayPlugin } from '../plugin.js';
import { instantiatePlugin } from '../plugin-loader.js';
import { PROVIDER, resolve } from '../tokens.js';
import { describeChecks, runCheck, type CheckOutcome } from './checks.js';

/** One inbound message a webhook request carries; the suite checks the normalized event against it. */
export interface InboundSample {
  eventId: string;
  chatId: string;
  userId: string;
  text: string;
}

/** A send failure class the fake can be told to produce. */
export type SendFailureKind = DeliveryFailureClass['kind'];

/**
 * What {@link describeProviderConformance} needs to test one provider plugin.
 *
 * Optional fields switch cases on: give `inboundRequest` and the webhook cases run, give
 * `forgedRequest` and the signature cases run, give `failNextSend` and the failure
 * classification cases run. Declared capabilities switch cases on too (`buttons: true` runs the
 * button case), and a provider declaring webhook inbound must give `inboundRequest`: what a
 * plugin declares, it proves.
 */
export interface ProviderConformanceDescriptor<F> {
  /** Shown in the suite title, e.g. `relay`. */
  name: string;
  /** The provider plugin, as default-exported by its module (a `definePlugin` result). */
  plugin: GatewayPlugin;
  /** Starts the loopback fake of the channel's API/receiver, once per test. Default: none. */
  fake?: () => Promise<F>;
  /** Stops the fake after each test. Default: nothing. */
  stopFake?: (fake: F) => Promise<void>;
  /** Raw plugin options (as in the config file) for an instance talking to `fake`. */
  options: (fake: F) => unknown;
  /** Builds a webhook request the provider must accept for one inbound message (for webhook providers). */
  inboundRequest?: (fake: F, sample: InboundSample) => WebhookRequest;
  /** Builds the same request with a wrong/missing signature; providing it enables the signature cases. */
  forgedRequest?: (fake: F, sample: InboundSample) => WebhookRequest;
  /**
   * Builds a correctly signed request whose body lacks the fields an event needs. Default:
   * `inboundRequest` with `body` replaced by `{}` and, when no `forgedRequest` is given (an
   * unsigned provider), `rawBody` replaced by `{}` too. A signed provider keeps its original
   * `rawBody` so the signature still verifies; the default therefore assumes the provider reads
   * fields from the kernel-parsed `body`. Providers that parse `rawBody` themselves give this.
   */
  invalidRequest?: (fake: F, sample: InboundSample) => WebhookRequest;
  /** Makes the fake's next send fail with the given class; providing it enables the classification cases. */
  failNextSend?: (fake: F, kind: SendFailureKind) => void;
  /** Messages the fake received, to check sends arrived. Default: sends are only checked by their result. */
  received?: (fake: F) => { text: string; deliveryId?: string }[];
  /**
   * The inbound message the cases use and the chat sends go to, for channels whose ids have a
   * shape (an email address as chat and user id, a Message-ID as event id). Default
   * {@link CONFORMANCE_SAMPLE}.
   */
  sample?: InboundSample;
}


/** What a provider check can do: get started instances and use the descriptor's fake. */
export interface ProviderProbe {
  readonly plugin: GatewayPlugin;
  /** The started instance `conformance`, created on first use. */
  provider(): Promise<Provider>;
  /** Another started instance of the same plugin under the same parent container, e.g. `a`. */
  instance(id: string): Promise<Provider>;
  /** Stops one instance (`drain: true`); tear-down will not stop it again. */
  stop(provider: Provider): Promise<void>;
  /** Events the instances handed to `ctx.ingest`, in order. */
  readonly ingested: readonly InboundEvent[];
  inboundRequest(sample: InboundSample): WebhookRequest;
  forgedRequest(sample: InboundSample): WebhookRequest;
  invalidRequest(sample: InboundSample): WebhookRequest;
  failNextSend(kind: SendFailureKind): void;
  /** What the fake received, or undefined when the descriptor has no `received`. */
  received(): { text: string; deliveryId?: string }[] | undefined;
  /** The descriptor's `sample`, or {@link CONFORMANCE_SAMPLE}. */
  readonly sample: InboundSample;
}

/** Descriptor fields a check needs; the case is registered only when all of them are given. */
export type ProviderCheckNeed = 'inboundRequest' | 'forgedRequest' | 'failNextSend' | 'received';

/** One conformance rule, as a plain async function mocha (or a test of the suite) can run. */
export interface ProviderCheck {
  /** Stable id, e.g. `capabilities`; see {@link runProviderCheck}. */
  id: string;
  /** The mocha case title, a sentence about behaviour. */
  title: string;
  needs?: readonly ProviderCheckNeed[];
  run(probe: ProviderProbe): Promise<void>;
}

/** The instance id the kernel would give the provider under test. */
export const CONFORMANCE_INSTANCE_ID = 'conformance';

/** The inbound message every webhook case uses. */
export const CONFORMANCE_SAMPLE: Readonly<InboundSample> = Object.freeze({
  eventId: 'conformance-event-1',
  chatId: 'conformance-chat',
  userId: 'conformance-user',
  text: 'hello from the conformance suite',
});

const DIALECTS = ['plain', 'telegram-html', 'slack-mrkdwn', 'markdown'];
const INBOUND_MODES = ['polling', 'webhook', 'both'];
const EVENT_KINDS = ['message', 'command', 'interaction'];

/**
 * Registers a mocha suite proving that a provider plugin honours the Provider contract:
 * identity and capabilities, plugin metadata, lifecycle, isolation of two instances, webhook
 * normalization with stable event ids, signature and payload errors, sending (including a text
 * of exactly `maxTextLength`), failure classification and buttons, and the optional methods
 * (`fetchAttachment`, `edit`, `sendFile`) present exactly when their capability is declared,
 * with `edit` and `sendFile` exercised when declared.
 *
 * Each case instantiates the plugin the way the kernel does (`instantiatePlugin` under a child
 * of the root container, instance id `conformance`), starts a fresh fake, and stops everything
 * afterwards, so no state is shared between cases.
 *
 * @example
 * ```ts
 * describeProviderConformance({
 *   name: 'relay',
 *   plugin: relayPlugin,
 *   fake: () => Receiver.start(),
 *   stopFake: (r) => r.close(),
 *   options: (r) => ({ secret: SECRET, replyUrl: r.url }),
 *   inboundRequest: (_r, sample) => signedRequest(sample, SECRET),
 *   forgedRequest: (_r, sample) => signedRequest(sample, 'wrong-secret'),
 *   failNextSend: (r, kind) => r.failNext(kind),
 *   received: (r) => r.messages,
 * });
 * ```
 */
export function describeProviderConformance<F>(descriptor: ProviderConformanceDescriptor<F>): void {
  const applies = (check: (typeof providerChecks)[number]): boolean => checkApplies(check, descriptor);
  describeChecks(`Provider conformance: ${descriptor.name}`, 20_000, providerChecks, applies, (id) => runProviderCheck(descriptor, id));
}

/**
 * Runs one check of {@link providerChecks} by id against a fresh harness and tears it down.
 * Resolves `not-applicable` when the descriptor does not declare what the check needs (the suite
 * does not register it), rejects when the provider breaks the rule.
 */
export async function runProviderCheck<F>(descriptor: ProviderConformanceDescriptor<F>, id: string): Promise<CheckOutcome> {
  const applies = (check: (typeof providerChecks)[number]): boolean => checkApplies(check, descriptor);
  return runCheck<ProviderProbe, (typeof providerChecks)[number]>('provider', providerChecks, id, applies, async () => await ProviderHarness.start(descriptor));
}

function checkApplies<F>(check: ProviderCheck, descriptor: ProviderConformanceDescriptor<F>): boolean {
  return (check.needs ?? []).every((need) => descriptor[need] !== undefined);
}

// ---- harness ----------------------------------------------------------------------------------

/** One test's world: the fake, a shared parent container, and every instance started in it. */
class ProviderHarness<F> implements ProviderProbe {
  readonly ingested: InboundEvent[] = [];
  private readonly parent: DependencyContainer = rootContainer.createChildContainer();
  private readonly shutdown = new AbortController();
  private readonly instances = new Map<string, Provider>();
  private readonly running = new Set<Provider>();
  /** Provider cursors by instance id; they outlive instances like a Store would. */
  private readonly cursors = new Map<string, string>();

  private constructor(private readonly descriptor: ProviderConformanceDescriptor<F>, private readonly fake: F) {}

  static async start<F>(descriptor: ProviderConformanceDescriptor<F>): Promise<ProviderHarness<F>> {
    const fake = descriptor.fake ? await descriptor.fake() : (undefined as F);
    return new ProviderHarness(descriptor, fake);
  }

  get plugin(): GatewayPlugin {
    return this.descriptor.plugin;
  }

  provider(): Promise<Provider> {
    return this.instance(CONFORMANCE_INSTANCE_ID);
  }

  async instance(id: string): Promise<Provider> {
    const existing = this.instances.get(id);
    if (existing) return existing;
    const provider = this.create(id);
    this.instances.set(id, provider);
    await provider.start(this.context(id));
    this.running.add(provider);
    return provider;
  }

  async stop(provider: Provider): Promise<void> {
    this.running.delete(provider);
    await provider.stop({ drain: true });
  }

  inboundRequest(sample: InboundSample): WebhookRequest {
    return this.need('inboundRequest')(this.fake, sample);
  }

  forgedRequest(sample: InboundSample): WebhookRequest {
    return this.need('forgedRequest')(this.fake, sample);
  }

  invalidRequest(sample: InboundSample): WebhookRequest {
    if (this.descriptor.invalidRequest) return this.descriptor.invalidRequest(this.fake, sample);
    const request = this.inboundRequest(sample);
    const signed = this.descriptor.forgedRequest !== undefined;
    return { ...request, body: {}, rawBody: signed ? request.rawBody : Buffer.from('{}') };
  }

  failNextSend(kind: SendFailureKind): void {
    this.need('failNextSend')(this.fake, kind);
  }

  get sample(): InboundSample {
    return this.descriptor.sample ?? CONFORMANCE_SAMPLE;
  }

  received(): { text: string; deliveryId?: string }[] | undefined {
    return this.descriptor.received?.(this.fake);
  }

  async tearDown(): Promise<void> {
    this.shutdown.abort();
    for (const provider of [...this.running]) await this.stop(provider).catch(() => undefined);
    if (this.descriptor.fake) await this.descriptor.stopFake?.(this.fake);
  }

  private create(id: string): Provider {
    const { plugin } = this.descriptor;
    const instance = instantiatePlugin({
      plugin,
      use: plugin.name,
      key: `providers[${this.instances.size}]`,
      expectedKind: 'provider',
      instanceId: id,
      rawOptions: this.descriptor.options(this.fake),
      parent: this.parent,
      logger: silentLogger,
    });
    return resolve(instance.container, PROVIDER);
  }

  private context(instanceId: string): ProviderContext {
    return {
      logger: silentLogger,
      ingest: async (event) => {
        this.ingested.push(event);
        return { accepted: true, duplicate: false };
      },
      reportInboundProgress: () => undefined,
      cursor: {
        load: async () => this.cursors.get(instanceId),
        save: async (value) => void this.cursors.set(instanceId, value),
      },
      signal: this.shutdown.signal,
    };
  }

  private need<K extends 'inboundRequest' | 'forgedRequest' | 'failNextSend'>(key: K): NonNullable<ProviderConformanceDescriptor<F>[K]> {
    const value = this.descriptor[key];
    if (value === undefined) throw new Error(`provider conformance: the descriptor has no ${key}`);
    return value as NonNullable<ProviderConformanceDescriptor<F>[K]>;
  }
}

// ---- helpers ----------------------------------------------------------------------------------

/** A polling-only provider has no webhook handler, or one that refuses with a 4xx GatewayError. */
async function expectNoWebhookAccepted(provider: Provider): Promise<void> {
  if (!provider.handleWebhook) return;
  const body = { update_id: 1, message: { text: 'hello' } };
  const request: WebhookRequest = {
    method: 'POST',
    path: `/webhooks/${provider.id}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify(body)),
    body,
    sourceIp: '127.0.0.1',
  };
  const error = await rejection(provider.handleWebhook(request), 'a polling-only provider handling a webhook');
  expect(isGatewayError(error) && error.status >= 400 && error.status < 500, `a 4xx GatewayError, got ${String(error)}`).to.equal(true);
}

/** Awaits `promise` and returns what it rejected with; fails when it resolves. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail(`${what} resolved, but it must throw`);
}

/** Asserts that `promise` rejects with a GatewayError of `code`. */
async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  const error = await rejection(promise, what);
  const got = isGatewayError(error) ? `GatewayError ${error.code}` : String(error);
  expect(isGatewayError(error, code), `${what}: expected a GatewayError with code "${code}", got ${got}`).to.equal(true);
}

async function handle(provider: Provider, request: WebhookRequest): Promise<InboundEvent[]> {
  expect(provider.handleWebhook, 'handleWebhook must be implemented').to.be.a('function');
  const result = await provider.handleWebhook!(request);
  expect(result.events, 'handleWebhook(...).events').to.be.an('array');
  return result.events;
}

function target(provider: Provider, probe: ProviderProbe): DeliveryTarget {
  return { instance: provider.id, chatId: probe.sample.chatId };
}

async function sendText(probe: ProviderProbe, provider: Provider, text: string, deliveryId: string, buttons?: OutboundButton[][]): Promise<string> {
  const message = { text, format: provider.capabilities.markdownDialect, ...(buttons ? { buttons } : {}) };
  const result = await provider.send(target(provider, probe), message, { deliveryId });
  expect(result.providerMessageId, 'send(...).providerMessageId').to.be.a('string').that.is.not.empty;
  return result.providerMessageId;
}

/** When the fake reports what it received, asserts `text` arrived exactly once (by delivery id when given). */
function expectReceivedOnce(probe: ProviderProbe, text: string, deliveryId: string): void {
  const received = probe.received();
  if (!received) return;
  const matches = received.filter((m) => m.text === text);
  expect(matches, `the fake received "${text.slice(0, 40)}" exactly once`).to.have.length(1);
  if (matches[0]?.deliveryId !== undefined) expect(matches[0].deliveryId).to.equal(deliveryId);
}

// ---- checks -----------------------------------------------------------------------------------

const identity: ProviderCheck = {
  id: 'identity',
  title: 'has the instance id it was created with and a lowercase kind',
  async run(probe) {
    const provider = await probe.provider();
    expect(provider.id, 'id').to.equal(CONFORMANCE_INSTANCE_ID);
    expect(provider.kind, 'kind').to.be.a('string').and.match(/^[a-z][a-z0-9_-]*$/);
  },
};

const capabilities: ProviderCheck = {
  id: 'capabilities',
  title: 'declares valid capabilities',
  async run(probe) {
    const caps = (await probe.provider()).capabilities;
    expect(caps, 'capabilities').to.be.an('object');
    expect(Number.isInteger(caps.maxTextLength), `maxTextLength ${caps.maxTextLength} is an integer`).to.equal(true);
    expect(caps.maxTextLength, 'maxTextLength').to.be.at.least(32);
    for (const flag of ['threads', 'buttons', 'edits', 'files', 'attachments'] as const) expect(caps[flag], flag).to.be.a('boolean');
    expect(DIALECTS, 'markdownDialect').to.include(caps.markdownDialect);
    expect(INBOUND_MODES, 'inbound').to.include(caps.inbound);
  },
};

/** Each capability flag and the optional Provider method it declares. */
export const CAPABILITY_METHODS = [
  { capability: 'attachments', method: 'fetchAttachment' },
  { capability: 'edits', method: 'edit' },
  { capability: 'files', method: 'sendFile' },
] as const;

/**
 * Why a provider's optional methods disagree with its capabilities (declared without the method,
 * or the method without the declaration); empty when they agree. The kernel reads capabilities
 * and never probes methods, so a mismatch is either a dead feature or a crash.
 */
export function capabilityMethodMismatches(provider: Provider): string[] {
  const problems: string[] = [];
  for (const { capability, method } of CAPABILITY_METHODS) {
    const declared = provider.capabilities[capability] === true;
    const present = typeof (provider as unknown as Record<string, unknown>)[method] === 'function';
    if (declared && !present) problems.push(`declares ${capability}: true but has no ${method}()`);
    if (!declared && present) problems.push(`has ${method}() but declares ${capability}: false; declare it, or remove the method`);
  }
  return problems;
}

const capabilityMethods: ProviderCheck = {
  id: 'capability-methods',
  title: 'has the optional methods its capabilities declare (fetchAttachment, edit, sendFile), and no others',
  async run(probe) {
    const problems = capabilityMethodMismatches(await probe.provider());
    expect(problems, `provider conformance: capabilities and methods disagree: ${problems.join('; ')}`).to.deep.equal([]);
  },
};

const editsInPlace: ProviderCheck = {
  id: 'edit',
  title: 'edits a sent message in place when it declares edits (without edits: has no edit)',
  async run(probe) {
    const provider = await probe.provider();
    if (!provider.capabilities.edits) {
      expect(provider.edit, 'provider conformance: edits: false, so edit must be absent').to.equal(undefined);
      return;
    }
    expect(provider.edit, 'provider conformance: edits: true, so edit must be a function').to.be.a('function');
    const id = await sendText(probe, provider, 'before the edit', 'conformance-edit');
    const message = { text: 'after the edit', format: provider.capabilities.markdownDialect };
    const result = await provider.edit!(target(provider, probe), id, message, { deliveryId: 'conformance-edit:edit' });
    expect(result.providerMessageId, 'edit(...).providerMessageId').to.be.a('string').that.is.not.empty;
  },
};

const sendsFile: ProviderCheck = {
  id: 'send-file',
  title: 'sends a file with a caption when it declares files (without files: has no sendFile)',
  async run(probe) {
    const provider = await probe.provider();
    if (!provider.capabilities.files) {
      expect(provider.sendFile, 'provider conformance: files: false, so sendFile must be absent').to.equal(undefined);
      return;
    }
    expect(provider.sendFile, 'provider conformance: files: true, so sendFile must be a function').to.be.a('function');
    const file = { bytes: Buffer.from('conformance file\n'), filename: 'conformance.txt', mimeType: 'text/plain' };
    const result = await provider.sendFile!(target(provider, probe), file, { deliveryId: 'conformance-file', caption: 'a file' });
    expect(result.providerMessageId, 'sendFile(...).providerMessageId').to.be.a('string').that.is.not.empty;
  },
};

const pluginMeta: ProviderCheck = {
  id: 'plugin-meta',
  title: 'is a provider plugin with a name and a config schema',
  async run(probe) {
    const { plugin } = probe;
    expect(isGatewayPlugin(plugin), 'the plugin comes from definePlugin()').to.equal(true);
    expect(plugin.kind, 'kind').to.equal('provider');
    expect(plugin.name, 'name').to.be.a('string').that.is.not.empty;
    expect(plugin.configSchema, 'configSchema').to.be.an('object');
    expect(plugin.register, 'register').to.be.a('function');
  },
};

const lifecycle: ProviderCheck = {
  id: 'lifecycle',
  title: 'reports ok health after start and stops without throwing',
  async run(probe) {
    const provider = await probe.provider();
    const health = await provider.health();
    expect(health.state, `health after start (${JSON.stringify(health)})`).to.equal('ok');
    await probe.stop(provider);
  },
};

const declaredInbound: ProviderCheck = {
  id: 'declared-inbound',
  title: 'implements the webhook inbound it declares; a polling-only provider accepts no webhook',
  async run(probe) {
    const provider = await probe.provider();
    if (provider.capabilities.inbound === 'polling') return expectNoWebhookAccepted(provider);
    expect(provider.handleWebhook, 'a webhook provider implements handleWebhook').to.be.a('function');
    expect(() => probe.inboundRequest(probe.sample), 'the descriptor gives inboundRequest for a webhook provider').not.to.throw();
  },
};

const twoInstances: ProviderCheck = {
  id: 'two-instances',
  title: 'runs two instances side by side without sharing state',
  async run(probe) {
    const a = await probe.instance('a');
    const b = await probe.instance('b');
    expect(a, 'instances a and b are distinct objects').not.to.equal(b);
    expect([a.id, b.id], 'ids').to.deep.equal(['a', 'b']);
    await sendText(probe, a, 'sent by instance a only', 'conformance-a-1');
    expectReceivedOnce(probe, 'sent by instance a only', 'conformance-a-1');
    await probe.stop(b);
    expect((await a.health()).state, 'a stays ok after b stops').to.equal('ok');
  },
};

const twoInstancesInbound: ProviderCheck = {
  id: 'two-instances-inbound',
  title: 'stamps each instance id on the events it normalizes',
  needs: ['inboundRequest'],
  async run(probe) {
    const a = await probe.instance('a');
    const b = await probe.instance('b');
    const [fromA] = await handle(a, probe.inboundRequest(probe.sample));
    const [fromB] = await handle(b, probe.inboundRequest(probe.sample));
    expect(fromA?.instance, 'instance of the event a normalized').to.equal('a');
    expect(fromB?.instance, 'instance of the event b normalized').to.equal('b');
  },
};

const webhookNormalizes: ProviderCheck = {
  id: 'webhook-normalizes',
  title: 'normalizes one webhook request into exactly one inbound event',
  needs: ['inboundRequest'],
  async run(probe) {
    const provider = await probe.provider();
    const events = await handle(provider, probe.inboundRequest(probe.sample));
    expect(events, 'events of one inbound message').to.have.length(1);
    const event = events[0]!;
    expect(event, 'normalized event').to.include({ ...probe.sample, provider: provider.kind, instance: provider.id });
    expect(EVENT_KINDS, 'event kind').to.include(event.kind);
    expect(event.receivedAt, 'receivedAt').to.be.instanceOf(Date);
    expect(Number.isNaN(event.receivedAt.getTime()), 'receivedAt is a valid date').to.equal(false);
    expect(event.attachments, 'attachments').to.be.an('array');
  },
};

const webhookStableIds: ProviderCheck = {
  id: 'webhook-stable-ids',
  title: 'gives the same event id to the same request delivered twice',
  needs: ['inboundRequest'],
  async run(probe) {
    const provider = await probe.provider();
    const request = probe.inboundRequest(probe.sample);
    const [first] = await handle(provider, request);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [second] = await handle(provider, request);
    expect(first?.eventId, 'eventId of a redelivered request').to.be.a('string').and.equal(second?.eventId);
  },
};

const webhookPayloadInvalid: ProviderCheck = {
  id: 'webhook-payload-invalid',
  title: 'rejects a webhook body missing required fields with webhook.payload_invalid',
  needs: ['inboundRequest'],
  async run(probe) {
    const provider = await probe.provider();
    expect(provider.handleWebhook, 'handleWebhook').to.be.a('function');
    await expectCode(provider.handleWebhook!(probe.invalidRequest(probe.sample)), 'webhook.payload_invalid', 'handleWebhook({})');
  },
};

const webhookSignature: ProviderCheck = {
  id: 'webhook-signature',
  title: 'rejects a forged webhook request with webhook.signature_invalid',
  needs: ['forgedRequest'],
  async run(probe) {
    const provider = await probe.provider();
    expect(provider.handleWebhook, 'handleWebhook').to.be.a('function');
    await expectCode(provider.handleWebhook!(probe.forgedRequest(probe.sample)), 'webhook.signature_invalid', 'handleWebhook(forged)');
  },
};

const sends: ProviderCheck = {
  id: 'send',
  title: 'sends a message and returns a provider message id',
  async run(probe) {
    const provider = await probe.provider();
    await sendText(probe, provider, 'hello from the conformance suite', 'conformance-1');
    expectReceivedOnce(probe, 'hello from the conformance suite', 'conformance-1');
  },
};

const sendsMaxLength: ProviderCheck = {
  id: 'send-max-length',
  title: 'accepts a text exactly maxTextLength characters long',
  async run(probe) {
    const provider = await probe.provider();
    const text = 'a'.repeat(provider.capabilities.maxTextLength);
    await sendText(probe, provider, text, 'conformance-max');
    expectReceivedOnce(probe, text, 'conformance-max');
  },
};

const sendsButtons: ProviderCheck = {
  id: 'send-buttons',
  title: 'sends a message with a row of three buttons (without buttons: sends its text)',
  async run(probe) {
    const provider = await probe.provider();
    const row: OutboundButton[] = [
      { label: 'Approve', value: 'conformance:approve', style: 'primary' },
      { label: 'Deny', value: 'conformance:deny', style: 'danger' },
      { label: 'Later', value: 'conformance:later' },
    ];
    await sendText(probe, provider, 'choose one', 'conformance-buttons', [row]);
    expectReceivedOnce(probe, 'choose one', 'conformance-buttons');
  },
};

function classification(kind: SendFailureKind): ProviderCheck {
  return {
    id: `classify-${kind}`,
    title: `classifies a ${kind} send failure as ${kind}`,
    needs: ['failNextSend'],
    async run(probe) {
      const provider = await probe.provider();
      probe.failNextSend(kind);
      const message = { text: `fail as ${kind}`, format: provider.capabilities.markdownDialect };
      const error = await rejection(provider.send(target(provider, probe), message, { deliveryId: `conformance-${kind}` }), 'send to a failing fake');
      const classified = classifyDeliveryFailure(error);
      expect(classified.kind, `classification of ${String(error)}`).to.equal(kind);
      if (classified.kind === 'rate_limited') {
        expect(Number.isFinite(classified.retryAfterMs), 'retryAfterMs is a finite number').to.equal(true);
        expect(classified.retryAfterMs, 'retryAfterMs').to.be.at.least(0);
      }
    },
  };
}

/**
 * Every provider check in suite order. Exported so a plugin's own tests can run single checks
 * with {@link runProviderCheck}, and so the suite itself can be proven to fail.
 */
export const providerChecks: readonly ProviderCheck[] = Object.freeze([
  identity,
  capabilities,
  capabilityMethods,
  pluginMeta,
  lifecycle,
  declaredInbound,
  twoInstances,
  twoInstancesInbound,
  webhookNormalizes,
  webhookStableIds,
  webhookPayloadInvalid,
  webhookSignature,
  sends,
  sendsMaxLength,
  sendsButtons,
  editsInPlace,
  sendsFile,
  classification('transient'),
  classification('rate_limited'),
  classification('permanent'),
]);
