import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayPlugin } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import slackPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/slack exports', () => {
  it('default-exports the slack provider plugin', () => {
    expect(isGatewayPlugin(slackPlugin)).to.equal(true);
    expect(slackPlugin).to.include({ name: '@cowork-gateway/slack', kind: 'provider', core: '^0.1.0', enabledBy: 'SLACK_BOT_TOKEN', instanceIdSetting: 'SLACK_PROVIDER_ID' });
    expect(slackPlugin).to.equal(api.slackPlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      [
        'RETRY_NUM_HEADER',
        'RETRY_REASON_HEADER',
        'SIGNATURE_HEADER',
        'SLACK_API_URL',
        'SLACK_OPTIONS',
        'SlackAppTokenRequired',
        'SlackProvider',
        'SlackSigningSecretRequired',
        'SlackTeamNotAllowed',
        'SlackUnauthorized',
        'TIMESTAMP_HEADER',
        'default',
        'signSlackRequest',
        'slackOptions',
        'slackPlugin',
        'verifySlackRequest',
      ].sort(),
    );
  });

  it('has exactly the documented testing exports', () => {
    expect(Object.keys(testing).sort()).to.deep.equal(
      [
        'FAKE_BOT_ID',
        'FAKE_BOT_USER_ID',
        'FAKE_CHANNEL_ID',
        'FAKE_DM_CHANNEL_ID',
        'FAKE_TEAM_ID',
        'FAKE_USER_ID',
        'FakeSlack',
        'blockActions',
        'blocksProblem',
        'eventCallback',
        'messageEvent',
        'nextTs',
        'slashCommand',
        'startFakeSlack',
        'urlVerification',
      ].sort(),
    );
  });

  it('defines its error codes with stable codes and statuses', () => {
    expect([api.SlackUnauthorized, api.SlackTeamNotAllowed, api.SlackSigningSecretRequired, api.SlackAppTokenRequired].map((e) => [e.code, e.status])).to.deep.equal([
      ['slack.unauthorized', 401],
      ['slack.team_not_allowed', 403],
      ['slack.signing_secret_required', 400],
      ['slack.app_token_required', 400],
    ]);
  });

  it('declares its flat settings with the seed-001 names as aliases', () => {
    const keys = (slackPlugin.settings ?? []).map((s) => s.key);
    expect(keys).to.deep.equal(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_MODE', 'SLACK_APP_TOKEN', 'SLACK_PROVIDER_ID', 'SLACK_TEAM_ID', 'SLACK_API_BASE_URL', 'SLACK_CHANNEL_MESSAGES']);
    const token = slackPlugin.settings?.find((s) => s.key === 'SLACK_BOT_TOKEN') as { envAliases?: string[]; secret?: boolean };
    expect(token).to.include({ secret: true });
    expect(token.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_SLACK_BOT_TOKEN']);
  });
});
