// `npm test`: build with tsc -b, run every package's compiled mocha tests in one process under
// c8, print line and branch coverage per package, and end with the plain line "N passed, N failed".
//
// The run fails (a non-zero "failed" count) when a test fails, when a test is pending (`it.skip`,
// `this.skip()`, a test without a body: .mocharc.json forbids pending tests, and any pending count
// the reporter still sees is added to the failures), when a file uses `.only` (forbid-only), when a
// package has no compiled test file, or when a package's coverage without its test kit
// (`src/testing/**`, the fakes) is below COVERAGE_FLOOR. Given spec files as arguments
// (`npm test -- core/dist/test/x.test.js`) it runs only those and checks no floors.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsFile = join(root, '.test-results.json');
/** Per-package floors in percent, for every package (hosts and examples included). */
export const COVERAGE_FLOOR = { lines: 90, branches: 80 };

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

/** Every workspace package: core and each folder with a package.json under plugins/, hosts/, examples/. */
function packageDirs() {
  const dirs = ['core'];
  for (const group of ['plugins', 'hosts', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      if (statSync(join(base, name)).isDirectory() && existsSync(join(base, name, 'package.json'))) dirs.push(`${group}/${name}`);
    }
  }
  return dirs;
}

/** Compiled test files of a package: what its spec glob `<dir>/dist/test/**\/*.test.js` matches. */
function compiledTests(dir) {
  const compiled = join(root, dir, 'dist', 'test');
  if (!existsSync(compiled)) return [];
  return readdirSync(compiled, { recursive: true }).map(String).filter((file) => file.endsWith('.test.js'));
}

/** tsc -b never deletes outputs of removed sources: drop compiled tests whose source is gone. */
function removeStaleTests(dir) {
  for (const file of compiledTests(dir)) {
    const source = join(root, dir, 'test', file.replace(/\.js$/, '.ts'));
    if (!existsSync(source)) rmSync(join(root, dir, 'dist', 'test', file));
  }
}

/** Covered/total lines and branches per package, from c8's json-summary. */
function coverageByPackage(dirs) {
  const summaryPath = join(root, 'coverage', 'coverage-summary.json');
  if (!existsSync(summaryPath)) return {};
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  const totals = {};
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total') continue;
    const dir = dirs.find((d) => !relative(join(root, d), file).startsWith('..'));
    if (!dir) continue;
    totals[dir] ??= { lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 } };
    for (const metric of ['lines', 'branches']) {
      totals[dir][metric].covered += data[metric].covered;
      totals[dir][metric].total += data[metric].total;
    }
  }
  return totals;
}

const percent = ({ covered, total }) => (total ? (100 * covered) / total : 100);

const dirs = packageDirs();
const selected = process.argv.slice(2);
if (process.env.CI === 'true') run('npx', ['tsc', '-b', '--clean']);
for (const dir of dirs) removeStaleTests(dir);
const buildStatus = run('npx', ['tsc', '-b']);
if (buildStatus !== 0) {
  console.error('tsc -b failed: fix the type errors above.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const problems = [];
if (selected.length === 0) {
  for (const dir of dirs) {
    if (compiledTests(dir).length === 0) problems.push(`${dir}: no test file matches ${dir}/dist/test/**/*.test.js`);
  }
}

rmSync(resultsFile, { force: true });
rmSync(join(root, 'coverage'), { recursive: true, force: true });
const specs = dirs.filter((d) => compiledTests(d).length > 0).map((d) => `${d}/dist/test/**/*.test.js`);
const mochaStatus = run('npx', [
  'c8', '--all', '--src', '.', '--include', '**/dist/src/**', '--exclude', '**/*.d.ts', '--exclude', '**/node_modules/**',
  '--exclude', '**/dist/src/bin.js', '--exclude', '**/dist/src/testing/**',
  '--reporter=text-summary', '--reporter=json-summary', '--reporter=lcov',
  'mocha', '--reporter', join(root, 'scripts', 'summary-reporter.cjs'), ...(selected.length ? selected : specs),
]);

const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
if (!results) problems.push(`mocha exited with status ${mochaStatus} before running tests (a forbidden .only, or a file that fails to load?)`);
else if (mochaStatus !== 0 && results.failures === 0 && results.pending === 0) problems.push(`mocha exited with status ${mochaStatus}`);

console.log(`\nCoverage by package, without src/testing/** (floors: lines ${COVERAGE_FLOOR.lines} %, branches ${COVERAGE_FLOOR.branches} %):`);
const coverage = coverageByPackage(dirs);
for (const dir of dirs) {
  const data = coverage[dir];
  if (!data) {
    console.log(`  ${dir.padEnd(36)} no coverage data`);
    if (selected.length === 0) problems.push(`${dir}: no coverage data`);
    continue;
  }
  const lines = percent(data.lines);
  const branches = percent(data.branches);
  const below = [];
  if (lines < COVERAGE_FLOOR.lines) below.push(`lines BELOW the ${COVERAGE_FLOOR.lines} % floor`);
  if (branches < COVERAGE_FLOOR.branches) below.push(`branches BELOW the ${COVERAGE_FLOOR.branches} % floor`);
  console.log(`  ${dir.padEnd(36)} lines ${lines.toFixed(1).padStart(5)} %   branches ${branches.toFixed(1).padStart(5)} %${below.length ? `   ${below.join(', ')}` : ''}`);
  if (below.length && selected.length === 0) problems.push(`${dir}: ${below.join(', ')}`);
}

const passes = results?.passes ?? 0;
const pending = results?.pending ?? 0;
const failed = (results?.failures ?? 0) + pending + problems.length;
if (problems.length) console.log(`\nThe run fails:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
console.log('');
if (pending > 0) console.log(`(${pending} pending)`);
console.log(`${passes} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
