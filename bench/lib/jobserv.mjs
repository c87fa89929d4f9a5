// Realistic JobServ build-complete webhooks (seed 004), signed as JobServ signs them.
import { createHmac } from 'node:crypto';

export const SECRET = 'test-secret-not-real';
export const SIG_HEADER = 'x-jobserv-sig';

/** Python json.dumps(obj) text, as JobServ sends it: ", " and ": " separators, \uXXXX escapes. */
export function pythonJsonDumps(value) {
  const str = (s) =>
    '"' +
    [...s]
      .map((ch) => {
        const c = ch.codePointAt(0);
        if (ch === '"') return '\\"';
        if (ch === '\\') return '\\\\';
        if (ch === '\n') return '\\n';
        if (ch === '\r') return '\\r';
        if (ch === '\t') return '\\t';
        if (c < 0x20 || c > 0x7e) {
          if (c > 0xffff) {
            const v = c - 0x10000;
            return '\\u' + (0xd800 + (v >> 10)).toString(16).padStart(4, '0') + '\\u' + (0xdc00 + (v & 0x3ff)).toString(16).padStart(4, '0');
          }
          return '\\u' + c.toString(16).padStart(4, '0');
        }
        return ch;
      })
      .join('') +
    '"';
  const enc = (v) => {
    if (v === null) return 'null';
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return '[' + v.map(enc).join(', ') + ']';
    return '{' + Object.entries(v).map(([k, x]) => str(k) + ': ' + enc(x)).join(', ') + '}';
  };
  return enc(value);
}

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
