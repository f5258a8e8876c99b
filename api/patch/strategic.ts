// Strategic merge patch, `application/strategic-merge-patch+json`: the server side of
// `kubectl apply` / `kubectl patch`. A port of the apply half of apimachinery's
// util/strategicpatch/patch.go (mergeMap and friends, with MergeParallelList and
// IgnoreUnmatchedNulls on, as the apiserver calls it), driven by the path-keyed metadata of
// patch-meta.ts instead of Go struct tags.
//
// Directives: `$patch: replace | delete` (and `merge`, the default) in an object;
// `{$patch: replace}` and `{<key>: v, $patch: delete}` items in a merging list;
// `$retainKeys`; `$setElementOrder/<list>`; `$deleteFromPrimitiveList/<list>`; null deletes.
import { PatchError, patchMetaFor, type FieldPatchMeta, type PatchMetaTable } from './patch-meta.js';
// Go's %v, so messages read as they do from a real apiserver: map[a:1 b:x], [1 2], <nil>.
import { goFormat } from '../schemas/go-values.js';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';
const ERR_LIST_OF_LISTS = 'lists of lists are not supported';
const ERR_NOT_SUPPORTED = 'strategic merge patch format is not supported';

/** Looks up the metadata of the field at a JSON path (see PatchMetaTable for the syntax). */
export type PatchMetaLookup = (path: string) => FieldPatchMeta | undefined;

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

type Kind = 'map' | 'list' | 'string' | 'number' | 'boolean' | 'null';
function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as Kind;
  throw new PatchError(`unsupported value in patch: ${String(v)}`, 400);
}


const GO_TYPE: Record<Kind, string> = {
  map: 'map[string]interface {}', list: '[]interface {}', string: 'string', number: 'float64', boolean: 'bool', null: '<nil>',
};
const badArgType = (expected: Kind, actual: unknown): PatchError =>
  new PatchError(`expected a ${GO_TYPE[expected]}, but received a ${GO_TYPE[kindOf(actual)]}`);
const noMergeKey = (m: unknown, key: string): PatchError =>
  new PatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);

// Scalars compare by type and value, as Go compares interface{} values.
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

const childPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);
const itemPath = (path: string): string => `${path}[]`;

class Merger {
  constructor(private readonly lookup: PatchMetaLookup) {}

  private meta(path: string): { strategy: string; mergeKey: string } {
    const m = this.lookup(path);
    return { strategy: m?.strategy ?? '', mergeKey: m?.mergeKey ?? '' };
  }

