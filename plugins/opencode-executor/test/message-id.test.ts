import { expect } from 'chai';
import { messageIdSuffix, newMessageId, parseRunId, runIdOf } from '../src/message-id.js';

describe('message ids', () => {
  it('derives the same 14-character suffix from the same key, and different ones from different keys', () => {
    expect(messageIdSuffix('job-1')).to.equal(messageIdSuffix('job-1')).and.match(/^[0-9A-Za-z]{14}$/);
    expect(messageIdSuffix('job-1')).not.to.equal(messageIdSuffix('job-2'));
  });

  it('makes an id in OpenCode\'s format that sorts right after the session\'s latest message', () => {
    const latest = 'msg_208d45435001KA0Ekhrt2fiaoQ';
    const id = newMessageId('SUFFIXsuffix01', latest, 'ses_df72bac4fffepha0AVVM5dBi5D');
    expect(id).to.equal('msg_208d45435002SUFFIXsuffix01');
    expect(id > latest).to.equal(true);
  });

  it('uses the session\'s creation time for a new session (session ids count down)', () => {
    // ses_df72bac4fffe… is NOT(0x208d453b0001): created just before msg_208d45435001…
    const id = newMessageId('SUFFIXsuffix01', undefined, 'ses_df72bac4fffepha0AVVM5dBi5D');
    expect(id).to.equal('msg_208d453b0002SUFFIXsuffix01');
  });

  it('falls back to the local clock when the server ids cannot be read', () => {
    const id = newMessageId('SUFFIXsuffix01', undefined, 'not-a-session', 1_000);
    expect(id).to.equal(`msg_${(1_000n * 4096n).toString(16).padStart(12, '0')}SUFFIXsuffix01`);
  });

  it('round-trips run ids', () => {
    const runId = runIdOf('ses_abc', 'msg_def');
    expect(parseRunId(runId)).to.deep.equal({ sessionId: 'ses_abc', messageId: 'msg_def' });
    expect(parseRunId('nonsense')).to.equal(null);
  });
});
