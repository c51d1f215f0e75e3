/**
 * The small subset of semver ranges plugins use for their `core` field: `*`, `x.y.z`,
 * `^x.y.z`, `~x.y.z`, `>=x.y.z`, and `||` between them. Pre-release tags are ignored.
 */
export function satisfiesRange(version: string, range: string): boolean {
  return range.split('||').some((part) => satisfiesOne(parse(version), part.trim()));
}

type Triple = [number, number, number];

function parse(version: string): Triple {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('-')[0]!.split('.').map((n) => Number(n) || 0);
  return [major, minor, patch];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function satisfiesOne(version: Triple, range: string): boolean {
  if (range === '' || range === '*' || range === 'x') return true;
  if (range.startsWith('>=')) return compare(version, parse(range.slice(2))) >= 0;
  if (range.startsWith('^')) {
    const base = parse(range.slice(1));
    if (compare(version, base) < 0) return false;
    if (base[0] > 0) return version[0] === base[0];
    if (base[1] > 0) return version[0] === 0 && version[1] === base[1];
    return version[0] === 0 && version[1] === 0 && version[2] === base[2];
  }
  if (range.startsWith('~')) {
    const base = parse(range.slice(1));
    return compare(version, base) >= 0 && version[0] === base[0] && version[1] === base[1];
  }
  return compare(version, parse(range)) === 0;
}
