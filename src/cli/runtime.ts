/**
 * The in-process runtime for local mode (`--db`, `--config`) and `start`, loaded on first use: a
 * command that talks to a server starts without the store drivers, services and HTTP layer.
 */
import type * as Main from '../main.js';

export type { Runtime } from '../main.js';

export async function openRuntime(
  ...args: Parameters<typeof Main.openRuntime>
): ReturnType<typeof Main.openRuntime> {
  const main = await import('../main.js');
  return main.openRuntime(...args);
}

export async function startServer(
  ...args: Parameters<typeof Main.startServer>
): ReturnType<typeof Main.startServer> {
  const main = await import('../main.js');
  return main.startServer(...args);
}
