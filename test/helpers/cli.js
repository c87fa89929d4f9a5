// Runs the hookd bin as a user would, next to their hookd.yaml, without blocking the test's own
// event loop (an in-process receiver or loopback registry keeps answering meanwhile).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './hookd.js';

export const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

export function runHookd(args, cwd, extraEnv = {}) {
  return new Promise((resolve) => {
    const env = { ...process.env, HOOKD_DATA_DIR: path.join(cwd, 'data'), ...extraEnv };
    delete env.HOOKD_CONFIG;
    const child = spawn(process.execPath, [cli, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