  /** Merges `patch` into `original` (both owned by the merger, so mutated freely). */
  mergeMap(original: Obj, patch: Obj, path: string): Obj {
    if (own(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') {
        delete patch[DIRECTIVE];
        return this.mergeMap({}, patch, path);
      }
      if (directive === 'delete') return {};
      // `merge` is what happens anyway.
      if (directive !== 'merge') throw new PatchError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
      delete patch[DIRECTIVE];
    }
    this.applyRetainKeys(original, patch);
    this.mergeSetElementOrderLists(original, patch, path);

    for (const key of Object.keys(patch)) {
      const patchV = patch[key];
      let k = key;
      let isDeleteList = false;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        k = extractKey(key, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST);
        isDeleteList = true;
      }
      const path2 = childPath(path, k);
      if (patchV === null || patchV === undefined) {
        delete original[k];
        continue;
      }
      if (!own(original, k) || kindOf(original[k]) !== kindOf(patchV)) {
        // A deletion list never creates the list it deletes from.
        if (!isDeleteList) this.assign(original, k, patchV, path2);
        continue;
      }
      const originalV = original[k];
      if (isMap(originalV)) {
        if (this.meta(path2).strategy === 'replace') this.assign(original, k, patchV, path2);
        else original[k] = this.mergeMap(originalV, patchV as Obj, path2);
      } else if (Array.isArray(originalV)) {
        original[k] = this.mergeSliceHandler(originalV, patchV as unknown[], path2, isDeleteList).merged;
      } else {
        original[k] = patchV;
      }
    }
    return original;
  }

  // Sets original[k] to a patch value that has nothing to merge with, without its directives.
  private assign(original: Obj, k: string, patchV: unknown, path: string): void {
    const v = this.materialize(patchV, path);
    if (v === DROP) delete original[k];
    else original[k] = v;
  }

  /**
   * A patch value as plain data: nulls and directives processed against an empty original
   * (so `$patch: delete` items vanish and nested `$setElementOrder` lists are honoured).
   */
  private materialize(v: unknown, path: string): unknown {
    if (isMap(v)) {
      if (own(v, DIRECTIVE)) {
        if (v[DIRECTIVE] === 'delete') return DROP;
        if (v[DIRECTIVE] !== 'replace' && v[DIRECTIVE] !== 'merge') throw new PatchError(`unknown patch type: ${goFormat(v[DIRECTIVE])} in map: ${goFormat(v)}`);
        const { [DIRECTIVE]: _, ...rest } = v;
        return this.mergeMap({}, rest, path);
      }
      return this.mergeMap({}, v, path);
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) {
        // In a list, any item carrying $patch is an instruction, not content.
        if (isMap(item) && own(item, DIRECTIVE)) continue;
        out.push(isMap(item) ? this.mergeMap({}, item, itemPath(path)) : item);
      }
      return out;
    }
    return v;
  }

  private applyRetainKeys(original: Obj, patch: Obj): void {
    if (!own(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw new PatchError(ERR_RETAIN_KEYS, 400);
    const retained = new Set<unknown>(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!retained.has(k)) throw new PatchError(ERR_RETAIN_KEYS, 400);
    }
    for (const k of Object.keys(original)) {
      if (!retained.has(k)) delete original[k];
    }
  }

  // Processes each `$setElementOrder/<list>` with its list: merge, then order the result by
  // $setElementOrder first, the patch list next and the live list last.
  private mergeSetElementOrderLists(original: Obj, patch: Obj, path: string): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw badArgType('list', order);
      const listKey = extractKey(key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER);
      const listPath = childPath(path, listKey);
      const foundOriginal = own(original, listKey) && original[listKey] !== null;
      const foundPatch = own(patch, listKey) && patch[listKey] !== null;
      const originalList = foundOriginal ? original[listKey] : [];
      const patchList = foundPatch ? patch[listKey] : [];
      if (!Array.isArray(originalList)) throw badArgType('list', originalList);
      if (!Array.isArray(patchList)) throw badArgType('list', patchList);
      const { strategy, mergeKey } = this.meta(listPath);
      validatePatchWithSetOrderList(patchList, order, mergeKey);

      let merged: unknown[];
      let live: unknown[] = originalList;
      if (foundOriginal && !foundPatch) merged = originalList;
      else if (!foundOriginal && foundPatch) merged = this.materialize(patchList, listPath) as unknown[];
      else if (foundOriginal && foundPatch) ({ merged, live } = this.mergeSliceHandler(originalList, patchList, listPath, false, strategy));
      else continue;

      const kind = elementKind(originalList, patchList);
      if (kind !== undefined) {
        const [patchItems, serverOnly] = partition(merged, order, mergeKey);
        merged = normalizeElementOrder(patchItems, serverOnly, order, live, mergeKey, kind);
      }
      original[listKey] = merged;
      delete patch[listKey];
    }
  }

  private mergeSliceHandler(original: unknown[], patch: unknown[], path: string, isDeleteList: boolean, strategy = this.meta(path).strategy): MergedList {
    // A deletion list deletes whatever the list's strategy.
    if (strategy === 'merge' || isDeleteList) return this.mergeSlice(original, patch, path, isDeleteList);
    return { merged: this.materialize(patch, path) as unknown[], live: original };
  }

  private mergeSlice(original: unknown[], patch: unknown[], path: string, isDeleteList: boolean): MergedList {
    if (original.length === 0 && patch.length === 0) return { merged: original, live: original };
    const { mergeKey } = this.meta(path);
    const kind = elementKind(original, patch) ?? 'null';
    if (kind !== 'map') {
      if (isDeleteList) return { merged: original.filter((v) => !patch.some((d) => sameValue(v, d))), live: original };
      const merged = dedupeScalars([...original, ...patch]);
      const [patchItems, serverOnly] = partition(merged, patch, '');
      return { merged: normalizeElementOrder(patchItems, serverOnly, patch, original, '', kind), live: original };
    }
    if (!mergeKey) throw new PatchError(`cannot merge lists without merge key for ${path}`);
    const live = new LiveList(original);
    const { remaining, plain, replace } = this.applySpecialElements(live, patch, mergeKey);
    let merged: unknown[];
    let serverOrder: unknown[];
    if (replace) {
      merged = plain.map((item) => this.mergeMap({}, item as Obj, itemPath(path)));
      serverOrder = merged;
      patch = [];
    } else {
      merged = this.mergeByKey(remaining, plain, mergeKey, itemPath(path), live);
      serverOrder = remaining;
      patch = plain;
    }
    const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
    return { merged: normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, kind), live: live.view() };
  }

  // Handles `{$patch: replace}` and `{<key>: v, $patch: delete}` items; returns the live
  // items left and the patch items without directives.
  private applySpecialElements(live: LiveList, patch: unknown[], mergeKey: string): { remaining: unknown[]; plain: unknown[]; replace: boolean } {
    const plain: unknown[] = [];
    let replace = false;
    for (const v of patch) {
      const item = v as Obj;
      if (!own(item, DIRECTIVE)) {
        plain.push(item);
        continue;
      }
      switch (item[DIRECTIVE]) {
        case 'delete':
          if (!own(item, mergeKey)) throw noMergeKey(item, mergeKey);
          live.deleteAll(mergeKey, item[mergeKey]);
          break;
        case 'replace':
          // Keep going: later $patch items are dropped too.
          replace = true;
          break;
        case 'merge':
          throw new PatchError('merging lists cannot yet be specified in the patch');
        default:
          throw new PatchError(`unknown patch type: ${goFormat(item[DIRECTIVE])} in map: ${goFormat(item)}`);
      }
    }
    return { remaining: live.items(), plain, replace };
  }

  private mergeByKey(original: unknown[], patch: unknown[], mergeKey: string, path: string, live: LiveList): unknown[] {
    // A copy: `original` keeps the live order used to sort the result.
    const merged = [...original];
    for (const v of patch) {
      const item = v as Obj;
      if (!own(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const index = findByKey(merged, mergeKey, item[mergeKey]);
      if (index >= 0) {
        merged[index] = this.mergeMap(merged[index] as Obj, item, path);
      } else {
        const added = this.mergeMap({}, item, path);
        merged.push(added);
        live.append(added);
      }
    }
    return merged;
  }
}

/** A merged list, and the live list as Go's caller sees it afterwards (see LiveList). */
interface MergedList { merged: unknown[]; live: unknown[] }

/**
 * The live list as Kubernetes' Go code mutates it in place. Go deletes items with
 * `append(s[:i], s[i+1:]...)` and appends new items into the room that frees, so the caller's
 * view of the live list (its original length) ends up as: items left, then the first new
 * items, then stale copies. Kubernetes orders a `$setElementOrder` list against that view;
 * keeping it makes kubectl apply order server-only items exactly as a real apiserver does.
 */
class LiveList {
  private readonly backing: unknown[];
  private length: number;

  constructor(items: unknown[]) {
    this.backing = [...items];
    this.length = items.length;
  }

  items(): unknown[] {
    return this.backing.slice(0, this.length);
  }

  deleteAll(mergeKey: string, value: unknown): void {
    for (;;) {
      const index = findByKey(this.items(), mergeKey, value);
      if (index < 0) return;
      this.backing.copyWithin(index, index + 1, this.length);
      this.length--;
    }
  }

  append(item: unknown): void {
    // Past the original capacity Go reallocates, and the caller's view no longer changes.
    if (this.length < this.backing.length) this.backing[this.length++] = item;
  }

  view(): unknown[] {
    return this.backing;
  }
}

const DROP = Symbol('drop');

function extractKey(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw new PatchError(error, 400);
  return key.slice(slash + 1);
}

function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isMap(item)) throw new PatchError(`value for key ${i} is not a map`);
    if (own(item, mergeKey) && sameValue(item[mergeKey], value)) return i;
  }
  return -1;
}

