import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { isGatewayPlugin, pluginSettingSpecs } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import emailPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/email exports and options', () => {
  it('default-exports the email provider plugin, enabled by EMAIL_INBOUND_SECRET', () => {
    expect(isGatewayPlugin(emailPlugin)).to.equal(true);
    expect(emailPlugin).to.include({ name: '@cowork-gateway/email', kind: 'provider', core: '^0.1.0', enabledBy: 'EMAIL_INBOUND_SECRET', instanceIdSetting: 'EMAIL_PROVIDER_ID' });
    expect(emailPlugin).to.equal(api.emailPlugin);
  });

  it('has exactly the documented named and testing exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      ['EMAIL_DNS_RESOLVER', 'EMAIL_OPTIONS', 'EmailAttachmentTooLarge', 'EmailListenerFailed', 'EmailProvider', 'EmailRecipientInvalid', 'SECRET_HEADER', 'default', 'emailOptions', 'emailPlugin'].sort(),
    );
    expect(Object.keys(testing).sort()).to.deep.equal(['SmtpSink', 'buildMail', 'generateDkimKey', 'jsonMailRequest', 'postMail', 'rawMailRequest', 'signMail', 'staticResolver'].sort());
    expect(api.SECRET_HEADER).to.equal('x-open-cowork-gateway-email-secret');
  });

  it('defines its error codes with stable codes and statuses', () => {
    expect([api.EmailAttachmentTooLarge, api.EmailRecipientInvalid, api.EmailListenerFailed].map((e) => [e.code, e.status])).to.deep.equal([
      ['email.attachment_too_large', 413],
      ['email.recipient_invalid', 400],
      ['email.listener_failed', 500],
    ]);
  });

  it('fills defaults and refuses a short secret, a bad address or domain', () => {
    const parsed = v.parse(api.emailOptions, { from: ' Agent@Gateway.Test ', smtp: { host: 'smtp.test' } });
    expect(parsed).to.deep.include({ from: 'agent@gateway.test', senderAuth: 'required', allowedDomains: [], maxAttachmentBytes: 15_728_640 });
    expect(parsed.smtp).to.deep.include({ secure: false, requireTls: true, rejectUnauthorized: true, timeoutMs: 30_000 });
    expect(v.safeParse(api.emailOptions, { from: 'a@b.test', smtp: { host: 'h' }, inboundSecret: 'short' }).success).to.equal(false);
    expect(v.safeParse(api.emailOptions, { from: 'not-an-address', smtp: { host: 'h' } }).success).to.equal(false);
    expect(v.safeParse(api.emailOptions, { from: 'a@b.test', smtp: { host: 'h' }, allowedDomains: ['not a domain'] }).success).to.equal(false);
  });

  it('declares flat settings with the seed-001 names as aliases and the secrets marked', () => {
    const specs = pluginSettingSpecs(emailPlugin);
    const byKey = new Map(specs.map((s) => [s.key, s]));
    expect(byKey.get('EMAIL_INBOUND_SECRET')).to.deep.include({ secret: true, envAliases: ['OPEN_COWORK_GATEWAY_EMAIL_INBOUND_SECRET'] });
    expect(byKey.get('EMAIL_SMTP_PASSWORD')).to.deep.include({ secret: true, envAliases: ['OPEN_COWORK_GATEWAY_EMAIL_SMTP_PASSWORD'] });
    expect(byKey.get('EMAIL_SMTP_TIMEOUT_MS')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_SMTP_TIMEOUT_MS']);
    expect(specs.every((s) => s.readBy === '@cowork-gateway/email')).to.equal(true);
  });
});
