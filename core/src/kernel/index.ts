export { Kernel, type KernelOptions } from './kernel.js';
export { adminRoutes } from './admin-routes.js';
export { DEFAULT_KERNEL_SETTINGS, type KernelSettings } from './settings.js';
export { backoffDelayMs, type BackoffPolicy } from './backoff.js';
export { CircuitBreaker, type CircuitState, type CircuitOptions } from './circuit-breaker.js';
export { authorizePrompt, canPrompt, type AuthorizationDecision, type DenyReason } from './authorize.js';
export { chunkIdsFor } from './outbox.js';
export type { IngestResult } from './inbound-pipeline.js';
export type { ReadinessReport, ProviderReadiness, OverallStatus } from './readiness.js';
