/**
 * Benchmark helpers. Every figure is printed beside a baseline measured in the same run, as a
 * ratio, so numbers from different machines can be compared.
 */

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value for rates, baseline.value / value for latencies. */
  ratio?: number;
  note?: string;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns ops/second. */
export async function opsPerSecond(
  fn: () => unknown,
  opts: { ms?: number; warmupMs?: number; batch?: number } = {},
): Promise<number> {
  const ms = opts.ms ?? 1500;
  const warmupMs = opts.warmupMs ?? 300;
  const batch = opts.batch ?? 100;
  const runFor = async (limit: number): Promise<{ ops: number; elapsed: number }> => {
    const start = performance.now();
    let ops = 0;
    while (performance.now() - start < limit) {
      for (let i = 0; i < batch; i++) {
        const r = fn();
        if (r instanceof Promise) await r;
      }
      ops += batch;
    }
    return { ops, elapsed: performance.now() - start };
  };
  await runFor(warmupMs);
  const { ops, elapsed } = await runFor(ms);
  return (ops / elapsed) * 1000;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function rateFigure(
  name: string,
  value: number,
  baselineName: string,
  baseline: number,
  note?: string,
): BenchFigure {
  return {
    name,
    value,
    unit: 'ops/s',
    baseline: { name: baselineName, value: baseline, unit: 'ops/s' },
    ratio: value / baseline,
    ...(note === undefined ? {} : { note }),
  };
}

export function formatFigure(f: BenchFigure): string {
  const fmt = (v: number): string =>
    v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
  let line = `${f.name}: ${fmt(f.value)} ${f.unit}`;
  if (f.baseline) {
    line += `  | baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit}`;
  }
  if (f.ratio !== undefined) line += `  | ratio ${f.ratio.toFixed(2)}`;
  if (f.note) line += `  (${f.note})`;
  return line;
}
