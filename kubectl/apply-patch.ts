// The patch `apply` sends: kubectl's three-way merge between the last-applied
// configuration (original), the new configuration (modified) and the live object
// (current). A port of apimachinery's strategicpatch.CreateThreeWayMergePatch (the diff
// half: diffMaps, diffLists, $setElementOrder, $retainKeys, $deleteFromPrimitiveList)
// driven by our patch metadata table, and of jsonmergepatch.CreateThreeWayJSONMergePatch
// for kinds without strategic merge metadata. Also the last-applied annotation itself,
// serialized byte for byte as kubectl writes it so both tools see each other's
// annotation as "unchanged".
import { lookupIn, patchMetaFor, type PatchMetaLookup } from '../api/patch/index.js';
import type { KubeObject } from '../api/types/meta.js';
import { byteOrder, goJson } from '../api/go-json.js';

type Obj = Record<string, unknown>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export { goJson };

/**
 * kubectl's GetModifiedConfiguration(obj, annotate=true): the object serialized without
 * its last-applied annotation becomes that annotation (with the trailing newline Go's
 * encoder writes). Returns the annotated object (a copy) and the annotation text.
 */
export function withLastApplied(obj: KubeObject): { annotated: KubeObject; lastApplied: string } {
  const copy = withoutLastApplied(obj);
  const annotations = copy.metadata.annotations!;
  const lastApplied = `${goJson(copy)}\n`;
  const annotated = structuredClone(copy);
  annotated.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied };
  return { annotated, lastApplied };
}

/**
 * kubectl's GetModifiedConfiguration(obj, annotate=false), what `diff` patches with: a
 * copy without the last-applied annotation, an absent annotations map made {} (so the
 * three-way patch keeps the live annotation rather than dropping the whole map).
 */
export function withoutLastApplied(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata ??= {};
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  copy.metadata.annotations = annotations;
  return copy;
}

/** The last-applied configuration recorded on a live object, parsed; undefined when absent. */
export function lastAppliedOf(obj: KubeObject): Obj | undefined {
  const text = obj.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  const parsed = JSON.parse(text) as unknown;
  return isMap(parsed) ? parsed : undefined;
}

export type ThreeWayPatch = { type: 'strategic' | 'merge'; patch: Obj };

/**
 * The patch apply sends for `kind`: strategic when the kind has strategic merge
 * metadata, a JSON merge patch otherwise (custom resources), as kubectl's Patcher picks.
 * An empty patch means "unchanged".
 */
export function createApplyPatch(kind: string, original: Obj | undefined, modified: Obj, current: Obj): ThreeWayPatch {
  const table = patchMetaFor(kind);
  if (table) return { type: 'strategic', patch: createThreeWayMergePatch(original, modified, current, lookupIn(table)) };
  return { type: 'merge', patch: createThreeWayJsonMergePatch(original, modified, current) };
}

interface DiffOptions {
  ignoreDeletions?: boolean;
  ignoreChangesAndAdditions?: boolean;
  buildRetainKeys?: boolean;
}

/**
 * CreateThreeWayMergePatch: additions and changes from current to modified, plus the
 * deletions from original to modified, so fields set by others (not in original) stay
 * and fields removed from the configuration go.
 */
export function createThreeWayMergePatch(original: Obj | undefined, modified: Obj, current: Obj, lookup: PatchMetaLookup): Obj {
  const differ = new Differ(lookup);
  const delta = differ.diffMaps(current, modified, '', { ignoreDeletions: true });
  const deletions = differ.diffMaps(original ?? {}, modified, '', { ignoreChangesAndAdditions: true });
  return new PatchCombiner(lookup).mergeMap(deletions, delta, '');
}

/**
 * CreateTwoWayMergePatch (what `edit` sends for built-in kinds): every difference from
 * original to modified, deletions included; a JSON merge patch for other kinds.
 */
export function createTwoWayPatch(kind: string, original: Obj, modified: Obj): ThreeWayPatch {
  const table = patchMetaFor(kind);
  if (table) return { type: 'strategic', patch: new Differ(lookupIn(table)).diffMaps(original, modified, '', {}) };
  return { type: 'merge', patch: createMergePatch(original, modified) };
}

class Differ {
  constructor(private readonly lookup: PatchMetaLookup) {}

