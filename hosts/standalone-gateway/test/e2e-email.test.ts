import { expect } from 'chai';
import { SmtpSink, buildMail, postMail } from '@cowork-gateway/email/testing';
import { adminGet, childEnv, eventually, PREFIX, runCli, startHost, writeConfig, type HostProcess } from './helpers/host-process.js';

const SECRET = 'e2e-email-inbound-secret-value';
const ADMIN = 'e2e-admin-token-0123456789';
const AUTHSERV = 'mx.gateway.test';
const ALICE = 'alice@example.test';
const PASS = { 'Authentication-Results': `${AUTHSERV}; spf=pass smtp.mailfrom=example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test` };
const FAIL = { 'Authentication-Results': `${AUTHSERV}; spf=fail smtp.mailfrom=attacker.test; dkim=none; dmarc=fail (p=reject) header.from=example.test` };

describe('standalone gateway with email (test SMTP server)', function () {
  this.timeout(60_000);
  let sink: SmtpSink;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    sink = await SmtpSink.start();
  });

  afterEach(async () => {
    await host?.stop().catch(() => undefined);
    host = undefined;
    await sink.close();
  });

  const config = (extra: Record<string, unknown> = {}): string =>
    writeConfig({
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      executor: { use: '@cowork-gateway/core/testing/fake-executor', options: { interactionTimeoutMs: 30_000 } },
      identities: [{ provider: 'email', externalUserId: ALICE, role: 'admin' }],
      ...extra,
    });

  const emailEnv = (prefix = PREFIX): Record<string, string> => ({
    [`${prefix}EMAIL_INBOUND_SECRET`]: SECRET,
    [`${prefix}EMAIL_FROM`]: 'agent@gateway.test',
    [`${prefix}EMAIL_SMTP_HOST`]: sink.host,
    [`${prefix}EMAIL_SMTP_PORT`]: String(sink.port),
    [`${PREFIX}EMAIL_SMTP_REQUIRE_TLS`]: 'false',
    [`${PREFIX}EMAIL_TRUSTED_AUTHSERV_ID`]: AUTHSERV,
    [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: '50',
  });

  const trace = async (eventId: string): Promise<any> => {
    const body = await adminGet(`${host!.url}/admin/trace?instance=email&eventId=${encodeURIComponent(eventId)}`, ADMIN);
    return body.traces[0];
  };

  it('answers a mail with a threaded reply, refuses a forged webhook, denies a DMARC failure and takes /approve by reply mail', async () => {
    host = await startHost(['--config', config()], childEnv(emailEnv()));
    const url = `${host.url}/webhooks/email`;

    // A verified mail gets a threaded reply from the gateway's address.
    const first = buildMail({ from: `Alice <${ALICE}>`, subject: 'Status', messageId: '<e2e-1@example.test>', text: 'how are things?', headers: PASS });
    expect(await postMail(url, first, SECRET)).to.equal(202);
    const [reply] = await sink.waitFor(1);
    expect(reply).to.deep.include({ mailFrom: 'agent@gateway.test', rcptTo: [ALICE], subject: 'Re: Status', inReplyTo: '<e2e-1@example.test>', text: 'Echo: how are things?' });
    expect(reply!.references).to.deep.equal(['<e2e-1@example.test>']);

    // A webhook without the shared secret, or with a wrong one, is 401.
    expect(await postMail(url, buildMail({ from: ALICE, text: 'forged webhook', headers: PASS }), 'wrong-secret-value-0000')).to.equal(401);
    expect(await postMail(url, buildMail({ from: ALICE, text: 'forged webhook', headers: PASS }), null)).to.equal(401);

    // A From: that fails DMARC is denied and audited, although the address is an authorized identity.
    expect(await postMail(url, buildMail({ from: ALICE, messageId: '<e2e-forged@example.test>', text: 'delete everything', headers: FAIL }), SECRET)).to.equal(202);
    const denied = await eventually(async () => (await trace('<e2e-forged@example.test>'))?.audit.find((a: any) => a.type === 'standalone.prompt.denied'), 10_000, 'the denial audit');
    expect(denied.metadata).to.include({ reason: 'sender_unverified', provider: 'email' });
    expect(JSON.stringify(denied)).not.to.contain('delete everything');

    // A permission request arrives as text with the exact commands; /approve in a reply mail finishes the run.
    expect(await postMail(url, buildMail({ from: ALICE, subject: 'Task', messageId: '<e2e-2@example.test>', text: '/permission', headers: PASS }), SECRET)).to.equal(202);
    const [, ask] = await sink.waitFor(2);
    const command = /\/approve (\S+) or \/deny \1/.exec(ask!.text);
    expect(command, ask!.text).to.not.equal(null);
    const approval = buildMail({
      from: ALICE,
      subject: 'Re: Task',
      messageId: '<e2e-3@example.test>',
      inReplyTo: ask!.messageId,
      references: ['<e2e-2@example.test>', ask!.messageId],
      text: `/approve ${command![1]}\n\nOn Fri, 4 Dec 2026 at 16:00, Cowork Gateway <agent@gateway.test> wrote:\n> ${ask!.text.split('\n').join('\n> ')}\n`,
      headers: PASS,
    });
    expect(await postMail(url, approval, SECRET)).to.equal(202);
    const finished = await eventually(async () => sink.received.find((m) => m.text === 'Echo: /permission'), 15_000, 'the finished run');
    expect(finished.references[0]).to.equal('<e2e-2@example.test>');
    expect(sink.received.some((m) => m.text.startsWith('✅'))).to.equal(true);
    expect(sink.received.filter((m) => m.text.includes('delete everything'))).to.have.length(0);
    expect(host.stderr()).not.to.contain(SECRET);
  });

  it('reads the Cloud Channel Gateway names (OPEN_COWORK_GATEWAY_EMAIL_*) as fallbacks', async () => {
    host = await startHost(['--config', config()], childEnv(emailEnv('OPEN_COWORK_GATEWAY_')));
    expect(await postMail(`${host.url}/webhooks/email`, buildMail({ from: ALICE, text: 'via alias', headers: PASS }), SECRET)).to.equal(202);
    const [reply] = await sink.waitFor(1);
    expect(reply!.text).to.equal('Echo: via alias');
  });

  it('runs an email provider declared in providers[] of the config file', async () => {
    const file = config({
      providers: [{ use: '@cowork-gateway/email', id: 'mail', options: { from: 'agent@gateway.test', inboundSecret: SECRET, trustedAuthservId: AUTHSERV, smtp: { host: sink.host, port: sink.port, requireTls: false } } }],
      identities: [{ provider: 'mail', externalUserId: ALICE, role: 'member' }],
    });
    host = await startHost(['--config', file], childEnv());
    expect(await postMail(`${host.url}/webhooks/mail`, buildMail({ from: ALICE, text: 'structured', headers: PASS }), SECRET)).to.equal(202);
    const [reply] = await sink.waitFor(1);
    expect(reply!.text).to.equal('Echo: structured');
  });

  it('refuses to start when the email settings are incomplete, naming the option', async () => {
    const env = childEnv({ ...emailEnv(), [`${PREFIX}EMAIL_SMTP_HOST`]: '' });
    const result = await runCli(['start', '--config', config()], env);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('smtp');
    expect(result.stderr).not.to.contain(SECRET);
  });
});
