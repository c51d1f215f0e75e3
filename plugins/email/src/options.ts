import * as v from 'valibot';
import { secret, token, type PluginSetting } from '@cowork-gateway/core';

/** A bare address `local@domain`, checked loosely (one @, no spaces, no angle brackets). */
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
/** A domain name (labels of letters, digits and hyphens). */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

const address = v.pipe(v.string(), v.trim(), v.toLowerCase(), v.regex(ADDRESS, 'an email address like agent@example.com'));

const smtpOptions = v.strictObject({
  host: v.pipe(v.string(), v.minLength(1, 'the SMTP host is empty'), v.description('SMTP server that sends the gateway\'s mail (EMAIL_SMTP_HOST).')),
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535), v.description('SMTP port. Default 465 when secure, else 587.'))),
  secure: v.optional(v.pipe(v.boolean(), v.description('Implicit TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. Default false.')), false),
  requireTls: v.optional(v.pipe(v.boolean(), v.description('Refuse to send unless the connection is upgraded with STARTTLS (when secure is false). Default true: credentials and mail never cross in plaintext.')), true),
  rejectUnauthorized: v.optional(v.pipe(v.boolean(), v.description('Verify the SMTP server\'s TLS certificate. Default true; false only for a server with a private certificate on a trusted network.')), true),
  username: v.optional(v.pipe(v.string(), v.minLength(1), v.description('SMTP AUTH user name.'))),
  password: v.optional(v.pipe(v.string(), v.minLength(1), secret(), v.description('SMTP AUTH password. Secret: never logged.'))),
  timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000), v.description('Connection, greeting and socket timeout of one send, in milliseconds. Default 30000.')), 30_000),
});

const listenOptions = v.strictObject({
  host: v.optional(v.pipe(v.string(), v.minLength(1), v.description('Address the SMTP listener binds to. Default "127.0.0.1".')), '127.0.0.1'),
  port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535), v.description('Port of the SMTP listener (0 picks a free one).')),
  maxMessageBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024), v.description('Largest message accepted over SMTP, in bytes. Default 10485760 (10 MiB).')), 10_485_760),
});

/** Options of `@cowork-gateway/email`; `from` and `smtp.host` are required, plus a way in (`inboundSecret` or `smtpListener`). */
export const emailOptions = v.strictObject({
  from: v.pipe(address, v.description('The gateway\'s own address: From of every reply; mail from it is ignored (EMAIL_FROM).')),
  fromName: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(100), v.description('Display name shown with the From address. Default "Cowork Gateway".')), 'Cowork Gateway'),
  inboundSecret: v.optional(
    v.pipe(v.string(), v.minLength(16, 'the inbound secret must be at least 16 characters'), secret(), v.description('Shared secret the mail relay sends in x-open-cowork-gateway-email-secret (or Authorization: Bearer). Without it the webhook refuses every request.')),
  ),
  smtp: smtpOptions,
  smtpListener: v.optional(v.pipe(listenOptions, v.description('Accept mail directly over SMTP (smtp-server) as well as by webhook.'))),
  allowedDomains: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.regex(DOMAIN, 'a domain name like example.com'))), v.description('Sender domains accepted; mail from any other domain is dropped before the kernel sees it. Empty: any domain (identities still decide).')),
    [],
  ),
  senderAuth: v.optional(
    v.pipe(v.picklist(['required', 'off']), v.description('"required" (default): a sender must pass DMARC (or an aligned DKIM signature) or the mail is denied and audited; "off" trusts From: as is (only behind a relay that already enforces it).')),
    'required',
  ),
  trustedAuthservId: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]{1,253}$/, 'an authserv-id (a host name)'), v.description('authserv-id of the MTA in front of the gateway; its Authentication-Results header (the topmost one) decides sender authenticity instead of a DNS check.')),
  ),
  subject: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description('Subject of a message that answers no mail. Default "Cowork Gateway update".')), 'Cowork Gateway update'),
  maxAttachmentBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('Largest file sent as an attachment, in bytes. Default 15728640 (15 MiB).')), 15_728_640),
});

/** Parsed options of the email provider. */
export type EmailOptions = v.InferOutput<typeof emailOptions>;

/** Injection token of the parsed {@link EmailOptions}. */
export const EMAIL_OPTIONS = token<EmailOptions>('email.options');

/** Seed 001's names (the Cloud Channel Gateway), read as fallbacks so one env file serves both gateways. */
const channelGateway = (key: string): readonly string[] => [`OPEN_COWORK_GATEWAY_${key}`];

