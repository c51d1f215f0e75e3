import type { JsonObject } from '../contracts/common.js';

/**
 * A value as JSON would carry it — undefined fields dropped, Dates as ISO strings, non-finite
 * numbers as null — so it fits the Store's JSON columns. A direct walk: this runs for every
 * stored event and payload, and a stringify/parse round trip costs several times more.
 */
export function toJson(value: unknown): JsonObject {
  return toJsonValue(value) as JsonObject;
}

function toJsonValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return toJsonValue((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return value.map((item) => (dropped(item) ? null : toJsonValue(item)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (!dropped(item)) out[key] = toJsonValue(item);
  }
  return out;
}

function dropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