  diffMaps(original: Obj, modified: Obj, path: string, opts: DiffOptions): Obj {
    const patch: Obj = {};
    const retainKeys: string[] = [];
    for (const key of Object.keys(modified)) {
      const modifiedValue = modified[key];
      if (opts.buildRetainKeys && modifiedValue !== null && modifiedValue !== undefined) retainKeys.push(key);
      if (!own(original, key)) {
        if (!opts.ignoreChangesAndAdditions) patch[key] = modifiedValue;
        continue;
      }
      const originalValue = original[key];
      if (key === DIRECTIVE) {
        if (typeof originalValue !== 'string' || typeof modifiedValue !== 'string') throw new Error(`invalid value for special key: ${DIRECTIVE}`);
        if (originalValue !== modifiedValue) patch[key] = modifiedValue;
        continue;
      }
      if (typeOf(originalValue) !== typeOf(modifiedValue)) {
        if (!opts.ignoreChangesAndAdditions) patch[key] = modifiedValue;
        continue;
      }
      const childPath = path ? `${path}.${key}` : key;
      if (isMap(originalValue)) {
        this.mapDiff(key, originalValue, modifiedValue as Obj, patch, childPath, opts);
      } else if (Array.isArray(originalValue)) {
        this.sliceDiff(key, originalValue, modifiedValue as unknown[], patch, childPath, opts);
      } else if (!opts.ignoreChangesAndAdditions && !deepEqual(originalValue, modifiedValue)) {
        patch[key] = modifiedValue;
      }
    }
    if (!opts.ignoreDeletions) {
      for (const key of Object.keys(original)) if (!own(modified, key)) patch[key] = null;
    }
    if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField(original, modified))) {
      patch[RETAIN_KEYS] = sortScalars(retainKeys);
    }
    return patch;
  }

  private mapDiff(key: string, original: Obj, modified: Obj, patch: Obj, path: string, opts: DiffOptions): void {
    const meta = this.lookup(path);
    if (meta?.strategy === 'replace') {
      if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = modified;
      return;
    }
    const value = this.diffMaps(original, modified, path, { ...opts, buildRetainKeys: meta?.retainKeys ?? false });
    if (Object.keys(value).length > 0) patch[key] = value;
  }

  private sliceDiff(key: string, original: unknown[], modified: unknown[], patch: Obj, path: string, opts: DiffOptions): void {
    const meta = this.lookup(path);
    if (meta?.strategy !== 'merge') {
      if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = modified;
      return;
    }
    const { add, del, order } = this.diffLists(original, modified, `${path}[]`, meta.mergeKey ?? '', { ...opts, buildRetainKeys: meta.retainKeys ?? false });
    if (add.length > 0) patch[key] = add;
    if (del.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST}/${key}`] = del;
    if (order.length > 0) patch[`${SET_ELEMENT_ORDER}/${key}`] = order;
  }

  private diffLists(original: unknown[], modified: unknown[], itemPath: string, mergeKey: string, opts: DiffOptions): { add: unknown[]; del: unknown[]; order: unknown[] } {
    if (original.length === 0) {
      if (modified.length === 0 || opts.ignoreChangesAndAdditions) return { add: [], del: [], order: [] };
      return { add: modified, del: [], order: [] };
    }
    const kind = elementKind(original, modified);
    if (kind === 'list') throw new Error('lists of lists are not supported');
    if (kind === 'map') {
      let { patch, deletions } = this.diffListsOfMaps(original, modified, itemPath, mergeKey, opts);
      patch = normalizeSliceOrder(patch, modified, mergeKey, true);
      const orderSame = isOrderSame(original, modified, mergeKey);
      patch = [...patch, ...deletions];
      let order: unknown[] = [];
      if ((!opts.ignoreChangesAndAdditions && (patch.length > 0 || !orderSame)) || (!opts.ignoreDeletions && patch.length > 0)) {
        order = modified.map((v) => ({ [mergeKey]: (v as Obj)[mergeKey] }));
      }
      return { add: patch, del: [], order };
    }
    const { add, del } = diffListsOfScalars(original, modified, opts);
    const sorted = normalizeSliceOrder(add, modified, '', false);
    let order: unknown[] = [];
    if ((!opts.ignoreDeletions && del.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified))) order = modified;
    return { add: sorted, del, order };
  }

  private diffListsOfMaps(original: unknown[], modified: unknown[], itemPath: string, mergeKey: string, opts: DiffOptions): { patch: unknown[]; deletions: unknown[] } {
    const patch: unknown[] = [];
    const deletions: unknown[] = [];
    const o = sortByMergeKey(original, mergeKey);
    const m = sortByMergeKey(modified, mergeKey);
    let i = 0;
    let j = 0;
    while (i < o.length || j < m.length) {
      const oi = i < o.length ? o[i]! : undefined;
      const mj = j < m.length ? m[j]! : undefined;
      const ok = oi ? goString(oi[mergeKey]) : '';
      const mk = mj ? goString(mj[mergeKey]) : '';
      if (oi && mj && ok === mk) {
        const value = this.diffMaps(oi, mj, itemPath, opts);
        if (Object.keys(value).length > 0) {
          value[mergeKey] = mj[mergeKey];
          patch.push(value);
        }
        i++;
        j++;
      } else if (!oi || (mj && ok > mk)) {
        if (!opts.ignoreChangesAndAdditions) patch.push(mj);
        j++;
      } else {
        if (!opts.ignoreDeletions) deletions.push({ [DIRECTIVE]: 'delete', [mergeKey]: oi[mergeKey] });
        i++;
      }
    }
    return { patch, deletions };
  }
}

function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
}

function hasAdditionalNewField(original: Obj, modified: Obj): boolean {
  return Object.entries(original).some(([k, v]) => v !== null && v !== undefined && !own(modified, k));
}

// Go's %v for the scalars JSON has (what kubectl sorts and compares merge keys by).
function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// %v of a float64: shortest representation, exponent form from 1e21 (and below 1e-4).
function goFloat(n: number): string {
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

function sortScalars(list: unknown[]): unknown[] {
  return [...list].sort((a, b) => byteOrder(goString(a), goString(b)));
}

function sortByMergeKey(list: unknown[], mergeKey: string): Obj[] {
  for (const v of list) {
    if (!isMap(v)) throw new Error(`expected a map, but received a ${typeOf(v)}`);
    if (!own(v, mergeKey)) throw new Error(`map: ${JSON.stringify(v)} does not contain declared merge key: ${mergeKey}`);
  }
  return [...list as Obj[]].sort((a, b) => byteOrder(goString(a[mergeKey]), goString(b[mergeKey])));
}

function elementKind(...lists: unknown[][]): string | undefined {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = typeOf(v);
      if (kind === undefined) kind = k;
      else if (k !== kind) throw new Error(`list element types are not identical: ${JSON.stringify(lists)}`);
    }
  }
  return kind;
}

function isOrderSame(original: unknown[], modified: unknown[], mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((m, i) => deepEqual((original[i] as Obj)[mergeKey], (m as Obj)[mergeKey]));
}

function diffListsOfScalars(original: unknown[], modified: unknown[], opts: DiffOptions): { add: unknown[]; del: unknown[] } {
  const o = sortScalars(original);
  const m = sortScalars(modified);
  const add: unknown[] = [];
  const del: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const inO = i < o.length;
    const inM = j < m.length;
    const os = inO ? goString(o[i]) : '';
    const ms = inM ? goString(m[j]) : '';
    if (inO && inM && os === ms) {
      i++;
      j++;
    } else if (!inO || (inM && os > ms)) {
      if (!opts.ignoreChangesAndAdditions) add.push(m[j]);
      j++;
    } else {
      if (!opts.ignoreDeletions) del.push(o[i]);
      i++;
    }
  }
  const dedup: unknown[] = [];
  for (const d of del) if (!dedup.some((x) => deepEqual(x, d))) dedup.push(d);
  return { add, del: dedup };
}

// Orders `list` by where its items are in `order` (stable; items not found keep their place last).
function normalizeSliceOrder(list: unknown[], order: unknown[], mergeKey: string, maps: boolean): unknown[] {
  const id = (v: unknown): unknown => (maps ? (v as Obj)[mergeKey] : v);
  const ranked = list.map((item, i) => ({ item, i, at: order.findIndex((o) => deepEqual(id(o), id(item))) }));
  ranked.sort((a, b) => {
    if (a.at >= 0 && b.at >= 0) return a.at - b.at || a.i - b.i;
    if (a.at >= 0) return -1;
    if (b.at >= 0) return 1;
    return a.i - b.i;
  });
  return ranked.map((r) => r.item);
}

/**
 * mergeMap(deletions, delta) with MergeOptions{} as CreateThreeWayMergePatch calls it:
 * one patch into another, nulls and directives kept. Their keys hardly overlap (a
 * deletion names what modified lacks, a change what it has), so this is mostly a
 * recursive union; merging lists concatenate (changes first, then deletions).
 */
class PatchCombiner {
  constructor(private readonly lookup: PatchMetaLookup) {}

  mergeMap(original: Obj, patch: Obj, path: string): Obj {
    if (own(patch, DIRECTIVE)) {
      if (patch[DIRECTIVE] === 'replace') {
        const { [DIRECTIVE]: _, ...rest } = patch;
        return rest;
      }
      if (patch[DIRECTIVE] === 'delete') return {};
    }
    const out: Obj = { ...original };
    for (const [key, patchV] of Object.entries(patch)) {
      if (key === RETAIN_KEYS || key.startsWith(`${SET_ELEMENT_ORDER}/`)) {
        if (!own(out, key)) out[key] = patchV;
        continue;
      }
      if (key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`) || patchV === null || !own(out, key)) {
        out[key] = patchV;
        continue;
      }
      const originalV = out[key];
      if (typeOf(originalV) !== typeOf(patchV)) {
        out[key] = patchV;
        continue;
      }
      const childPath = path ? `${path}.${key}` : key;
      const meta = this.lookup(childPath);
      if (isMap(originalV)) {
        out[key] = meta?.strategy === 'replace' ? patchV : this.mergeMap(originalV, patchV as Obj, childPath);
      } else if (Array.isArray(originalV) && meta?.strategy === 'merge') {
        out[key] = this.mergeList(originalV, patchV as unknown[], `${childPath}[]`, meta.mergeKey ?? '');
      } else {
        out[key] = patchV;
      }
    }
    return out;
  }

  private mergeList(original: unknown[], patch: unknown[], itemPath: string, mergeKey: string): unknown[] {
    if (!mergeKey || !original.every(isMap) || !patch.every(isMap)) {
      const both = [...original, ...patch];
      return both.filter((v, i) => both.findIndex((w) => deepEqual(v, w)) === i);
    }
    const rest = [...original] as Obj[];
    const merged: unknown[] = [];
    for (const item of patch as Obj[]) {
      const at = rest.findIndex((o) => deepEqual(o[mergeKey], item[mergeKey]));
      if (at >= 0) merged.push(this.mergeMap(rest.splice(at, 1)[0]!, item, itemPath));
      else merged.push(item);
    }
    return [...merged, ...rest];
  }
}

