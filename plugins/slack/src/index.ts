/**
 * @packageDocumentation
 * `@cowork-gateway/slack`: a Slack app as a cowork-gateway provider. Events API, interactivity
 * (Block Kit buttons) and slash commands arrive signed at `/webhooks/<instance>`; replies go out
 * through the Web API in the prompting message's thread. Socket Mode (`mode: 'socket'`) replaces
 * the HTTP requests with a WebSocket for gateways without a public URL. `./testing` has a
 * loopback fake Slack.
 */
import { slackPlugin } from './plugin.js';

export { slackPlugin } from './plugin.js';
export { SlackProvider, RETRY_NUM_HEADER, RETRY_REASON_HEADER } from './slack-provider.js';
export { slackOptions, SLACK_OPTIONS, SLACK_API_URL } from './options.js';
export type { SlackOptions } from './options.js';
export { signSlackRequest, verifySlackRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';
export { SlackUnauthorized, SlackTeamNotAllowed, SlackSigningSecretRequired, SlackAppTokenRequired } from './errors.js';

export default slackPlugin;
