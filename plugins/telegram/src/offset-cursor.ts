/**
 * Telegram picks the next update_id at random after a week without updates, so an offset saved
 * longer ago than this could be above every new id and confirm (drop) them all. Older cursors
 * are ignored and polling starts from what Telegram still holds.
 */
const MAX_CURSOR_AGE_MS = 6 * 24 * 3600 * 1000;

/** The stored form of the polling offset: `{"offset":N,"savedAt":"<ISO time>"}`. */
export function encodeOffset(offset: number, now: Date): string {
  return JSON.stringify({ offset, savedAt: now.toISOString() });
}

/** Reads a stored offset; `ignored` says why a stored value was not used. */
export function decodeOffset(stored: string | undefined, now: Date): { offset?: number; ignored?: string } {
  if (stored === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return { ignored: 'unreadable' };
  }
  const { offset, savedAt } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { offset?: unknown; savedAt?: unknown };
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) return { ignored: 'unreadable' };
  const savedTime = typeof savedAt === 'string' ? Date.parse(savedAt) : NaN;
  if (Number.isNaN(savedTime)) return { ignored: 'unreadable' };
  if (now.getTime() - savedTime > MAX_CURSOR_AGE_MS) return { ignored: 'older_than_six_days' };
  return { offset };
}
