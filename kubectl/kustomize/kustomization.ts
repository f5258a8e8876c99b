// The kustomization file: finding it in a directory (kustomization.yaml, .yml or
// Kustomization, as kustomize's konfig.RecognizedKustomizationFileNames), decoding it
// strictly (an unknown field is kustomize's `json: unknown field "x"`), and folding the
// deprecated fields into their successors as kustomize's FixKustomization does
// (bases into resources, imageTags into images), with the warnings kubectl prints.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseYamlDocuments } from './yaml-docs.js';
import { KustomizeError } from './errors.js';

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** target of a patch: kustomize's types.Selector (names and namespaces are regexes). */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export interface Patch {
  path?: string;
  patch?: string;
  target?: Selector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorArgs {
  name?: string;
  namespace?: string;
  behavior?: string;
  literals?: string[];
  files?: string[];
  envs?: string[];
  env?: string;
  options?: GeneratorOptions;
  /** secretGenerator only. */
  type?: string;
}

export interface Image {
  name?: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

export interface Label {
  pairs?: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
  fields?: { path: string; kind?: string; group?: string; version?: string; create?: boolean }[];
}

export interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  commonLabels?: Record<string, string>;
  labels?: Label[];
  commonAnnotations?: Record<string, string>;
  resources?: string[];
  components?: string[];
  patches?: Patch[];
  patchesStrategicMerge?: string[];
  patchesJson6902?: Patch[];
  images?: Image[];
  replicas?: { name: string; count: number }[];
  configMapGenerator?: GeneratorArgs[];
  secretGenerator?: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
  sortOptions?: { order?: string };
}

// Fields kustomize's types.Kustomization knows; those we do not act on are refused
// with a clear error rather than silently ignored (see UNSUPPORTED).
const KNOWN_FIELDS = new Set([
  'apiVersion', 'kind', 'metadata', 'openapi', 'namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'labels',
  'commonAnnotations', 'patchesStrategicMerge', 'patchesJson6902', 'patches', 'images', 'imageTags', 'replacements',
  'replicas', 'vars', 'sortOptions', 'resources', 'bases', 'components', 'crds', 'configMapGenerator', 'secretGenerator',
  'helmGlobals', 'helmCharts', 'helmChartInflationGenerator', 'generatorOptions', 'configurations', 'generators',
  'transformers', 'validators', 'buildMetadata',
]);
const UNSUPPORTED = ['components', 'openapi', 'replacements', 'vars', 'crds', 'helmGlobals', 'helmCharts', 'helmChartInflationGenerator',
  'configurations', 'generators', 'transformers', 'validators', 'buildMetadata'];

// Deprecated fields kubectl warns about (kustomize's CheckDeprecatedFields), in its order.
const DEPRECATED: [string, string][] = [
  ['bases', 'resources'], ['commonLabels', 'labels'], ['imageTags', 'images'],
  ['patchesJson6902', 'patches'], ['patchesStrategicMerge', 'patches'], ['vars', 'replacements'],
];

export interface LoadedKustomization {
  kustomization: Kustomization;
  /** The file's name within the directory. */
  fileName: string;
  /** Lines kubectl prints on stderr ("# Warning: 'commonLabels' is deprecated..."). */
  warnings: string[];
}

/**
 * Reads the kustomization of directory `dir` (an absolute path). Throws KustomizeError
 * with kustomize's wording when there is none, when several exist, or when it does not
 * decode.
 */
export async function loadKustomization(dir: string): Promise<LoadedKustomization> {
  const found: string[] = [];
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    if ((await stat(join(dir, name)).catch(() => undefined))?.isFile()) found.push(name);
  }
  if (found.length === 0) {
    throw new KustomizeError(`unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${dir}'`);
  }
  if (found.length > 1) {
    throw new KustomizeError(`Found multiple kustomization files under: ${dir}\n`);
  }
  const fileName = found[0]!;
  const text = await readFile(join(dir, fileName), 'utf8');
  if (text.trim() === '') throw new KustomizeError(`kustomization.yaml is empty`);
  return { ...parseKustomization(text, dir), fileName };
}

/** Decodes the text of a kustomization file (dir only names it in errors). */
export function parseKustomization(text: string, dir: string): { kustomization: Kustomization; warnings: string[] } {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    throw new KustomizeError(`invalid Kustomization: ${(err as Error).message}`);
  }
  const raw = docs[0];
  if (raw === null || raw === undefined) throw new KustomizeError('kustomization.yaml is empty');
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new KustomizeError(`invalid Kustomization: json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type types.Kustomization`);
  }
  const k = raw as Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new KustomizeError(`invalid Kustomization: json: unknown field "${key}"`);
  }
  if (k.kind !== undefined && k.kind !== '' && k.kind !== 'Kustomization' && k.kind !== 'Component') {
    throw new KustomizeError(`Failed to read kustomization file under ${dir}:\nkind should be Kustomization or Component`);
  }
  for (const key of UNSUPPORTED) {
    if (k[key] !== undefined && k[key] !== null) throw new KustomizeError(`tskubectl kustomize does not support the kustomization field "${key}"`);
  }
  const warnings = DEPRECATED.filter(([old]) => k[old] !== undefined && k[old] !== null)
    .map(([old, now]) => `# Warning: '${old}' is deprecated. Please use '${now}' instead. Run 'kustomize edit fix' to update your Kustomization automatically.`);
  const kustomization = k as Kustomization & { bases?: string[]; imageTags?: Image[] };
  // FixKustomization: bases are resources, imageTags are images.
  if (kustomization.bases) kustomization.resources = [...(kustomization.resources ?? []), ...kustomization.bases];
  if (kustomization.imageTags) kustomization.images = [...(kustomization.images ?? []), ...kustomization.imageTags];
  delete kustomization.bases;
  delete kustomization.imageTags;
  return { kustomization, warnings };
}
