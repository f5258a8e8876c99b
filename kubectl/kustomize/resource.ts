// A resource while a kustomization builds: the object, the ids it had before each
// rename (kustomize's previous ids, oldest first, so back references can be fixed at
// the end) and whether a generator asked for a name hash suffix.
import { gvkOf, type Gvk } from './field-specs.js';

export type Obj = Record<string, unknown>;

export interface ResId {
  gvk: Gvk;
  name: string;
  namespace: string;
}

export interface Resource {
  obj: Obj;
  previous: ResId[];
  needsHash: boolean;
  /** configMapGenerator/secretGenerator behavior: create, merge or replace. */
  behavior?: string;
}

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function metadata(obj: Obj): Obj {
  if (!isObj(obj.metadata)) obj.metadata = {};
  return obj.metadata as Obj;
}

export const nameOf = (obj: Obj): string => String(metadata(obj).name ?? '');
export const namespaceOf = (obj: Obj): string => String(metadata(obj).namespace ?? '');

export function currentId(r: Resource): ResId {
  return { gvk: gvkOf(r.obj), name: nameOf(r.obj), namespace: namespaceOf(r.obj) };
}

/** The id the resource was read or generated with. */
export function originalId(r: Resource): ResId {
  return r.previous[0] ?? currentId(r);
}

/** Remembers the current id before a rename (kustomize's StorePreviousId). */
export function storePreviousId(r: Resource): void {
  r.previous.push(currentId(r));
}

/** resid.ResId.String: `Kind.version.group/name.namespace` with kustomize's placeholders. */
export function idString(id: ResId): string {
  return `${id.gvk.kind || '[noKind]'}.${id.gvk.version || '[noVer]'}.${id.gvk.group || '[noGrp]'}/${id.name}.${id.namespace || '[noNs]'}`;
}

export function sameGvk(a: Gvk, b: Gvk): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind;
}

/** Whether r was ever (or is now) named `name`, optionally in `namespace`. */
export function matchesAnyId(r: Resource, gvk: Gvk, name: string, namespace?: string): boolean {
  return [...r.previous, currentId(r)].some((id) => sameGvk(id.gvk, gvk) && id.name === name && (namespace === undefined || id.namespace === namespace));
}
