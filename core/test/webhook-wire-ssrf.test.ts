import { expect } from 'chai';
import { classifyDeliveryFailure } from '../src/contracts/provider.js';
import { isGatewayError } from '../src/errors.js';
import {
  checkDeliveryUrl,
  checkResolvedAddresses,
  classifyAddress,
  hostAllowed,
  isDeliveryPolicyError,
  type DeliveryPolicy,
  type ResolvedAddress,
} from '../src/webhook-wire/ssrf-policy.js';

const answers = (...addresses: string[]): ResolvedAddress[] => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

/** The policy as a sender applies it: static URL checks, then every DNS answer (no traffic). */
function judge(url: string, dns: string[], policy: DeliveryPolicy = {}): ResolvedAddress | { address: string } {
  const checked = checkDeliveryUrl(url, policy);
  if (checked.isIpLiteral) return { address: checked.hostname };
  return checkResolvedAddresses(checked.hostname, answers(...dns), policy);
}

function refusal(url: string, dns: string[], policy: DeliveryPolicy = {}): string {
  try {
    judge(url, dns, policy);
  } catch (error) {
    expect(isGatewayError(error), url).to.equal(true);
    expect(isDeliveryPolicyError(error), url).to.equal(true);
    expect(classifyDeliveryFailure(error), url).to.deep.equal({ kind: 'permanent' });
    expect((error as { status: number }).status, url).to.equal(400);
    return (error as { code: string }).code;
  }
  return 'allowed';
}

const PUBLIC = '93.184.216.34';
const PRIVATE_ONLY: DeliveryPolicy = { allowPrivateDelivery: true };

