// Resource quantities ("250m", "0.5", "64Mi", "129e6"), a port of apimachinery's
// api/resource/quantity.go: the same scanner, suffixes, rounding (up to the nano, away from
// zero), canonical serialization and error messages. Values are held exactly as integer
// nanos (bigint); never as floats until a caller asks for a number.

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Thrown for a string that is not a quantity at all. */
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
/** Thrown for a well-formed number with an unknown suffix ("1K", "1e"). */
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** How a quantity is written back: 12M (DecimalSI), 12Mi (BinarySI), 12e6 (DecimalExponent). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: value = nanos / 10^9. */
export interface Quantity {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const NANO = 1_000_000_000n;
const MAX_INT64 = 9_223_372_036_854_775_807n;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_CHARS = 'eEinumkKMGTP';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

interface Scanned { positive: boolean; num: string; denom: string; suffix: string }

// apimachinery parseQuantityString: sign, digits, optional '.', digits, then a suffix made of
// suffix letters, an optional sign and digits.
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, num, denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, num, denom, suffix: '' };
    pos = i;
  }
  const suffixStart = pos;
  i = pos;
  while (i < end && SUFFIX_CHARS.includes(str[i])) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i < end) throw new Error(ERR_FORMAT_WRONG);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpret(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  if (own(DECIMAL_SUFFIXES, suffix)) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (own(BINARY_SUFFIXES, suffix)) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    // Go parses the exponent as an int64 and keeps it as an int32.
    if (Number.isSafeInteger(exponent) && Math.abs(exponent) <= 2 ** 31 - 1) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new Error(ERR_SUFFIX);
}

// Divides, rounding away from zero (inf.RoundUp), as apimachinery rounds quantities.
function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

/**
 * Parses a quantity exactly. Throws an Error with apimachinery's message
 * (ERR_FORMAT_WRONG or ERR_SUFFIX) when `s` is not a quantity.
 */
export function parseQuantityExact(s: string): Quantity {
  // Objects repeat a few quantities ("100m", "64Mi") on every write: parse each once.
  let q = PARSED.get(s);
  if (q === undefined) {
    q = parse(s);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(s, q);
  }
  return q;
}

/** Quantities parsed lately (they are immutable values); errors are not kept. */
const PARSED = new Map<string, Quantity>();
const PARSED_MAX = 4096;

function parse(s: string): Quantity {
  if (s.length === 0) throw new Error(ERR_FORMAT_WRONG);
  if (s === '0') return { nanos: 0n, format: 'DecimalSI' };
  const { positive, num, denom, suffix } = scan(s);
  const { base, exponent, format: parsedFormat } = interpret(suffix);
  let format = parsedFormat;
  // value = (num.denom) * base^exponent, rounded up to a whole number of nanos.
  let numerator = BigInt(num + denom);
  let scale = denom.length; // value = numerator / 10^scale
  if (base === 2) numerator <<= BigInt(exponent);
  else scale -= exponent;
  let nanos: bigint;
  if (scale <= 9) nanos = numerator * 10n ** BigInt(9 - scale);
  else nanos = divUp(numerator, 10n ** BigInt(scale - 9));
  if (format === 'BinarySI' && nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
  // A fraction of a unit cannot be written with binary suffixes.
  if (format === 'BinarySI' && nanos > 0n && nanos < NANO) format = 'DecimalSI';
  return { nanos: positive ? nanos : -nanos, format };
}

/** True when `s` parses as a quantity. */
export function isValidQuantity(s: string): boolean {
  try {
    parseQuantityExact(s);
    return true;
  } catch {
    return false;
  }
}

const toQuantity = (q: string | Quantity): Quantity => (typeof q === 'string' ? parseQuantityExact(q) : q);

/**
 * The value as a JavaScript number ("250m" -> 0.25, "64Mi" -> 67108864). Throws like
 * parseQuantityExact. Use milliValue/quantityValue when exact integers matter.
 */
export function parseQuantity(s: string): number {
  const { nanos } = parseQuantityExact(s);
  return Number(nanos / NANO) + Number(nanos % NANO) / 1e9;
}

/** The value in thousandths, rounded up (Kubernetes MilliValue): cpu "250m" -> 250, "1" -> 1000. */
export function milliValue(q: string | Quantity): number {
  return Number(divUp(toQuantity(q).nanos, 1_000_000n));
}

/** The value as an integer, rounded up (Kubernetes Value): memory "64Mi" -> 67108864, "100m" -> 1. */
export function quantityValue(q: string | Quantity): number {
  return Number(divUp(toQuantity(q).nanos, NANO));
}

/** -1, 0 or 1 as a is less than, equal to or greater than b, compared exactly. */
export function compareQuantities(a: string | Quantity, b: string | Quantity): -1 | 0 | 1 {
  const x = toQuantity(a).nanos;
  const y = toQuantity(b).nanos;
  return x < y ? -1 : x > y ? 1 : 0;
}

const DECIMAL_SUFFIX_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([k, v]) => [v, k]));
const BINARY_SUFFIX_BY_EXPONENT = new Map<number, string>([[0, ''], ...Object.entries(BINARY_SUFFIXES).map(([k, v]) => [v, k] as [number, string])]);

/**
 * The canonical text Kubernetes serializes a quantity as (Quantity.String()): the largest
 * suffix of the quantity's format that keeps the number whole: "1.5" -> "1500m",
 * "1536Mi" -> "1536Mi", "1024Mi" -> "1Gi", "0.5Gi" -> "512Mi", "1000000" -> "1M",
 * "129e6" -> "129e6". The apiserver stores resource quantities in this form.
 */
export function formatQuantity(q: Quantity): string {
  const { nanos } = q;
  if (nanos === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    // Small or fractional binary values are shown in decimal rather than rounded.
    if ((nanos > -1024n * NANO && nanos < 1024n * NANO) || nanos % NANO !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = nanos / NANO;
    let exponent = 0;
    while (exponent < 60 && amount % 1024n === 0n) {
      amount /= 1024n;
      exponent += 10;
    }
    return `${amount}${BINARY_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
  }
  let amount = nanos;
  let exponent = -9;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  while (exponent > 18) {
    amount *= 1000n;
    exponent -= 3;
  }
  return `${amount}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** Parses and re-serializes `s` in canonical form (see formatQuantity); throws like parseQuantityExact. */
export function canonicalQuantity(s: string): string {
  let c = CANONICAL.get(s);
  if (c === undefined) {
    c = formatQuantity(parseQuantityExact(s));
    if (CANONICAL.size >= PARSED_MAX) CANONICAL.clear();
    CANONICAL.set(s, c);
  }
  return c;
}

const CANONICAL = new Map<string, string>();

/** Milli-cpu as Kubernetes prints it: 250 -> "250m", 2000 -> "2". */
export function formatMilliCPU(milli: number): string {
  return formatQuantity({ nanos: BigInt(Math.round(milli)) * 1_000_000n, format: 'DecimalSI' });
}

/** Bytes as Kubernetes prints a binary quantity: 67108864 -> "64Mi", 1536 -> "1536", 1000 -> "1k" (below 1Ki it is decimal). */
export function formatBytes(bytes: number): string {
  return formatQuantity({ nanos: BigInt(Math.round(bytes)) * NANO, format: 'BinarySI' });
}
