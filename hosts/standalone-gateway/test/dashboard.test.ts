import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { DASHBOARD_CSP } from '../src/dashboard/routes.js';
import { adminGet, eventually, postJson, PREFIX, REPO_ROOT } from './helpers/host-process.js';
import { loadConfig, silentLogger } from '@cowork-gateway/core';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX, startGateway, type RunningGateway } from '../src/index.js';

const ADMIN = 'dashboard-admin-token-0123456789';
const INJECTION = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
/** Screenshots land here (gitignored); CI keeps them as test artifacts. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
/** Debian's `chromium` (installed by `.ci/run`); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';


/** The real gateway (`startGateway`, the CLI's `start` path) in this process, on an ephemeral loopback port. */
async function startInProcess(config: Record<string, unknown>): Promise<RunningGateway> {
  const loaded = loadConfig({
    prefix: STANDALONE_PREFIX,
    specs: ALL_STANDALONE_SETTINGS,
    env: {
      [`${PREFIX}STORE`]: 'memory',
      [`${PREFIX}PORT`]: '0',
      [`${PREFIX}OPENCODE_MANAGED`]: 'false',
      [`${PREFIX}CONFIG_JSON`]: JSON.stringify(config),
    },
  });
  return startGateway(loaded, { logger: silentLogger });
}

