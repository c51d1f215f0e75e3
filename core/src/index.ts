/**
 * @packageDocumentation
 * Core of cowork-gateway: the four contracts (Provider, ExecutionAuthority, Store, Renderer),
 * the plugin API, configuration, the HTTP server and the kernel pipeline.
 */
import 'reflect-metadata';
export { injectable, inject, singleton, Lifecycle, container as rootContainer } from 'tsyringe';
export type { DependencyContainer } from 'tsyringe';
export * from './contracts/common.js';
export * from './contracts/provider.js';
export * from './contracts/execution-authority.js';
export * from './contracts/store.js';
export * from './contracts/renderer.js';
export * from './errors.js';
export * from './tokens.js';
export * from './plugin.js';
export * from './logging.js';
export * from './redaction.js';
