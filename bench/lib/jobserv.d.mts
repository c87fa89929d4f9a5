// Types of jobserv.mjs, for the TypeScript fault tests that sign their webhooks with it.
export { pythonJsonDumps } from '../../test/fixtures/python-json.mjs';

export const SECRET: string;
export const SIG_HEADER: 'x-jobserv-sig';

export interface JobservRun {
  name: string;
  url: string;
  status: string;
  log_url: string;
  web_url: string;
  created: string;
  completed: string;
  host_tag: string;
  tests?: string;
}

export interface JobservBuild {
  build_id: number;
  url: string;
  status: string;
  runs: JobservRun[];
  web_url: string;
  trigger_name: string;
  created: string;
  completed: string;
}

/** The seed's build with two of its four runs: ~1.35 KB on the wire. */
export function jobservBuild(buildId: number, status?: string): JobservBuild;

/** `sha256:<hex HMAC of body>`, as JobServ signs. */
export function signature(body: string | Buffer, secret?: string): string;

/** One signed request: exact body bytes and the headers JobServ sends. */
export function signedBuild(buildId: number, secret?: string): { body: Buffer; headers: Record<string, string> };
