import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { signSlackRequest, verifySlackRequest } from '../src/signature.js';

// The worked example of api.slack.com/authentication/verifying-requests-from-slack.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const DOC_NOW = new Date((Number(DOC_TIMESTAMP) + 30) * 1000);

function request(headers: Record<string, string | string[]>, body = DOC_BODY) {
  return { headers, rawBody: Buffer.from(body) };
}

function verify(headers: Record<string, string | string[]>, options: { body?: string; now?: Date; secret?: string } = {}): unknown {
  try {
    verifySlackRequest({ request: request(headers, options.body), signingSecret: options.secret ?? DOC_SECRET, instance: 'slack', now: options.now ?? DOC_NOW, windowMs: 300_000 });
    return null;
  } catch (error) {
    return error;
  }
}

const docHeaders = { 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };

describe('Slack request signing (v0)', () => {
  it('reproduces the signature of Slack\'s documented example', () => {
    expect(signSlackRequest(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).to.equal(DOC_SIGNATURE);
    expect(signSlackRequest(DOC_SECRET, Number(DOC_TIMESTAMP), Buffer.from(DOC_BODY))).to.equal(DOC_SIGNATURE);
  });

  it('accepts the documented request within the 5-minute window', () => {
    expect(verify(docHeaders)).to.equal(null);
  });

  it('rejects a changed body, a wrong secret and a changed timestamp as webhook.signature_invalid', () => {
    expect(isGatewayError(verify(docHeaders, { body: DOC_BODY.replace('roadrunner', 'coyote') }), 'webhook.signature_invalid')).to.equal(true);
    expect(isGatewayError(verify(docHeaders, { secret: 'another-secret' }), 'webhook.signature_invalid')).to.equal(true);
    expect(isGatewayError(verify({ ...docHeaders, 'x-slack-request-timestamp': '1531420619' }), 'webhook.signature_invalid')).to.equal(true);
  });

  it('rejects missing, repeated or malformed headers as webhook.signature_invalid with status 401', () => {
    const cases: Record<string, string | string[]>[] = [
      {},
      { 'x-slack-signature': DOC_SIGNATURE },
      { 'x-slack-request-timestamp': DOC_TIMESTAMP },
      { ...docHeaders, 'x-slack-signature': DOC_SIGNATURE.toUpperCase() },
      { ...docHeaders, 'x-slack-signature': 'v1=' + DOC_SIGNATURE.slice(3) },
      { ...docHeaders, 'x-slack-signature': [DOC_SIGNATURE, DOC_SIGNATURE] },
      { ...docHeaders, 'x-slack-request-timestamp': 'yesterday' },
      { ...docHeaders, 'x-slack-request-timestamp': [DOC_TIMESTAMP, DOC_TIMESTAMP] },
    ];
    for (const headers of cases) {
      const error = verify(headers);
      expect(isGatewayError(error, 'webhook.signature_invalid'), JSON.stringify(headers)).to.equal(true);
      expect((error as { status: number }).status).to.equal(401);
    }
  });

  it('rejects an authentic request older or newer than the window as webhook.signature_stale', () => {
    const late = new Date((Number(DOC_TIMESTAMP) + 301) * 1000);
    const early = new Date((Number(DOC_TIMESTAMP) - 301) * 1000);
    expect(isGatewayError(verify(docHeaders, { now: late }), 'webhook.signature_stale')).to.equal(true);
    expect(isGatewayError(verify(docHeaders, { now: early }), 'webhook.signature_stale')).to.equal(true);
    expect(verify(docHeaders, { now: new Date((Number(DOC_TIMESTAMP) + 300) * 1000) })).to.equal(null);
  });

  it('checks the MAC before the clock: a forged stale request is invalid, not stale', () => {
    const late = new Date((Number(DOC_TIMESTAMP) + 3600) * 1000);
    expect(isGatewayError(verify(docHeaders, { now: late, secret: 'forger' }), 'webhook.signature_invalid')).to.equal(true);
  });
});
