// go-spew's "%#v" printing of Go API values, as Kubernetes prints them before hashing
// (k8s.io/utils/dump ForHash, through pkg/util/hash DeepHashObject: types shown, map keys
// sorted, no Stringer methods, no pointer addresses), and the hashes taken over it. One
// printer for every such hash in the controller manager: the pod-template-hash
// (deployment/hash.ts, FNV-1a 32), SortSubsets (md5) and NewPortMapKey (FNV-128a) for
// Endpoints and EndpointSlices (endpointslice/go-hash.ts).
//
// A value is given as its JSON and the name of its Go type; the Go layout comes from
// go-types.ts. Absent pointers are nil and present ones are not, absent scalars are zero,
// absent lists and maps nil. An empty list or map is an empty Go slice or map, printed
// "[]" and "map[]", unless emptyIsNil says the value came through protobuf (as
// kube-controller-manager reads objects from the apiserver), which has no empty repeated
// field. For example, a core/v1 EndpointPort:
//
//   (v1.EndpointPort){Name:(string)http Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}
//
// a struct is its type in parentheses and its fields "Name:value" in Go's field order; a
// slice "(type)[a b]" with elements untyped, a nil slice or pointer "(type)<nil>", a
// pointer's value follows its "(*type)".
import { createHash } from 'node:crypto';
import { canonicalQuantity } from '../api/quantity.js';
import { GO_NAMED, GO_STRUCTS } from './go-types.js';

// ---------------------------------------------------------------- Go types

type GoType =
  | { k: 'ptr'; name: string; elem: GoType }
  | { k: 'slice'; name: string; elem: GoType }
  | { k: 'map'; name: string; key: GoType; value: GoType }
  | { k: 'struct'; name: string; fields: GoField[] }
  | { k: 'string' | 'bool' | 'int' | 'uint'; name: string }
  /** Types whose Go internals differ from their JSON: printed by code. */
  | { k: 'quantity' | 'intOrString' | 'time' | 'fieldsV1'; name: string };

interface GoField {
  goName: string;
  /** '' for an inlined embedded struct (its fields are read from the same JSON object). */
  json: string;
  type: GoType;
}

const INTS = new Set(['int', 'int8', 'int16', 'int32', 'int64']);
const UINTS = new Set(['uint', 'uint8', 'uint16', 'uint32', 'uint64', 'byte']);
const SPECIAL: Record<string, GoType['k']> = {
  'resource.Quantity': 'quantity', 'intstr.IntOrString': 'intOrString', 'v1.Time': 'time', 'v1.FieldsV1': 'fieldsV1',
};

const typeCache = new Map<string, GoType>();

/** A type's name as reflect prints it: without the package path a go-types.ts key may carry. */
const printed = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/**
 * The GoType of a type named as reflect's Type.String() prints it ("*v1.Probe",
 * "[]v1.Container", "map[string]string"), or by its go-types.ts key where that carries a
 * package path ("discovery/v1.EndpointPort").
 */
function goType(name: string): GoType {
  let t = typeCache.get(name);
  if (t) return t;
  if (name.startsWith('*')) {
    const elem = goType(name.slice(1));
    t = { k: 'ptr', name: `*${elem.name}`, elem };
  } else if (name.startsWith('[]')) {
    const elem = goType(name.slice(2));
    t = { k: 'slice', name: `[]${elem.name}`, elem };
  } else if (name.startsWith('map[')) {
    const close = name.indexOf(']');
    const [key, value] = [goType(name.slice(4, close)), goType(name.slice(close + 1))];
    t = { k: 'map', name: `map[${key.name}]${value.name}`, key, value };
  } else if (SPECIAL[name]) {
    t = { k: SPECIAL[name], name } as GoType;
  } else if (name === 'string' || name === 'bool') {
    t = { k: name, name };
  } else if (INTS.has(name)) {
    t = { k: 'int', name };
  } else if (UINTS.has(name)) {
    // reflect prints byte as uint8.
    t = { k: 'uint', name: name === 'byte' ? 'uint8' : name };
  } else if (GO_STRUCTS[name] !== undefined) {
    const fields: GoField[] = [];
    t = { k: 'struct', name: printed(name), fields };
    typeCache.set(name, t); // before the fields: types may refer to themselves (JSONSchemaProps-like)
    for (const f of GO_STRUCTS[name].split(' ').filter(Boolean)) {
      const [goName, json, type] = f.split(':');
      fields.push({ goName, json, type: goType(type) });
    }
  } else if (GO_NAMED[name] !== undefined) {
    // A named type prints its own name but behaves as what it is made of.
    t = { ...goType(GO_NAMED[name]), name: printed(name) } as GoType;
  } else {
    throw new Error(`go-spew: no Go type ${name}`);
  }
  typeCache.set(name, t);
  return t;
}

