// Reading manifests for -f: files, directories (-R to descend), `-` for stdin and
// http(s) URLs; YAML (several documents per file) and JSON (several concatenated
// values per file); List kinds flattened into their items. Parsing follows kubectl's
// resource Builder: YAML 1.1 as sigs.k8s.io/yaml reads it (`yes`/`on` are booleans,
// 0755 is octal, timestamps stay strings), documents split on lines starting with
// `---`, and every object must name its apiVersion and kind.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseDocument, type Tags } from 'yaml';
import type { KubeObject } from '../api/types/meta.js';
import { CliError } from './errors.js';
import { kustomizeBuild } from './kustomize/build.js';
import { KustomizeError } from './kustomize/errors.js';

/** One object of a manifest and where it came from ("pod.yaml", "dir/a.yaml", "STDIN"). */
export interface Manifest {
  obj: KubeObject;
  source: string;
}

/**
 * What readManifests found: the objects of every file that parsed, and one error per
 * file (or document) that did not. kubectl goes on with the good objects and reports
 * the bad files at the end, so callers do the same.
 */
export interface ManifestSet {
  manifests: Manifest[];
  errors: Error[];
}

export interface ReadManifestOptions {
  /** -R: descend into subdirectories. */
  recursive?: boolean;
  /** Read for `-`; defaults to process.stdin. */
  stdin?: Readable;
  /** --validate=false skips the apiVersion/kind checks. */
  validate?: boolean;
}

const EXTENSIONS = ['.json', '.yaml', '.yml'];
export const STDIN_SOURCE = 'STDIN';

/**
 * Reads every -f argument. A path that does not exist fails the whole command before
 * anything is done, as in kubectl ("the path "x" does not exist"); parse errors are
 * returned per file.
 */
export async function readManifests(paths: string[], opts: ReadManifestOptions = {}): Promise<ManifestSet> {
  const missing: string[] = [];
  for (const p of paths) {
    if (p === '-' || /^https?:\/\//.test(p)) continue;
    if (!(await stat(p).catch(() => undefined))) missing.push(p);
  }
  if (missing.length === 1) throw new CliError(`error: the path "${missing[0]}" does not exist`);
  if (missing.length > 1) throw new CliError(missing.map((p) => `the path "${p}" does not exist`).join('\n'));

  const set: ManifestSet = { manifests: [], errors: [] };
  for (const p of paths) {
    if (p === '-') {
      addSource(set, STDIN_SOURCE, await readStream(opts.stdin ?? process.stdin), opts);
    } else if (/^https?:\/\//.test(p)) {
      const res = await fetch(p);
      if (!res.ok) throw new CliError(`error: unable to read URL "${p}", server reported ${res.status} ${res.statusText}, status code=${res.status}`);
      addSource(set, p, await res.text(), opts);
    } else if ((await stat(p)).isDirectory()) {
      const files = await listManifestFiles(p, opts.recursive ?? false);
      if (files.length === 0) {
        set.errors.push(new CliError(`error: error reading [${p}]: recognized file extensions are [${EXTENSIONS.join(' ')}]`));
      }
      for (const f of files) addSource(set, f, await readFile(f, 'utf8'), opts);
    } else {
      addSource(set, p, await readFile(p, 'utf8'), opts);
    }
  }
  return set;
}

/**
 * The objects `kustomize build DIR` makes, for -k: each with DIR as its source, checked
 * as -f's objects are. kustomize's deprecation warnings go to `warn`; its errors are
 * kubectl's `error: ...` for the whole command.
 */
export async function readKustomizeManifests(dir: string, opts: ReadManifestOptions & { warn?: (line: string) => void } = {}): Promise<ManifestSet> {
  let built;
  try {
    built = await kustomizeBuild(dir);
  } catch (err) {
    if (err instanceof KustomizeError) throw new CliError(`error: ${err.message}`);
    throw err;
  }
  for (const w of built.warnings) opts.warn?.(w);
  const set: ManifestSet = { manifests: [], errors: [] };
  addDocs(set, dir, built.objects, opts);
  return set;
}

/** The manifest files of a directory, in lexical order as filepath.Walk visits them. */
async function listManifestFiles(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...await listManifestFiles(path, true));
    } else if (EXTENSIONS.includes(extname(e.name))) {
      out.push(path);
    }
  }
  return out;
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function addSource(set: ManifestSet, source: string, text: string, opts: ReadManifestOptions): void {
  let docs: unknown[];
  try {
    docs = parseManifestText(text);
  } catch (err) {
    // Documents before a bad one were already decoded and are still used.
    const partial = (err as { docs?: unknown[] }).docs ?? [];
    addDocs(set, source, partial, opts);
    set.errors.push(new CliError(`error: error parsing ${source}: ${(err as Error).message}`));
    return;
  }
  addDocs(set, source, docs, opts);
}

