// patches, patchesStrategicMerge and patchesJson6902 (kustomize's PatchTransformer,
// PatchStrategicMergeTransformer, PatchJson6902Transformer): a patch is a strategic
// merge patch (an object, merged with Kubernetes' list merge keys for built-in kinds)
// or an RFC 6902 list of operations; `target` selects objects by
// group/version/kind, name and namespace (regexes), label and annotation selectors;
// without one, a strategic merge patch patches the object it names.
import { parseLabelSelector } from '../../api/labels.js';
import { applyJsonPatch, applyStrategicMergePatchWithMeta, patchMetaFor, lookupIn, PatchError } from '../../api/patch/index.js';
import { parseYamlDocuments } from './yaml-docs.js';
import { KustomizeError } from './errors.js';
import { gvkOf } from './field-specs.js';
import type { Patch, Selector } from './kustomization.js';
import { currentId, idString, isObj, matchesAnyId, metadata, nameOf, namespaceOf, originalId, type Obj, type Resource } from './resource.js';

/** Reads a file a patch names, relative to the kustomization. */
export type TextReader = (path: string) => Promise<string>;

/** The parsed content of one patch. */
type PatchContent = { kind: 'smp'; objects: Obj[] } | { kind: 'json'; ops: unknown[] };

function parseYaml(text: string): unknown[] {
  return parseYamlDocuments(text).filter((d) => d !== null && d !== undefined);
}

/** PatchTransformer.Config: a patch must be exactly one of the two kinds. */
function parsePatch(text: string): PatchContent {
  const docs = parseYaml(text);
  if (docs.length === 1 && Array.isArray(docs[0])) return { kind: 'json', ops: docs[0] };
  if (docs.every(isObj)) {
    // A List of patches is its items.
    return { kind: 'smp', objects: docs.flatMap((d) => (Array.isArray(d.items) && String(d.kind ?? '').endsWith('List') ? d.items.filter(isObj) : [d])) };
  }
  throw new KustomizeError(`unable to parse SM or JSON patch from ${text}`);
}

/** kustomize's resmap Select: gvk equal where given, name and namespace regexes (current or original), label and annotation selectors. */
export function selected(r: Resource, sel: Selector): boolean {
  const gvk = gvkOf(r.obj);
  if (sel.group !== undefined && sel.group !== gvk.group) return false;
  if (sel.version && sel.version !== gvk.version) return false;
  if (sel.kind && sel.kind !== gvk.kind) return false;
  const org = originalId(r);
  if (sel.name && !anchored(sel.name).test(nameOf(r.obj)) && !anchored(sel.name).test(org.name)) return false;
  if (sel.namespace && !anchored(sel.namespace).test(namespaceOf(r.obj)) && !anchored(sel.namespace).test(org.namespace)) return false;
  const meta = metadata(r.obj);
  if (sel.labelSelector && !selector(sel.labelSelector).matches(stringMap(meta.labels))) return false;
  if (sel.annotationSelector && !selector(sel.annotationSelector).matches(stringMap(meta.annotations))) return false;
  return true;
}

function anchored(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new KustomizeError(`error parsing regexp: ${(err as Error).message}`);
  }
}

function selector(text: string): ReturnType<typeof parseLabelSelector> {
  try {
    return parseLabelSelector(text);
  } catch (err) {
    throw new KustomizeError((err as Error).message);
  }
}

const stringMap = (v: unknown): Record<string, string> => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {});

/** Applies one strategic merge patch object to r (kustomize's kyaml merge for built-in kinds' merge keys). */
function mergeInto(r: Resource, patch: Obj): void {
  const table = patchMetaFor(String(r.obj.kind ?? ''));
  try {
    r.obj = applyStrategicMergePatchWithMeta(r.obj, patch, table ? lookupIn(table) : () => undefined);
  } catch (err) {
    if (err instanceof PatchError) throw new KustomizeError(err.message);
    throw err;
  }
}

