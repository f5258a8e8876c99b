// Reading YAML as kustomize (kyaml, on go-yaml v3) reads it: the YAML 1.2 core schema
// (only true/false are booleans, so `y`, `yes` and `on` stay strings), documents split
// on `---` lines as kubectl's reader splits them, a JSON text as one or more values.
import { parseDocument } from 'yaml';
import { parseManifestText, splitYamlDocuments } from '../manifests.js';
import { KustomizeError } from './errors.js';

/** The documents of text (null for an empty one). Throws KustomizeError with go-yaml's wording. */
export function parseYamlDocuments(text: string): unknown[] {
  if (/^\s*\{/.test(text)) {
    try {
      return parseManifestText(text);
    } catch (err) {
      throw new KustomizeError((err as Error).message);
    }
  }
  let chunks: string[];
  try {
    chunks = splitYamlDocuments(text);
  } catch (err) {
    throw new KustomizeError((err as Error).message);
  }
  return chunks.map((chunk) => {
    const doc = parseDocument(chunk, { version: '1.2', uniqueKeys: false });
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? 1;
      const first = err.message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new KustomizeError(`yaml: line ${line}: ${first.charAt(0).toLowerCase()}${first.slice(1)}`);
    }
    return normalize(doc.toJS({ maxAliasCount: 10_000 }));
  });
}

// Map keys become strings, as in the JSON kustomize turns objects into.
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, val]) => [String(k), normalize(val)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, normalize(val)]));
  return v;
}