// [url, DNS answers for a name, policy, expected code]
const REFUSED: Array<[string, string[], DeliveryPolicy, string]> = [
  // schemes, shapes and credentials
  ['ftp://bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['file:///etc/passwd', [], {}, 'delivery.url_invalid'],
  ['gopher://127.0.0.1:6379/_INFO', [], PRIVATE_ONLY, 'delivery.url_invalid'],
  ['javascript:alert(1)', [], {}, 'delivery.url_invalid'],
  ['data:text/plain,hello', [], {}, 'delivery.url_invalid'],
  ['ws://bridge.example.com/socket', [PUBLIC], {}, 'delivery.url_invalid'],
  ['http://bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['http://10.0.0.5/hook', [], PRIVATE_ONLY, 'delivery.url_invalid'],
  ['https://user:pass@bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['https://token@bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['https://:secret@bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['bridge.example.com/hook', [PUBLIC], {}, 'delivery.url_invalid'],
  ['https://', [], {}, 'delivery.url_invalid'],
  // cloud metadata: names and addresses, refused even with private delivery allowed
  ['https://metadata.google.internal/computeMetadata/v1/', [PUBLIC], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://METADATA.google.internal./computeMetadata/v1/', [PUBLIC], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://metadata/computeMetadata/v1/', [PUBLIC], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://169.254.169.254/latest/meta-data/', [], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://[fd00:ec2::254]/latest/meta-data/', [], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://[::ffff:169.254.169.254]/', [], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://[64:ff9b::a9fe:a9fe]/', [], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://100.100.100.200/latest/meta-data/', [], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['169.254.169.254'], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['fd00:ec2::254'], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  // private and reserved IPv4 literals, including the URL parser's other spellings of 127.0.0.1
  ['https://0.0.0.0/', [], {}, 'delivery.ssrf_blocked'],
  ['https://10.0.0.5/', [], {}, 'delivery.ssrf_blocked'],
  ['https://127.0.0.1:8443/', [], {}, 'delivery.ssrf_blocked'],
  ['https://0x7f.1/', [], {}, 'delivery.ssrf_blocked'],
  ['https://2130706433/', [], {}, 'delivery.ssrf_blocked'],
  ['https://100.64.1.1/', [], {}, 'delivery.ssrf_blocked'],
  ['https://169.254.10.10/', [], {}, 'delivery.ssrf_blocked'],
  ['https://172.16.3.4/', [], {}, 'delivery.ssrf_blocked'],
  ['https://192.0.0.8/', [], {}, 'delivery.ssrf_blocked'],
  ['https://192.0.2.10/', [], {}, 'delivery.ssrf_blocked'],
  ['https://192.168.1.1/', [], {}, 'delivery.ssrf_blocked'],
  ['https://198.18.0.1/', [], {}, 'delivery.ssrf_blocked'],
  ['https://198.51.100.7/', [], {}, 'delivery.ssrf_blocked'],
  ['https://203.0.113.9/', [], {}, 'delivery.ssrf_blocked'],
  ['https://224.0.0.251/', [], {}, 'delivery.ssrf_blocked'],
  ['https://240.0.0.1/', [], {}, 'delivery.ssrf_blocked'],
  ['https://255.255.255.255/', [], {}, 'delivery.ssrf_blocked'],
  // private and reserved IPv6 literals, mapped, NAT64, 6to4 and IPv4-compatible forms
  ['https://[::]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[fc00::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[fd12:3456::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[fe80::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[febf::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[fec0::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[ff02::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[2001:db8::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[::ffff:10.0.0.1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[::ffff:7f00:1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[64:ff9b::a00:1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[64:ff9b::127.0.0.1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[64:ff9b:1::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[2002:a00:1::1]/', [], {}, 'delivery.ssrf_blocked'],
  ['https://[::127.0.0.1]/', [], {}, 'delivery.ssrf_blocked'],
  // DNS answers: private, mapped, NAT64, a public-then-private rebinding pair, nothing, garbage
  ['https://bridge.example.com/hook', ['10.1.2.3'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['127.0.0.1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['::1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', [PUBLIC, '10.0.0.1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['2606:4700::1111', 'fd00::1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['::ffff:192.168.0.1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['64:ff9b::c0a8:1'], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', [], {}, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['not-an-address'], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://bridge.example.com/hook', ['10.1.2'], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://10.0.0.1.nip.io/hook', ['10.0.0.1'], {}, 'delivery.ssrf_blocked'],
  // localhost names must resolve to loopback only
  ['https://localhost/hook', [PUBLIC], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['http://localhost:8080/hook', ['127.0.0.1', PUBLIC], PRIVATE_ONLY, 'delivery.ssrf_blocked'],
  ['https://api.localhost/hook', [PUBLIC], {}, 'delivery.ssrf_blocked'],
  ['http://localhost:8080/hook', ['127.0.0.1'], {}, 'delivery.ssrf_blocked'],
  // allowlists
  ['https://evil.test/hook', [PUBLIC], { allowedHosts: ['*.example.com'] }, 'delivery.host_not_allowed'],
  ['https://example.com/hook', [PUBLIC], { allowedHosts: ['*.example.com'] }, 'delivery.host_not_allowed'],
  ['https://notexample.com/hook', [PUBLIC], { allowedHosts: ['*.example.com'] }, 'delivery.host_not_allowed'],
  ['https://bridge.example.com.evil.test/hook', [PUBLIC], { allowedHosts: ['*.example.com'] }, 'delivery.host_not_allowed'],
  ['https://93.184.216.35/hook', [], { allowedHosts: [PUBLIC] }, 'delivery.host_not_allowed'],
  // the loopback development opt-in opens loopback only
  ['https://bridge.example.com/hook', ['10.0.0.1'], { allowLoopbackDelivery: true }, 'delivery.ssrf_blocked'],
];

describe('webhook-wire/ssrf-policy', () => {
  it(`refuses every one of the ${REFUSED.length} table rows with a coded, permanent policy error`, () => {
    expect(REFUSED.length).to.be.at.least(40);
    const wrong: string[] = [];
    for (const [url, dns, policy, code] of REFUSED) {
      const got = refusal(url, dns, policy);
      if (got !== code) wrong.push(`${url} ${JSON.stringify(dns)} ${JSON.stringify(policy)}: expected ${code}, got ${got}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('allows an allowlisted public host and pins the first checked answer', () => {
    const policy = { allowedHosts: ['*.example.com', 'hooks.partner.test'] };
    expect(judge('https://bridge.example.com/hook#frag', [PUBLIC, '2606:4700::1111'], policy)).to.deep.equal({ address: PUBLIC, family: 4 });
    expect(judge('https://HOOKS.partner.test./x', ['2606:4700::1111'], policy)).to.deep.equal({ address: '2606:4700::1111', family: 6 });
    expect(checkDeliveryUrl('https://bridge.example.com/hook?a=1#frag', policy).url.href).to.equal('https://bridge.example.com/hook?a=1');
  });

  it('allows public IPv4-mapped and NAT64 forms of public addresses, judged by the embedded address', () => {
    expect(classifyAddress('::ffff:93.184.216.34').class).to.equal('public');
    expect(classifyAddress('64:ff9b::5db8:d822').class).to.equal('public');
    expect(classifyAddress('2606:4700::1111').class).to.equal('public');
  });

  it('allows private addresses only with the opt-in, and loopback with either opt-in', () => {
    expect(refusal('https://bridge.internal/hook', ['10.1.2.3'], PRIVATE_ONLY)).to.equal('allowed');
    expect(refusal('https://[fd12::1]/hook', [], PRIVATE_ONLY)).to.equal('allowed');
    expect(refusal('http://127.0.0.1:8080/hook', [], { allowLoopbackDelivery: true })).to.equal('allowed');
    expect(refusal('http://[::1]:8080/hook', [], { allowLoopbackDelivery: true })).to.equal('allowed');
    expect(refusal('http://localhost:8080/hook', ['127.0.0.1', '::1'], { allowLoopbackDelivery: true })).to.equal('allowed');
    expect(refusal('https://bridge.internal/hook', ['10.1.2.3'], { allowLoopbackDelivery: true })).to.equal('delivery.ssrf_blocked');
  });

  it('classifies metadata, loopback and private addresses', () => {
    expect(classifyAddress('169.254.169.254')).to.deep.equal({ address: '169.254.169.254', class: 'metadata', reason: 'cloud metadata address' });
    expect(classifyAddress('[::1]').class).to.equal('loopback');
    expect(classifyAddress('::ffff:127.0.0.2').class).to.equal('loopback');
    expect(classifyAddress('10.0.0.1')).to.deep.equal({ address: '10.0.0.1', class: 'private', reason: 'private' });
    expect(classifyAddress('::7f00:1')).to.deep.equal({ address: '::7f00:1', class: 'private', reason: 'outside 2000::/3' });
    expect(classifyAddress('1.2.3')).to.deep.equal({ address: '1.2.3', class: 'invalid', reason: 'not an IP address' });
    expect(classifyAddress('bridge.example.com').class).to.equal('invalid');
  });

  it('matches allowlist entries exactly or as strict-subdomain wildcards', () => {
    expect(hostAllowed('a.example.com', undefined)).to.equal(true);
    expect(hostAllowed('a.example.com', [])).to.equal(true);
    expect(hostAllowed('a.b.example.com', ['*.example.com'])).to.equal(true);
    expect(hostAllowed('example.com', ['*.example.com', 'example.com'])).to.equal(true);
    expect(hostAllowed('xexample.com', ['*.example.com'])).to.equal(false);
    expect(hostAllowed('2606:4700::1111', ['2606:4700:0::1111'])).to.equal(true);
  });

  it('never echoes URL credentials or query strings in the error', () => {
    try {
      checkDeliveryUrl('https://user:hunter2@bridge.example.com/hook?token=abc', {});
      expect.fail('should refuse');
    } catch (error) {
      expect((error as Error).message).not.to.contain('hunter2');
      expect((error as Error).message).not.to.contain('token=abc');
    }
  });
});
