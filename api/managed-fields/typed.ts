// Operations on values of a known type, as structured-merge-diff's typed package does
// them: validation of an applied configuration, the field set a value sets
// (ToFieldSet), the comparison of two values (Compare: added, modified, removed
// paths), the apply merge (Merge), and removal of paths (RemoveItems).
// Values are plain JSON; undefined is "absent".
import { FieldSet, PathStack, SetBuilder, pathString, serializeElement, type PathElement } from './fieldpath.js';
import { deduce, type Atom, type ListType, type MapType, type TypeRef } from './types.js';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** ValidationErrors of structured-merge-diff: `<path>: <message>` each. */
export class TypedError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n'));
    this.name = 'TypedError';
  }
}

/** Deep equality of JSON values (value.Equals: ints and floats compare numerically). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function fieldType(t: MapType, key: string): TypeRef | undefined {
  return t.fields?.get(key) ?? t.elementType;
}

/** The path element of a list item (by keys, with defaults for missing keys, or by value); throws with SMD's words. */
export function itemElement(t: ListType, item: unknown): PathElement {
  if (t.keys.length) {
    if (item === null) throw new Error('associative list with keys may not have a null element');
    if (!isMap(item)) throw new Error('associative list with keys may not have non-map elements');
    const elem = t.elementType();
    const defaults = elem.kind === 'map' ? elem.defaults : undefined;
    const key: [string, unknown][] = [];
    for (const k of t.keys) {
      if (item[k] !== undefined) key.push([k, item[k]]);
      else if (defaults?.has(k)) key.push([k, defaults.get(k)]);
    }
    if (!key.length) {
      throw new Error(`associative list with keys has an element that omits all key fields ${JSON.stringify(t.keys).replace(/,/g, ' ')} (and doesn't have default values for any key fields)`);
    }
    key.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { key };
  }
  if (isMap(item)) throw new Error("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new Error('not supported: associative list with lists as elements');
  if (item === null) throw new Error("associative list without keys has an element that's an explicit null");
  return { value: item };
}

function goValue(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

/** Validates an applied configuration against its type (typed.AsTyped): errors name the path. */
export function validate(value: unknown, t: TypeRef): void {
  const errs: string[] = [];
  const walk = (v: unknown, tr: TypeRef, path: PathElement[]): void => {
    if (v === undefined || v === null) return;
    const a = deduce(tr(), v);
    const at = (msg: string): void => { errs.push(`${pathString(path)}: ${msg}`); };
    switch (a.kind) {
      case 'scalar':
        if (a.scalar === 'numeric' && typeof v !== 'number') at(`expected numeric (int or float), got ${goType(v)}`);
        else if (a.scalar === 'string' && typeof v !== 'string') at(`expected string, got ${goValue(v)}`);
        else if (a.scalar === 'boolean' && typeof v !== 'boolean') at(`expected boolean, got ${goValue(v)}`);
        else if (a.scalar === 'untyped' && typeof v === 'object') at(`expected scalar, got ${Array.isArray(v) ? 'list' : 'map'}`);
        return;
      case 'map':
        if (!isMap(v)) { at(`expected map, got ${goValue(v)}`); return; }
        for (const [k, x] of Object.entries(v)) {
          const ft = fieldType(a, k);
          if (!ft) { errs.push(`${pathString([...path, { field: k }])}: field not declared in schema`); continue; }
          walk(x, ft, [...path, { field: k }]);
        }
        return;
      case 'list': {
        if (!Array.isArray(v)) { at(`expected list, got ${goValue(v)}`); return; }
        if (a.relationship === 'atomic') {
          v.forEach((x, i) => walk(x, a.elementType, [...path, { index: i }]));
          return;
        }
        const seen = new Set<string>();
        v.forEach((x, i) => {
          let pe: PathElement;
          try {
            pe = itemElement(a, x);
          } catch (err) {
            at(`element ${i}: ${(err as Error).message}`);
            return;
          }
          const s = pathString([pe]);
          if (seen.has(s)) { at(`duplicate entries for key ${s}`); return; }
          seen.add(s);
          walk(x, a.elementType, [...path, pe]);
        });
        return;
      }
      default:
        return;
    }
  };
  walk(value, t, []);
  if (errs.length) throw new TypedError(errs);
}

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  return '<nil>';
}

/** Items of a list with their path elements; items whose element cannot be made are skipped. */
function indexItems(t: ListType, list: readonly unknown[]): [PathElement, unknown][] {
  const out: [PathElement, unknown][] = [];
  for (const item of list) {
    try {
      out.push([itemElement(t, item), item]);
    } catch {
      // validated before (applied configurations); live objects skip what cannot be keyed
    }
  }
  return out;
}

const peKey = (pe: PathElement): string => serializeElement(pe);
const asList = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const asMap = (v: unknown): Obj | undefined => (isMap(v) ? v : undefined);

/** The atom for a pair of values, or undefined when their deduced shapes differ (a leaf then). */
function pairAtom(tr: TypeRef, l: unknown, r: unknown): Atom | undefined {
  const t = tr();
  if (t.kind !== 'deduced') return t;
  const al = deduce(t, l);
  const ar = deduce(t, r);
  if (l === undefined || l === null) return ar;
  if (r === undefined || r === null) return al;
  return al.kind === ar.kind ? ar : undefined;
}

/** ToFieldSet: the paths a value sets (fields given, items of granular lists and maps, leaves). */
export function toFieldSet(value: unknown, t: TypeRef): FieldSet {
  const ps = new PathStack();
  const out = new SetBuilder(ps);
  const walk = (v: unknown, tr: TypeRef): void => {
    const a = deduce(tr(), v);
    if (a.kind === 'scalar' || a.kind === 'deduced') { out.insert(); return; }
    if (a.kind === 'list') {
      if (a.relationship === 'atomic') { out.insert(); return; }
      const l = asList(v);
      if (!l) return;
      for (const [pe, item] of indexItems(a, l)) {
        ps.push(pe);
        walk(item, a.elementType);
        out.insert();
        ps.pop();
      }
      return;
    }
    if (a.atomic) { out.insert(); return; }
    const m = asMap(v);
    if (!m) return;
    for (const k in m) {
      const x = m[k];
      if (x === undefined) continue;
      const ft = fieldType(a, k);
      if (!ft) continue;
      ps.push({ field: k }, `f:${k}`);
      walk(x, ft);
      if (x === null || (isMap(x) && isEmpty(x)) || !a.fields?.has(k)) out.insert();
      ps.pop();
    }
  };
  walk(value, t);
  return out.set;
}

function isEmpty(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

export interface Comparison { added: FieldSet; modified: FieldSet; removed: FieldSet }

const DEDUCED_REF: TypeRef = () => ({ kind: 'deduced' });

/** Compare: the paths rhs adds to, changes in, and removes from lhs. */
export function compare(lhs: unknown, rhs: unknown, t: TypeRef): Comparison {
  const ps = new PathStack();
  const added = new SetBuilder(ps);
  const modified = new SetBuilder(ps);
  const removed = new SetBuilder(ps);
  const walk = (l: unknown, r: unknown, tr: TypeRef): void => {
    const a = pairAtom(tr, l, r);
    let isLeaf = false;
    if (!a || a.kind === 'scalar' || a.kind === 'deduced') {
      isLeaf = true;
    } else if (a.kind === 'list') {
      const ll = asList(l);
      const rl = asList(r);
      if (a.relationship === 'atomic' || (!ll?.length && !rl?.length)) isLeaf = true;
      else {
        const lItems = groupItems(a, ll ?? []);
        const rItems = groupItems(a, rl ?? []);
        const visit = (k: string, pe: PathElement, li: unknown[], ri: unknown[]): void => {
          ps.push(pe, k);
          if (li.length >= 2 || ri.length >= 2) {
            if (li.length && ri.length) { if (!jsonEqual(li, ri)) modified.insert(); }
            else if (li.length) removed.insert();
            else added.insert();
          } else {
            walk(li[0], ri[0], a.elementType);
          }
          ps.pop();
        };
        for (const [k, [pe, li]] of lItems) visit(k, pe, li, rItems.get(k)?.[1] ?? []);
        for (const [k, [pe, ri]] of rItems) if (!lItems.has(k)) visit(k, pe, [], ri);
      }
    } else {
      const lm = asMap(l);
      const rm = asMap(r);
      if (a.atomic || ((!lm || isEmpty(lm)) && (!rm || isEmpty(rm)))) isLeaf = true;
      else {
        const child = (k: string, lv: unknown, rv: unknown): void => {
          if (lv === undefined && rv === undefined) return;
          ps.push({ field: k }, `f:${k}`);
          walk(lv, rv, fieldType(a, k) ?? DEDUCED_REF);
          ps.pop();
        };
        if (lm) for (const k in lm) child(k, lm[k], rm?.[k]);
        if (rm) for (const k in rm) if (!lm || !(k in lm)) child(k, undefined, rm[k]);
      }
    }
    if (isLeaf) {
      if (l === undefined) added.insert();
      else if (r === undefined) removed.insert();
      else if (!jsonEqual(l, r)) modified.insert();
      return;
    }
    if (l === undefined) added.insert();
    else if (r === undefined) removed.insert();
  };
  walk(lhs, rhs, t);
  return { added: added.set, modified: modified.set, removed: removed.set };
}

function groupItems(t: ListType, list: readonly unknown[]): Map<string, [PathElement, unknown[]]> {
  const out = new Map<string, [PathElement, unknown[]]>();
  for (const [pe, item] of indexItems(t, list)) {
    const k = peKey(pe);
    const g = out.get(k);
    if (g) g[1].push(item);
    else out.set(k, [pe, [item]]);
  }
  return out;
}

/** Merge: rhs (an applied configuration) over lhs (the live object), by the type's list and map semantics. */
export function merge(lhs: unknown, rhs: unknown, t: TypeRef): unknown {
  const walk = (l: unknown, r: unknown, tr: TypeRef): unknown => {
    if (r === undefined) return l;
    if (l === undefined) return r;
    const a = pairAtom(tr, l, r);
    if (!a || a.kind === 'scalar' || a.kind === 'deduced') return r;
    if (a.kind === 'list') {
      const ll = asList(l);
      const rl = asList(r);
      if (a.relationship === 'atomic' || (!ll?.length && !rl?.length)) return r;
      return mergeList(a, ll ?? [], rl ?? [], walk);
    }
    const lm = asMap(l);
    const rm = asMap(r);
    const empty = (m: Obj | undefined): boolean => !m || Object.keys(m).length === 0;
    if (a.atomic || (empty(lm) && empty(rm))) return r;
    const out: Obj = {};
    for (const k of new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})])) {
      const ft = fieldType(a, k) ?? (() => ({ kind: 'deduced' }) as Atom);
      const v = walk(lm?.[k], rm?.[k], ft);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return walk(lhs, rhs, t);
}

