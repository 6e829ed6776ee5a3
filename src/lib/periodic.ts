/** Runs `task` every `intervalMs` until stopped, never two at once; errors go to `onError`. */
export function startPeriodic(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
): { stop: () => void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
