/** Top-level and flat keys of a config document: unknown-key issues with "did you mean" suggestions. */
import { BOOTSTRAP_KEYS, STRUCTURED_KEYS, type ConfigDoc, type Context, type RawValue } from './context.js';
import { isSecretRef, resolveSecretRef } from './secret-refs.js';

export function unknownTopLevelIssue(ctx: Context, key: string, source: string): string {
  const candidates = [...STRUCTURED_KEYS, ...[...ctx.specs.keys()].map((k) => ctx.prefix + k)];
  const hint = closest(key, candidates, (candidate) => candidate.startsWith(ctx.prefix) ? candidate.slice(ctx.prefix.length) : candidate);
  return (
    `${key} (${source}): not a known top-level key; expected ${ctx.prefix}<KEY> settings or one of ` +
    `${STRUCTURED_KEYS.join(', ')}` + (hint ? `; did you mean ${hint}?` : '')
  );
}

export function readFlatKey(ctx: Context, doc: ConfigDoc, name: string, value: unknown, out: RawValue[]): void {
  const key = name.slice(ctx.prefix.length);
  const source = doc.locate([name]);
  if (BOOTSTRAP_KEYS.includes(key)) {
    ctx.issues.push(`${name} (${source}): can only be set in the environment, not in a config object`);
    return;
  }
  if (!ctx.specs.has(key)) {
    ctx.issues.push(unknownSettingIssue(ctx, key, source));
    return;
  }
  if (value === null) return;
  if (isSecretRef(value)) {
    const resolved = resolveSecretRef(ctx, value, name, source);
    if (resolved !== undefined) out.push({ key, name, raw: resolved, source, fromSecretRef: true });
    return;
  }
  out.push({ key, name, raw: value, source });
}

export function unknownSettingIssue(ctx: Context, key: string, source: string): string {
  const hint = closest(key, [...ctx.specs.keys()], (candidate) => candidate);
  return `${ctx.prefix}${key} (${source}): not a known setting` + (hint ? `; did you mean ${ctx.prefix}${hint}?` : '');
}

/** The candidate closest to `word` within Levenshtein distance 3, if any. */
export function closest(word: string, candidates: readonly string[], compareAs: (candidate: string) => string): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toUpperCase(), compareAs(candidate).toUpperCase());
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function checkKnownKeys(ctx: Context, value: Record<string, unknown>, allowed: readonly string[], label: (key: string) => string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) ctx.issues.push(`${label(key)}: not a known key; expected ${allowed.join(', ')}`);
  }
}
