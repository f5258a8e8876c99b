// kustomize build as kubectl kustomize runs it (krusty's MakeKustomizer, KustTarget):
// each kustomization accumulates its resources (files and, recursively, directories
// holding a kustomization), runs its generators, then its transformers in kustomize's
// order; at the top, generated names get their hash suffix, references to renamed
// objects are fixed, and the result is put in legacy order.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseYamlDocuments } from './yaml-docs.js';
import { KustomizeError } from './errors.js';
import { absorbGenerated, generate, nameHash } from './generators.js';
import { loadKustomization, type Kustomization } from './kustomization.js';
import { fixNameReferences } from './name-reference.js';
import { sortLegacy } from './order.js';
import { applyJson6902Patches, applyPatches, applyStrategicMergePatches } from './patches.js';
import { currentId, idString, isObj, metadata, nameOf, sameGvk, storePreviousId, type Obj, type Resource } from './resource.js';
import { setCommonAnnotations, setCommonLabels, setImages, setLabels, setNameAffixes, setNamespace, setReplicas } from './transformers.js';

export interface BuildResult {
  /** The objects, in output order. */
  objects: Obj[];
  /** Deprecation warnings, as kubectl prints them on stderr. */
  warnings: string[];
}

/** Builds the kustomization in directory `dir` (relative to the working directory or absolute). */
export async function kustomizeBuild(dir: string): Promise<BuildResult> {
  const root = await buildRoot(dir);
  const warnings: string[] = [];
  const { resources, kustomization } = await accumulate(root, warnings, []);
  for (const r of resources) {
    if (!r.needsHash) continue;
    storePreviousId(r);
    metadata(r.obj).name = `${nameOf(r.obj)}-${nameHash(r.obj)}`;
  }
  fixNameReferences(resources);
  const ordered = kustomization.sortOptions?.order === 'fifo' ? resources : sortLegacy(resources);
  return { objects: ordered.map((r) => r.obj), warnings };
}

async function buildRoot(dir: string): Promise<string> {
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new KustomizeError(`must build at directory: not a valid directory: evalsymlink failure on '${dir}' : lstat ${abs}: no such file or directory`);
  if (!st.isDirectory()) throw new KustomizeError(`must build at directory: '${abs}': file is not directory`);
  return realpath(abs);
}

