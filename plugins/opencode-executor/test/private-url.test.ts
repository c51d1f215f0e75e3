import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { assertPrivateOpenCodeUrl, looksPrivate, parseOpenCodeUrl } from '../src/private-url.js';

async function refusal(url: string, options: { allowPrivateDns?: boolean; addresses?: string[] | Error } = {}): Promise<unknown> {
  const lookup = async (): Promise<string[]> => {
    if (options.addresses instanceof Error) throw options.addresses;
    return options.addresses ?? [];
  };
  return assertPrivateOpenCodeUrl(url, { allowPrivateDns: options.allowPrivateDns ?? false, lookup }).then(
    () => null,
    (error: unknown) => error,
  );
}

describe('OpenCode URL policy', () => {
  it('accepts loopback and private literal addresses and strips a trailing slash', () => {
    for (const url of ['http://127.0.0.1:4096/', 'http://[::1]:4096', 'http://10.1.2.3:4096', 'http://172.16.0.9', 'http://192.168.1.20:4096', 'http://[fd12::1]:4096', 'http://100.64.1.1:4096']) {
      expect(() => parseOpenCodeUrl(url), url).not.to.throw();
    }
    expect(parseOpenCodeUrl('http://127.0.0.1:4096/').baseUrl).to.equal('http://127.0.0.1:4096');
    expect(parseOpenCodeUrl('https://10.0.0.5/opencode/').baseUrl).to.equal('https://10.0.0.5/opencode');
  });

  it('refuses public, wildcard and instance-metadata addresses with opencode.url_not_private naming the setting', () => {
    for (const url of ['http://8.8.8.8:4096', 'http://0.0.0.0:4096', 'http://[::]:4096', 'http://169.254.169.254', 'http://[::ffff:8.8.8.8]:4096', 'http://[2001:4860::8888]:4096', 'http://169.254.10.1']) {
      let error: unknown;
      try {
        parseOpenCodeUrl(url);
      } catch (e) {
        error = e;
      }
      expect(isGatewayError(error, 'opencode.url_not_private'), url).to.equal(true);
      expect((error as Error).message).to.include('OPEN_COWORK_STANDALONE_GATEWAY_OPENCODE_URL');
    }
  });

  it('says which rule a refused address broke', () => {
    expect(() => parseOpenCodeUrl('http://169.254.169.254')).to.throw(/instance-metadata/);
    expect(() => parseOpenCodeUrl('http://0.0.0.0:4096')).to.throw(/wildcard/);
    expect(() => parseOpenCodeUrl('http://1.1.1.1')).to.throw(/not a loopback or private address/);
  });

  it('refuses URLs that are not http(s), carry credentials, or are not URLs', () => {
    for (const url of ['ftp://127.0.0.1', 'http://opencode:secret@127.0.0.1:4096', 'not a url', 'http://127.0.0.1:4096/?directory=x']) {
      let error: unknown;
      try {
        parseOpenCodeUrl(url);
      } catch (e) {
        error = e;
      }
      expect(isGatewayError(error, 'opencode.url_invalid'), url).to.equal(true);
      expect((error as Error).message).not.to.include('secret');
    }
  });

  it('resolves names and requires every address to be private', async () => {
    expect(await refusal('http://opencode.example.com:4096', { addresses: ['10.0.0.7'] })).to.equal(null);
    expect(await refusal('http://localhost:4096', { addresses: ['127.0.0.1', '::1'] })).to.equal(null);
    const mixed = await refusal('http://opencode.example.com:4096', { addresses: ['10.0.0.7', '93.184.216.34'] });
    expect(isGatewayError(mixed, 'opencode.url_not_private')).to.equal(true);
    expect((mixed as Error).message).to.include('resolves to 93.184.216.34');
    const metadata = await refusal('http://metadata.internal', { addresses: ['169.254.169.254'] });
    expect((metadata as Error).message).to.include('instance-metadata');
  });

  it('refuses an unresolvable name unless allowPrivateDns accepts private-looking names', async () => {
    const unresolved = await refusal('http://opencode:4096', { addresses: new Error('ENOTFOUND') });
    expect(isGatewayError(unresolved, 'opencode.url_not_private')).to.equal(true);
    expect((unresolved as Error).message).to.include('allowPrivateDns');
    expect(await refusal('http://opencode:4096', { allowPrivateDns: true, addresses: new Error('ENOTFOUND') })).to.equal(null);
    expect(await refusal('http://box.internal:4096', { allowPrivateDns: true, addresses: ['8.8.8.8'] })).to.equal(null);
    const publicName = await refusal('http://opencode.example.com', { allowPrivateDns: true, addresses: ['8.8.8.8'] });
    expect(isGatewayError(publicName, 'opencode.url_not_private')).to.equal(true);
  });

  it('knows which names look private', () => {
    for (const name of ['opencode', 'localhost', 'box.local', 'svc.internal', 'nas.lan', 'x.home.arpa', 'opencode.default.svc.cluster.local']) expect(looksPrivate(name), name).to.equal(true);
    for (const name of ['example.com', 'opencode.ai', 'local.example.com']) expect(looksPrivate(name), name).to.equal(false);
  });
});
