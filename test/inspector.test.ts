// Issue 5 §2: the inspector page in a real Chromium (Debian's `chromium`, driven by playwright-core):
// enter the token, watch a signed webhook arrive live, open it, read why an event was quarantined,
// replay, see rejections. Screenshots go to test/artifacts/ (git-ignored); with
// HOOKD_UPDATE_SCREENSHOTS=1 the README's go to docs/img/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SECRET, jobservBuild, post, pythonJsonDumps, repoRoot, signedHeaders, startReceiver, tempDir } from './helpers/hookd.js';
import type { Browser, Page } from 'playwright-core';
import type { EventSummaryJson } from '../dist/admin/event-json.js';
import type { Posted, Receiver } from './helpers/hookd.js';

const CHROMIUM = process.env.HOOKD_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'test-admin-token-not-real';
const ARTIFACTS = path.join(repoRoot, 'test', 'artifacts');
const DOCS_IMG = path.join(repoRoot, 'docs', 'img');

const PLUGIN = `export default {
  name: 'notify',
  match: { source: 'jobserv' },
  async handle(event) { return 'seen ' + event.id; },
};
`;

describe('inspector page in Chromium', () => {
  // The functions run inside the page are handed over as strings: the test tsconfig has no DOM
  // library (its fetch types fight Node's), so `document` and the storages are not typed here.
  let r: Receiver;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const apiCalls: { path: string; auth: string | undefined }[] = [];

  const shot = async (name: string, { docs = false }: { docs?: boolean } = {}): Promise<void> => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    if (docs && process.env.HOOKD_UPDATE_SCREENSHOTS === '1') {
      await page.waitForTimeout(1800); // let the new-row highlight fade for the README's picture
      fs.mkdirSync(DOCS_IMG, { recursive: true });
      await page.screenshot({ path: path.join(DOCS_IMG, `${name}.png`) });
    }
  };
  const send = (value: unknown, headers?: Record<string, string>): Promise<Posted> => {
    const body = pythonJsonDumps(value);
    return post(`${r.url}/hooks/jobserv`, body, headers ?? signedHeaders('jobserv', SECRET, body));
  };

  before(async () => {
    // CI installs Debian's chromium (.ci/run); a missing browser is a failure, never a skip.
    assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set HOOKD_CHROMIUM`);
    const dir = tempDir('hookd-inspector-');
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.writeFileSync(path.join(dir, 'plugins', 'notify.mjs'), PLUGIN);
    r = await startReceiver(
      {
        server: { port: 0, host: '127.0.0.1', rateLimit: false },
        admin: { port: 0, token: ADMIN_TOKEN },
        log: { level: 'warn' },
        plugins: { dir: './plugins', pollMs: 100, backoffMs: 20 },
        sources: { jobserv: { kind: 'jobserv', secret: SECRET } },
      },
      { dir },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 860 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith('/api/')) apiCalls.push({ path: url.pathname + url.search, auth: req.headers().authorization });
    });
  });

  after(async () => {
    await browser?.close();
    await r?.hookd.close();
  });

  it('asks for the token once, refuses a wrong one, keeps the right one in session storage', async () => {
    await page.goto(`${r.hookd.adminUrl}/`);
    await page.waitForSelector('#token-form', { state: 'visible' });
    await shot('inspector-login');
    await page.fill('#token-input', 'not-the-token');
    await page.click('#token-submit');
    await page.waitForSelector('#token-error', { state: 'visible' });
    assert.match((await page.textContent('#token-error')) ?? '', /not accepted/);
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-submit');
    await page.waitForSelector('#nav', { state: 'visible' });
    await page.waitForSelector('#live[data-state="on"]');
    assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('hookd.adminToken')"), ADMIN_TOKEN);
    assert.equal(await page.evaluate<number>('localStorage.length'), 0, 'nothing in long-lived storage');
  });

  it('shows a signed webhook live, with its pretty body, raw bytes and headers', async () => {
    const body = pythonJsonDumps(jobservBuild(67, 'PASSED'));
    const sent = await post(`${r.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body));
    assert.equal(sent.status, 200);
    const row = `#event-rows tr[data-id="${sent.json.id}"]`;
    await page.waitForSelector(row, { timeout: 5000 });
    for (let i = 0; i < 3; i++) await send(jobservBuild(68 + i, i === 1 ? 'FAILED' : 'PASSED'));
    await page.waitForFunction("document.querySelectorAll('#event-rows tr').length >= 4");
    await page.click(row);
    await page.waitForSelector('#pretty-body');
    assert.match((await page.textContent('#pretty-body')) ?? '', /"build_id": 67/);
    const doneBadge = `#event-rows tr[data-id="${sent.json.id}"] td.outcomes .badge.done`;
    await page.waitForFunction(`document.querySelector(${JSON.stringify(doneBadge)})`, null, { timeout: 8000 });
    await shot('inspector-live', { docs: true });
    await page.click('#detail-tabs button[data-tab="raw"]');
    assert.equal(await page.textContent('#raw-body'), body, 'the raw body, byte for byte as text');
    await page.click('#detail-tabs button[data-tab="headers"]');
    assert.match((await page.textContent('#headers')) ?? '', /x-jobserv-sig\s*sha256:[0-9a-f]{64}/);
  });

  it('says in plain words why an event was quarantined', async () => {
    const q = await send({ build_id: 5, status: 'PASSED' });
    assert.equal(q.status, 422);
    const row = `#event-rows tr[data-id="${q.json.id}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.getAttribute(row, 'data-status'), 'quarantined');
    await page.click(row);
    await page.waitForSelector('#why .reason');
    assert.match(
      (await page.textContent('#why .reason')) ?? '',
      /verified, but the body does not match schema iglu:dev\.hookd\.jobserv\/build_complete\/jsonschema\/1-0-0/,
    );
    assert.match((await page.textContent('#why ul')) ?? '', /must have required property/);
    assert.ok(await page.isDisabled('#replay-btn'), 'a quarantined event cannot be replayed; the page says how to release it');
    assert.match((await page.textContent('#replay-result')) ?? '', /hookd events revalidate/);
    await shot('inspector-quarantined', { docs: true });
  });

  it('replays an event to the plugins', async () => {
    assert.ok(r.hookd.dispatcher, 'the receiver runs a dispatcher');
    const [accepted] = (
      (await (await fetch(`${r.hookd.adminUrl}/api/events?status=accepted&limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        events: EventSummaryJson[];
      }
    ).events;
    const before = (await r.hookd.dispatcher.outcomesFor(accepted.id)).find((x) => x.plugin === 'notify')?.updatedAt ?? 0;
    await new Promise((res) => setTimeout(res, 5)); // updatedAt has ms resolution
    await page.click(`#event-rows tr[data-id="${accepted.id}"]`);
    await page.waitForSelector('#replay-btn');
    await page.click('#replay-btn');
    await page.waitForFunction("/Queued for 1 plugin/.test(document.querySelector('#replay-result')?.textContent ?? '')", null, { timeout: 5000 });
    const replayCall = apiCalls.find((c) => c.path === `/api/events/${accepted.id}/replay`);
    assert.ok(replayCall, 'the button called the replay route');
    // Re-dispatched for real: the plugin's outcome for this event is written again.
    for (const deadline = Date.now() + 5000; ; await new Promise((res) => setTimeout(res, 50))) {
      const o = (await r.hookd.dispatcher.outcomesFor(accepted.id)).find((x) => x.plugin === 'notify');
      if (o && o.status === 'done' && o.updatedAt > before) break;
      assert.ok(Date.now() < deadline, 'the replayed delivery was recorded');
    }
    await shot('inspector-replayed');
  });

  it('lists rejections live with the reason, and plugin states', async () => {
    await page.click('#nav button[data-view="rejections"]');
    await send(jobservBuild(90), { 'content-type': 'application/json', 'x-jobserv-sig': 'sha256:' + '0'.repeat(64) });
    await page.waitForSelector('#rejection-rows tr');
    assert.match((await page.textContent('#rejection-rows tr')) ?? '', /x-jobserv-sig did not match the body/);
    assert.equal(await page.textContent('#rejection-count'), '1');
    await shot('inspector-rejections');
    await page.click('#nav button[data-view="plugins"]');
    await page.waitForSelector('#plugin-rows tr[data-plugin="notify"]');
    const notify = '#plugin-rows tr[data-plugin="notify"]';
    assert.match((await page.textContent(`${notify} td:nth-child(3)`)) ?? '', /active/);
    assert.equal(await page.textContent(`${notify} td:nth-child(4)`), String((await r.hookd.dispatcher.list())[0].cursor), 'the cursor as it is now');
    assert.ok((await r.hookd.dispatcher.list())[0].cursor > 0);
    await page.click(`${notify} button`);
    await page.waitForSelector(`${notify} .badge.disabled`);
    assert.equal((await r.hookd.dispatcher.list())[0].state, 'disabled');
    await page.click(`${notify} button`);
    await page.waitForSelector(`${notify} .badge.active`);
    assert.equal((await r.hookd.dispatcher.list())[0].state, 'active');
    await shot('inspector-plugins');
  });

  it('sent the token with every data call, and raised no page errors', async () => {
    const refused = apiCalls.filter((c) => c.auth === 'Bearer not-the-token');
    assert.equal(refused.length, 1, 'the wrong token was tried once, then dropped');
    const calls = apiCalls.filter((c) => !refused.includes(c));
    assert.ok(calls.length >= 5);
    for (const call of calls) {
      assert.equal(call.auth, `Bearer ${ADMIN_TOKEN}`, call.path);
      assert.ok(!call.path.includes('token='), `no token in a URL: ${call.path}`);
    }
    assert.ok(
      calls.some((c) => c.path === '/api/stream'),
      'the live view reads the stream',
    );
    assert.deepEqual(
      pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e)),
      [],
    );
  });
});