function addDocs(set: ManifestSet, source: string, docs: unknown[], opts: ReadManifestOptions): void {
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    for (const obj of flatten(doc)) {
      const problem = opts.validate === false ? undefined : validateObject(obj);
      if (problem) {
        set.errors.push(new CliError(`error: error validating "${source}": error validating data: ${problem}; if you choose to ignore these errors, turn validation off with --validate=false`));
        continue;
      }
      const o = obj as KubeObject;
      o.metadata ??= {};
      set.manifests.push({ obj: o, source });
    }
  }
}

/** kind: List (or any object with an items list) becomes its items, recursively. */
function flatten(doc: unknown): unknown[] {
  if (isObject(doc) && Array.isArray(doc.items) && typeof doc.kind === 'string' && doc.kind.endsWith('List')) {
    return doc.items.flatMap(flatten);
  }
  return [doc];
}

function validateObject(obj: unknown): string | undefined {
  if (!isObject(obj)) return 'invalid object to validate';
  const problems: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') problems.push('apiVersion not set');
  if (typeof obj.kind !== 'string' || obj.kind === '') problems.push('kind not set');
  if (problems.length === 0) return undefined;
  return problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The documents of a manifest: a JSON stream when the text starts with `{` (kubectl's
 * YAMLOrJSONDecoder sniffs the same way), YAML documents otherwise. Throws an Error
 * carrying `docs` (those decoded before the failure) with kubectl's message.
 */
export function parseManifestText(text: string): unknown[] {
  return /^\s*\{/.test(text) ? parseJsonStream(text) : parseYamlStream(text);
}

function parseJsonStream(text: string): unknown[] {
  const docs: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const end = jsonValueEnd(text, i);
    if (end < 0) throw Object.assign(new Error('unexpected EOF'), { docs });
    try {
      docs.push(JSON.parse(text.slice(i, end)));
    } catch (err) {
      throw Object.assign(new Error(jsonMessage((err as Error).message)), { docs });
    }
    i = end;
  }
  return docs;
}

// Where the JSON value starting at `start` ends (exclusive), -1 when the text ends first.
function jsonValueEnd(text: string, start: number): number {
  const open = text[start];
  if (open !== '{' && open !== '[') {
    const m = /^[^\s{[]+/.exec(text.slice(start));
    return start + (m ? m[0].length : 1);
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function jsonMessage(message: string): string {
  if (/Unexpected end of JSON input/.test(message)) return 'unexpected EOF';
  return message.replace(/^Unexpected/, 'invalid character').replace(/ in JSON at position.*$/, '');
}

// sigs.k8s.io/yaml decodes with go-yaml v2: YAML 1.1 scalars, but timestamps stay strings.
const customTags = (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp');

/**
 * The YAML documents of text, as sigs.k8s.io/yaml reads them (YAML 1.1), or with
 * version '1.2' as kustomize's kyaml (go-yaml v3) does: only true/false are booleans.
 */
export function parseYamlStream(text: string, version: '1.1' | '1.2' = '1.1'): unknown[] {
  const docs: unknown[] = [];
  for (const chunk of splitYamlDocuments(text)) {
    const doc = parseDocument(chunk, version === '1.1' ? { version, customTags, uniqueKeys: false } : { version, uniqueKeys: false });
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? 1;
      const first = err.message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw Object.assign(new Error(`error converting YAML to JSON: yaml: line ${line}: ${lowerFirst(first)}`), { docs });
    }
    docs.push(normalize(doc.toJS({ maxAliasCount: 10_000 })));
  }
  return docs;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * Splits YAML text into documents the way apimachinery's YAMLReader does: a line that
 * starts with `---` ends a document; only spaces or a comment may follow it.
 */
export function splitYamlDocuments(text: string): string[] {
  const out: string[] = [];
  let buf: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('---')) {
      const rest = line.slice(3).trim();
      if (rest !== '' && !rest.startsWith('#')) throw Object.assign(new Error(`invalid Yaml document separator: ${rest}`), { docs: [] });
      if (buf.some((l) => l.trim() !== '')) out.push(buf.join(''));
      buf = [];
      continue;
    }
    buf.push(line);
  }
  if (buf.some((l) => l.trim() !== '')) out.push(buf.join(''));
  return out;
}

// YAML → JSON as sigs.k8s.io/yaml converts: map keys become strings, so `true: x` is "true".
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, val]) => [String(k), normalize(val)]));
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, normalize(val)]));
  return v;
}
