import { CLOCK, INSTANCE, LOGGER, SignedWebhookProvider, inject, injectable, type Clock, type InstanceInfo, type Logger } from '@cowork-gateway/core';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './options.js';

/**
 * The generic signed webhook: core's {@link SignedWebhookProvider} with kind `webhook`, plain
 * text, threads and buttons (the reference's capability set).
 */
@injectable()
export class WebhookProvider extends SignedWebhookProvider {
  constructor(
    @inject(WEBHOOK_OPTIONS) options: WebhookOptions,
    @inject(INSTANCE) instance: InstanceInfo,
    @inject(LOGGER) logger: Logger,
    @inject(CLOCK) clock: Clock,
  ) {
    super(
      { kind: 'webhook', capabilities: { maxTextLength: options.maxTextLength, threads: true, buttons: true, markdownDialect: 'plain' } },
      options,
      instance,
      { logger, clock },
    );
  }
}
