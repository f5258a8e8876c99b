// The values a Go template sees, as JS values. kubectl hands the template an object
// that went through json.Marshal and apimachinery's json.Unmarshal into
// map[string]interface{}: objects are map[string]interface {}, arrays []interface {},
// whole numbers int64 and the others float64 (util/json converts), plus string, bool
// and nil. The template itself adds Go ints (literals, len, range indexes), float64
// literals and bytes of strings: those are GoNumbers, so that `eq`, `printf "%d"` and
// error messages see Go's types.

/** A number of a Go type that a JS number alone does not tell. */
export class GoNumber {
  constructor(readonly type: 'int' | 'int64' | 'uint8' | 'float64', readonly value: number) {}
}

/**
 * An element of a map or slice: a value of static type interface {} (null is a nil
 * interface). Go's evaluation keeps this distinction until the end of a command,
 * and it shows in errors ("can't evaluate field x in type interface {}").
 */
export class Iface {
  constructor(readonly value: unknown) {}
}

/**
 * A value during execution: undefined is Go's invalid reflect.Value (a missing map key,
 * "<no value>"); an Iface is an interface-typed element; anything else is concrete data.
 */
export type Value = unknown;

/** The element of a container as an interface value (undefined, for a missing key, stays invalid). */
export function elem(v: unknown): Value {
  return v === undefined ? undefined : new Iface(v);
}

/** indirectInterface: the concrete value inside an interface (a nil one is invalid). */
export function concrete(v: Value): Value {
  if (v instanceof Iface) return v.value === null ? undefined : v.value;
  return v;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoNumber) && !(v instanceof Iface);
}

/** The Go type of a JSON number: int64 when whole (and in range), else float64. */
export function numberType(n: number): 'int64' | 'float64' {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? 'int64' : 'float64';
}

/** Go's reflect type name of a (concrete or interface) value, as errors print it. */
export function typeName(v: Value): string {
  if (v instanceof Iface) return 'interface {}';
  if (v === null || v === undefined) return '<nil>';
  if (v instanceof GoNumber) return v.type;
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'string': return 'string';
    case 'number': return numberType(v);
    default: break;
  }
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

export type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

/** The comparison class of a concrete value (funcs.go basicKind). */
export function basicKind(v: Value): BasicKind {
  if (v instanceof GoNumber) return v.type === 'float64' ? 'float' : v.type === 'uint8' ? 'uint' : 'int';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'string': return 'string';
    case 'number': return numberType(v) === 'int64' ? 'int' : 'float';
    default: return 'invalid';
  }
}

/** The number in an int or float value. */
export function numberOf(v: Value): number {
  return v instanceof GoNumber ? v.value : v as number;
}

/** Whether a concrete value is one of Go's integer kinds. */
export function isInteger(v: Value): boolean {
  const k = basicKind(v);
  return k === 'int' || k === 'uint';
}

/** isTrue: a value's truth as if/with/and/or/not see it. */
export function isTrue(v: Value): boolean {
  const c = concrete(v);
  if (c === undefined || c === null) return false;
  if (c instanceof GoNumber) return c.value !== 0;
  switch (typeof c) {
    case 'boolean': return c;
    case 'string': return c.length > 0;
    case 'number': return c !== 0;
    default: break;
  }
  if (Array.isArray(c)) return c.length > 0;
  return Object.keys(c as object).length > 0;
}

/** Go's len of a string: its UTF-8 bytes. */
export function utf8Bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** Map keys in Go's sorted order (byte-wise). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
