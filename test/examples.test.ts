// examples/plugins: each example run by a real receiver on a realistic payload from its sender
// (test/fixtures/plugins/payloads, taken from the seed documents).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SECRET, TOKEN, repoRoot, send, startIn, tempDir, testConfig, waitFor } from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import type { Outcome } from '../dist/dispatch/types.js';
import type { Kind } from '../dist/senders/kinds.js';

const payload = (name: string): Buffer => fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'plugins', 'payloads', name));

interface Received {
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  // The JSON a plugin posted; each test reads the fields it asserts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

interface Services {
  server: http.Server;
  received: Received[];
  url: string;
}

/** A stand-in for a chat webhook and for ShotGrid's REST API: keeps what it was sent. */
function fakeServices(): Promise<Services> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, json: JSON.parse(Buffer.concat(chunks).toString()) });
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/api/v1/entity/notes' ? JSON.stringify({ data: { type: 'Note', id: 9001 } }) : '{"ok":true}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

describe("examples/plugins on their senders' payloads", () => {
  let r: Started;
  let services: Services;
  const ids: Record<string, string> = {};

  before(async () => {
    services = await fakeServices();
    // Plugin threads inherit the receiver's environment.
    process.env.JOBSERV_NOTIFY_URL = `${services.url}/chat`;
    process.env.SHOTGRID_SITE = services.url;
    process.env.SHOTGRID_TOKEN = 'sg-token-not-real';
    const config = testConfig({
      plugins: { dir: path.join(repoRoot, 'examples', 'plugins') },
      sources: {
        foundries: { kind: 'jobserv', secret: SECRET },
        factotum: { kind: 'iglu', token: TOKEN },
        hkube: { kind: 'hkube', token: TOKEN },
        aurora: { kind: 'aurora', token: TOKEN },
        shotgrid: { kind: 'shotgrid', secret: SECRET },
      },
    });
    r = await startIn(tempDir('hookd-examples-'), config);
    const post = async (key: string, source: string, kind: Kind, file: string): Promise<void> => {
      const res = await send(r.url, source, kind, payload(file));
      assert.equal(res.status, 200, `${file}: ${res.text}`);
      ids[key] = (res.json.id ?? res.json.ids[0]) as string;
    };
    await post('failedBuild', 'foundries', 'jobserv', 'jobserv-build-failed.json');
    await post('passedBuild', 'foundries', 'jobserv', 'jobserv-build.json');
    await post('factotum', 'factotum', 'iglu', 'factotum-job-update-succeeded.json');
    await post('factotumFailed', 'factotum', 'iglu', 'factotum-job-update-failed.json');
    await post('hkubeInfo', 'hkube', 'hkube', 'hkube-progress-info.json');
    await post('hkubeDebug', 'hkube', 'hkube', 'hkube-progress-debug.json');
    await post('aurora', 'aurora', 'aurora', 'aurora-task-state.json');
    await post('statusChange', 'shotgrid', 'shotgrid', 'shotgrid-status-change.json');
    await post('codeChange', 'shotgrid', 'shotgrid', 'shotgrid-code-change.json');
    // Every example has finished with every event (done or skipped).
    await waitFor(
      async () =>
        (await Promise.all(Object.values(ids).map((id) => r.hookd.dispatcher.outcomesFor(id)))).every(
          (list) => list.filter((o) => o.status !== 'pending').length === 5,
        ),
      'every example to finish every event',
    );
  });

  after(async () => {
    await r?.hookd.close();
    services?.server.close();
  });

  /** The outcome of the event sent as `key` for `plugin` (there is one: every example finished every event in before()). */
  const outcome = async (key: string, plugin: string): Promise<Outcome> => {
    const o = (await r.hookd.dispatcher.outcomesFor(ids[key])).find((x) => x.plugin === plugin);
    assert.ok(o, `an outcome of ${key} for ${plugin}`);
    return o;
  };

  it('loads all five examples, in alphabetical order, active', async () => {
    assert.deepEqual(
      (await r.hookd.dispatcher.list()).map((p) => [p.name, p.state]),
      [
        ['aurora-task-state', 'active'],
        ['factotum-job-summary', 'active'],
        ['hkube-progress', 'active'],
        ['jobserv-failed-build', 'active'],
        ['shotgrid-status-note', 'active'],
      ],
    );
  });

  it('jobserv-failed-build: a notice naming the failed run and its log, posted to the chat webhook; passed builds are skipped', async () => {
    const o = await outcome('failedBuild', 'jobserv-failed-build');
    assert.equal(o.status, 'done', o.error ?? undefined);
    assert.match(o.output ?? '', /^Build 67 of andy-corp\/lmp FAILED \(trigger containers-devel\)/);
    assert.match(o.output ?? '', /✗ build-armhf: https:\/\/api\.foundries\.io\/projects\/andy-corp\/lmp\/builds\/67\/runs\/build-armhf\/console\.log/);
    assert.doesNotMatch(o.output ?? '', /build-aarch64/);
    const chat = services.received.filter((x) => x.url === '/chat');
    assert.equal(chat.length, 1);
    assert.equal(chat[0].json.text, o.output);
    assert.equal((await outcome('passedBuild', 'jobserv-failed-build')).status, 'skipped');
  });

  it('factotum-job-summary: decodes the base64 Factfile and lines its tasks up with their states', async () => {
    const ok = await outcome('factotum', 'factotum-job-summary');
    assert.equal(ok.status, 'done', ok.error ?? undefined);
    assert.equal(
      ok.output,
      [
        'echo order demo SUCCEEDED in PT0.011842S (run 5c9d4b2e8f1a, Factotum 0.7.0)',
        '  ✓ echo alpha (echo alpha): SUCCEEDED in PT0.002371592S, exit 0',
        '  ✓ echo beta (echo beta): SUCCEEDED_NO_OP in PT0.002340387S, exit 3',
        "  - echo omega (echo and omega!): SKIPPED — the task 'echo beta' requested an early finish (no-op)",
      ].join('\n'),
    );
    const failed = await outcome('factotumFailed', 'factotum-job-summary');
    assert.equal(failed.status, 'done', failed.error ?? undefined);
    assert.match(failed.output ?? '', /^echo order demo FAILED in /);
    assert.match(failed.output ?? '', /✗ echo alpha \(echo alpha\): FAILED in PT0\.001S, exit 1 — the task exited with a return code of 1/);
  });

  it('hkube-progress: logs progress at info and above; debug progress does not match', async () => {
    const o = await outcome('hkubeInfo', 'hkube-progress');
    assert.equal(o.status, 'done', o.error ?? undefined);
    assert.equal(o.output, 'batch:672a8b0e-c0b0-486e-bb2b-4571b0805f29 completed 100.00% — 100.00% completed, 3 succeed');
    assert.equal((await outcome('hkubeDebug', 'hkube-progress')).status, 'skipped');
  });

  it('aurora-task-state: role/env/job/instance and the state change', async () => {
    const o = await outcome('aurora', 'aurora-task-state');
    assert.equal(o.status, 'done', o.error ?? undefined);
    assert.equal(o.output, 'vagrant/test/http_example/8 new → PENDING');
  });

  it('shotgrid-status-note: creates a Note through the REST API for a status change only', async () => {
    const o = await outcome('statusChange', 'shotgrid-status-note');
    assert.equal(o.status, 'done', o.error ?? undefined);
    assert.equal(o.output, 'Note 9001: Shot 1419: status ip → fin');
    const notes = services.received.filter((x) => x.url === '/api/v1/entity/notes');
    assert.equal(notes.length, 1);
    assert.equal(notes[0].headers.authorization, 'Bearer sg-token-not-real');
    assert.deepEqual(notes[0].json.note_links, [{ type: 'Shot', id: 1419 }]);
    assert.deepEqual(notes[0].json.project, { type: 'Project', id: 127 });
    assert.match(notes[0].json.content, /from ip to fin by HumanUser 24/);
    assert.equal((await outcome('codeChange', 'shotgrid-status-note')).status, 'skipped');
  });

  it("each example skips the other senders' events", async () => {
    assert.equal((await outcome('aurora', 'jobserv-failed-build')).status, 'skipped');
    assert.equal((await outcome('failedBuild', 'aurora-task-state')).status, 'skipped');
    assert.equal((await outcome('factotum', 'hkube-progress')).status, 'skipped');
    assert.equal((await outcome('statusChange', 'factotum-job-summary')).status, 'skipped');
  });
});
