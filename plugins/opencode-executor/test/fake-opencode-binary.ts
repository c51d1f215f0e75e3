import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes an executable stand-in for `opencode serve` into a fresh temp dir: it serves
 * `GET /global/health` with Basic auth, prints its password to stderr (to prove redaction), and
 * records its pid and environment. `OPENCODE_FAKE_MODE` picks a failure: `exit` (dies at once),
 * `never-ready` (listens, never answers), `crash-once` (dies 300 ms after its first start).
 */
export function writeFakeOpenCodeBinary(): { dir: string; binary: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-opencode-bin-'));
  const binary = join(dir, 'opencode');
  writeFileSync(
    binary,
    `#!/usr/bin/env node
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]);
const host = args[args.indexOf('--hostname') + 1];
const state = ${JSON.stringify(dir)};
const mode = process.env.OPENCODE_FAKE_MODE || '';
fs.appendFileSync(path.join(state, 'pids'), process.pid + '\\n');
fs.writeFileSync(path.join(state, 'env.json'), JSON.stringify({ env: process.env, args, cwd: process.cwd() }));
process.stderr.write('starting with password ' + process.env.OPENCODE_SERVER_PASSWORD + '\\n');
if (mode === 'exit') { process.stderr.write('fatal: cannot start\\n'); process.exit(3); }
const expected = 'Basic ' + Buffer.from((process.env.OPENCODE_SERVER_USERNAME || 'opencode') + ':' + process.env.OPENCODE_SERVER_PASSWORD).toString('base64');
const server = http.createServer((req, res) => {
  if (mode === 'never-ready') return;
  if (req.headers.authorization !== expected) { res.writeHead(401); return res.end(); }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ healthy: true, version: 'fake-bin' }));
});
server.listen(port, host, () => console.log('opencode server listening on http://' + host + ':' + port));
const crashedFile = path.join(state, 'crashed');
if (mode === 'crash-once' && !fs.existsSync(crashedFile)) {
  setTimeout(() => { fs.writeFileSync(crashedFile, '1'); process.exit(1); }, 300);
}
process.on('SIGTERM', () => process.exit(0));
`,
  );
  chmodSync(binary, 0o755);
  return { dir, binary };
}