/**
 * The order of a merged associative list, as structured-merge-diff's visitListItems: the
 * applied items in their order, live items not applied kept where they were relative
 * to the shared ones.
 */
function mergeList(t: ListType, lhs: unknown[], rhs: unknown[], walk: (l: unknown, r: unknown, tr: TypeRef) => unknown): unknown[] | undefined {
  const rPEs = indexItems(t, rhs);
  const lPEs = indexItems(t, lhs);
  const observedR = new Map<string, unknown>();
  for (const [pe, v] of rPEs) if (!observedR.has(peKey(pe))) observedR.set(peKey(pe), v);
  const observedL = new Map<string, unknown>();
  for (const [pe, v] of lPEs) {
    const k = peKey(pe);
    // A duplicated live item is not merged with the new value (null).
    observedL.set(k, observedL.has(k) ? null : v);
  }
  const shared = rPEs.map(([pe]) => peKey(pe)).filter((k) => observedL.has(k));
  let nextShared = shared.shift();
  const mergedR = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown): void => { if (v !== undefined) out.push(v); };
  let lI = 0;
  let rI = 0;
  while (lI < lPEs.length || rI < rPEs.length) {
    if (lI < lPEs.length && rI < rPEs.length) {
      const lk = peKey(lPEs[lI][0]);
      if (lk === peKey(rPEs[rI][0])) {
        mergedR.add(lk);
        push(walk(observedL.get(lk) ?? undefined, observedR.get(lk), t.elementType));
        lI++;
        rI++;
        nextShared = shared.shift();
        continue;
      }
      if (observedR.has(lk) && nextShared !== undefined && nextShared !== lk) {
        lI++;
        continue;
      }
    }
    if (lI < lPEs.length) {
      const lk = peKey(lPEs[lI][0]);
      if (!observedR.has(lk)) {
        push(walk(lPEs[lI][1], undefined, t.elementType));
        lI++;
        continue;
      } else if (mergedR.has(lk)) {
        lI++;
      }
    }
    if (rI < rPEs.length) {
      const rk = peKey(rPEs[rI][0]);
      mergedR.add(rk);
      const lv = observedL.get(rk);
      push(walk(lv === null ? undefined : lv, observedR.get(rk), t.elementType));
      rI++;
      if (nextShared !== undefined && nextShared === rk) nextShared = shared.shift();
    }
  }
  return out.length ? out : undefined;
}

