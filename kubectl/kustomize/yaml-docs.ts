// Reading YAML as kustomize (kyaml, on go-yaml v3) reads it: the YAML 1.2 core schema
// (only true/false are booleans, so `y`, `yes` and `on` stay strings), documents split
// on `---` lines as kubectl's reader splits them, a JSON text as one or more values.
import { parseManifestText, parseYamlStream } from '../manifests.js';
import { KustomizeError } from './errors.js';

/** The documents of text (null for an empty one). Throws KustomizeError with go-yaml's wording. */
export function parseYamlDocuments(text: string): unknown[] {
  try {
    return /^\s*\{/.test(text) ? parseManifestText(text) : parseYamlStream(text, '1.2');
  } catch (err) {
    throw new KustomizeError((err as Error).message.replace(/^error converting YAML to JSON: /, ''));
  }
}