// ---------------------------------------------------------------- spew "%#v"

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's string ordering: bytewise over UTF-8. */
function goLess(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const intText = (v: Json): string => {
  if (typeof v === 'number' && Number.isFinite(v)) return String(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v).toString();
  return '0';
};

/** How dumpForHash reads a JSON value as a Go value. */
export interface SpewOptions {
  /**
   * The value came through protobuf, as kube-controller-manager decodes what the
   * apiserver sends: an empty list or map is nil. Otherwise it is an empty slice or map,
   * as a value built in memory or decoded from JSON by encoding/json has it.
   */
  emptyIsNil?: boolean;
  /** How a resource.Quantity prints; by default its Go fields, as spew prints them. */
  quantity?: (v: unknown) => string;
}

/**
 * go-spew's formatter ("%#v") over value read as type t. showType is the opposite of
 * spew's ignoreNextType: false for slice elements, map keys and values, and what a
 * pointer points to.
 */
function spew(t: GoType, v: Json, showType: boolean, o: Required<SpewOptions>): string {
  const typed = (s: string): string => (showType ? `(${t.name})${s}` : s);
  switch (t.k) {
    case 'ptr': {
      const absent = v === undefined || v === null;
      if (absent) return showType ? `(${t.name})<nil>` : '<nil>';
      return (showType ? `(${t.name})` : '<*>') + spew(t.elem, v, false, o);
    }
    case 'slice': {
      if (!Array.isArray(v) || (v.length === 0 && o.emptyIsNil)) return typed('<nil>');
      return typed(`[${v.map((x) => spew(t.elem, x, false, o)).join(' ')}]`);
    }
    case 'map': {
      const entries = isObject(v) ? Object.entries(v) : [];
      if (!isObject(v) || (entries.length === 0 && o.emptyIsNil)) return typed('<nil>');
      entries.sort(([a], [b]) => goLess(a, b));
      return typed(`map[${entries.map(([k, x]) => `${k}:${spew(t.value, x, false, o)}`).join(' ')}]`);
    }
    case 'struct': {
      const obj = isObject(v) ? v : {};
      return typed(`{${t.fields.map((f) => `${f.goName}:${spew(f.type, f.json === '' ? obj : obj[f.json], true, o)}`).join(' ')}}`);
    }
    case 'string':
      return typed(typeof v === 'string' ? v : '');
    case 'bool':
      return typed(v === true ? 'true' : 'false');
    case 'int':
      return typed(intText(v));
    case 'uint':
      return typed(typeof v === 'number' && v >= 0 ? String(Math.trunc(v)) : '0');
    case 'quantity':
      return typed(o.quantity(v));
    case 'intOrString':
      return typed(typeof v === 'string'
        ? `{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)${v}}`
        : `{Type:(intstr.Type)0 IntVal:(int32)${intText(v)} StrVal:(string)}`);
    case 'time':
      return typed(`{Time:(time.Time){${timeFields(v)}}}`);
    case 'fieldsV1': {
      const raw = v === undefined || v === null ? [] : [...Buffer.from(JSON.stringify(v), 'utf8')];
      return typed(`{Raw:([]uint8)${raw.length ? `[${raw.join(' ')}]` : '<nil>'}}`);
    }
  }
}

/**
 * dump.ForHash of the Go value of the named type (a go-types.ts key, or a type built of
 * them: "[]discovery/v1.EndpointPort") that the JSON value decodes to.
 */
export function dumpForHash(type: string, value: unknown, options: SpewOptions = {}): string {
  return spew(goType(type), value, true, { emptyIsNil: options.emptyIsNil ?? false, quantity: options.quantity ?? quantityFields });
}

/** time.Time's fields for an RFC 3339 second (as time.Unix(s, 0)); the zero time when absent. */
function timeFields(v: Json): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) return 'wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>';
  // time.Time keeps seconds since year 1 in ext when there is no monotonic reading.
  const ext = BigInt(Math.floor(ms / 1000)) + 62135596800n;
  return `wall:(uint64)0 ext:(int64)${ext} loc:(*time.Location)<nil>`;
}

// ---------------------------------------------------------------- resource.Quantity

