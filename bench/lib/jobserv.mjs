// Realistic JobServ build-complete webhooks (seed 004), signed as JobServ signs them.
import { createHmac } from 'node:crypto';

export const SECRET = 'test-secret-not-real';
export const SIG_HEADER = 'x-jobserv-sig';

export { pythonJsonDumps } from '../../test/fixtures/python-json.mjs';
import { pythonJsonDumps } from '../../test/fixtures/python-json.mjs';

/** The seed's build with two of its four runs (the second without tests, as in the seed): ~1.35 KB on the wire. */
export function jobservBuild(buildId, status = 'PASSED') {
  const base = `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}`;
  const web = `https://ci.foundries.io/projects/andy-corp/lmp/builds/${buildId}`;
  const run = (name, hostTag, created, completed, tests = true) => ({
    name,
    url: `${base}/runs/${name}/`,
    status,
    log_url: `${base}/runs/${name}/console.log`,
    web_url: `${web}/${name}/`,
    created,
    completed,
    host_tag: hostTag,
    ...(tests ? { tests: `${base}/runs/${name}/tests/` } : {}),
  });
  return {
    build_id: buildId,
    url: `${base}/`,
    status,
    runs: [
      run('build-amd64-partner', 'amd64-partner', '2021-07-26T18:10:37+00:00', '2021-07-26T18:11:42+00:00'),
      run('publish-compose-apps', 'amd64-partner', '2021-07-26T18:11:49+00:00', '2021-07-26T18:19:24+00:00', false),
    ],
    web_url: web,
    trigger_name: 'containers-devel',
    created: '2021-07-26T18:10:33+00:00',
    completed: '2021-07-26T18:19:24+00:00',
  };
}

export function signature(body, secret = SECRET) {
  return 'sha256:' + createHmac('sha256', secret).update(body).digest('hex');
}

/** One signed request: exact body bytes and the headers JobServ sends. */
export function signedBuild(buildId, secret = SECRET) {
  const body = Buffer.from(pythonJsonDumps(jobservBuild(buildId)));
  return { body, headers: { 'content-type': 'application/json', [SIG_HEADER]: signature(body, secret) } };
}
