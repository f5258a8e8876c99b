// How Go's decoding reads the values whose JSON form is a string with rules of its own,
// and what it says when they break them: metav1.Time and MicroTime (time.Parse with
// RFC 3339 layouts), []byte (base64.StdEncoding), and fmt's %v of a decoded patch.
// The shape check (shape.ts) uses these so a bad value is kube-apiserver's 400 in its
// words, and the value is stored as Go would write it back.

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

/** time's quote: double quotes, \x escapes for bytes that are not printable ASCII. */
function timeQuote(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b >= 0x80 || b < 0x20) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += (b === 0x22 || b === 0x5c ? '\\' : '') + String.fromCharCode(b);
  }
  return out + '"';
}

const isDigit = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';

/** time's getnum: one or two digits (exactly two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/** time's atoi: an optional sign, then digits only. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

const daysIn = (month: number, year: number): number => new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

export type GoTimeResult = { value: string | null } | { error: string };

/**
 * time.Parse(RFC3339 or RFC3339Micro, s) as metav1.Time and MicroTime unmarshal JSON:
 * the error Go gives, or the value as Go writes it back (UTC; seconds for Time, six
 * fractional digits for MicroTime; null for the zero time).
 */
export function parseGoTime(s: string, micro: boolean): GoTimeResult {
  const layout = micro ? RFC3339_MICRO : RFC3339;
  // time.ParseError's two forms: an element that does not parse, and a value out of range.
  class Bad { constructor(readonly error: string) {} }
  const bad = (layoutElem: string, valueElem: string): Bad =>
    new Bad(`parsing time ${timeQuote(s)} as ${timeQuote(layout)}: cannot parse ${timeQuote(valueElem)} as ${timeQuote(layoutElem)}`);
  const range = (what: string): Bad => new Bad(`parsing time ${timeQuote(s)}: ${what} out of range`);
  let v = s;
  const lit = (c: string): void => {
    if (v.length === 0 || v[0] !== c) throw bad(c, v);
    v = v.slice(1);
  };
  /** A one- or two-digit element (exactly two when fixed), below `limit`. */
  const num = (layoutElem: string, fixed: boolean, limit: number, what: string, min = 0): number => {
    const n = getnum(v, fixed);
    if (!n) throw bad(layoutElem, v);
    v = n[1];
    if (n[0] < min || n[0] >= limit) throw range(what);
    return n[0];
  };
  try {
    if (v.length < 4 || !isDigit(v, 0) || atoi(v.slice(0, 4)) === undefined) throw bad('2006', v);
    const year = Number(v.slice(0, 4));
    v = v.slice(4);
    lit('-');
    const month = num('01', true, 13, 'month', 1);
    lit('-');
    const day = num('02', true, 100, 'day');
    lit('T');
    const hour = num('15', false, 24, 'hour');
    lit(':');
    const minute = num('04', true, 60, 'minute');
    lit(':');
    const second = num('05', true, 60, 'second');
    let frac = '';
    if (micro) {
      const digits = v.slice(1, 7);
      if (v.length < 7 || (v[0] !== '.' && v[0] !== ',') || atoi(digits) === undefined) throw bad('.000000', v);
      if (Number(digits) < 0) throw range('fractional second');
      frac = digits.replace(/^\+/, '').padStart(6, '0');
      v = v.slice(7);
    } else if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigit(v, 1)) {
      // A fractional second the layout does not name is allowed, and dropped on output.
      let i = 2;
      while (isDigit(v, i)) i++;
      v = v.slice(i);
    }
    const offset = zoneOffset();
    return finish(year, month, day, hour, minute, second, frac, offset);
  } catch (err) {
    if (err instanceof Bad) return { error: err.error };
    throw err;
  }

  /** Z07:00: "Z", or a sign, two hour digits, ":" and two minute digits. */
  function zoneOffset(): number {
    const hold = v;
    if (v.length >= 1 && v[0] === 'Z') {
      v = v.slice(1);
      return 0;
    }
    const hh = v.length >= 6 && v[3] === ':' ? getnum(v.slice(1, 3), true) : undefined;
    const mm = hh ? getnum(v.slice(4, 6), true) : undefined;
    if (!hh || !mm) throw bad('Z07:00', hold);
    if (hh[0] > 24) throw range('time zone offset hour');
    if (mm[0] > 60) throw range('time zone offset minute');
    if (v[0] !== '+' && v[0] !== '-') throw bad('Z07:00', hold);
    const offset = (v[0] === '-' ? -1 : 1) * (hh[0] * 60 + mm[0]) * 60;
    v = v.slice(6);
    return offset;
  }

  function finish(year: number, month: number, day: number, hour: number, minute: number, second: number, frac: string, offset: number): GoTimeResult {
    if (v.length) return { error: `parsing time ${timeQuote(s)}: extra text: ${timeQuote(v)}` };
    if (day < 1 || day > daysIn(month, year)) throw range('day');
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute, second, 0);
    d.setTime(d.getTime() - offset * 1000);
    const y = d.getUTCFullYear();
    if (y === 1 && d.getUTCMonth() === 0 && d.getUTCDate() === 1 && d.getTime() % 86_400_000 === 0 && !/[1-9]/.test(frac)) return { value: null };
    const p2 = (x: number): string => String(x).padStart(2, '0');
    const yy = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
    const text = `${yy}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
    return { value: micro ? `${text}.${frac}Z` : `${text}Z` };
  }
}

const B64 = /[A-Za-z0-9+/]/;

/**
 * base64.StdEncoding.Decode's error for s ("illegal base64 data at input byte 4"),
 * or undefined when s decodes. Newlines are skipped; padding is required.
 */
export function goBase64Error(s: string): string | undefined {
  const src = Buffer.from(s, 'utf8');
  const corrupt = (at: number): string => `illegal base64 data at input byte ${at}`;
  const isNewline = (b: number): boolean => b === 0x0a || b === 0x0d;
  let si = 0;
  while (si < src.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const c = src[si++];
      if (c < 0x80 && B64.test(String.fromCharCode(c))) continue;
      if (isNewline(c)) { j--; continue; }
      if (c !== 0x3d) return corrupt(si - 1);
      // Padding: it ends the input.
      if (j === 0 || j === 1) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== 0x3d) return corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      return si < src.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}

/** A float64 as fmt's %v prints it: shortest digits, in exponent form below 1e-4 and from 1e6. */
function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/**
 * fmt's %+v of a value decoded into interface{} with integers kept as int64
 * (`map[spec:map[replicas:3]]`), as kube-apiserver prints a strategic merge patch.
 */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goFloat(v);
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goFormat(x)}`).join(' ')}]`;
}
