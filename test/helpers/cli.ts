/** Running the real `countersign` binary as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(
  new URL('../../../bin/countersign.js', import.meta.url).href.replace('/dist/bin/', '/bin/'),
);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // a one-shot command spends a good part of its CPU optimizing code it runs once; the suite
    // runs hundreds of them on two cores, so they skip V8's optimizing tier (the same code runs)
    const child = spawn(process.execPath, ['--no-opt', BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
      // a bound for a hung child, not a speed assertion: a loaded machine may be slow
    }, opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Where `countersign init` writes the deployment's configuration, relative to its folder. */
export const INIT_CONFIG = '.countersign/countersign.yaml';

/**
 * `countersign init` in `dir`, with the rate limits raised out of the way: for load (benchmarks,
 * crash tests) that measures the server, not the limiter. Returns the configuration's path.
 */
export async function initForLoad(dir: string): Promise<string> {
  const init = await runCli(['init', '--json'], { cwd: dir });
  if (init.code !== 0) throw new Error(`countersign init failed: ${init.stderr}`);
  const file = join(dir, INIT_CONFIG);
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(
      '  bodyLimit: 1MiB\n',
      '  bodyLimit: 1MiB\n  rateLimit: { mutations: 1000000, authFailures: 100000 }\n',
    ),
  );
  return file;
}

/** Starts `countersign serve` and resolves with its URL once it listens. */
export function startCliServer(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{ url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, COUNTERSIGN_LISTEN: '127.0.0.1:0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
      // waits for the "listening on" line or an exit; the bound only catches a hung start
    }, 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1] as string,
          child,
          output: () => out,
          stop: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null) return res();
              child.once('close', () => res());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!/listening on/.test(out)) reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}
