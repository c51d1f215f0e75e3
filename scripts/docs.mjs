// Generates docs/configuration.md's settings table, docs/errors.md and docs/config.schema.json
// from the code (setting specs and the error registry), so the docs cannot drift.
//   node scripts/docs.mjs          write the files
//   node scripts/docs.mjs --check  exit 1 if any file is out of date
// The docs-sync test (hosts/standalone-gateway/test/docs-sync.test.ts) runs the check.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Codes that are not GatewayErrors but that users meet in delivery, job and audit rows. */
const OTHER_CODES = [
  ['internal', 500, 'An unexpected server error; details are in the gateway log, never in the response.'],
  ['executor.run_failed', '-', 'The agent run itself failed (reported by the executor); the sender is told.'],
  ['run.deadline_exceeded', '-', 'The run passed PROMPT_DEADLINE_SECONDS and was aborted; the sender is told.'],
  ['job.session_missing', '-', 'A prompt job named a session that no longer exists; the job fails.'],
  ['job.payload_invalid', '-', 'A prompt job without text or target; the job fails.'],
  ['opencode.aborted', '-', 'OpenCode reports the run aborted (the deadline, or an operator); the sender is told.'],
  ['opencode.upstream_error', '-', "The model provider behind OpenCode failed the request (a 4xx is not retried); the sender is told the provider's reason."],
  ['opencode.provider_auth', '-', "The model provider rejected OpenCode's credentials; fix the provider key in OpenCode's config."],
  ['opencode.context_overflow', '-', "The conversation no longer fits the model's context; start a new session."],
  ['opencode.output_too_long', '-', 'The model reached its output length limit.'],
  ['opencode.run_failed', '-', 'Any other failure OpenCode reports for a run, with its error name.'],
  ['opencode.run_interrupted', '-', 'OpenCode stopped or forgot the run before it finished (e.g. it restarted); the sender is asked to send the message again.'],
  ['opencode.superseded', '-', 'A newer prompt took over the OpenCode session before this run finished.'],
];

export async function generateDocs() {
  const core = await import(join(root, 'core/dist/src/index.js'));
  const host = await import(join(root, 'hosts/standalone-gateway/dist/src/index.js'));
  const cloudHost = await import(join(root, 'hosts/cloud-channel-gateway/dist/src/index.js'));
  const plugins = [
    (await import(join(root, 'plugins/memory-store/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/pg-store/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/opencode-executor/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/telegram/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/webhook/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/bridge/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/slack/dist/src/index.js'))).default,
    (await import(join(root, 'plugins/cloud-executor/dist/src/store-entry.js'))).default,
    (await import(join(root, 'plugins/cloud-executor/dist/src/index.js'))).default,
    (await import(join(root, 'core/dist/src/testing/fake-provider.js'))).default,
    (await import(join(root, 'core/dist/src/testing/fake-executor.js'))).default,
  ];
  const table = core.renderSettingsTable(host.ALL_STANDALONE_SETTINGS, host.STANDALONE_PREFIX);
  const schema = JSON.stringify(core.configFileJsonSchema(host.ALL_STANDALONE_SETTINGS, host.STANDALONE_PREFIX), null, 2) + '\n';
  return {
    'docs/configuration.md': spliceGenerated(readFileSync(join(root, 'docs/configuration.md'), 'utf8'), table),
    'docs/cloud-channel-gateway.md': spliceGenerated(
      readFileSync(join(root, 'docs/cloud-channel-gateway.md'), 'utf8'),
      core.renderSettingsTable(cloudHost.ALL_CLOUD_GATEWAY_SETTINGS, cloudHost.CLOUD_GATEWAY_PREFIX),
    ),
    'docs/errors.md': errorsPage(core.errorRegistry),
    'docs/config.schema.json': schema,
    'docs/plugin-options.md': pluginOptionsPage(plugins, core.pluginOptionsJsonSchema),
  };
}

function spliceGenerated(page, table) {
  const start = '<!-- settings:start -->';
  const end = '<!-- settings:end -->';
  const before = page.slice(0, page.indexOf(start) + start.length);
  const after = page.slice(page.indexOf(end));
  if (page.indexOf(start) < 0 || page.indexOf(end) < 0) throw new Error('a generated page lost its settings markers');
  return `${before}\n${table.trim()}\n${after}`;
}

function pluginOptionsPage(plugins, toSchema) {
  const lines = [
    '# Plugin options',
    '',
    "Each plugin validates its `options` object (in the config file's `store`, `executor`,",
    '`renderer` or `providers[]` entry) against its own schema; unknown keys are errors. This page',
    'is generated from those schemas by `node scripts/docs.mjs`. `pluginOptionsJsonSchema(plugin)`',
    'from `@cowork-gateway/core` returns the same schema as JSON Schema for editors.',
  ];
  for (const plugin of plugins) {
    const schema = toSchema(plugin);
    const required = new Set(schema.required ?? []);
    lines.push('', `## \`${plugin.name}\` (${plugin.kind})`, '', plugin.description ?? '', '');
    const entries = Object.entries(schema.properties ?? {});
    if (entries.length === 0) {
      lines.push('No options.');
      continue;
    }
    lines.push('| option | type | required | default | description |', '| --- | --- | --- | --- | --- |');
    for (const [name, prop] of entries) {
      const type = prop.enum ? prop.enum.map((e) => `\`${e}\``).join(' \\| ') : prop.type ?? 'any';
      const fallback = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
      lines.push(`| \`${name}\` | ${type} | ${required.has(name) ? 'yes' : 'no'} | ${fallback} | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

function errorsPage(registry) {
  const rows = [...registry.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, { status }]) => `| \`${code}\` | ${status} |`);
  const other = OTHER_CODES.map(([code, status, text]) => `| \`${code}\` | ${status} | ${text} |`);
  return [
    '# Error codes',
    '',
    'Every error that crosses a package boundary has a stable code `<area>.<reason>`. Codes are API:',
    'they are never renamed or reused. HTTP answers carry them as `{"error":{"code","message"}}`; the',
    'CLI prints them first on the line and exits 2 for bad input. This page is generated from the',
    "code's error registry by `node scripts/docs.mjs`; a test fails when it is out of date.",
    '',
    '## Errors (`GatewayError`)',
    '',
    '| code | HTTP status |',
    '| --- | --- |',
    ...rows,
    '',
    '## Other codes you will see in responses, job errors, dead letters and logs',
    '',
    '| code | status | meaning |',
    '| --- | --- | --- |',
    ...other,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const docs = await generateDocs();
  let stale = 0;
  for (const [file, content] of Object.entries(docs)) {
    const path = join(root, file);
    let current = '';
    try { current = readFileSync(path, 'utf8'); } catch { /* new file */ }
    if (current === content) continue;
    if (process.argv.includes('--check')) {
      console.error(`${file} is out of date: run node scripts/docs.mjs`);
      stale += 1;
    } else {
      writeFileSync(path, content);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
