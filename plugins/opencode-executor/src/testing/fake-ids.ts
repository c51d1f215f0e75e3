import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MASK = (1n << 48n) - 1n;
let last = 0n;

/** Ids in OpenCode's format: ascending (`msg`, `prt`, `per`, `que`, `evt`) or descending (`ses`). */
export function fakeId(prefix: string, descending = false): string {
  const now = BigInt(Date.now()) * 0x1000n;
  last = now > last ? now + 1n : last + 1n;
  const time = descending ? ~last & MASK : last & MASK;
  const tail = [...randomBytes(14)].map((b) => BASE62[b % 62]).join('');
  return `${prefix}_${time.toString(16).padStart(12, '0')}${tail}`;
}

/** Makes later ids sort after `id` (a client-chosen message id). */
export function observeId(id: string): void {
  const match = /^[a-z]+_([0-9a-f]{12})/.exec(id);
  if (!match) return;
  const time = BigInt(`0x${match[1]}`);
  if (time > last) last = time;
}
