import type { JsonObject } from '../contracts/common.js';

/** Drops undefined fields so a value fits the Store's JSON columns. */
export function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
