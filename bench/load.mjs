// Small loopback load generator: N POSTs with C in flight over keep-alive sockets.
import http from 'node:http';

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Sends `total` POSTs of `bodyFor(i)` to `url` with `concurrency` in flight. `headersFor(body)`,
 * when given, adds per-request headers computed from the exact body string (e.g. a signature).
 * Returns per-request latencies (ms), status counts and wall time.
 */
export async function blast({ url, total, concurrency, bodyFor, headers = {}, headersFor }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  async function lane() {
    while (next < total) {
      const i = next++;
      const body = JSON.stringify(bodyFor(i));
      const t0 = performance.now();
      const status = await post(agent, target, body, headersFor ? { ...headers, ...headersFor(body) } : headers);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const wallMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { wallMs, latencies, statuses, rate: (total / wallMs) * 1000 };
}

function post(agent, target, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Open-loop load: sends `rate` POSTs per second for `durationMs`, on a timer, without waiting for
 * answers (so a slow server cannot slow the sender down). Resolves when every answer is in.
 */
export async function paced({ url, rate, durationMs, bodyFor }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const total = Math.round((rate * durationMs) / 1000);
  const statuses = {};
  const pending = [];
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify(bodyFor(i));
    pending.push(post(agent, target, body, {}).then((status) => { statuses[status] = (statuses[status] ?? 0) + 1; }));
  }
  await Promise.all(pending);
  agent.destroy();
  return { total, statuses };
}