/** What Go's resource.ParseQuantity makes of a quantity's text (the fields spew prints). */
export interface GoQuantity {
  /** int64Amount, when the value fits the fast path. */
  value: bigint;
  scale: number;
  /** inf.Dec (unscaled, scale) otherwise. */
  dec?: { unscaled: bigint; scale: number };
  /** The cached text, when the input was already canonical. */
  s: string;
  format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent';
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = (1n << 63n) - 1n;

/**
 * resource.ParseQuantity (apimachinery v0.32), for the text the apiserver stores. The
 * fast path keeps value * 10^scale in an int64 (and caches the text when it is
 * canonical); anything else becomes an inf.Dec rounded to nanos.
 */
export function goParseQuantity(str: string): GoQuantity {
  if (str === '0') return { value: 0n, scale: 0, s: '0', format: 'DecimalSI' };
  const m = /^([+-]?)(0*)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[-+]?\d*)$/.exec(str);
  if (!m) throw new Error(`quantity ${str}`);
  const positive = m[1] !== '-';
  let num = m[3];
  const denom = m[4] ?? '';
  const suffix = m[5];
  if (num === '') num = '0';
  let base: 2 | 10;
  let exponent: number;
  let format: GoQuantity['format'];
  if (Object.prototype.hasOwnProperty.call(DEC_SUFFIX, suffix)) [base, exponent, format] = [10, DEC_SUFFIX[suffix], 'DecimalSI'];
  else if (Object.prototype.hasOwnProperty.call(BIN_SUFFIX, suffix)) [base, exponent, format] = [2, BIN_SUFFIX[suffix], 'BinarySI'];
  else if (/^[eE][+-]?\d+$/.test(suffix)) [base, exponent, format] = [10, Number(suffix.slice(1)), 'DecimalExponent'];
  else throw new Error(`quantity suffix ${str}`);
  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa <<= BigInt(exponent);
      // Go: 15 - len(num) - int32(float32(exponent)*3/10) - 1
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const result = value * mantissa;
      if (value <= MAX_INT64 && result <= MAX_INT64) {
        const signed = positive ? result : -result;
        const canonical = format === 'BinarySI'
          ? exponent % 10 === 0 && (value & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return { value: signed, scale, s: canonical ? str : '', format };
      }
    }
  }
  // The inf.Dec path: the exact value rounded up to nanos (scale 9), binary values
  // capped at the int64 maximum (scale 0).
  const digits = BigInt(num + denom);
  let nanos: bigint;
  const decScale = denom.length - (base === 10 ? exponent : 0);
  const unscaled = base === 2 ? digits << BigInt(exponent) : digits;
  if (decScale <= 9) nanos = unscaled * 10n ** BigInt(9 - decScale);
  else {
    const d = 10n ** BigInt(decScale - 9);
    nanos = unscaled / d + (unscaled % d === 0n ? 0n : 1n);
  }
  let dec = { unscaled: nanos, scale: 9 };
  if (nanos === 0n) dec = { unscaled: digits, scale: decScale };
  if (format === 'BinarySI' && nanos > MAX_INT64 * 1_000_000_000n) dec = { unscaled: MAX_INT64, scale: 0 };
  if (format === 'BinarySI' && nanos > 0n && nanos < 1_000_000_000n) format = 'DecimalSI';
  if (!positive) dec.unscaled = -dec.unscaled;
  return { value: 0n, scale: 0, dec, s: '', format };
}

/** big.nat's words (uint64, least significant first) of a non-negative value. */
function natWords(n: bigint): string {
  if (n === 0n) return '<nil>';
  const words: string[] = [];
  for (let x = n; x > 0n; x >>= 64n) words.push((x & 0xffffffffffffffffn).toString());
  return `[${words.join(' ')}]`;
}

/** resource.Quantity's fields as spew prints them, for the quantity's text as the apiserver stores it. */
function quantityFields(v: Json): string {
  let q: GoQuantity;
  try {
    const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
    if (text === '') throw new Error('no quantity');
    let canonical = text;
    try {
      canonical = canonicalQuantity(text);
    } catch {
      // Not a quantity: the apiserver would not have stored it; hash the text as given.
    }
    q = goParseQuantity(canonical);
  } catch {
    q = { value: 0n, scale: 0, s: '', format: '' as GoQuantity['format'] };
  }
  const dec = q.dec
    ? `(*inf.Dec){unscaled:(big.Int){neg:(bool)${q.dec.unscaled < 0n} abs:(big.nat)${natWords(q.dec.unscaled < 0n ? -q.dec.unscaled : q.dec.unscaled)}} scale:(inf.Scale)${q.dec.scale}}`
    : '(*inf.Dec)<nil>';
  return `{i:(resource.int64Amount){value:(int64)${q.value} scale:(resource.Scale)${q.scale}} d:(resource.infDecAmount){Dec:${dec}} s:(string)${q.s} Format:(resource.Format)${q.format}}`;
}

/** FNV-1a, 32 bit, over bytes (hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;

/** FNV-1a, 128 bit (hash/fnv New128a), over the UTF-8 bytes of text, as lowercase hex (hex.EncodeToString of Sum). */
export function fnv128aHex(text: string): string {
  let h = FNV128_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * FNV128_PRIME) & MASK128;
  }
  return h.toString(16).padStart(32, '0');
}

/** md5 of text's UTF-8 bytes as lowercase hex (hex order is the bytes.Compare order of the sums). */
export function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/**
 * Sorts items by the hex hash of each, as Go's sort.Sort over a byHash Less does. Ties
 * keep their order; sort.Sort is not stable, but equal hashes come from equal dumps, so
 * which of two equal values goes first cannot be seen.
 */
export function sortByHash<T>(items: T[], hash: (x: T) => string): T[] {
  const keyed = items.map((x) => ({ x, h: hash(x) }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.map((k) => k.x);
}
