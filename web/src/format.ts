/** Times with their time zone and relative ("in 12 min"), durations, short hashes. */

export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

/** "in 12 min", "3 hr. ago", "now". */
export function relative(iso: string, now = Date.now()): string {
  let v = (Date.parse(iso) - now) / 1000;
  if (Number.isNaN(v)) return '';
  for (const [unit, size] of STEPS) {
    if (Math.abs(v) < size || unit === 'year') return rtf.format(Math.round(v), unit);
    v /= size;
  }
  return '';
}

export function age(iso: string, now = Date.now()): string {
  return relative(iso, now);
}

/** "in 42 min", or "expired 3 min ago"; soon = the last 15 minutes. */
export function expiresIn(
  iso: string,
  now = Date.now(),
): { text: string; soon: boolean; past: boolean } {
  const left = Date.parse(iso) - now;
  if (left <= 0) return { text: `expired ${relative(iso, now)}`, soon: false, past: true };
  return { text: relative(iso, now), soon: left < 15 * 60_000, past: false };
}

const stamp = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** The local time with its time zone ("Dec 4, 2026, 20:13:05 UTC"). */
export function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : stamp.format(d);
}

export function shortHash(hash: string | null | undefined, keep = 12): string {
  if (!hash) return '—';
  const [algo, hex] = hash.includes(':') ? (hash.split(':', 2) as [string, string]) : ['', hash];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, keep)}…`;
}

export function json(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
