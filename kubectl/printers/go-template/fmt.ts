// Go's fmt for the values a template handles (fmt/print.go, fmt/format.go,
// strconv/ftoa.go): Sprint, Sprintln and Sprintf with the verbs and flags templates
// use (%v %+v %#v %T %s %q %x %X %d %b %o %O %c %U %e %E %f %F %g %G %t %%, width,
// precision, '-', '+', ' ', '0', '#', '*'), and Go's error forms (%!d(string=a),
// %!s(MISSING), %!(EXTRA int=2), %!(NOVERB)). Floats print exactly as Go's do
// (1e+06, 1.5e-07, round-half-even at a given precision).
import { goQuote, isPrintable } from './lexer.js';
import { GoNumber, Iface, isMap, numberType, sortedKeys, typeName, utf8Bytes } from './values.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid?: number;
  prec?: number;
}

const noFlags = (): Flags => ({ plus: false, minus: false, sharp: false, space: false, zero: false });
export const NO_FLAGS: Readonly<Flags> = noFlags();

/** fmt.Sprint: operands printed with %v, a space between two that are not strings. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && typeof args[i - 1] !== 'string') out += ' ';
    out += formatArg(a, 'v', noFlags());
  });
  return out;
}

/** fmt.Sprintln: operands with %v, always spaced, and a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatArg(a, 'v', noFlags())).join(' ')}\n`;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const n = format.length;
  let reordered = false;
  let goodArgNum = true;
  // An explicit argument index [n] (1-based) picks the next argument.
  const argIndex = (): void => {
    if (format[i] !== '[') return;
    reordered = true;
    const m = /^\[(\d+)\]/.exec(format.slice(i));
    if (!m || Number(m[1]) < 1 || Number(m[1]) > args.length) {
      goodArgNum = false;
      const close = format.indexOf(']', i);
      i = close < 0 ? n : close + 1;
      return;
    }
    argNum = Number(m[1]) - 1;
    i += m[0].length;
  };
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    i = pct + 1;
    const f = noFlags();
    goodArgNum = true;
    // Flags.
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = !f.minus;
      else if (c === '+') f.plus = true;
      else if (c === '-') { f.minus = true; f.zero = false; }
      else if (c === ' ') f.space = true;
      else break;
    }
    // Width.
    argIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (isIntArg(w)) {
        f.wid = intValue(w);
        if (f.wid < 0) { f.minus = true; f.zero = false; f.wid = -f.wid; }
      } else {
        out += '%!(BADWIDTH)';
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) { f.wid = Number(m[0]); i += m[0].length; }
    }
    // Precision.
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (isIntArg(p) && intValue(p) >= 0) f.prec = intValue(p);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    argIndex();
    if (i >= n) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (!goodArgNum) { out += `%!${verb}(BADINDEX)`; continue; }
    if (argNum >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[argNum++];
    if (verb === 'v') {
      if (f.sharp) { f.sharp = false; out += pad(goSyntax(arg), f); continue; }
      // %+v prints as %v for the values templates see.
      f.plus = false;
    }
    out += formatArg(arg, verb, f);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args.slice(argNum).map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatArg(a, 'v', noFlags())}`)).join(', ')})`;
  }
  return out;
}

function isIntArg(v: unknown): boolean {
  return v instanceof GoNumber ? v.type !== 'float64' : typeof v === 'number' && numberType(v) === 'int64';
}

function intValue(v: unknown): number {
  return v instanceof GoNumber ? v.value : v as number;
}

/** One operand with a verb (printArg / printValue). null and undefined are nil. */
export function formatArg(arg: unknown, verb: string, f: Flags, depth = 0): string {
  if (arg instanceof Iface) {
    // An element of a container: a nil one prints as <nil> whatever the verb.
    if (arg.value === null) return pad('<nil>', f);
    return formatArg(arg.value, verb, f, depth);
  }
  if (arg === null || arg === undefined) {
    if (verb === 'T' || verb === 'v') return pad('<nil>', f);
    return badVerb(verb, arg, f);
  }
  if (verb === 'T') return pad(typeName(arg), f);
  if (typeof arg === 'boolean') {
    if (verb === 't' || verb === 'v') return pad(String(arg), f);
    return badVerb(verb, arg, f);
  }
  if (typeof arg === 'string') return formatString(arg, verb, f);
  if (typeof arg === 'number' || arg instanceof GoNumber) {
    const type = arg instanceof GoNumber ? arg.type : numberType(arg);
    const n = arg instanceof GoNumber ? arg.value : arg;
    if (type === 'float64') return formatFloatVerb(n, verb, f, arg);
    return formatInteger(n, type === 'uint8', verb, f, arg);
  }
  if (Array.isArray(arg)) {
    return `[${arg.map((e) => formatArg(new Iface(e), verb, f, depth + 1)).join(' ')}]`;
  }
  if (isMap(arg)) {
    return `map[${sortedKeys(arg).map((k) => `${formatArg(k, verb, f, depth + 1)}:${formatArg(new Iface(arg[k]), verb, f, depth + 1)}`).join(' ')}]`;
  }
  return pad(String(arg), f);
}

