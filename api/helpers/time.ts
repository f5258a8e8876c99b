// Kubernetes timestamps (metav1.Time): RFC 3339 in UTC with second precision, as
// `2026-12-06T02:57:19Z`. MicroTime (Leases, Events' eventTime) keeps six fractional
// digits. Every component formats them here.

/** metav1.Time for d (default now): RFC 3339, UTC, whole seconds. */
export function rfc3339(d: Date | number = Date.now()): string {
  const ms = typeof d === 'number' ? d : d.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let nowCache = { second: NaN, text: '' };

/** rfc3339() of the current second, formatted once per second (hot paths: every write). */
export function rfc3339Now(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== nowCache.second) nowCache = { second, text: rfc3339(second * 1000) };
  return nowCache.text;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, in UTC. */
export function rfc3339Micro(d: Date | number = Date.now()): string {
  const date = typeof d === 'number' ? new Date(d) : d;
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Go's time.RFC3339Nano in UTC: fractional seconds only when present, trailing zeros cut. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; NaN when absent or malformed. */
export function parseTime(s: string | null | undefined): number {
  return s ? Date.parse(s) : NaN;
}