function applyOps(r: Resource, ops: unknown[]): void {
  try {
    r.obj = applyJsonPatch(r.obj, ops) as Obj;
  } catch (err) {
    if (err instanceof PatchError) throw new KustomizeError(`unable to apply json patch: ${err.message}`);
    throw err;
  }
}

/** Applies patch content to the selected resources, or (SMP without target) to the ones it names. Returns the resources left (`$patch: delete` removes). */
function applyContent(resources: Resource[], content: PatchContent, target: Selector | undefined, patchText: string, keepName: boolean): Resource[] {
  if (content.kind === 'json') {
    if (!target) throw new KustomizeError(`must specify a target for JSON patch [patch: ${JSON.stringify(patchText)}]`);
    for (const r of resources.filter((x) => selected(x, target))) applyOps(r, content.ops);
    return resources;
  }
  let out = resources;
  for (const patch of content.objects) {
    const deleting = patch.$patch === 'delete';
    let matched: Resource[];
    if (target) {
      matched = out.filter((x) => selected(x, target));
    } else {
      const gvk = gvkOf(patch);
      const ns = namespaceOf(patch);
      matched = out.filter((x) => matchesAnyId(x, gvk, nameOf(patch), ns || undefined));
      if (matched.length === 0) {
        const id = idString({ gvk, name: nameOf(patch), namespace: ns });
        throw new KustomizeError(`no resource matches strategic merge patch "${id}": no matches for Id ${id}; failed to find unique target for patch ${id}`);
      }
    }
    if (deleting) {
      out = out.filter((x) => !matched.includes(x));
      continue;
    }
    for (const r of matched) {
      const copy = structuredClone(patch);
      // The patch adopts the target's identity unless it may rename it.
      if (target || !keepName) {
        const meta = metadata(copy);
        meta.name = nameOf(r.obj);
        if (namespaceOf(r.obj)) meta.namespace = namespaceOf(r.obj);
        else delete meta.namespace;
        copy.kind = r.obj.kind;
        copy.apiVersion = r.obj.apiVersion;
      }
      mergeInto(r, copy);
    }
  }
  return out;
}

/** `patches:` entries, in order. */
export async function applyPatches(resources: Resource[], patches: Patch[], read: TextReader): Promise<Resource[]> {
  let out = resources;
  for (const p of patches) {
    if (p.path && p.patch) throw new KustomizeError('patch and path can\'t be set at the same time');
    if (!p.path && !p.patch) throw new KustomizeError('must specify one of patch and path in the patch');
    const text = p.patch ?? await read(p.path!);
    out = applyContent(out, parsePatch(text), p.target, text, p.options?.allowNameChange === true);
  }
  return out;
}

/** patchesStrategicMerge: each entry a file or an inline patch. */
export async function applyStrategicMergePatches(resources: Resource[], entries: string[], read: TextReader): Promise<Resource[]> {
  let out = resources;
  for (const entry of entries) {
    const inline = /\n/.test(entry.trim()) || /^\s*[{]/.test(entry) || /^\s*\w+\s*:\s/.test(entry);
    const text = inline ? entry : await read(entry);
    const docs = parseYaml(text);
    const objects = docs.filter(isObj);
    out = applyContent(out, { kind: 'smp', objects }, undefined, text, true);
  }
  return out;
}

/** patchesJson6902: a target and a list of operations (YAML or JSON). */
export async function applyJson6902Patches(resources: Resource[], patches: Patch[], read: TextReader): Promise<Resource[]> {
  for (const p of patches) {
    if (!p.target) throw new KustomizeError('must specify the target field in patchesJson6902');
    if (p.path && p.patch) throw new KustomizeError('must specify the path for a json patch file');
    const text = p.patch ?? await read(p.path ?? '');
    const docs = parseYaml(text);
    if (docs.length !== 1 || !Array.isArray(docs[0])) throw new KustomizeError(`unable to parse SM or JSON patch from ${text}`);
    const ops = docs[0];
    const target = p.target;
    for (const r of resources.filter((x) => selected(x, target))) applyOps(r, ops);
  }
  return resources;
}

