import type { InjectionToken } from 'tsyringe';
import type { ExecutionAuthority } from './contracts/execution-authority.js';
import type { Provider } from './contracts/provider.js';
import type { Renderer } from './contracts/renderer.js';
import type { Store } from './contracts/store.js';
import type { Logger } from './logging.js';

/** A typed injection token: a symbol whose description is its dotted id. */
export type Token<T> = symbol & { readonly __type?: T };

export function token<T>(id: string): Token<T> {
  return Symbol.for(`cowork-gateway:${id}`) as Token<T>;
}

/** Resolves a token from a tsyringe container, keeping its type. */
export function resolve<T>(container: { resolve<R>(t: InjectionToken<R>): R }, t: Token<T>): T {
  return container.resolve<T>(t as InjectionToken<T>);
}

/** Who a plugin instance is: the id from config (`slack-prod`) and its package name. */
export interface InstanceInfo {
  id: string;
  plugin: string;
  kind: PluginKind;
}

export type PluginKind = 'provider' | 'executor' | 'store' | 'renderer' | 'extension';

/** Wall clock, injectable so tests can move time. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export const STORE = token<Store>('core.store');
export const EXECUTOR = token<ExecutionAuthority>('core.executor');
export const PROVIDER = token<Provider>('core.provider');
export const RENDERER = token<Renderer>('core.renderer');
export const LOGGER = token<Logger>('core.logger');
export const INSTANCE = token<InstanceInfo>('core.instance');
export const CLOCK = token<Clock>('core.clock');
