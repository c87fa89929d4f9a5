// Types of receiver.mjs, for the TypeScript fault tests that start hookd with it.
import type { ChildProcess } from 'node:child_process';

export const repoRoot: string;
export const hookdBin: string;
export const ADMIN_TOKEN: string;

export function tempDir(prefix?: string): string;
export function freePort(): Promise<number>;
/** Resident set in MB; null once the process is gone. */
export function rssMb(pid: number): number | null;
export function cpuSeconds(pid: number): number | null;
/** CPU seconds of `main` and of every other thread, by `name:tid`. */
export function threadCpuSeconds(pid: number): Record<string, number>;

export interface RssWatch {
  samples: number[];
  stop(): { max: number; last: number | null; samples: number };
}
export function watchRss(pid: number, everyMs?: number): RssWatch;

/** hookd.json as written for the child (the user's input, before defaults). */
export type HookdJson = Record<string, unknown>;

export function hookdConfig(opts?: {
  secret?: string | undefined;
  server?: Record<string, unknown> | undefined;
  plugins?: Record<string, unknown> | undefined;
  storage?: Record<string, unknown> | undefined;
  log?: Record<string, unknown> | undefined;
  sources?: Record<string, unknown> | undefined;
}): HookdJson;

export function startFlags(root?: string): string[];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server started as a child process, once it answered GET /healthz. */
export interface Child {
  child: ChildProcess;
  /** Always set: the child was spawned and answered before this was returned. */
  pid: number;
  url: string;
  adminUrl: string | undefined;
  logFile: string;
  exited: Promise<Exit>;
  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
  kill(): Promise<Exit>;
}

export interface StartHookdOptions {
  dir: string;
  config: HookdJson;
  env?: Record<string, string>;
  dataDir?: string;
  nodeArgs?: string[];
  bin?: string;
  logFile?: string;
  readyTimeoutMs?: number;
}
export function startHookd(opts: StartHookdOptions): Promise<Child>;

export function startScript(opts: { script: string; dir: string; env?: Record<string, string>; nodeArgs?: string[]; logFile?: string }): Promise<Child>;

export function tail(file: string, lines?: number): string;