function badVerb(verb: string, arg: unknown, f: Flags): string {
  if (arg === null || arg === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${formatArg(arg, 'v', f)})`;
}

/** Pads to the width with spaces (or zeros), counting runes. */
function pad(s: string, f: Flags, zeroOk = true): string {
  if (f.wid === undefined) return s;
  const len = [...s].length;
  if (len >= f.wid) return s;
  const fill = (f.zero && zeroOk && !f.minus ? '0' : ' ').repeat(f.wid - len);
  return f.minus ? s + fill : fill + s;
}

function formatString(s: string, verb: string, f: Flags): string {
  const truncated = f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s;
  switch (verb) {
    case 'v': case 's': return pad(truncated, f);
    case 'q':
      if (f.sharp && !truncated.includes('`') && [...truncated].every((c) => c === '\t' || isPrintable(c.codePointAt(0)!))) return pad(`\`${truncated}\``, f);
      return pad(f.plus ? goQuoteASCII(truncated) : goQuote(truncated), f);
    case 'x': case 'X': {
      let bytes = utf8Bytes(s);
      if (f.prec !== undefined) bytes = bytes.subarray(0, f.prec);
      const parts = [...bytes].map((b) => {
        const h = b.toString(16).padStart(2, '0');
        return verb === 'X' ? h.toUpperCase() : h;
      });
      const prefix = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      if (f.space) return pad(parts.map((p) => prefix + p).join(' '), f);
      return pad(prefix + parts.join(''), f);
    }
    default: return badVerb(verb, s, f);
  }
}

function formatInteger(n: number, unsigned: boolean, verb: string, f: Flags, arg: unknown): string {
  const neg = n < 0;
  let abs = BigInt(Math.trunc(Math.abs(n)));
  if (!Number.isSafeInteger(n)) abs = BigInt(Math.abs(n));
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v': case 'd': digits = abs.toString(10); break;
    case 'b': digits = abs.toString(2); if (f.sharp) prefix = '0b'; break;
    case 'o': digits = abs.toString(8); if (f.sharp) prefix = '0'; break;
    case 'O': digits = abs.toString(8); prefix = '0o'; break;
    case 'x': digits = abs.toString(16); if (f.sharp) prefix = '0x'; break;
    case 'X': digits = abs.toString(16).toUpperCase(); if (f.sharp) prefix = '0X'; break;
    case 'c': return pad(runeString(n), f);
    case 'q': return pad(quoteRune(n), f);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(f.sharp && isPrintable(n) ? `${u} '${String.fromCodePoint(n)}'` : u, f);
    }
    default: return badVerb(verb, arg, f);
  }
  void unsigned;
  // Precision is the minimum number of digits; a zero flag with a width pads with zeros.
  let prec = f.prec;
  if (prec === undefined && f.zero && !f.minus && f.wid !== undefined) {
    prec = f.wid;
    if (neg || f.plus || f.space) prec--;
    prec -= prefix.length;
  }
  if (prec !== undefined) {
    if (prec === 0 && abs === 0n) digits = '';
    else digits = digits.padStart(prec, '0');
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  // With an explicit precision, Go pads with spaces even when the zero flag is set.
  return pad(sign + prefix + digits, { ...f, zero: false });
}