// The one kind shared by the items of the lists, undefined when they are all empty.
function elementKind(...lists: unknown[][]): Kind | undefined {
  let kind: Kind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'list') throw new PatchError(ERR_LIST_OF_LISTS);
        kind = k;
      } else if (k !== kind) {
        throw new PatchError(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return kind;
}

function dedupeScalars(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => sameValue(o, v))) out.push(v);
  return out;
}

// The identity of an item when ordering: its merge key value, or the item for primitives.
function identity(item: unknown, mergeKey: string, kind: Kind): unknown {
  if (kind !== 'map') return item;
  return isMap(item) ? item[mergeKey] : undefined;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: Kind): number {
  const id = identity(item, mergeKey, kind);
  return list.findIndex((v) => sameValue(identity(v, mergeKey, kind), id));
}

// Splits `list` into the items present in `by` and the others (server-only items).
function partition(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    let found: boolean;
    if (mergeKey) {
      if (!isMap(v)) throw badArgType('map', v);
      if (!own(v, mergeKey)) throw noMergeKey(v, mergeKey);
      found = findByKey(by, mergeKey, v[mergeKey]) >= 0;
    } else {
      found = by.some((b) => sameValue(b, v));
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

// Sorts `toSort` by the positions of its items in `order` (stable; items not in `order` keep
// their place after those that are). `$patch: delete` items go last.
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let deletions: unknown[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isMap(item)) throw badArgType('map', item);
        if (!own(item, mergeKey)) throw noMergeKey(item, mergeKey);
      }
    }
    deletions = toSort.filter((v) => (v as Obj)[DIRECTIVE] === 'delete');
    toSort = toSort.filter((v) => (v as Obj)[DIRECTIVE] !== 'delete');
  }
  const ranked = toSort.map((item, i) => ({ item, i, at: indexIn(order, item, mergeKey, kind) }));
  ranked.sort((a, b) => {
    if (a.at >= 0 && b.at >= 0) return a.at - b.at || a.i - b.i;
    if (a.at >= 0) return -1;
    if (b.at >= 0) return 1;
    return a.i - b.i;
  });
  return [...ranked.map((r) => r.item), ...deletions];
}