describe('/dashboard (the gateway in process)', function () {
  this.timeout(90_000);
  let channel: FakeChannel;
  let host: RunningGateway;
  let webhook: string;

  before(async () => {
    channel = await FakeChannel.start();
    host = await startInProcess({
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      [`${PREFIX}AUTH_FAILURE_LIMIT`]: 5,
      [`${PREFIX}CIRCUIT_FAILURE_THRESHOLD`]: 50,
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
    webhook = `${host.url}/webhooks/fake`;
  });

  after(async () => {
    await host.stop();
    await channel.close();
  });

  const prompt = async (id: string, chatId: string, text: string): Promise<string> => {
    const res = await postJson(webhook, { id, chatId, userId: 'alice', text });
    expect(res.status).to.equal(202);
    return res.body.events[0].traceId as string;
  };

  describe('over HTTP', () => {
    it('answers 401 on every dashboard endpoint without the admin token', async () => {
      const gets = ['/dashboard', '/dashboard/sessions/any', '/dashboard/search?q=abc'];
      for (const path of gets) {
        for (const headers of [{}, { authorization: 'Bearer not-the-token-0000000000' }, { cookie: 'cgw_dashboard=forged' }] as Record<string, string>[]) {
          const res = await fetch(`${host.url}${path}`, { headers });
          expect(res.status, `${path} ${JSON.stringify(headers)}`).to.equal(401);
          expect(await res.text()).to.contain('name="token"');
        }
      }
      for (const path of ['/dashboard/deliveries/x/retry', '/dashboard/deliveries/x/dead-letter', '/dashboard/logout']) {
        const res = await fetch(`${host.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
        expect(res.status, path).to.equal(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('admin.unauthorized');
      }
    });

    it('serves HTML with a strict CSP to the bearer token, and refuses form posts without the CSRF token', async () => {
      const res = await fetch(`${host.url}/dashboard`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).to.equal(DASHBOARD_CSP);
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(await res.text()).not.to.contain('<script');

      const login = await fetch(`${host.url}/dashboard/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${ADMIN}` });
      expect(login.status).to.equal(303);
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).to.match(/HttpOnly/).and.match(/SameSite=Strict/).and.match(/Path=\/dashboard/);
      const session = cookie.split(';')[0]!;
      const overview = await fetch(`${host.url}/dashboard`, { headers: { cookie: session } });
      expect(overview.status).to.equal(200);
      const csrf = /name="csrf" value="([^"]+)"/.exec(await overview.text())![1]!;
      for (const body of ['', 'csrf=wrong']) {
        const res = await fetch(`${host.url}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect(res.status).to.equal(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('dashboard.csrf_invalid');
      }
      const logout = await fetch(`${host.url}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}` });
      expect(logout.status).to.equal(303);
      expect((await fetch(`${host.url}/dashboard`, { headers: { cookie: session } })).status, 'the session ended').to.equal(401);
    });

    it('rejects an empty search, and a retry of a delivery that is not dead', async () => {
      const empty = await fetch(`${host.url}/dashboard/search?q=`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(empty.status).to.equal(400);
      const missing = await fetch(`${host.url}/dashboard/deliveries/nope/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      expect(missing.status).to.equal(404);
    });
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    let page: Page;

    before(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
    });

    it('logs in with the admin token', async () => {
      const res = await page.goto(`${host.url}/dashboard`);
      expect(res!.status()).to.equal(401);
      await page.fill('input[name="token"]', ADMIN);
      await Promise.all([page.waitForURL(`${host.url}/dashboard`), page.click('button[type="submit"]')]);
      expect(await page.textContent('h2')).to.contain('Sessions');
      expect(await page.isVisible('text=Log out')).to.equal(true);
    });

    it("shows a session's ordered events after a prompt, with a script-injection string inert", async () => {
      await prompt('web-1', 'chat-web', `hello ${INJECTION}`);
      await channel.waitFor(() => channel.messagesFor('chat-web').length >= 1);
      await eventually(async () => {
        await page.goto(`${host.url}/dashboard`);
        return (await page.locator('#sessions a', { hasText: 'hello' }).count()) > 0;
      });
      await page.locator('#sessions a', { hasText: 'hello' }).first().click();
      const types = await eventually(async () => {
        await page.reload();
        const found = await page.locator('#events tbody tr td:nth-child(3)').allTextContents();
        return found.includes('run.completed') ? found : null;
      });
      expect(types).to.include.ordered.members(['session.created', 'user.message', 'run.started', 'assistant.message', 'run.completed']);
      const seqs = (await page.locator('#events tbody tr td:nth-child(1)').allTextContents()).map(Number);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      expect(await page.locator('#events').textContent()).to.contain(INJECTION);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).to.equal(undefined);
      expect(await page.locator('#events script, #events img').count()).to.equal(0);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-session.png'), fullPage: true });
    });

    it('retries a dead-lettered delivery', async () => {
      channel.failNext({ status: 400, count: 1 });
      await prompt('web-dead', 'chat-dead', 'this reply is dead-lettered');
      const dead = await eventually(async () => {
        const body = await adminGet(`${host.url}/admin/deliveries?status=dead`, ADMIN);
        return body.deliveries.find((d: { target: { chatId: string } }) => d.target.chatId === 'chat-dead');
      });
      await page.goto(`${host.url}/dashboard#deliveries`);
      const row = page.locator(`tr[data-delivery="${dead.deliveryId}"]`);
      expect(await row.locator('td:nth-child(4)').textContent()).to.equal('dead');
      // The page is already on /dashboard, so waitForURL would resolve before the form's
      // POST → 303 → GET finished and race the reloads below; wait for the new document's load.
      await Promise.all([page.waitForEvent('load'), row.locator('button', { hasText: 'Retry' }).click()]);
      await channel.waitFor(() => channel.messagesFor('chat-dead').length >= 1);
      await eventually(async () => {
        await page.reload();
        return (await row.locator('td:nth-child(4)').textContent()) === 'sent';
      });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });
    });

    it('finds one message by trace id and by provider message id, with its whole path', async () => {
      const traceId = await prompt('web-trace', 'chat-trace', 'trace me');
      await channel.waitFor(() => channel.messagesFor('chat-trace').length >= 1);
      await page.goto(`${host.url}/dashboard`);
      await page.fill('input[name="q"]', traceId);
      await Promise.all([page.waitForURL(/\/dashboard\/search\?q=/), page.click('form[action="/dashboard/search"] button')]);
      const trace = page.locator(`article[data-trace="${traceId}"]`);
      await eventually(async () => {
        await page.reload();
        return (await trace.locator('text=run.completed').count()) > 0 && (await trace.locator('td.status-sent').count()) > 0;
      });
      const text = (await trace.textContent())!;
      for (const step of ['1. Claim', '2. Authorization', '3. Job', '4. Executor run', '5. Deliveries', 'web-trace', 'standalone.job.claimed', ':chunk:1']) expect(text).to.contain(step);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trace.png'), fullPage: true });

      await page.goto(`${host.url}/dashboard/search?q=web-trace`);
      expect(await page.textContent('#results')).to.contain('inbound provider event id');
      expect(await page.locator(`article[data-trace="${traceId}"]`).count()).to.equal(1);
      const reports = await adminGet(`${host.url}/admin/trace?traceId=${traceId}`, ADMIN);
      const providerMessageId = reports.traces[0].deliveries[0].chunks[0].providerMessageId as string;
      await page.goto(`${host.url}/dashboard/search?q=${encodeURIComponent(providerMessageId)}`);
      expect(await page.textContent('#results')).to.contain('sent provider message id');
      expect(await page.locator(`article[data-trace="${traceId}"]`).count()).to.equal(1);
    });
  });

  // Last: it blocks this source (loopback) for logins for the rest of the run.
  describe('login abuse', () => {
    it('refuses a wrong login, then blocks the source after too many', async () => {
      const attempt = () => fetch(`${host.url}/dashboard/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
      const first = await attempt();
      expect(first.status).to.equal(401);
      expect(await first.text()).to.contain('not the admin token');
      for (let i = 0; i < 4; i += 1) await attempt();
      const blocked = await attempt();
      expect(blocked.status).to.equal(429);
      expect(blocked.headers.get('retry-after')).to.match(/^\d+$/);
    });

  });
});
