import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { isGatewayError } from '../src/errors.js';
import {
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  signWebhookBody,
  signatureBaseString,
  signatureHeaders,
  verifyWebhookSignature,
} from '../src/webhook-wire/signature.js';
import { parseWebhookPayload } from '../src/webhook-wire/payload.js';

// The documented ingress example: secret "test-secret", timestamp 2026-01-01T00:00:00Z, this exact
// body. The expected signature was computed outside this code:
//   printf '%s' "v1:1767225600:$BODY" | openssl dgst -sha256 -hmac test-secret
const SECRET = 'test-secret';
const TIMESTAMP = '1767225600';
const NOW = new Date(1767225600 * 1000);
const BODY = '{"id":"evt-1001","target":{"chatId":"room-42","isDirect":false,"threadId":"t-7"},"sender":{"userId":"u-9","username":"ada","displayName":"Ada Lovelace"},"text":"hello gateway"}';
const SIGNATURE = 'v1=41cc369b729e1abc7aeb9b8810d2a4785802d505223834b28ac51c21469a1b34';

function verify(headers: Record<string, string | string[] | undefined>, body: string | Buffer = BODY, now = NOW, secret = SECRET) {
  return verifyWebhookSignature({ instance: 'hooks', secret, headers, rawBody: Buffer.from(body), now });
}

function codeOf(result: ReturnType<typeof verify>): string {
  return result.ok ? 'ok' : result.error.code;
}

