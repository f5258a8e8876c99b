// The functions a kubectl go-template can call: text/template's builtins
// (src/text/template/funcs.go, Go 1.23) and kubectl's own two (cli-runtime
// pkg/printers/template.go: base64decode; jsonpath.go: exists). A function throws a
// plain Error for Go's returned error; the executor words it "error calling NAME: ...".
import { NO_FLAGS, formatArg, sprint, sprintf, sprintln } from './fmt.js';
import {
  GoNumber, Iface, basicKind, concrete, elem, isMap, isTrue, numberOf, typeName, utf8Bytes, type Value,
} from './values.js';

/**
 * How an argument is passed, which decides validateType's checks: 'value' is
 * reflect.Value (anything, a missing value included), 'any' is interface{} (a missing
 * value becomes nil, passed as null), 'string' must be a string.
 */
export type Param = 'value' | 'any' | 'string';

export interface TemplateFunction {
  params: Param[];
  /** The type of the ... parameter, if the function is variadic. */
  variadic?: Param;
  call(args: Value[]): Value;
}

const fn = (params: Param[], variadic: Param | undefined, call: (args: Value[]) => Value): TemplateFunction => ({ params, variadic, call });

/** The builtins and kubectl's functions, by name. */
export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map([
  // and/or short-circuit in the executor; these bodies serve a call with no arguments evaluated lazily.
  ['and', fn(['value'], 'value', (a) => a.find((v) => !isTrue(v)) ?? a[a.length - 1])],
  ['or', fn(['value'], 'value', (a) => a.find((v) => isTrue(v)) ?? a[a.length - 1])],
  ['call', fn(['value'], 'value', ([f]) => {
    const c = concrete(f);
    if (c === undefined) throw new Error('call of nil');
    throw new Error(`non-function of type ${typeName(c)}`);
  })],
  ['html', fn([], 'any', (a) => htmlEscape(evalArgs(a)))],
  ['index', fn(['value'], 'value', ([item, ...indexes]) => index(item, indexes))],
  ['slice', fn(['value'], 'value', ([item, ...indexes]) => slice(item, indexes))],
  ['js', fn([], 'any', (a) => jsEscape(evalArgs(a)))],
  ['len', fn(['value'], undefined, ([item]) => length(item))],
  ['not', fn(['value'], undefined, ([v]) => !isTrue(v))],
  ['print', fn([], 'any', (a) => sprint(a))],
  ['printf', fn(['string'], 'any', ([f, ...a]) => sprintf(f as string, a))],
  ['println', fn([], 'any', (a) => sprintln(a))],
  ['urlquery', fn([], 'any', (a) => queryEscape(evalArgs(a)))],
  ['eq', fn(['value'], 'value', ([a, ...b]) => eq(a, b))],
  ['ne', fn(['value', 'value'], undefined, ([a, b]) => !eq(a, [b]))],
  ['lt', fn(['value', 'value'], undefined, ([a, b]) => lt(a, b))],
  ['le', fn(['value', 'value'], undefined, ([a, b]) => lt(a, b) || eq(a, [b]))],
  ['gt', fn(['value', 'value'], undefined, ([a, b]) => !(lt(a, b) || eq(a, [b])))],
  ['ge', fn(['value', 'value'], undefined, ([a, b]) => !lt(a, b))],
  // kubectl's.
  ['exists', fn(['any'], 'any', ([item, ...indexes]) => exists(item, indexes))],
  ['base64decode', fn(['string'], undefined, ([s]) => base64Decode(s as string))],
]);

/** indirect: through an interface; reports a nil one. */
function indirect(v: Value): { v: Value; isNil: boolean } {
  if (v instanceof Iface) return v.value === null ? { v, isNil: true } : { v: v.value, isNil: false };
  return { v, isNil: false };
}

function isIntKind(v: Value): boolean {
  const k = basicKind(v);
  return k === 'int' || k === 'uint';
}