// Interleaves server-only items (kept in live order) into the patch items (kept in patch
// order): a server-only item goes before a patch item when the live list had it first.
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

// The patch list's items (deletions aside) must appear in $setElementOrder, in its order.
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    items = patchList.filter((v) => {
      if (!isMap(v)) throw badArgType('map', v);
      return v[DIRECTIVE] !== 'delete';
    });
  }
  const keyEqual = (a: unknown, b: unknown): boolean => {
    if (!mergeKey) return sameValue(a, b);
    if (!isMap(a)) throw badArgType('map', a);
    if (!isMap(b)) throw badArgType('map', b);
    if (!own(a, mergeKey)) throw noMergeKey(a, mergeKey);
    if (!own(b, mergeKey)) throw noMergeKey(b, mergeKey);
    return sameValue(a[mergeKey], b[mergeKey]);
  };
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isMap(items[p]) && own(items[p] as Obj, DIRECTIVE)) {
      p++;
      continue;
    }
    if (keyEqual(items[p], order[o])) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw new PatchError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`);
  }
}

/** A lookup over a PatchMetaTable. */
export function lookupIn(table: PatchMetaTable): PatchMetaLookup {
  return (path) => table.get(path);
}

/**
 * Applies a strategic merge patch using explicit metadata (tests, or kinds described
 * elsewhere). `target` and `patch` must be JSON objects; neither is modified. Throws
 * PatchError for a malformed patch (400) or one that cannot be applied (422).
 */
export function applyStrategicMergePatchWithMeta(target: unknown, patch: unknown, lookup: PatchMetaLookup): Record<string, unknown> {
  if (!isMap(patch)) throw new PatchError('invalid JSON document', 400);
  const original = target === null || target === undefined ? {} : target;
  if (!isMap(original)) throw new PatchError('invalid JSON document', 400);
  return new Merger(lookup).mergeMap(structuredClone(original), structuredClone(patch), '');
}

/**
 * Applies a strategic merge patch to an object of a built-in `kind` (Pod, Service, Node,
 * Namespace, Endpoints, ConfigMap, Secret, Event, ReplicaSet, Deployment, Lease), merging
 * lists by the keys Kubernetes declares (containers by name, ports by containerPort...).
 * Neither input is modified. Throws PatchError 415 "strategic merge patch format is not
 * supported" for any other kind (as for custom resources), and as
 * applyStrategicMergePatchWithMeta otherwise.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: string): Record<string, unknown> {
  const table = patchMetaFor(kind);
  if (!table) throw new PatchError(ERR_NOT_SUPPORTED, 415);
  return applyStrategicMergePatchWithMeta(target, patch, lookupIn(table));
}
