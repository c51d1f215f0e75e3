import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

const root = new URL('../../../', import.meta.url).pathname;

describe('the test runner (npm test)', function () {
  this.timeout(60_000);

  it('fails a run with .only, it.skip, this.skip(), a body-less test or a failing test, and passes a clean one', () => {
    const child = spawnSync(process.execPath, ['scripts/test-runner-selfcheck.mjs'], { cwd: root, encoding: 'utf8' });
    expect(child.stdout, child.stderr).to.match(/runner self-check: 6 cases ok/);
    expect(child.status, child.stdout).to.equal(0);
  });
});