function indexArg(index: Value, cap: number): number {
  if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  if (!isIntKind(index)) throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  const x = numberOf(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: Value, indexes: Value[]): Value {
  let cur = concrete(item);
  if (cur === undefined) throw new Error('index of untyped nil');
  for (const raw of indexes) {
    const idx = concrete(raw);
    const ind = indirect(cur);
    if (ind.isNil) throw new Error('index of nil pointer');
    cur = ind.v;
    if (typeof cur === 'string' || Array.isArray(cur)) {
      const len = typeof cur === 'string' ? utf8Bytes(cur).length : cur.length;
      const x = indexArg(idx, len);
      if (x === len) throw new Error(`index out of range: ${x}`);
      cur = typeof cur === 'string' ? new GoNumber('uint8', utf8Bytes(cur)[x]!) : elem(cur[x]);
    } else if (isMap(cur)) {
      if (idx === undefined || idx === null) throw new Error('value is nil; should be of type string');
      if (typeof idx !== 'string') throw new Error(`value has type ${typeName(idx)}; should be string`);
      cur = Object.hasOwn(cur, idx) ? elem(cur[idx]) : new Iface(null);
    } else {
      throw new Error(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: Value, indexes: Value[]): Value {
  const v = concrete(item);
  if (v === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  if (typeof v === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    cap = utf8Bytes(v).length;
  } else if (Array.isArray(v)) {
    cap = v.length;
  } else {
    throw new Error(`can't slice item of type ${typeName(v)}`);
  }
  const idx = [0, cap, cap];
  indexes.forEach((x, i) => { idx[i] = indexArg(concrete(x), cap); });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof v === 'string') return utf8Bytes(v).subarray(idx[0], idx[1]).toString('utf8');
  return (v as unknown[]).slice(idx[0], idx[1]);
}

function length(item: Value): Value {
  const { v, isNil } = indirect(item);
  if (isNil) throw new Error('len of nil pointer');
  if (v === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (typeof v === 'string') return new GoNumber('int', utf8Bytes(v).length);
  if (Array.isArray(v)) return new GoNumber('int', v.length);
  if (isMap(v)) return new GoNumber('int', Object.keys(v).length);
  throw new Error(`len of type ${typeName(v)}`);
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

/** eq: arg1 == any of arg2 (Go's basic-kind rules; int and float never compare). */
function eq(arg1: Value, arg2: Value[]): boolean {
  const a = concrete(arg1);
  if (arg2.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(a);
  for (const raw of arg2) {
    const b = concrete(raw);
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) truth = numberOf(a) === numberOf(b);
      else if (a !== undefined && b !== undefined) throw new Error(errBadComparison);
    } else if (k1 === 'invalid') {
      if (a === undefined || b === undefined) truth = a === b;
      else throw new Error(`non-comparable type ${formatArg(b, 's', NO_FLAGS)}: ${typeName(b)}`);
    } else if (k1 === 'int' || k1 === 'uint' || k1 === 'float') {
      truth = numberOf(a) === numberOf(b);
    } else {
      truth = a === b;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: Value, arg2: Value): boolean {
  const a = concrete(arg1);
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new Error(errBadComparisonType);
  const b = concrete(arg2);
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new Error(errBadComparisonType);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return numberOf(a) < numberOf(b);
    throw new Error(errBadComparison);
  }
  if (k1 === 'bool') throw new Error(errBadComparisonType);
  if (k1 === 'string') return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return numberOf(a) < numberOf(b);
}

/** kubectl's exists: whether item[i][j]... is there and not nil. */
function exists(item: Value, indexes: Value[]): boolean {
  // A nil item is Go's invalid reflect.Value: not nil itself, and not indexable.
  if (item === null) return indexes.length === 0;
  let v: Value = item;
  for (const idx of indexes) {
    const ind = indirect(v);
    if (ind.isNil) return false;
    v = ind.v;
    if (typeof v === 'string' || Array.isArray(v)) {
      if (!isIntKind(idx)) return false;
      const x = numberOf(idx);
      const len = typeof v === 'string' ? utf8Bytes(v).length : v.length;
      if (x < 0 || x >= len) return false;
      v = typeof v === 'string' ? new GoNumber('uint8', utf8Bytes(v)[x]!) : elem(v[x]);
    } else if (isMap(v)) {
      if (idx !== null && typeof idx !== 'string') return false;
      const key = idx ?? '';
      v = Object.hasOwn(v, key as string) ? elem(v[key as string]) : new Iface(null);
    } else {
      return false;
    }
  }
  return !indirect(v).isNil;
}

/** The text of html/js/urlquery's arguments: Sprint, a missing value as <no value>. */
function evalArgs(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  return s.replace(/["'&<>]/g, (c) => ({ '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    switch (c) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
      default: break;
    }
    if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(c)) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** base64.StdEncoding.DecodeString, with Go's CorruptInputError offsets. */
function base64Decode(text: string): string {
  const src = utf8Bytes(text);
  const out: number[] = [];
  let si = 0;
  const corrupt = (at: number): Error => new Error(`base64 decode failed: illegal base64 data at input byte ${at}`);
  const isNl = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;
  while (si < src.length) {
    const dbuf: number[] = [];
    let end = false;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out).toString('utf8');
        throw corrupt(si - j);
      }
      const b = src[si++]!;
      const d = B64.indexOf(String.fromCharCode(b));
      if (d >= 0 && b < 0x80) { dbuf.push(d); continue; }
      if (isNl(b)) { j--; continue; }
      if (b !== 0x3d) throw corrupt(si - 1);
      // Padding.
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNl(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNl(src[si])) si++;
      if (si < src.length) throw corrupt(si);
      end = true;
      break;
    }
    const n = (dbuf[0]! << 18) | ((dbuf[1] ?? 0) << 12) | ((dbuf[2] ?? 0) << 6) | (dbuf[3] ?? 0);
    const bytes = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    out.push(...bytes.slice(0, dbuf.length - 1));
    if (end) break;
    // Skip newlines between quanta so a trailing newline ends cleanly.
    while (si < src.length && isNl(src[si])) si++;
  }
  return Buffer.from(out).toString('utf8');
}
