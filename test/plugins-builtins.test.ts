// README → Plugins: the built-in plugins from the config — `exec` against real commands, `forward` against
// a real local HTTP server — and the config checks on plugins.builtins.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../dist/config/load.js';
import type { AddressInfo } from 'node:net';
import { SECRET, jobservBuild, send, sleep, startIn, tempDir, testConfig, waitFor } from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import type { Outcome } from '../dist/dispatch/types.js';

/** The event's outcome for the plugin, if there is one yet. */
const findOutcome = async (r: Started, id: string, plugin: string): Promise<Outcome | undefined> =>
  (await r.hookd.dispatcher.outcomesFor(id)).find((o) => o.plugin === plugin);
/** The event's outcome for the plugin; there must be one. */
const outcomeOf = async (r: Started, id: string, plugin: string): Promise<Outcome> => {
  const o = await findOutcome(r, id, plugin);
  assert.ok(o, `an outcome of ${id} for ${plugin}`);
  return o;
};
const settled = async (r: Started, id: string, plugin: string): Promise<boolean> => {
  const status = (await findOutcome(r, id, plugin))?.status;
  return status === 'done' || status === 'failed';
};
const portOf = (server: http.Server): number => (server.address() as AddressInfo).port;

/** Python json.dumps bytes as JobServ sends them: `, ` and `: ` separators, \u escapes. */
const pythonBody = (buildId: number, status: string): string =>
  `{"build_id": ${buildId}, "url": "https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/", "status": "${status}", ` +
  `"runs": [{"name": "build-armhf", "url": "https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-armhf/", ` +
  `"status": "${status}", "log_url": "https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-armhf/console.log"}], ` +
  `"reason": "caf\\u00e9 \\u2603 build"}`;

/** What the exec test's command appended: the event JSON it read and its environment. */
interface Recorded {
  // The event as exec wrote it to stdin; the test reads the fields it asserts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  stdin: any;
  env: Record<string, string>;
}

