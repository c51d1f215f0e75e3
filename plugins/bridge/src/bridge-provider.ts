import { CLOCK, INSTANCE, LOGGER, SignedWebhookProvider, inject, injectable, type Clock, type InstanceInfo, type Logger } from '@cowork-gateway/core';
import { BRIDGE_OPTIONS, BRIDGE_PROFILES, type BridgeOptions } from './options.js';

/**
 * One named bridge: core's {@link SignedWebhookProvider} with the kind and capabilities of its
 * platform. The relay in front of it verifies the platform's own signature and re-signs the
 * normalized payload with the bridge's shared secret.
 */
@injectable()
export class BridgeProvider extends SignedWebhookProvider {
  constructor(
    @inject(BRIDGE_OPTIONS) options: BridgeOptions,
    @inject(INSTANCE) instance: InstanceInfo,
    @inject(LOGGER) logger: Logger,
    @inject(CLOCK) clock: Clock,
  ) {
    const profile = BRIDGE_PROFILES[options.platform];
    super(
      { kind: profile.kind, capabilities: { ...profile.capabilities, maxTextLength: options.maxTextLength ?? profile.capabilities.maxTextLength } },
      options,
      instance,
      { logger, clock },
    );
  }
}