describe('webhook-wire/signature', () => {
  it('signs the documented example byte for byte', () => {
    expect(signatureBaseString(TIMESTAMP, BODY).toString('utf8')).to.equal(`v1:${TIMESTAMP}:${BODY}`);
    expect(signWebhookBody(SECRET, TIMESTAMP, BODY)).to.equal(SIGNATURE);
    expect(signWebhookBody(SECRET, TIMESTAMP, Buffer.from(BODY))).to.equal(SIGNATURE);
    expect(signatureHeaders(SECRET, BODY, new Date(NOW.getTime() + 999))).to.deep.equal({
      [WEBHOOK_TIMESTAMP_HEADER]: TIMESTAMP,
      [WEBHOOK_SIGNATURE_HEADER]: SIGNATURE,
    });
  });

  it('accepts the documented example and returns its replay key', () => {
    const result = verify({ [WEBHOOK_TIMESTAMP_HEADER]: TIMESTAMP, [WEBHOOK_SIGNATURE_HEADER]: SIGNATURE });
    expect(result).to.deep.equal({ ok: true, value: { timestamp: 1767225600, signature: SIGNATURE, replayKey: `${TIMESTAMP}:${SIGNATURE}` } });
  });

  it('accepts a timestamp at either edge of the 5-minute window and refuses one second beyond', () => {
    for (const offset of [-300, 300]) {
      const ts = String(1767225600 + offset);
      expect(codeOf(verify({ [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(SECRET, ts, BODY) }))).to.equal('ok');
    }
    for (const offset of [-301, 301, -86_400]) {
      const ts = String(1767225600 + offset);
      expect(codeOf(verify({ [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(SECRET, ts, BODY) }))).to.equal('webhook.signature_stale');
    }
  });

  it('honours a configured window', () => {
    const ts = String(1767225600 - 20);
    const headers = { [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(SECRET, ts, BODY) };
    const result = verifyWebhookSignature({ instance: 'hooks', secret: SECRET, headers, rawBody: Buffer.from(BODY), now: NOW, windowMs: 10_000 });
    expect(codeOf(result)).to.equal('webhook.signature_stale');
  });

  it('refuses missing, repeated and malformed timestamps with webhook.timestamp_invalid', () => {
    const cases: Array<string | string[] | undefined> = [undefined, '', '-1', '1767225600.5', '0x69', ' 12e3', '1767225600000000', [TIMESTAMP, TIMESTAMP]];
    for (const ts of cases) {
      expect(codeOf(verify({ [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: SIGNATURE })), String(ts)).to.equal('webhook.timestamp_invalid');
    }
  });

  it('refuses missing, malformed and wrong signatures with webhook.signature_invalid', () => {
    const cases: Array<string | string[] | undefined> = [
      undefined,
      '',
      SIGNATURE.slice(3),
      SIGNATURE.toUpperCase(),
      `v2=${SIGNATURE.slice(3)}`,
      SIGNATURE.slice(0, -2),
      `${SIGNATURE}00`,
      `v1=${'0'.repeat(64)}`,
      [SIGNATURE, SIGNATURE],
      signWebhookBody('other-secret', TIMESTAMP, BODY),
      signWebhookBody(SECRET, '1767225601', BODY),
    ];
    for (const sig of cases) {
      expect(codeOf(verify({ [WEBHOOK_TIMESTAMP_HEADER]: TIMESTAMP, [WEBHOOK_SIGNATURE_HEADER]: sig })), String(sig)).to.equal('webhook.signature_invalid');
    }
  });

  it('refuses a body changed by one byte, and everything when no secret is configured', () => {
    const headers = { [WEBHOOK_TIMESTAMP_HEADER]: TIMESTAMP, [WEBHOOK_SIGNATURE_HEADER]: SIGNATURE };
    expect(codeOf(verify(headers, BODY.replace('hello', 'hellO')))).to.equal('webhook.signature_invalid');
    expect(codeOf(verify(headers, `${BODY} `))).to.equal('webhook.signature_invalid');
    const noSecret = verify(headers, BODY, NOW, '');
    expect(codeOf(noSecret)).to.equal('webhook.signature_invalid');
    expect(noSecret.ok ? '' : noSecret.error.message).to.contain('no shared secret');
  });

  it('checks the MAC before the clock, so a forged stale request is told only that it is invalid', () => {
    const old = String(1767225600 - 3600);
    expect(codeOf(verify({ [WEBHOOK_TIMESTAMP_HEADER]: old, [WEBHOOK_SIGNATURE_HEADER]: SIGNATURE }))).to.equal('webhook.signature_invalid');
  });

  it('never puts the secret or the expected signature in an error', () => {
    const result = verify({ [WEBHOOK_TIMESTAMP_HEADER]: TIMESTAMP, [WEBHOOK_SIGNATURE_HEADER]: `v1=${'0'.repeat(64)}` });
    expect(result.ok).to.equal(false);
    const text = result.ok ? '' : `${result.error.message} ${JSON.stringify(result.error.details ?? {})}`;
    expect(text).not.to.contain(SECRET);
    expect(text).not.to.contain(SIGNATURE.slice(3));
  });

  describe('fuzz: 2,000 mutated signed and unsigned requests', () => {
    // Deterministic PRNG (mulberry32) so a failure reproduces.
    function rng(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    /** The independent oracle: HMAC computed here, not by the module under test. */
    function correctlySigned(headers: Record<string, string | string[] | undefined>, body: Buffer): boolean {
      const ts = headers[WEBHOOK_TIMESTAMP_HEADER];
      const sig = headers[WEBHOOK_SIGNATURE_HEADER];
      if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts.trim())) return false;
      if (Math.abs(Number(ts.trim()) * 1000 - NOW.getTime()) > 300_000) return false;
      const expected = 'v1=' + createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`v1:${ts.trim()}:`), body])).digest('hex');
      return sig.trim() === expected;
    }

    it('accepts exactly the correctly signed ones, and verifier and parser only ever return coded errors', () => {
      const random = rng(20261204);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const counts = { accepted: 0, refused: 0, parsed: 0, payloadInvalid: 0 };
      for (let i = 0; i < 2000; i += 1) {
        let body = Buffer.from(BODY);
        let ts = String(1767225600 + Math.floor(random() * 900) - 450);
        const signNow = random() < 0.5;
        // Mutate the body before signing (the signature stays valid) or after (it must break).
        const mutateBody = (): void => {
          const copy = Buffer.from(body);
          const ops = 1 + Math.floor(random() * 3);
          for (let k = 0; k < ops; k += 1) {
            const at = Math.floor(random() * copy.length);
            copy[at] = pick([copy[at]! ^ (1 << Math.floor(random() * 8)), Math.floor(random() * 256), 0x22, 0x7b, 0x00]);
          }
          body = random() < 0.2 ? copy.subarray(0, Math.floor(random() * copy.length)) : copy;
        };
        if (signNow && random() < 0.5) mutateBody();
        let sig: string | string[] | undefined = signWebhookBody(SECRET, ts, body);
        if (!signNow) mutateBody();
        switch (Math.floor(random() * 8)) {
          case 0: sig = undefined; break; // unsigned
          case 1: sig = signWebhookBody(pick(['', 'x', `${SECRET} `, 'TEST-SECRET']) || 'k', ts, body); break;
          case 2: { const chars = sig.split(''); const at = 3 + Math.floor(random() * 64); chars[at] = pick(['0', 'f', 'g', 'A', ' ']); sig = chars.join(''); break; }
          case 3: ts = pick(['', 'abc', '-5', '1e9', `${ts}.0`, String(Number(ts) + 1), String(Number(ts) + 400)]); break;
          case 4: sig = random() < 0.5 ? [sig, sig] : sig.replace('v1=', pick(['v0=', 'V1=', 'v1:', ''])); break;
          default: break; // left as is: accepted when the body was mutated before signing or not at all
        }
        const headers: Record<string, string | string[] | undefined> = { [WEBHOOK_TIMESTAMP_HEADER]: ts, [WEBHOOK_SIGNATURE_HEADER]: sig };
        if (random() < 0.05) delete headers[WEBHOOK_TIMESTAMP_HEADER];
        const result = verifyWebhookSignature({ instance: 'fuzz', secret: SECRET, headers, rawBody: body, now: NOW });
        expect(result.ok, `case ${i}`).to.equal(correctlySigned(headers, body));
        if (!result.ok) {
          counts.refused += 1;
          expect(isGatewayError(result.error), `case ${i}`).to.equal(true);
          expect(['webhook.signature_invalid', 'webhook.timestamp_invalid', 'webhook.signature_stale']).to.include(result.error.code);
          expect(result.error.status).to.equal(401);
          continue;
        }
        counts.accepted += 1;
        const parsed = parseWebhookPayload(body, { instance: 'fuzz' });
        if (parsed.ok) counts.parsed += 1;
        else {
          counts.payloadInvalid += 1;
          expect(parsed.error.code, `case ${i}`).to.equal('webhook.payload_invalid');
          expect(parsed.error.status).to.equal(400);
        }
      }
      // The mix really exercised both sides (and the parser on both valid and broken bodies).
      expect(counts.accepted).to.be.greaterThan(200);
      expect(counts.refused).to.be.greaterThan(1000);
      expect(counts.parsed).to.be.greaterThan(50);
      expect(counts.payloadInvalid).to.be.greaterThan(50);
    });
  });
});
