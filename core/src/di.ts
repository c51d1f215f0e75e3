/**
 * The one place core loads tsyringe: `reflect-metadata` must be evaluated before tsyringe, and
 * ESM evaluates imports in order, so everything that needs decorators imports them from here.
 */
import 'reflect-metadata';
export { injectable, inject, singleton, Lifecycle, container } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';
