/**
 * @packageDocumentation
 * The Standalone Gateway host preset: picks the plugins of the `gateway-only` topology and
 * exposes the `cowork-standalone-gateway` CLI. Embed it with {@link startGateway}.
 */
export { startGateway, createHostLogger, AdminTokenRequired, type RunningGateway, type StartGatewayOptions } from './gateway.js';
export {
  assemblePlugins,
  assembleStore,
  buildKernel,
  kernelSettingsFrom,
  standaloneKernelSettings,
  StoreUnavailable,
  STANDALONE_AUDIT_PREFIX,
  STANDALONE_CHOICES,
  type AssembledPlugins,
} from './preset.js';
export { runIdentityCommand, IdentityArgsInvalid, IdentityRemoteFailed, type IdentityAction, type IdentityArgs } from './identity-command.js';
export { STANDALONE_PREFIX, STANDALONE_SETTINGS, ALL_STANDALONE_SETTINGS, STORE_PACKAGES } from './settings.js';
export { runDoctor, doctorReport, type DoctorArgs, type DoctorCheck, type DoctorReport, type CheckStatus } from './commands/doctor.js';
export { runSetup, SetupOutputExists, SetupSecretPrintRefused, type SetupArgs } from './commands/setup.js';
export { runValidate, type ValidateArgs, type Finding } from './commands/validate.js';
export { runBackup, runRestore, readArchive, writeArchive, secretInventory, BackupArchiveInvalid, BackupNeedsDurableStore, RestoreTargetNotEmpty, ARCHIVE_FORMAT, ARCHIVE_VERSION, type BackupArgs, type RestoreArgs } from './commands/backup.js';
export { runRetention, dryRun as retentionDryRun, cutoffsFrom as retentionCutoffs, type RetentionArgs } from './commands/retention.js';
export { runTrace, type TraceArgs } from './commands/trace.js';
export { CliArgsInvalid, EXIT, type CommandResult } from './commands/shared.js';
export { runSmoke, SmokeProviderUnsupported, type SmokeArgs } from './commands/smoke.js';