const isRemote = (entry: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || /^git@/.test(entry);

/** A file named by the kustomization in `dir`, which must lie inside it (kustomize's LoadRestrictionsRootOnly). */
function fileReader(dir: string): (path: string) => Promise<Buffer> {
  return async (path: string) => {
    const abs = resolve(dir, path);
    const real = await realpath(abs).catch(() => {
      throw new KustomizeError(`evalsymlink failure on '${abs}' : lstat ${abs}: no such file or directory`);
    });
    const rel = relative(dir, real);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new KustomizeError(`security; file '${real}' is not in or below '${dir}'`);
    return readFile(real);
  };
}

/** KustTarget.accumulateTarget for the kustomization in dir. */
async function accumulate(dir: string, warnings: string[], stack: string[]): Promise<{ resources: Resource[]; kustomization: Kustomization }> {
  if (stack.includes(dir)) throw new KustomizeError(`cycle detected: candidate root '${dir}' contains visited root '${stack[stack.length - 1]}'`);
  const loaded = await loadKustomization(dir);
  warnings.push(...loaded.warnings);
  const k = loaded.kustomization;
  const readBytes = fileReader(dir);
  const readText = async (p: string): Promise<string> => (await readBytes(p)).toString('utf8');

  let resources: Resource[] = [];
  for (const entry of k.resources ?? []) {
    const added = await accumulateEntry(dir, entry, warnings, [...stack, dir]);
    for (const r of added) addResource(resources, r);
  }
  for (const args of k.configMapGenerator ?? []) absorbGenerated(resources, await generate('ConfigMap', args, k.generatorOptions, readBytes));
  for (const args of k.secretGenerator ?? []) absorbGenerated(resources, await generate('Secret', args, k.generatorOptions, readBytes));

  if (k.patchesStrategicMerge?.length) resources = await applyStrategicMergePatches(resources, k.patchesStrategicMerge, readText);
  if (k.patches?.length) resources = await applyPatches(resources, k.patches, readText);
  if (k.namespace) setNamespace(resources, k.namespace);
  if (k.namePrefix || k.nameSuffix) setNameAffixes(resources, k.namePrefix ?? '', k.nameSuffix ?? '');
  for (const label of k.labels ?? []) setLabels(resources, label);
  if (k.commonLabels && Object.keys(k.commonLabels).length > 0) setCommonLabels(resources, k.commonLabels);
  if (k.commonAnnotations && Object.keys(k.commonAnnotations).length > 0) setCommonAnnotations(resources, k.commonAnnotations);
  if (k.patchesJson6902?.length) resources = await applyJson6902Patches(resources, k.patchesJson6902, readText);
  if (k.replicas?.length) setReplicas(resources, k.replicas);
  if (k.images?.length) setImages(resources, k.images);
  return { resources, kustomization: k };
}

/** One `resources:` entry: a file of objects or a directory holding a kustomization. */
async function accumulateEntry(dir: string, entry: string, warnings: string[], stack: string[]): Promise<Resource[]> {
  const prefix = (msg: string): KustomizeError => new KustomizeError(`accumulating resources: accumulation err='accumulating resources from '${entry}': ${msg}`);
  if (isRemote(entry)) throw prefix(`remote resources are not supported by tskubectl': ${entry}`);
  const abs = resolve(dir, entry);
  const st = await stat(abs).catch(() => undefined);
  if (!st) {
    const why = `evalsymlink failure on '${abs}' : lstat ${abs}: no such file or directory`;
    throw prefix(`${why}': must build at directory: not a valid directory: ${why}`);
  }
  if (st.isDirectory()) {
    const real = await realpath(abs);
    try {
      const loaded = await loadKustomization(real);
      if (loaded.kustomization.kind === 'Component') throw prefix(`'${real}' must resolve to a file': expected kind != 'Component' for path '${real}'`);
    } catch (err) {
      if (err instanceof KustomizeError && !err.message.startsWith('accumulating resources')) throw prefix(`'${real}' must resolve to a file': couldn't make target for path '${real}': ${err.message}`);
      throw err;
    }
    try {
      return (await accumulate(real, warnings, stack)).resources;
    } catch (err) {
      if (err instanceof KustomizeError) throw prefix(`'${real}' must resolve to a file': recursed accumulation of path '${real}': ${err.message}`);
      throw err;
    }
  }
  const text = (await fileReader(dir)(entry)).toString('utf8');
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    throw prefix(`${(err as Error).message}': must build at directory: '${abs}': file is not directory`);
  }
  const out: Resource[] = [];
  for (const doc of docs.flatMap(flattenList)) {
    if (doc === null || doc === undefined) continue;
    if (!isObj(doc)) throw prefix(`invalid resource in ${entry}': must build at directory: '${abs}': file is not directory`);
    if (typeof doc.kind !== 'string' || doc.kind === '') throw prefix(`missing kind in object ${goStructDump(doc)}': must build at directory: '${abs}': file is not directory`);
    out.push({ obj: doc, previous: [], needsHash: false });
  }
  return out;
}

function flattenList(doc: unknown): unknown[] {
  if (isObj(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) return doc.items.flatMap(flattenList);
  return [doc];
}

// kustomize prints the object it could not read as Go's %v of its type and object meta.
function goStructDump(obj: Obj): string {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return `{{${String(obj.apiVersion ?? '')} ${String(obj.kind ?? '')}} {{${String(meta.name ?? '')} ${String(meta.namespace ?? '')}} map[] map[]}}`;
}

/** ResMap.Append: two objects may not share an id. */
function addResource(resources: Resource[], r: Resource): void {
  const id = currentId(r);
  const dup = resources.find((x) => {
    const other = currentId(x);
    return sameGvk(other.gvk, id.gvk) && other.name === id.name && (other.namespace || 'default') === (id.namespace || 'default');
  });
  if (dup) throw new KustomizeError(`accumulating resources: may not add resource with an already registered id: ${idString(id)}`);
  resources.push(r);
}


