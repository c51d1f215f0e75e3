/**
 * @packageDocumentation
 * `@cowork-gateway/slack/testing`: a loopback fake of Slack (the Web API methods the provider
 * uses, response URLs, and a signer that posts signed events, button presses and slash commands
 * to a gateway), plus builders of Slack's payloads.
 */
export { FakeSlack, startFakeSlack, type FakeSocketAck, type FakeSlackOptions, type FakeSlackFailure, type FakeSlackMessage, type FakeSlackFile, type DeliverOptions, type DeliverResult } from './fake-slack.js';
export {
  FAKE_TEAM_ID,
  FAKE_BOT_USER_ID,
  FAKE_BOT_ID,
  FAKE_USER_ID,
  FAKE_CHANNEL_ID,
  FAKE_DM_CHANNEL_ID,
  messageEvent,
  eventCallback,
  urlVerification,
  blockActions,
  slashCommand,
  nextTs,
  type MessageEventOptions,
  type BlockActionsOptions,
  type SlashCommandOptions,
} from './payloads.js';
export { blocksProblem } from './blocks.js';
