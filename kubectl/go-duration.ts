// Go's time.ParseDuration, for the flags kubectl declares as durations (--timeout,
// --since, --pod-running-timeout): "30s", "1m30s", "1.5h", "500ms", "0", "-1s". The
// error text is Go's, because kubectl prints it as the flag's parse error.

const UNITS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

/** Milliseconds in a Go duration string; throws Go's message for a malformed one. */
export function parseGoDuration(text: string): number {
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (num[0] === '' || num[0] === '.') throw bad();
    s = s.slice(num[0].length);
    const unit = /^[^\d.]+/.exec(s)?.[0];
    if (!unit) throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
    const factor = UNITS[unit];
    if (factor === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    s = s.slice(unit.length);
    total += Number(num[0].endsWith('.') ? num[0].slice(0, -1) : num[0]) * factor;
  }
  return sign * total;
}

/** A commander argParser for a duration flag: the flag name goes into the error, as pflag does. */
export function durationFlag(flag: string): (value: string) => number {
  return (value: string) => {
    try {
      return parseGoDuration(value);
    } catch (err) {
      throw new Error(`invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${(err as Error).message}`);
    }
  };
}
