import 'reflect-metadata';
import { expect } from 'chai';
import { parseRawMail } from '../src/mail.js';
import { parseAuthenticationResults, verifySender, type SenderAuthSettings } from '../src/sender-auth.js';
import { buildMail, generateDkimKey, signMail, staticResolver, type DkimKey } from '../src/testing/index.js';

const SELECTOR = 'sel1';

describe('sender authentication', () => {
  let key: DkimKey;
  let attackerKey: DkimKey;

  before(() => {
    key = generateDkimKey();
    attackerKey = generateDkimKey();
  });

  const dns = (extra: Record<string, string[]> = {}) =>
    staticResolver({
      [`${SELECTOR}._domainkey.example.test`]: [key.record],
      '_dmarc.example.test': ['v=DMARC1; p=reject; adkim=r; aspf=r'],
      [`${SELECTOR}._domainkey.attacker.test`]: [attackerKey.record],
      ...extra,
    });
  const settings = (resolver = dns()): SenderAuthSettings => ({ senderAuth: 'required', mta: 'mx.gateway.test', resolver });

  describe('with mailauth (DKIM and DMARC, DNS from an injected resolver)', () => {
    it('verifies a mail signed by the From domain under a DMARC policy', async () => {
      const raw = await signMail(buildMail({ from: 'Alice <alice@example.test>', text: 'hello' }), { domain: 'example.test', selector: SELECTOR, privateKey: key.privateKey });
      const verdict = await verifySender(await parseRawMail(Buffer.from(raw)), settings());
      expect(verdict).to.deep.equal({ verified: true, method: 'mailauth', result: 'dmarc=pass' });
    });

    it('fails a forged From: signed by another domain, or not signed at all', async () => {
      const forged = await signMail(buildMail({ from: 'alice@example.test', text: 'hello' }), { domain: 'attacker.test', selector: SELECTOR, privateKey: attackerKey.privateKey });
      expect(await verifySender(await parseRawMail(Buffer.from(forged)), settings())).to.deep.include({ verified: false, result: 'dmarc=fail' });
      const unsigned = buildMail({ from: 'alice@example.test', text: 'hello' });
      expect(await verifySender(await parseRawMail(Buffer.from(unsigned)), settings())).to.deep.include({ verified: false, result: 'dmarc=fail' });
    });

    it('fails a signed mail whose body was changed after signing', async () => {
      const raw = await signMail(buildMail({ from: 'alice@example.test', text: 'pay 10 EUR' }), { domain: 'example.test', selector: SELECTOR, privateKey: key.privateKey });
      const tampered = raw.replace('pay 10 EUR', 'pay 9999 EUR');
      expect(await verifySender(await parseRawMail(Buffer.from(tampered)), settings())).to.deep.include({ verified: false, method: 'mailauth' });
    });

    it('accepts an aligned DKIM pass for a domain without a DMARC record, not an unaligned one', async () => {
      const resolver = staticResolver({ [`${SELECTOR}._domainkey.example.test`]: [key.record], [`${SELECTOR}._domainkey.attacker.test`]: [attackerKey.record] });
      const aligned = await signMail(buildMail({ from: 'alice@example.test', text: 'hi' }), { domain: 'example.test', selector: SELECTOR, privateKey: key.privateKey });
      expect(await verifySender(await parseRawMail(Buffer.from(aligned)), settings(resolver))).to.deep.equal({ verified: true, method: 'mailauth', result: 'dmarc=none, aligned dkim=pass' });
      const unaligned = await signMail(buildMail({ from: 'alice@example.test', text: 'hi' }), { domain: 'attacker.test', selector: SELECTOR, privateKey: attackerKey.privateKey });
      expect(await verifySender(await parseRawMail(Buffer.from(unaligned)), settings(resolver))).to.deep.include({ verified: false, result: 'dmarc=none' });
    });

    it('passes SPF from the SMTP envelope when the sending IP is allowed', async () => {
      const resolver = dns({ 'example.test': ['v=spf1 ip4:192.0.2.10 -all'] });
      const raw = buildMail({ from: 'alice@example.test', text: 'hi' });
      const mail = await parseRawMail(Buffer.from(raw), { ip: '192.0.2.10', helo: 'mail.example.test', mailFrom: 'alice@example.test' });
      expect(await verifySender(mail, settings(resolver))).to.deep.equal({ verified: true, method: 'mailauth', result: 'dmarc=pass' });
      const other = await parseRawMail(Buffer.from(raw), { ip: '198.51.100.7', helo: 'evil.test', mailFrom: 'alice@example.test' });
      expect(await verifySender(other, settings(resolver))).to.deep.include({ verified: false });
    });
  });

  describe('with a trusted Authentication-Results header', () => {
    const trusted = { senderAuth: 'required' as const, mta: 'gw', trustedAuthservId: 'mx.gateway.test' };
    const mailWith = async (headers: string[], from = 'alice@example.test') => parseRawMail(Buffer.from(buildMail({ from, text: 'x', headers: { 'Authentication-Results': headers } })));

    it('trusts dmarc=pass only in the topmost header and only from the configured authserv-id', async () => {
      expect(await verifySender(await mailWith(['mx.gateway.test; spf=pass smtp.mailfrom=example.test; dmarc=pass (p=reject) header.from=example.test']), trusted)).to.deep.equal({ verified: true, method: 'authentication-results', result: 'dmarc=pass' });
      expect(await verifySender(await mailWith(['mx.gateway.test; dmarc=fail header.from=example.test']), trusted)).to.deep.include({ verified: false, result: 'dmarc=fail' });
      expect(await verifySender(await mailWith(['evil.test; dmarc=pass header.from=example.test']), trusted)).to.deep.include({ verified: false });
      // A header the sender wrote sits below the one the trusted MTA added on top.
      expect(await verifySender(await mailWith(['other.mx; dmarc=none', 'mx.gateway.test; dmarc=pass header.from=example.test']), trusted)).to.deep.include({ verified: false });
      expect(await verifySender(await mailWith([]), trusted)).to.deep.include({ verified: false, result: 'no Authentication-Results header' });
      expect(await verifySender(await mailWith(['mx.gateway.test; dkim=pass header.d=example.test']), trusted)).to.deep.include({ verified: false, result: 'no dmarc result' });
    });

    it('refuses a dmarc=pass that was for another domain than From', async () => {
      expect(await verifySender(await mailWith(['mx.gateway.test; dmarc=pass header.from=attacker.test']), trusted)).to.deep.include({ verified: false });
    });

    it('parses RFC 8601 headers with versions, comments and quoted values', () => {
      expect(parseAuthenticationResults('MX.Gateway.Test 1; dkim=pass (good sig) header.d="example.test"; dmarc/1=pass header.from=Example.Test; garbage')).to.deep.equal({
        authservId: 'mx.gateway.test',
        results: [
          { method: 'dkim', result: 'pass', properties: { 'header.d': 'example.test' } },
          { method: 'dmarc', result: 'pass', properties: { 'header.from': 'example.test' } },
        ],
      });
    });
  });

  it('trusts From as is only when sender authentication is off, and cannot verify parsed fields without a trusted header', async () => {
    const mail = { messageId: '<a@b.test>', from: { address: 'alice@example.test' }, subject: '', text: '', references: [], automatic: false, authenticationResults: [] };
    expect(await verifySender(mail, { senderAuth: 'off', mta: 'gw' })).to.deep.include({ verified: true, method: 'off' });
    expect(await verifySender(mail, { senderAuth: 'required', mta: 'gw' })).to.deep.include({ verified: false, method: 'none' });
    expect(await verifySender({ ...mail, from: null }, { senderAuth: 'required', mta: 'gw' })).to.deep.include({ verified: false, result: 'no single From address' });
  });
});
