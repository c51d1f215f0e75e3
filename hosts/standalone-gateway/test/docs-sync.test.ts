import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { REPO_ROOT } from './helpers/host-process.js';

/** docs/configuration.md, docs/errors.md and docs/config.schema.json are generated from the code. */
describe('generated docs are in sync with the code', () => {
  it('matches what scripts/docs.mjs generates (run `node scripts/docs.mjs` to refresh)', async () => {
    const { generateDocs } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/docs.mjs')).href)) as { generateDocs(): Promise<Record<string, string>> };
    const docs = await generateDocs();
    for (const [file, content] of Object.entries(docs)) {
      expect(readFileSync(join(REPO_ROOT, file), 'utf8'), `${file} is out of date`).to.equal(content);
    }
  });

  it('documents every setting and every error code', async () => {
    const core = await import('@cowork-gateway/core');
    const { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX } = await import('../src/index.js');
    const configuration = readFileSync(join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
    for (const spec of ALL_STANDALONE_SETTINGS) expect(configuration).to.contain(`\`${STANDALONE_PREFIX}${spec.key}\``);
    const errors = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
    for (const code of core.errorRegistry.keys()) expect(errors).to.contain(`\`${code}\``);
  });
});
