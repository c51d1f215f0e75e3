// `npm test`: build with tsc -b, run every package's compiled mocha tests in one process under
// c8, print coverage per package, and end with the plain line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsFile = join(root, '.test-results.json');
const COVERAGE_FLOOR = { core: 85, 'plugins/memory-store': 85, 'plugins/pg-store': 85, 'plugins/opencode-executor': 85, 'plugins/telegram': 85 };

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function packageDirs() {
  const dirs = ['core'];
  for (const group of ['plugins', 'hosts', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) if (statSync(join(base, name)).isDirectory()) dirs.push(`${group}/${name}`);
  }
  return dirs;
}

/** tsc -b never deletes outputs of removed sources: drop compiled tests whose source is gone. */
function removeStaleTests(dir) {
  const compiled = join(root, dir, 'dist', 'test');
  if (!existsSync(compiled)) return;
  for (const file of readdirSync(compiled, { recursive: true })) {
    if (!String(file).endsWith('.test.js')) continue;
    const source = join(root, dir, 'test', String(file).replace(/\.js$/, '.ts'));
    if (!existsSync(source)) rmSync(join(compiled, String(file)));
  }
}

function coverageByPackage() {
  const summaryPath = join(root, 'coverage', 'coverage-summary.json');
  if (!existsSync(summaryPath)) return {};
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  const totals = {};
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total') continue;
    const dir = packageDirs().find((d) => relative(join(root, d), file).split('/')[0] !== '..' && !relative(join(root, d), file).startsWith('..'));
    if (!dir) continue;
    totals[dir] ??= { covered: 0, total: 0 };
    totals[dir].covered += data.lines.covered;
    totals[dir].total += data.lines.total;
  }
  return totals;
}

const dirs = packageDirs();
if (process.env.CI === 'true') run('npx', ['tsc', '-b', '--clean']);
for (const dir of dirs) removeStaleTests(dir);
const buildStatus = run('npx', ['tsc', '-b']);
if (buildStatus !== 0) {
  console.error('tsc -b failed: fix the type errors above.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

rmSync(resultsFile, { force: true });
const specs = dirs.map((d) => `${d}/dist/test/**/*.test.js`);
const mochaStatus = run('npx', [
  'c8', '--all', '--src', '.', '--include', '**/dist/src/**', '--exclude', '**/*.d.ts', '--exclude', '**/node_modules/**',
  '--exclude', '**/dist/src/bin.js',
  '--reporter=text-summary', '--reporter=json-summary', '--reporter=lcov',
  'mocha', '--reporter', join(root, 'scripts', 'summary-reporter.cjs'), ...(process.argv.slice(2).length ? process.argv.slice(2) : specs),
]);

const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { passes: 0, failures: 1 };
let failed = results.failures + (existsSync(resultsFile) ? 0 : 0);
console.log('\nLine coverage by package:');
const coverage = coverageByPackage();
for (const [dir, { covered, total }] of Object.entries(coverage)) {
  const pct = total ? (100 * covered) / total : 100;
  const floor = COVERAGE_FLOOR[dir];
  const flag = floor !== undefined && pct < floor ? `  BELOW the ${floor} % floor` : '';
  console.log(`  ${dir.padEnd(36)} ${pct.toFixed(1).padStart(5)} %${flag}`);
  if (flag && process.argv.length <= 2) failed += 1;
}
if (mochaStatus !== 0 && results.failures === 0) failed += 1;
console.log(`\n${results.passes} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
