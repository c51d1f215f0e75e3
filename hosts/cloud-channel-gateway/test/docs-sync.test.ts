import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

describe('Cloud Channel Gateway docs are in sync with the code', () => {
  it('documents every setting of the host and every error code of its packages', async () => {
    const { generateDocs } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/docs.mjs')).href)) as { generateDocs(): Promise<Record<string, string>> };
    const docs = await generateDocs();
    const page = readFileSync(join(REPO_ROOT, 'docs/cloud-channel-gateway.md'), 'utf8');
    expect(page, 'docs/cloud-channel-gateway.md is out of date: run node scripts/docs.mjs').to.equal(docs['docs/cloud-channel-gateway.md']);
    const { ALL_CLOUD_GATEWAY_SETTINGS, CLOUD_GATEWAY_PREFIX } = await import('../src/index.js');
    for (const spec of ALL_CLOUD_GATEWAY_SETTINGS) expect(page).to.contain(`\`${CLOUD_GATEWAY_PREFIX}${spec.key}\``);
    const errors = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
    for (const code of ['cloud_gateway.product_mode_standalone', 'cloud_gateway.admin_token_required', 'operator.unauthorized', 'cloud.unauthorized', 'cloud.event_unrenderable']) {
      expect(errors).to.contain(`\`${code}\``);
    }
  });
});
