// Runs a Node.js script in a child process to its end, for the build scripts.
import { spawn } from 'node:child_process';

/**
 * Resolves with the exit code (1 when it could not start or was killed) and, for piped stdio,
 * everything it wrote to stdout and stderr.
 */
export function runNode(args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, opts);
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ code: 1, out: `${out}${err.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}
