// Runs the hookd bin as a user would, next to their hookd.yaml, without blocking the test's own
// event loop (an in-process receiver or loopback registry keeps answering meanwhile).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './hookd.js';

export const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runHookd(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOOKD_DATA_DIR: path.join(cwd, 'data'), ...extraEnv };
    delete env.HOOKD_CONFIG;
    const child = spawn(process.execPath, [cli, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
