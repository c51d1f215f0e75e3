// Proves the test run can fail: runs mocha with the repository's .mocharc.json and
// scripts/summary-reporter.cjs on tiny fixture specs and checks that `.only`, `it.skip`,
// `this.skip()` and a failing test each fail the run, and that a clean spec passes.
// Prints one line per case and exits non-zero when any case behaves otherwise.
// Run by core/test/test-runner.test.ts; also runnable by hand: `node scripts/test-runner-selfcheck.mjs`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const mochaBin = createRequire(join(root, 'package.json')).resolve('mocha/bin/mocha.js');

const CASES = [
  { name: 'a passing spec', spec: "it('passes', () => {});", exit: 0, results: { passes: 1, failures: 0, pending: 0 } },
  { name: 'a failing test', spec: "it('fails', () => { throw new Error('boom'); });", exit: 1, results: { passes: 0, failures: 1, pending: 0 } },
  { name: 'it.only (forbid-only)', spec: "it.only('only', () => {}); it('other', () => {});", exit: 1, output: /only/i, results: null },
  { name: 'it.skip (forbid-pending)', spec: "it('passes', () => {}); it.skip('skipped', () => {});", exit: 1, output: /Pending test forbidden/, results: { passes: 1, failures: 1, pending: 0 } },
  { name: 'this.skip() (forbid-pending)', spec: "it('skips', function () { this.skip(); });", exit: 1, output: /Pending test forbidden/, results: { passes: 0, failures: 1, pending: 0 } },
  { name: 'a test without a body (forbid-pending)', spec: "it('todo');", exit: 1, output: /Pending test forbidden/, results: { passes: 0, failures: 1, pending: 0 } },
];

/** Runs one fixture spec the way `npm test` runs specs; returns exit code, output and the reporter's totals. */
export function runFixture(spec) {
  const dir = mkdtempSync(join(tmpdir(), 'runner-selfcheck-'));
  try {
    const file = join(dir, 'fixture.test.cjs');
    writeFileSync(file, spec);
    const results = join(dir, 'results.json');
    const child = spawnSync(process.execPath, [mochaBin, '--config', join(root, '.mocharc.json'), '--reporter', join(root, 'scripts', 'summary-reporter.cjs'), file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, COWORK_TEST_RESULTS: results, NODE_OPTIONS: '' },
    });
    return {
      exit: child.status,
      output: `${child.stdout}${child.stderr}`,
      results: existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let wrong = 0;
for (const c of CASES) {
  const got = runFixture(c.spec);
  const problems = [];
  if ((got.exit === 0) !== (c.exit === 0)) problems.push(`exit ${got.exit}, expected ${c.exit === 0 ? '0' : 'non-zero'}`);
  if (c.output && !c.output.test(got.output)) problems.push(`output does not match ${c.output}`);
  if (JSON.stringify(got.results) !== JSON.stringify(c.results)) problems.push(`results ${JSON.stringify(got.results)}, expected ${JSON.stringify(c.results)}`);
  if (problems.length) {
    wrong += 1;
    console.log(`FAIL ${c.name}: ${problems.join('; ')}\n${got.output}`);
  } else console.log(`ok   ${c.name}`);
}
console.log(wrong ? `runner self-check: ${wrong} of ${CASES.length} cases wrong` : `runner self-check: ${CASES.length} cases ok`);
process.exit(wrong ? 1 : 0);
