import { Lifecycle, PROVIDER, definePlugin } from '@cowork-gateway/core';
import { TELEGRAM_OPTIONS, telegramOptions, telegramSettings } from './options.js';
import { TelegramProvider } from './telegram-provider.js';

/** The Telegram provider plugin: binds {@link TelegramProvider} as `PROVIDER` for its instance. */
export const telegramPlugin = definePlugin({
  name: '@cowork-gateway/telegram',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Telegram bot channel: long polling or a secret-checked webhook, replies in the same chat and topic.',
  configSchema: telegramOptions,
  settings: telegramSettings,
  enabledBy: 'TELEGRAM_BOT_TOKEN',
  instanceIdSetting: 'TELEGRAM_PROVIDER_ID',
  register(container, options) {
    container.register(TELEGRAM_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: TelegramProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