/**
 * CreateThreeWayJSONMergePatch: additions and changes from current to modified (nulls
 * dropped) merged over the deletions from original to modified (nulls only).
 */
export function createThreeWayJsonMergePatch(original: Obj | undefined, modified: Obj, current: Obj): Obj {
  const addAndChange = keepOrDeleteNull(createMergePatch(current, modified), false);
  const deletions = keepOrDeleteNull(createMergePatch(original ?? {}, modified), true);
  return deepMerge(deletions, addAndChange);
}

/** RFC 7386 diff: the merge patch that turns `a` into `b`. */
export function createMergePatch(a: Obj, b: Obj): Obj {
  const into: Obj = {};
  for (const [key, bv] of Object.entries(b)) {
    if (!own(a, key)) {
      into[key] = bv;
      continue;
    }
    const av = a[key];
    if (typeOf(av) !== typeOf(bv)) {
      into[key] = bv;
    } else if (isMap(av)) {
      const d = createMergePatch(av, bv as Obj);
      if (Object.keys(d).length > 0) into[key] = d;
    } else if (!deepEqual(av, bv)) {
      into[key] = bv;
    }
  }
  for (const key of Object.keys(a)) if (!own(b, key)) into[key] = null;
  return into;
}

function keepOrDeleteNull(m: Obj, keepNull: boolean): Obj {
  const out: Obj = {};
  for (const [key, val] of Object.entries(m)) {
    if (val === null || val === undefined) {
      if (keepNull) out[key] = null;
    } else if (isMap(val)) {
      // An explicitly empty map is a value, not an empty patch.
      if (Object.keys(val).length === 0) {
        if (!keepNull) out[key] = val;
        continue;
      }
      const sub = keepOrDeleteNull(val, keepNull);
      if (Object.keys(sub).length > 0) out[key] = sub;
    } else if (!keepNull) {
      out[key] = val;
    }
  }
  return out;
}

function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(v) && isMap(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** Deep equality of JSON values (key order ignored), as reflect.DeepEqual on decoded JSON. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    return a.length === bl.length && a.every((v, i) => deepEqual(v, bl[i]));
  }
  const ak = Object.keys(a as Obj);
  const bo = b as Obj;
  return ak.length === Object.keys(bo).length && ak.every((k) => own(bo, k) && deepEqual((a as Obj)[k], bo[k]));
}
