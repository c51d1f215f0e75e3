import * as v from 'valibot';
import { silentLogger, type Logger } from '@cowork-gateway/core';
import { EmailProvider, emailOptions } from '../../src/index.js';
import type { DnsResolver } from '../../src/sender-auth.js';
import type { SmtpSink } from '../../src/testing/index.js';
import { sinkOptions } from './fixtures.js';

/** An EmailProvider built the way its plugin builds it, sending to `sink`. */
export function createProvider(sink: SmtpSink, extra: Record<string, unknown> = {}, options: { resolver?: DnsResolver; logger?: Logger; id?: string } = {}): EmailProvider {
  return new EmailProvider(
    v.parse(emailOptions, sinkOptions(sink, extra)),
    { id: options.id ?? 'email', plugin: '@cowork-gateway/email', kind: 'provider' },
    options.logger ?? silentLogger,
    options.resolver,
  );
}

/** A provider context that records what was ingested. */
export function recordingContext(): { ctx: import('@cowork-gateway/core').ProviderContext; ingested: import('@cowork-gateway/core').InboundEvent[]; progress: number } {
  const state = { ingested: [] as import('@cowork-gateway/core').InboundEvent[], progress: 0 };
  let cursor: string | undefined;
  const ctx = {
    logger: silentLogger,
    signal: new AbortController().signal,
    cursor: { load: async () => cursor, save: async (value: string) => void (cursor = value) },
    reportInboundProgress: () => void (state.progress += 1),
    ingest: async (event: import('@cowork-gateway/core').InboundEvent) => {
      state.ingested.push(event);
      return { accepted: true, duplicate: false };
    },
  };
  return Object.assign(state, { ctx });
}