function runeString(n: number): string {
  if (n < 0 || n > 0x10ffff || (n >= 0xd800 && n < 0xe000)) return '\ufffd';
  return String.fromCodePoint(n);
}

/** strconv.QuoteRune. */
function quoteRune(n: number): string {
  const c = runeString(n);
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const q = goQuote(c);
  return `'${q.slice(1, -1)}'`;
}

function formatFloatVerb(v: number, verb: string, f: Flags, arg: unknown): string {
  let fmtVerb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'x' | 'X' | 'b';
  let prec: number;
  switch (verb) {
    case 'v': fmtVerb = 'g'; prec = -1; break;
    case 'g': case 'G': case 'x': case 'X': case 'b': fmtVerb = verb; prec = -1; break;
    case 'e': case 'E': case 'f': case 'F': fmtVerb = verb; prec = 6; break;
    default: return badVerb(verb, arg, f);
  }
  if (f.prec !== undefined) prec = f.prec;
  let num = fmtVerb === 'x' || fmtVerb === 'X' || fmtVerb === 'b' ? formatFloatBits(v, fmtVerb, prec) : formatFloat(v, fmtVerb, prec);
  let sign = '';
  if (num.startsWith('-')) { sign = '-'; num = num.slice(1); }
  else if (f.plus) sign = '+';
  else if (f.space) sign = ' ';
  if (!Number.isFinite(v)) return pad(sign + num, { ...f, zero: false });
  if (sign && f.zero && !f.minus && f.wid !== undefined && f.wid > num.length + 1) {
    return sign + '0'.repeat(f.wid - num.length - 1) + num;
  }
  return pad(sign + num, f);
}

/** strconv.FormatFloat(v, 'x'|'X'|'b', prec, 64): hex mantissa and binary exponent, or mantissa p exponent. */
function formatFloatBits(v: number, fmt: 'x' | 'X' | 'b', prec: number): string {
  if (!Number.isFinite(v)) return formatFloat(v, 'g', -1);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp -= 1023;
  const sign = neg ? '-' : '';
  const expText = (e: number): string => `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  if (fmt === 'b') return `${sign}${mant}p${exp - 52 < 0 ? '-' : '+'}${Math.abs(exp - 52)}`;
  if (mant === 0n) exp = 0;
  // The leading 1 (if any) at bit 60, then hex digits of the fraction.
  const M64 = (1n << 64n) - 1n;
  mant <<= 8n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) { mant <<= 1n; exp--; }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) { mant >>= 1n; exp++; }
  }
  let out = `${sign}0${fmt}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & M64;
  const hex = (m: bigint): string => {
    const digit = Number((m >> 60n) & 15n).toString(16);
    return fmt === 'X' ? digit.toUpperCase() : digit;
  };
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) { out += hex(mant); mant = (mant << 4n) & M64; }
  } else if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) { out += hex(mant); mant = (mant << 4n) & M64; }
  }
  return `${out}${fmt === 'X' ? 'P' : 'p'}${expText(exp)}`;
}

interface Digits { d: string; dp: number }

/** The shortest decimal digits that read back as v (v > 0). */
function shortestDigits(v: number): Digits {
  const [m, e] = v.toExponential().split('e');
  const d = m!.replace('.', '');
  return { d, dp: Number(e) + 1 };
}