describe('exec: a command per event, the event JSON on stdin, fields in the environment', () => {
  let r: Started;
  let dir: string;
  let record: string;
  before(async () => {
    dir = tempDir('hookd-exec-');
    record = path.join(dir, 'record.jsonl');
    const script = `
      let input = '';
      process.stdin.on('data', (d) => (input += d));
      process.stdin.on('end', () => {
        require('node:fs').appendFileSync(process.argv[1], JSON.stringify({ stdin: JSON.parse(input), env: process.env }) + '\\n');
        console.log('handled', process.env.HOOKD_EVENT_ID);
        console.error('a line on stderr');
      });`;
    const config = testConfig({
      plugins: {
        timeoutMs: 500,
        attempts: 2,
        builtins: [
          {
            name: 'record',
            exec: {
              command: process.execPath,
              args: ['-e', script, record],
              env: { BUILD_STATUS: 'status', RUNS: 'runs', FIRST_RUN: 'runs.0.name', ABSENT: 'no.such.field' },
              passEnv: ['HOOKD_TEST_PASSED'],
            },
            match: { source: 'jobserv', where: { path: 'status', equals: 'FAILED' } },
          },
          { name: 'fails', exec: { command: '/bin/sh', args: ['-c', 'echo "it went wrong" >&2; exit 2'] }, continueOnError: true },
          { name: 'slow', exec: { command: '/bin/sh', args: ['-c', `sleep 1; echo late > ${path.join(dir, 'late.txt')}`] }, continueOnError: true },
        ],
      },
    });
    r = await startIn(dir, config, { env: { PATH: process.env.PATH ?? '', HOOKD_TEST_PASSED: 'passed through', HOOKD_TEST_SECRET: 'must-not-leak' } });
  });
  after(() => r?.hookd.close());

  it('runs the command with the event JSON on stdin, HOOKD_* and mapped payload fields in env, and captures its output', async () => {
    const body = pythonBody(7, 'FAILED');
    const res = await send(r.url, 'jobserv', 'jobserv', body);
    assert.equal(res.status, 200);
    const id = res.json.id as string;
    await waitFor(async () => settled(r, id, 'record'), 'record to finish');
    const o = await outcomeOf(r, id, 'record');
    assert.equal(o.status, 'done', o.error ?? undefined);
    assert.match(o.output ?? '', new RegExp(`handled ${id}`));
    assert.match(o.output ?? '', /a line on stderr/);

    const [{ stdin, env }] = fs
      .readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Recorded);
    assert.equal(stdin.id, id);
    assert.equal(stdin.source, 'jobserv');
    assert.equal(stdin.schema, 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0');
    assert.deepEqual(stdin.payload, JSON.parse(body));
    assert.equal(stdin.headers['content-type'], 'application/json');
    assert.match(stdin.headers['x-jobserv-sig'], /^sha256:[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(stdin.receivedAt)));

    assert.equal(env.HOOKD_EVENT_ID, id);
    assert.equal(env.HOOKD_SOURCE, 'jobserv');
    assert.equal(env.HOOKD_SCHEMA, 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0');
    assert.equal(env.HOOKD_RECEIVED_AT, stdin.receivedAt);
    assert.equal(env.HOOKD_ATTEMPT, '1');
    assert.equal(env.BUILD_STATUS, 'FAILED');
    assert.equal(env.FIRST_RUN, 'build-armhf');
    assert.deepEqual(JSON.parse(env.RUNS), JSON.parse(body).runs, 'objects arrive as JSON');
    assert.equal('ABSENT' in env, false);
    assert.equal(env.HOOKD_TEST_PASSED, 'passed through', 'passEnv');
    assert.equal('HOOKD_TEST_SECRET' in env, false, "hookd's own environment stays home");
  });

  it('a non-zero exit fails the attempt with the output; a command past the timeout is killed with what it started', async () => {
    const res = await send(r.url, 'jobserv', 'jobserv', jobservBuild(8));
    const id = res.json.id as string;
    await waitFor(async () => (await settled(r, id, 'fails')) && (await settled(r, id, 'slow')), 'both to give up', { timeout: 5000 });
    const fails = await outcomeOf(r, id, 'fails');
    assert.deepEqual([fails.status, fails.attempts, fails.error], ['failed', 2, 'exited with code 2: it went wrong']);
    assert.equal(fails.output, 'it went wrong\n');
    const slow = await outcomeOf(r, id, 'slow');
    assert.deepEqual([slow.status, slow.error], ['failed', 'timed out after 500 ms']);
    assert.equal((await outcomeOf(r, id, 'record')).status, 'skipped', 'PASSED does not match record');
    // Time is the point here: the killed `sleep 1` would have written late.txt by now (1 s after it started).
    await sleep(700);
    assert.equal(fs.existsSync(path.join(dir, 'late.txt')), false, 'the whole process group was killed');
  });
});

describe('forward: the raw body and original headers, POSTed to a URL', () => {
  let r: Started;
  let server: http.Server;
  const received: { method: string | undefined; url: string | undefined; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  let closedPort: number;
  before(async () => {
    let answered = 0;
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        // The first delivery meets a hiccup; the retry gets through.
        res.writeHead(answered++ === 0 ? 503 : 200).end(answered === 1 ? 'busy' : 'thanks');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A port nothing listens on: open one, note it, close it.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = portOf(probe);
    await new Promise((resolve) => probe.close(resolve));
    const config = testConfig({
      plugins: {
        builtins: [
          { name: 'mirror', forward: { url: `http://127.0.0.1:${portOf(server)}/local/hook?x=1`, headers: { 'x-extra': 'yes' } } },
          { name: 'nowhere', forward: { url: `http://127.0.0.1:${closedPort}/` }, continueOnError: true },
        ],
        attempts: 2,
      },
    });
    r = await startIn(tempDir('hookd-forward-'), config);
  });
  after(async () => {
    await r?.hookd.close();
    server?.close();
  });

  it('sends the exact bytes with the original headers (less hop-by-hop) plus X-Hookd-Event-Id; a 2xx is done, anything else retried', async () => {
    const body = pythonBody(9, 'PASSED');
    const res = await send(r.url, 'jobserv', 'jobserv', body, { headers: { 'user-agent': 'python-requests/2.31.0', connection: 'keep-alive' } });
    assert.equal(res.status, 200);
    const id = res.json.id as string;
    await waitFor(async () => (await settled(r, id, 'mirror')) && (await settled(r, id, 'nowhere')), 'the forward to finish');
    const o = await outcomeOf(r, id, 'mirror');
    assert.deepEqual([o.status, o.attempts, o.output], ['done', 2, 'HTTP 200\nthanks']);

    assert.equal(received.length, 2);
    const [first, second] = received as [(typeof received)[0], (typeof received)[0]];
    assert.match(String(first.headers['x-hookd-event-id']), /^[0-9A-HJKMNP-TV-Z]{26}$/);
    for (const got of [first, second]) {
      assert.equal(got.method, 'POST');
      assert.equal(got.url, '/local/hook?x=1');
      assert.ok(got.body.equals(Buffer.from(body)), 'the raw bytes, not re-serialized');
      assert.equal(got.headers['x-hookd-event-id'], id);
      assert.equal(got.headers['x-jobserv-sig'], first.headers['x-jobserv-sig']);
      assert.match(String(got.headers['x-jobserv-sig']), /^sha256:/);
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.headers['user-agent'], 'python-requests/2.31.0');
      assert.equal(got.headers['x-extra'], 'yes');
      assert.equal(got.headers.host, `127.0.0.1:${portOf(server)}`, 'not the host hookd was reached on');
      assert.equal(got.headers['content-length'], String(Buffer.byteLength(body)));
    }
    const nowhere = await outcomeOf(r, id, 'nowhere');
    assert.equal(nowhere.status, 'failed');
    assert.match(nowhere.error ?? '', new RegExp(`^cannot POST to http://127\\.0\\.0\\.1:${closedPort}/: .*ECONNREFUSED`));
  });

  it('lists built-ins with their origin', async () => {
    assert.deepEqual(
      (await r.hookd.dispatcher.list()).map((p) => [p.name, p.origin, p.state]),
      [
        ['mirror', 'forward', 'active'],
        ['nowhere', 'forward', 'active'],
      ],
    );
  });
});

describe('forward: a ShotGrid batch is one request, POSTed once', () => {
  it('sends the signed batch with its first event, marks the others done with it, and sends again on a replay', async () => {
    const received: { eventId: string | string[] | undefined; signature: string | string[] | undefined; body: Buffer }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ eventId: req.headers['x-hookd-event-id'], signature: req.headers['x-sg-signature'], body: Buffer.concat(chunks) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const r = await startIn(
      tempDir('hookd-forward-batch-'),
      testConfig({
        sources: { sg: { kind: 'shotgrid', secret: SECRET } },
        plugins: { builtins: [{ name: 'mirror', forward: { url: `http://127.0.0.1:${portOf(server)}/sg` } }] },
      }),
    );
    try {
      const delivery = (
        JSON.parse(fs.readFileSync(new URL('./fixtures/iglu/shotgrid-delivery.json', import.meta.url), 'utf8')) as { data: Record<string, unknown> }
      ).data;
      const batch = JSON.stringify({
        timestamp: '2021-02-22T17:40:27Z',
        data: { deliveries: [1, 2, 3].map((n) => ({ ...delivery, delivery_id: `fwd-${n}`, event_log_entry_id: n })) },
      });
      const res = await send(r.url, 'sg', 'shotgrid', batch);
      assert.equal(res.status, 200);
      const ids = res.json.ids as string[];
      assert.equal(ids.length, 3);
      await waitFor(async () => (await Promise.all(ids.map((id) => settled(r, id, 'mirror')))).every(Boolean), 'the three deliveries');
      assert.equal(received.length, 1, 'one POST for the one request');
      assert.equal(received[0].eventId, ids[0]);
      assert.ok(received[0].body.equals(Buffer.from(batch)), 'the batch as ShotGrid signed it');
      assert.match(String(received[0].signature), /^sha1=[0-9a-f]{40}$/);
      assert.deepEqual(
        (await Promise.all(ids.map((id) => outcomeOf(r, id, 'mirror')))).map((o) => o.status),
        ['done', 'done', 'done'],
      );
      assert.equal((await outcomeOf(r, ids[0], 'mirror')).output, 'HTTP 200\nok');
      for (const id of ids.slice(1))
        assert.equal((await outcomeOf(r, id, 'mirror')).output, `not POSTed again: its request was forwarded with event ${ids[0]}`);

      // Asked for, it goes again, with the replayed event's id.
      assert.equal(await r.hookd.dispatcher.replay([ids[1]], 'mirror'), 1);
      await waitFor(async () => received.length === 2, 'the replay');
      assert.equal(received[1].eventId, ids[1]);
      assert.ok(received[1].body.equals(Buffer.from(batch)));
    } finally {
      await r.hookd.close();
      server.close();
    }
  });
});

describe('plugins.builtins is checked at start', () => {
  const attempt = (builtins: unknown[]) => {
    const dir = tempDir('hookd-builtins-config-');
    fs.writeFileSync(path.join(dir, 'hookd.json'), JSON.stringify({ plugins: { builtins } }));
    return () => loadConfig({ cwd: dir, env: {} });
  };

  it('needs a name and exactly one of exec or forward', () => {
    assert.throws(attempt([{ exec: { command: 'x' } }]), /\/plugins\/builtins\/0: is missing required field 'name'/);
    assert.throws(attempt([{ name: 'both', exec: { command: 'x' }, forward: { url: 'http://x' } }]), /\/plugins\/builtins\/0: must match exactly one schema/);
    assert.throws(attempt([{ name: 'neither' }]), /\/plugins\/builtins\/0/);
    assert.throws(attempt([{ name: 'ftp', forward: { url: 'ftp://x' } }]), /\/plugins\/builtins\/0\/forward\/url/);
    assert.throws(attempt([{ name: 'x', exec: { command: 'x', env: { 'BAD-NAME': 'a' } } }]), /\/plugins\/builtins\/0\/exec\/env/);
    assert.throws(
      attempt([{ name: 'x', exec: { command: 'x' }, match: { where: [{ path: 'level', atLeast: 'loud' }] } }]),
      /\/plugins\/builtins\/0\/match\/where\/0\/atLeast: must be one of trace/,
    );
    assert.throws(attempt([{ name: 'x', exec: { command: 'x' }, match: { sources: 'a' } }]), /has unknown field 'sources'/);
  });

  it('takes a valid list, with backoffMs and pollMs beside the documented settings', () => {
    const dir = tempDir('hookd-builtins-config-');
    fs.writeFileSync(
      path.join(dir, 'hookd.json'),
      JSON.stringify({
        plugins: {
          builtins: [
            {
              name: 'ok',
              exec: { command: 'true' },
              match: { source: ['a', 'b'], schema: 'iglu:x/y/jsonschema/1-*-*', where: { path: 'level', atLeast: 'warn' } },
            },
          ],
        },
      }),
    );
    const config = loadConfig({ cwd: dir, env: { HOOKD_PLUGINS_BACKOFF_MS: '250' } });
    assert.deepEqual(
      {
        attempts: config.plugins.attempts,
        timeoutMs: config.plugins.timeoutMs,
        backoffMs: config.plugins.backoffMs,
        pollMs: config.plugins.pollMs,
        dir: config.plugins.dir,
      },
      { attempts: 5, timeoutMs: 30000, backoffMs: 250, pollMs: 500, dir: path.join(dir, 'plugins') },
    );
    assert.equal(config.plugins.builtins[0].name, 'ok');
  });
});
