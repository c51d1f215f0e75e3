import { Lifecycle, PROVIDER, definePlugin } from '@cowork-gateway/core';
import { SLACK_OPTIONS, slackOptions, slackSettings } from './options.js';
import { SlackProvider } from './slack-provider.js';

/** The Slack provider plugin: binds {@link SlackProvider} as `PROVIDER` for its instance. */
export const slackPlugin = definePlugin({
  name: '@cowork-gateway/slack',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Slack app channel: signed Events API, buttons and slash commands; replies in the thread through the Web API.',
  configSchema: slackOptions,
  settings: slackSettings,
  enabledBy: 'SLACK_BOT_TOKEN',
  instanceIdSetting: 'SLACK_PROVIDER_ID',
  register(container, options) {
    container.register(SLACK_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: SlackProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