/** The exact decimal digits of v (v > 0). */
function exactDigits(v: number): Digits {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) exp = -1074;
  else { mant |= 1n << 52n; exp = expBits - 1075; }
  let d: string;
  let dp: number;
  if (exp >= 0) {
    d = (mant << BigInt(exp)).toString();
    dp = d.length;
  } else {
    d = (mant * 5n ** BigInt(-exp)).toString();
    dp = d.length + exp;
  }
  d = d.replace(/0+$/, '');
  return { d, dp };
}

/** Rounds to nd digits, half to even on an exact tie (strconv's decimal.Round). */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === x.d.length) up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) return { d: x.d.slice(0, nd).replace(/0+$/, ''), dp: x.d.slice(0, nd).replace(/0+$/, '') === '' ? 0 : x.dp };
  // Round up: add one at position nd-1.
  const digits = x.d.slice(0, nd).split('').map(Number);
  let i = nd - 1;
  while (i >= 0 && digits[i] === 9) i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  digits[i]!++;
  return { d: digits.slice(0, i + 1).join(''), dp: x.dp };
}

/** strconv.FormatFloat(v, fmt, prec, 64). */
export function formatFloat(v: number, fmt: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let digs: Digits;
  if (abs === 0) digs = { d: '', dp: 0 };
  else if (shortest) digs = shortestDigits(abs);
  else {
    const exact = exactDigits(abs);
    switch (fmt) {
      case 'e': case 'E': digs = roundDigits(exact, prec + 1); break;
      case 'f': case 'F': digs = roundDigits(exact, exact.dp + prec); break;
      default: digs = roundDigits(exact, prec === 0 ? 1 : prec); break;
    }
  }
  if (shortest) {
    switch (fmt) {
      case 'e': case 'E': prec = Math.max(digs.d.length - 1, 0); break;
      case 'f': case 'F': prec = Math.max(digs.d.length - digs.dp, 0); break;
      default: prec = digs.d.length; break;
    }
  }
  const sign = neg ? '-' : '';
  switch (fmt) {
    case 'e': case 'E': return sign + fmtE(digs, prec, fmt);
    case 'f': case 'F': return sign + fmtF(digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (abs !== 0 && (exp < -4 || exp >= eprec)) {
        if (prec > digs.d.length) prec = digs.d.length;
        return sign + fmtE(digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > digs.dp) prec = digs.d.length;
      return sign + fmtF(digs, Math.max(prec - digs.dp, 0));
    }
  }
}

function fmtE(d: Digits, prec: number, e: string): string {
  let s = d.d.length > 0 ? d.d[0]! : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < d.d.length ? d.d[i] : '0';
  }
  const exp = d.d.length === 0 ? 0 : d.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
}

function fmtF(d: Digits, prec: number): string {
  let s = '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) s += i < d.d.length ? d.d[i] : '0';
  } else {
    s = '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      s += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return s;
}

/** strconv.QuoteToASCII. */
function goQuoteASCII(s: string): string {
  return goQuote(s).replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}

/** Go's %#v of a template value. */
export function goSyntax(v: unknown): string {
  if (v instanceof Iface) return v.value === null ? 'interface {}(nil)' : goSyntax(v.value);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' || v instanceof GoNumber) {
    const type = v instanceof GoNumber ? v.type : numberType(v);
    const n = v instanceof GoNumber ? v.value : v;
    if (type === 'float64') return formatFloat(n, 'g', -1);
    if (type === 'uint8') return `0x${n.toString(16)}`;
    return BigInt(n).toString();
  }
  if (Array.isArray(v)) return `[]interface {}{${v.map((e) => (e === null ? 'interface {}(nil)' : goSyntax(e))).join(', ')}}`;
  if (isMap(v)) return `map[string]interface {}{${sortedKeys(v).map((k) => `${goQuote(k)}:${v[k] === null ? 'interface {}(nil)' : goSyntax(v[k])}`).join(', ')}}`;
  return String(v);
}
