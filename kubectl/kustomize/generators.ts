// configMapGenerator and secretGenerator: ConfigMaps and Secrets from literals, files
// and env files (kustomize's api/kv and api/internal/generators), the name hash suffix
// (api/hasher), and how a generated object joins those already there (behavior create,
// merge or replace: kustomize's ResAccumulator.AbsorbAll).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { goJson } from '../printers/go-json.js';
import { KustomizeError } from './errors.js';
import type { GeneratorArgs, GeneratorOptions } from './kustomization.js';
import { currentId, idString, isObj, matchesAnyId, metadata, type Obj, type Resource } from './resource.js';

/** Reads a file the kustomization names (relative to its directory, inside its root). */
export type FileReader = (path: string) => Promise<Buffer>;

interface Pair {
  key: string;
  value: string;
}

/** types.MergeGlobalOptionsIntoLocal: a generator's own options over generatorOptions. */
export function mergeOptions(local: GeneratorOptions | undefined, global: GeneratorOptions | undefined): GeneratorOptions {
  if (!global) return local ?? {};
  if (!local) return global;
  return {
    labels: mergeMaps(global.labels, local.labels),
    annotations: mergeMaps(global.annotations, local.annotations),
    disableNameSuffixHash: global.disableNameSuffixHash || local.disableNameSuffixHash,
    immutable: global.immutable || local.immutable,
  };
}

function mergeMaps(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return b;
  if (!b) return a;
  return { ...a, ...b };
}

/** A ConfigMap or Secret (kind) from one generator entry. */
export async function generate(kind: 'ConfigMap' | 'Secret', args: GeneratorArgs, global: GeneratorOptions | undefined, read: FileReader): Promise<Resource> {
  const name = args.name ?? '';
  const behavior = args.behavior || 'create';
  if (!['create', 'merge', 'replace'].includes(behavior)) throw new KustomizeError(`invalid behavior '${behavior}', must be one of [create merge replace]`);
  const pairs = await loadPairs(args, read);
  const obj: Obj = { apiVersion: 'v1', kind, metadata: { name } };
  if (args.namespace) metadata(obj).namespace = args.namespace;
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { key, value } of pairs) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
      throw new KustomizeError(`"${key}" is not a valid key name for a ${kind}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
    }
    if (seen.has(key)) throw new KustomizeError(`${kind.toLowerCase()} ${name} illegally repeats the key \`${key}\``);
    seen.add(key);
    if (kind === 'Secret') data[key] = encodeBase64(Buffer.from(value, 'latin1'));
    else if (isUtf8(value)) data[key] = Buffer.from(value, 'latin1').toString('utf8');
    else binaryData[key] = encodeBase64(Buffer.from(value, 'latin1'));
  }
  if (Object.keys(data).length > 0) obj.data = data;
  if (Object.keys(binaryData).length > 0) obj.binaryData = binaryData;
  if (kind === 'Secret') obj.type = args.type || 'Opaque';
  const opts = mergeOptions(args.options, global);
  if (opts.labels && Object.keys(opts.labels).length > 0) metadata(obj).labels = { ...opts.labels };
  if (opts.annotations && Object.keys(opts.annotations).length > 0) metadata(obj).annotations = { ...opts.annotations };
  if (opts.immutable) obj.immutable = true;
  return { obj, previous: [], needsHash: !opts.disableNameSuffixHash, behavior };
}

/**
 * kyaml's encodeBase64: base64 in lines of 70 characters, each ending in a newline
 * once there is more than one (so the value prints as a literal block, and hashes so).
 */
export function encodeBase64(bytes: Buffer): string {
  const LINE = 70;
  const enc = bytes.toString('base64');
  const lines = Math.floor(enc.length / LINE) + 1;
  if (lines === 1) return enc;
  let out = '';
  for (let i = 0; i < enc.length; i += LINE) out += `${enc.slice(i, i + LINE)}\n`;
  return out;
}

// Values travel as latin1 strings (one char per byte) until we know whether they are UTF-8.
function isUtf8(bytes: string): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

/** kv.loader.Load: env files, then literals, then files. */
async function loadPairs(args: GeneratorArgs, read: FileReader): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const envs = [...(args.envs ?? []), ...(args.env ? [args.env] : [])];
  for (const path of envs) {
    try {
      pairs.push(...envFilePairs((await read(path)).toString('latin1')));
    } catch (err) {
      throw new KustomizeError(`loading KV pairs: env source files: [${envs.join(' ')}]: ${(err as Error).message}`);
    }
  }
  for (const source of args.literals ?? []) {
    const eq = source.indexOf('=');
    if (eq <= 0) throw new KustomizeError(`loading KV pairs: literal sources [${(args.literals ?? []).join(' ')}]: invalid literal source ${source}, expected key=value`);
    pairs.push({ key: source.slice(0, eq), value: Buffer.from(removeQuotes(source.slice(eq + 1)), 'utf8').toString('latin1') });
  }
  for (const source of args.files ?? []) {
    const { key, path } = parseFileSource(source, args.files ?? []);
    const content = await read(path).catch((err: unknown) => {
      throw new KustomizeError(`loading KV pairs: file sources: [${(args.files ?? []).join(' ')}]: ${(err as Error).message}`);
    });
    pairs.push({ key, value: content.toString('latin1') });
  }
  return pairs;
}