/** The flat settings (seed names) that fill these options when a host selects email from env. */
export const emailSettings: readonly PluginSetting[] = [
  { key: 'EMAIL_INBOUND_SECRET', option: 'inboundSecret', type: 'string', secret: true, envAliases: channelGateway('EMAIL_INBOUND_SECRET'), description: 'Shared secret of the inbound-mail webhook (header x-open-cowork-gateway-email-secret); setting it enables the email provider.' },
  { key: 'EMAIL_PROVIDER_ID', type: 'string', default: 'email', description: 'Instance id of the email provider (identities and webhook path use it).' },
  { key: 'EMAIL_FROM', option: 'from', type: 'string', envAliases: channelGateway('EMAIL_FROM'), description: 'The gateway\'s own address, From of every reply.' },
  { key: 'EMAIL_FROM_NAME', option: 'fromName', type: 'string', description: 'Display name shown with the From address.' },
  { key: 'EMAIL_SMTP_HOST', option: 'smtp.host', type: 'string', envAliases: channelGateway('EMAIL_SMTP_HOST'), description: 'SMTP server that sends replies.' },
  { key: 'EMAIL_SMTP_PORT', option: 'smtp.port', type: 'integer', min: 1, max: 65535, envAliases: channelGateway('EMAIL_SMTP_PORT'), description: 'SMTP port; default 465 when EMAIL_SMTP_SECURE, else 587.' },
  { key: 'EMAIL_SMTP_SECURE', option: 'smtp.secure', type: 'boolean', envAliases: channelGateway('EMAIL_SMTP_SECURE'), description: 'Implicit TLS (port 465); otherwise STARTTLS.' },
  { key: 'EMAIL_SMTP_REQUIRE_TLS', option: 'smtp.requireTls', type: 'boolean', description: 'Refuse to send without STARTTLS when EMAIL_SMTP_SECURE is false (default true).' },
  { key: 'EMAIL_SMTP_TLS_REJECT_UNAUTHORIZED', option: 'smtp.rejectUnauthorized', type: 'boolean', description: 'Verify the SMTP server certificate (default true).' },
  { key: 'EMAIL_SMTP_USERNAME', option: 'smtp.username', type: 'string', envAliases: channelGateway('EMAIL_SMTP_USERNAME'), description: 'SMTP AUTH user name.' },
  { key: 'EMAIL_SMTP_PASSWORD', option: 'smtp.password', type: 'string', secret: true, envAliases: channelGateway('EMAIL_SMTP_PASSWORD'), description: 'SMTP AUTH password.' },
  { key: 'EMAIL_SMTP_TIMEOUT_MS', option: 'smtp.timeoutMs', type: 'integer', min: 100, max: 120_000, envAliases: channelGateway('SMTP_TIMEOUT_MS'), description: 'Timeout of one SMTP send in milliseconds (default 30000).' },
  { key: 'EMAIL_SMTP_LISTEN_PORT', option: 'smtpListener.port', type: 'integer', min: 0, max: 65535, description: 'Also accept mail directly over SMTP on this port (unset: webhook only).' },
  { key: 'EMAIL_SMTP_LISTEN_HOST', option: 'smtpListener.host', type: 'string', description: 'Address of the SMTP listener (default 127.0.0.1); needs EMAIL_SMTP_LISTEN_PORT.' },
  { key: 'EMAIL_ALLOWED_DOMAINS', option: 'allowedDomains', type: 'list', description: 'Sender domains accepted (empty: any domain; identities still decide).' },
  { key: 'EMAIL_SENDER_AUTH', option: 'senderAuth', type: 'enum', values: ['required', 'off'], description: 'required (default): a sender must pass DMARC or the mail is denied and audited; off trusts From: as is.' },
  { key: 'EMAIL_TRUSTED_AUTHSERV_ID', option: 'trustedAuthservId', type: 'string', description: 'authserv-id whose (topmost) Authentication-Results header decides sender authenticity instead of a DNS check.' },
  { key: 'EMAIL_SUBJECT', option: 'subject', type: 'string', description: 'Subject of a message that answers no mail.' },
  { key: 'EMAIL_MAX_ATTACHMENT_BYTES', option: 'maxAttachmentBytes', type: 'integer', min: 1, envAliases: channelGateway('EMAIL_MAX_ATTACHMENT_BYTES'), description: 'Largest file sent as an attachment in bytes (default 15 MiB).' },
];
