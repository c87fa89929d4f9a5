import fs from 'node:fs';
import path from 'node:path';
import type { HookdConfig } from '../config/load.js';
import { compileMatch } from './match.js';
import { PLUGIN_FILE } from './plugin-files.js';
import { WorkerHost } from './worker-host.js';

export interface PluginCheck {
  name: string;
  /** The plugin file, or null for a built-in. */
  file: string | null;
  ok: boolean;
  message: string;
}

/**
 * What `hookd doctor` can say about the plugins without starting a receiver: each file in
 * plugins.dir is loaded in a thread as `serve` would (its match compiled), names are unique, and
 * each exec built-in's command can be found.
 */
export async function checkPlugins(plugins: HookdConfig['plugins'], baseDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PluginCheck[]> {
  const checks: PluginCheck[] = [];
  const owners = new Map<string, string>();
  for (const b of plugins.builtins) {
    const problem = b.exec ? findCommand(b.exec.command, path.resolve(baseDir, b.exec.cwd ?? '.'), env) : undefined;
    checks.push({ name: b.name, file: null, ok: !problem, message: problem ?? (b.exec ? `exec ${b.exec.command}` : `forward to ${b.forward!.url}`) });
    owners.set(b.name, 'the config');
  }
  let files: string[] = [];
  try {
    files = fs
      .readdirSync(plugins.dir)
      .filter((n) => PLUGIN_FILE.test(n))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const loads = files.map(async (n) => {
    const file = path.join(plugins.dir, n);
    const host = new WorkerHost({ file, timeoutMs: plugins.timeoutMs, level: 'silent' });
    try {
      const meta = await host.load();
      compileMatch(meta.match);
      return { file, name: meta.name, error: undefined };
    } catch (err) {
      return { file, name: n.replace(/\.(c|m)?js$/, ''), error: (err as Error).message };
    } finally {
      await host.close();
    }
  });
  for (const { file, name, error } of await Promise.all(loads)) {
    const owner = owners.get(name);
    if (error) checks.push({ name, file, ok: false, message: `cannot be loaded: ${error}` });
    else if (owner) checks.push({ name, file, ok: false, message: `the name '${name}' is already taken by ${owner}` });
    else checks.push({ name, file, ok: true, message: 'loads' });
    if (!error && !owner) owners.set(name, file);
  }
  return checks;
}

/** Why `command` cannot be run, or undefined: a path must be executable, a bare name must be on PATH. */
function findCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const executable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes(path.sep)) {
    return executable(path.resolve(cwd, command)) ? undefined : `${command} is not an executable file`;
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return dirs.some((d) => executable(path.join(d, command))) ? undefined : `${command} is not on PATH`;
}