function removeQuotes(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1]) return s;
  return s[0] === '"' || s[0] === "'" ? s.slice(1, -1) : s;
}

/** generators.ParseFileSource: `path` (the key is its base name) or `key=path`. */
function parseFileSource(source: string, all: string[]): { key: string; path: string } {
  const eq = source.indexOf('=');
  if (eq < 0) return { key: basename(source), path: source };
  const key = source.slice(0, eq);
  const path = source.slice(eq + 1);
  const prefix = `loading KV pairs: file sources: [${all.join(' ')}]: `;
  if (key === '') throw new KustomizeError(`${prefix}key name for file path ${path} missing`);
  if (path === '') throw new KustomizeError(`${prefix}file path for key name ${key} missing`);
  return { key, path };
}

/** kv.keyValuesFromLines: KEY=VALUE lines; blank lines and # comments skipped. */
export function envFilePairs(text: string): Pair[] {
  const pairs: Pair[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.replace(/\r$/, '');
    if (i === 0) line = line.replace(/^\u00ef\u00bb\u00bf/, '');
    line = line.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      throw new Error(`"${key}" is not a valid environment variable name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`);
    }
    pairs.push({ key, value: eq < 0 ? '' : line.slice(eq + 1) });
  });
  return pairs;
}

/**
 * Adds a generated resource to those of the kustomization: a new one (behavior create,
 * refused when one with its id exists), or merged into / replacing the one it names.
 */
export function absorbGenerated(resources: Resource[], gen: Resource): void {
  const id = currentId(gen);
  // A generator that names no namespace matches its object in any namespace.
  const matches = resources.filter((r) => matchesAnyId(r, id.gvk, id.name, id.namespace || undefined));
  if (gen.behavior === 'create' || gen.behavior === undefined) {
    if (matches.length > 0) throw new KustomizeError(`merging from generator &{0xc000000000 <nil>}: id ${goResId(id)} exists; behavior must be merge or replace`);
    resources.push(gen);
    return;
  }
  if (matches.length === 0) throw new KustomizeError(`merging from generator: id ${idString(id)} does not exist; cannot merge or replace`);
  if (matches.length > 1) throw new KustomizeError(`merging from generator: found multiple objects for id ${idString(id)}`);
  const old = matches[0]!;
  const oldMeta = metadata(old.obj);
  const genMeta = metadata(gen.obj);
  if (gen.behavior === 'merge') {
    for (const field of ['data', 'binaryData']) {
      const merged = { ...(isObj(old.obj[field]) ? old.obj[field] as Obj : {}), ...(isObj(gen.obj[field]) ? gen.obj[field] as Obj : {}) };
      if (Object.keys(merged).length > 0) old.obj[field] = merged;
    }
    for (const field of ['labels', 'annotations']) {
      const merged = { ...(isObj(oldMeta[field]) ? oldMeta[field] as Obj : {}), ...(isObj(genMeta[field]) ? genMeta[field] as Obj : {}) };
      if (Object.keys(merged).length > 0) oldMeta[field] = merged;
    }
  } else {
    for (const field of ['data', 'binaryData']) {
      if (gen.obj[field] === undefined) delete old.obj[field];
      else old.obj[field] = gen.obj[field];
    }
    for (const field of ['labels', 'annotations']) {
      if (genMeta[field] === undefined) delete oldMeta[field];
      else oldMeta[field] = genMeta[field];
    }
  }
  old.needsHash = old.needsHash || gen.needsHash;
}

// kubectl prints the id with Go's %#v in this one message.
function goResId(id: { gvk: { group: string; version: string; kind: string }; name: string; namespace: string }): string {
  return `resid.ResId{Gvk:resid.Gvk{Group:${JSON.stringify(id.gvk.group)}, Version:${JSON.stringify(id.gvk.version)}, Kind:${JSON.stringify(id.gvk.kind)}, isClusterScoped:false}, Name:${JSON.stringify(id.name)}, Namespace:${JSON.stringify(id.namespace)}}`;
}

/** kustomize's hasher: the first 10 hex digits of the SHA-256 of the encoded object, some digits swapped for letters. */
export function nameHash(obj: Obj): string {
  const value = (field: string): unknown => (obj[field] === undefined || obj[field] === null ? '' : obj[field]);
  // kustomize looks the name up as one field called "metadata/name", which never
  // exists: the name always hashes as "". Kept so our suffixes equal kubectl's.
  const encoded: Obj = obj.kind === 'Secret'
    ? { kind: 'Secret', type: value('type'), name: '', data: value('data') }
    : { kind: 'ConfigMap', name: '', data: value('data') };
  if (obj.kind === 'Secret' && isObj(obj.stringData)) encoded.stringData = obj.stringData;
  if (obj.kind !== 'Secret' && isObj(obj.binaryData)) encoded.binaryData = obj.binaryData;
  return encodeHash(createHash('sha256').update(goJson(encoded)).digest('hex'));
}

/** hasher.encode: hex digits 0, 1, 3, a, e become g, h, k, m, t (no vowels, no look-alikes). */
export function encodeHash(hex: string): string {
  const swap: Record<string, string> = { 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' };
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => swap[c]!);
}
