/**
 * @packageDocumentation
 * `@cowork-gateway/email`: a mailbox as a cowork-gateway provider. Inbound by a signed
 * inbound-mail webhook (raw RFC 822 or parsed JSON) and optionally an SMTP listener; senders
 * authenticated with mailauth (DKIM/SPF/DMARC) or a trusted Authentication-Results header;
 * threaded replies over SMTP with nodemailer. `./testing` has an in-process SMTP server, a DKIM
 * key/signing helper and a static DNS resolver.
 */
import { emailPlugin } from './plugin.js';

export { emailPlugin } from './plugin.js';
export { EmailProvider, EMAIL_DNS_RESOLVER } from './email-provider.js';
export { emailOptions, EMAIL_OPTIONS } from './options.js';
export type { EmailOptions } from './options.js';
export type { EmailReplyContext } from './normalize.js';
export type { DnsResolver } from './sender-auth.js';
export { SECRET_HEADER } from './webhook.js';
export { EmailAttachmentTooLarge, EmailRecipientInvalid, EmailListenerFailed } from './errors.js';

export default emailPlugin;
