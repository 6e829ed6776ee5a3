/** Small formatting helpers: relative times, short hashes. */

export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function age(iso: string, now = Date.now()): string {
  return `${duration(now - Date.parse(iso))} ago`;
}

/** "in 42m", or "expired 3m ago". */
export function expiresIn(
  iso: string,
  now = Date.now(),
): { text: string; soon: boolean; past: boolean } {
  const left = Date.parse(iso) - now;
  if (left <= 0) return { text: `expired ${duration(left)} ago`, soon: false, past: true };
  return { text: `in ${duration(left)}`, soon: left < 15 * 60_000, past: false };
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function shortHash(hash: string | null | undefined, keep = 12): string {
  if (!hash) return '—';
  const [algo, hex] = hash.includes(':') ? (hash.split(':', 2) as [string, string]) : ['', hash];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, keep)}…`;
}

export function json(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
