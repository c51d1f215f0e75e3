/**
 * Small helpers shared by the memory repositories: copies, ordering, limits and time.
 */

/**
 * A deep copy, so callers never hold a reference into the store's state. Rows are plain JSON
 * plus Dates, so a direct walk is enough, and several times faster than structuredClone.
 */
export function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out as T;
}

/** `date + ms` as a new Date. */
export function plus(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** Rows ordered newest first by `createdAt`; equal timestamps keep reverse insertion order. */
export function newestFirst<T extends { createdAt: Date }>(rows: Iterable<T>): T[] {
  return [...rows].reverse().sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Rows ordered oldest first by `createdAt`; equal timestamps keep insertion order. */
export function oldestFirst<T extends { createdAt: Date }>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** The first `limit` rows (all when `limit` is undefined), copied. */
export function limited<T>(rows: readonly T[], limit: number | undefined): T[] {
  const slice = limit === undefined ? rows : rows.slice(0, Math.max(0, limit));
  return slice.map((row) => copy(row));
}

/** Whether a lease-like expiry has passed at `now`. */
export function expired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}
