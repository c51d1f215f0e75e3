import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, type InboundAttachment } from '@cowork-gateway/core';
import { privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { TOKEN, eventually } from './helpers/fixtures.js';
import { startProvider, type Harness } from './helpers/provider.js';

describe('TelegramProvider.fetchAttachment', () => {
  let fake: FakeTelegram;
  let harness: Harness;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    harness = await startProvider(fake, { options: { maxAttachmentBytes: 64 * 1024 } });
  });

  afterEach(async () => {
    await harness.stop();
    await fake.close();
  });

  async function fetchError(attachment: InboundAttachment, maxBytes = 1 << 20): Promise<unknown> {
    return harness.provider.fetchAttachment(attachment, { maxBytes }).then(
      () => expect.fail('fetchAttachment resolved, but it must throw'),
      (error: unknown) => error,
    );
  }

  it('downloads the bytes of a document that arrived in an update', async () => {
    const bytes = Buffer.from('%PDF-1.7\nhello attachment');
    const file = fake.addFile(bytes, { path: 'documents/report.pdf' });
    fake.pushUpdate(privateMessage(undefined, { extra: { caption: 'read this', document: { ...file, file_name: 'report.pdf', mime_type: 'application/pdf' } } }));
    await eventually(() => harness.ingested.length === 1, 'the document message');
    const [attachment] = harness.ingested[0]!.attachments;
    const fetched = await harness.provider.fetchAttachment(attachment!, { maxBytes: 1 << 20 });
    expect(fetched.bytes.equals(bytes)).to.equal(true);
    expect(fetched).to.deep.include({ filename: 'report.pdf', mimeType: 'application/pdf' });
    expect(fake.callsOf('getFile')[0]!.params.file_id).to.equal(file.file_id);
  });

  it('refuses an attachment announced as too large without downloading it', async () => {
    const error = await fetchError({ id: 'F', filename: 'big.zip', sizeBytes: 2048 }, 1024);
    expect(isGatewayError(error, 'telegram.attachment_too_large')).to.equal(true);
    expect(fake.callsOf('getFile')).to.deep.equal([]);
  });

  it('refuses a file getFile reports as too large, capped by maxAttachmentBytes', async () => {
    const file = fake.addFile(Buffer.alloc(100 * 1024, 7));
    const error = await fetchError({ id: file.file_id, filename: 'big.bin' }, 10 * 1024 * 1024);
    expect(isGatewayError(error, 'telegram.attachment_too_large')).to.equal(true);
    expect((error as Error).message).to.include('65536');
  });

  it('aborts a download of unannounced size once it goes over the limit', async () => {
    const file = fake.addFile(Buffer.alloc(200 * 1024, 7), { hideSize: true });
    const error = await fetchError({ id: file.file_id, filename: 'stream.bin' }, 40 * 1024);
    expect(isGatewayError(error, 'telegram.attachment_too_large'), String(error)).to.equal(true);
    const small = fake.addFile(Buffer.alloc(30 * 1024, 1), { hideSize: true });
    expect((await harness.provider.fetchAttachment({ id: small.file_id, filename: 's.bin' }, { maxBytes: 40 * 1024 })).bytes.length).to.equal(30 * 1024);
  });

  it('reports a failed getFile as telegram.attachment_fetch_failed without the token', async () => {
    const error = await fetchError({ id: 'no-such-file', filename: 'gone.txt' });
    expect(isGatewayError(error, 'telegram.attachment_fetch_failed')).to.equal(true);
    expect((error as Error).message).to.include('invalid file_id');
    expect((error as Error).message).not.to.include(TOKEN);
  });

  it('reports a failing getFile (500) without the token', async () => {
    const file = fake.addFile(Buffer.from('abc'));
    fake.failNext('getFile', 'server_error');
    const error = await fetchError({ id: file.file_id, filename: 'a.txt' });
    expect(isGatewayError(error, 'telegram.attachment_fetch_failed')).to.equal(true);
    expect(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) })).not.to.include(TOKEN);
  });
});