/** RemoveItems: value without the members of set (atomic values whole, granular ones by item). */
export function removeItems(value: unknown, set: FieldSet, t: TypeRef): unknown {
  const walk = (v: unknown, s: FieldSet, tr: TypeRef): unknown => {
    const a = deduce(tr(), v);
    if (a.kind === 'list') {
      const l = asList(v);
      if (!l || l.length === 0 || a.relationship === 'atomic') return v;
      const items: unknown[] = [];
      for (const item of l) {
        let pe: PathElement;
        try {
          pe = itemElement(a, item);
        } catch {
          items.push(item);
          continue;
        }
        if (s.has([pe])) continue;
        const sub = s.withPrefix(pe);
        items.push(sub.empty() ? item : walk(item, sub, a.elementType));
      }
      return items.length ? items : undefined;
    }
    if (a.kind === 'map') {
      const m = asMap(v);
      if (!m || Object.keys(m).length === 0 || a.atomic) return v;
      const out: Obj = {};
      for (const [k, x] of Object.entries(m)) {
        const pe = { field: k };
        if (s.has([pe])) continue;
        const sub = s.withPrefix(pe);
        const ft = fieldType(a, k) ?? (() => ({ kind: 'deduced' }) as Atom);
        if (sub.empty()) out[k] = x;
        else {
          const r = walk(x, sub, ft);
          if (r !== undefined) out[k] = r;
        }
      }
      return Object.keys(out).length ? out : undefined;
    }
    return v;
  };
  return walk(value, set, t);
}

/** EnsureNamedFieldsAreMembers: a set owning "a.b.c" also owns the named fields "a" and "a.b" on the way (not map keys). */
export function ensureNamedFieldsAreMembers(set: FieldSet, t: TypeRef): FieldSet {
  const walk = (s: FieldSet, tr: TypeRef | undefined): FieldSet => {
    const out = new FieldSet();
    const a = tr?.();
    for (const [k, pe] of s.members) out.members.set(k, pe);
    for (const [k, [pe, child]] of s.children) {
      let ct: TypeRef | undefined;
      if (a?.kind === 'map' && 'field' in pe) {
        if (a.fields?.has(pe.field)) out.members.set(k, pe);
        ct = fieldType(a, pe.field);
      } else if (a?.kind === 'list') {
        ct = a.elementType;
      }
      out.children.set(k, [pe, walk(child, ct)]);
    }
    return out;
  };
  return walk(set, t);
}
