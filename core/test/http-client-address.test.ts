import { expect } from 'chai';
import { createClientAddressResolver, HttpTrustedProxyInvalid, resolveClientAddress } from '../src/http/index.js';

const trusted = { trustProxyHeaders: true, trustedProxyCidrs: ['10.0.0.0/8', '::1', '::ffff:192.168.0.0/112'] };

describe('http resolveClientAddress', () => {
  it('uses the socket address when proxy headers are not trusted', () => {
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    expect(resolveClientAddress('10.1.1.1', headers, { ...trusted, trustProxyHeaders: false })).to.equal('10.1.1.1');
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(resolveClientAddress('198.51.100.4', { 'x-forwarded-for': '203.0.113.7' }, trusted)).to.equal('198.51.100.4');
  });

  it('takes the right-most untrusted address from a trusted peer', () => {
    const headers = { 'x-forwarded-for': '1.1.1.1, 203.0.113.7, 10.0.0.2' };
    expect(resolveClientAddress('10.0.0.1', headers, trusted)).to.equal('203.0.113.7');
  });

  it('does not look at client-controlled hops left of the client', () => {
    const headers = { 'x-forwarded-for': 'garbage, 203.0.113.7' };
    expect(resolveClientAddress('10.0.0.1', headers, trusted)).to.equal('203.0.113.7');
  });

  it('takes the left-most hop when every hop is trusted', () => {
    expect(resolveClientAddress('10.0.0.1', { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }, trusted)).to.equal('10.0.0.3');
  });

  it('reads Forwarded: for= with quotes, brackets and ports', () => {
    const headers = { forwarded: 'for=10.0.0.9;proto=https, For="[2001:db8::17]:4711", for=10.0.0.5:80' };
    expect(resolveClientAddress('::1', headers, trusted)).to.equal('2001:db8::17');
  });

  it('accepts both headers when they agree', () => {
    const headers = { 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.7' };
    expect(resolveClientAddress('10.0.0.1', headers, trusted)).to.equal('203.0.113.7');
  });

  it('falls back to the socket address when Forwarded and X-Forwarded-For disagree', () => {
    const headers = { 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.8' };
    expect(resolveClientAddress('10.0.0.1', headers, trusted)).to.equal('10.0.0.1');
  });

  it('falls back to the socket address when a walked hop does not parse', () => {
    expect(resolveClientAddress('10.0.0.1', { 'x-forwarded-for': '203.0.113.7, nonsense' }, trusted)).to.equal('10.0.0.1');
    expect(resolveClientAddress('10.0.0.1', { forwarded: 'for=unknown' }, trusted)).to.equal('10.0.0.1');
    expect(resolveClientAddress('10.0.0.1', { forwarded: 'proto=https' }, trusted)).to.equal('10.0.0.1');
    expect(resolveClientAddress('10.0.0.1', { 'x-forwarded-for': '127.1' }, trusted)).to.equal('10.0.0.1');
    expect(resolveClientAddress('10.0.0.1', { forwarded: 'for="[2001:db8::1]x"' }, trusted)).to.equal('10.0.0.1');
  });

  it('joins repeated header values', () => {
    const headers = { 'x-forwarded-for': ['203.0.113.7', '10.0.0.2'] };
    expect(resolveClientAddress('10.0.0.1', headers, trusted)).to.equal('203.0.113.7');
  });

  it('uses the socket address when a trusted peer sends no forwarding header', () => {
    expect(resolveClientAddress('10.0.0.1', {}, trusted)).to.equal('10.0.0.1');
  });

  it('unwraps IPv4-mapped IPv6 socket addresses and hops', () => {
    expect(resolveClientAddress('::ffff:198.51.100.4', {}, trusted)).to.equal('198.51.100.4');
    expect(resolveClientAddress('::ffff:10.0.0.1', { 'x-forwarded-for': '::ffff:203.0.113.7' }, trusted)).to.equal('203.0.113.7');
    expect(resolveClientAddress('::ffff:192.168.0.4', { 'x-forwarded-for': '203.0.113.7' }, trusted)).to.equal('203.0.113.7');
  });

  it('passes an unparseable socket address through', () => {
    expect(resolveClientAddress('', {}, trusted)).to.equal('unknown');
    expect(resolveClientAddress('weird', {}, trusted)).to.equal('weird');
  });

  it('rejects trusted-proxy entries that are not addresses or ranges', () => {
    expect(() => createClientAddressResolver({ trustProxyHeaders: true, trustedProxyCidrs: ['10.0.0.0/33'] })).to.throw(
      HttpTrustedProxyInvalid,
    );
    expect(() => createClientAddressResolver({ trustProxyHeaders: true, trustedProxyCidrs: ['proxy.local'] })).to.throw(
      /http.trusted_proxy_invalid/,
    );
  });
});
