/**
 * The in-process runtime for local mode (`--db`, `--config`) and the server for `start`/`serve`,
 * loaded on first use: a command that talks to a server starts without the store drivers, services
 * and HTTP layer (a third of the start-up time of every CLI process).
 */
import type * as Main from '../main.js';
import type * as Runtime from '../runtime.js';

export async function composeRuntime(
  ...args: Parameters<typeof Runtime.composeRuntime>
): ReturnType<typeof Runtime.composeRuntime> {
  const runtime = await import('../runtime.js');
  return runtime.composeRuntime(...args);
}

export async function startServer(
  ...args: Parameters<typeof Main.startServer>
): ReturnType<typeof Main.startServer> {
  const main = await import('../main.js');
  return main.startServer(...args);
}
