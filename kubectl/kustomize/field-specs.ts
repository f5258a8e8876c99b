// kustomize's field specs: which fields of which kinds a builtin transformer touches
// (api/internal/konfig/builtinpluginconsts), and the walk that visits them. A path is
// slash-separated; a list on the way is walked element by element (with or without a
// `[]` suffix on the field), `\/` escapes a slash inside a field name (annotation keys).

export interface FieldSpec {
  path: string;
  kind?: string;
  group?: string;
  version?: string;
  /** Create the field (and its parents) when it is missing. */
  create?: boolean;
}

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function gvkOf(obj: Obj): Gvk {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof obj.kind === 'string' ? obj.kind : '',
  };
}

/** resid.Gvk.IsSelected: every field the spec names must equal the object's. */
export function gvkSelected(spec: { kind?: string; group?: string; version?: string }, gvk: Gvk): boolean {
  return (!spec.kind || spec.kind === gvk.kind) && (!spec.group || spec.group === gvk.group) && (!spec.version || spec.version === gvk.version);
}

interface PathField {
  name: string;
  /** The field is marked `[]`: a list, never created. */
  list: boolean;
}

/** The fields of a path: `a/b\/c/d[]` is a, b/c, d (a list). */
function pathFields(path: string): PathField[] {
  return path.split(/(?<!\\)\//).map((f) => ({ name: f.replace(/\\\//g, '/').replace(/\[\]$/, ''), list: f.endsWith('[]') }));
}

/**
 * Calls visit(parent, key) for each field `path` reaches in obj, creating missing maps on
 * the way (and leaving the last field to visit) when `create`. visit may set parent[key].
 */
export function visitPath(obj: Obj, path: string, create: boolean, visit: (parent: Obj, key: string) => void): void {
  walk(obj, pathFields(path), create, visit);
}

function walk(node: unknown, fields: PathField[], create: boolean, visit: (parent: Obj, key: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, fields, create, visit);
    return;
  }
  if (!isObj(node)) return;
  const [field, ...rest] = fields;
  if (field === undefined) return;
  const key = field.name;
  if (rest.length === 0) {
    if (key in node || create) visit(node, key);
    return;
  }
  if (!(key in node) || node[key] === null) {
    if (!create || field.list) return;
    node[key] = {};
  }
  walk(node[key], rest, create, visit);
}

/** Visits every spec of `specs` that selects obj's kind. */
export function visitSpecs(obj: Obj, specs: readonly FieldSpec[], visit: (parent: Obj, key: string) => void): void {
  const gvk = gvkOf(obj);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!gvkSelected(spec, gvk) || seen.has(spec.path)) continue;
    seen.add(spec.path);
    visitPath(obj, spec.path, spec.create ?? false, visit);
  }
}

const spec = (path: string, kind?: string, group?: string, create = true, version?: string): FieldSpec => ({ path, kind, group, version, create });

/** metadataLabelsFieldSpecs: labels of objects and of their pod (and job) templates. */
export const TEMPLATE_LABEL_SPECS: readonly FieldSpec[] = [
  spec('metadata/labels'),
  spec('spec/template/metadata/labels', 'ReplicationController', undefined, true, 'v1'),
  spec('spec/template/metadata/labels', 'Deployment'),
  spec('spec/template/metadata/labels', 'ReplicaSet'),
  spec('spec/template/metadata/labels', 'DaemonSet'),
  spec('spec/template/metadata/labels', 'StatefulSet', 'apps'),
  spec('spec/template/metadata/labels', 'Job', 'batch'),
  spec('spec/jobTemplate/metadata/labels', 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/labels', 'CronJob', 'batch'),
  // kustomize v5.5 (kubectl 1.32) labels claim templates along with pod templates.
  spec('spec/volumeClaimTemplates[]/metadata/labels', 'StatefulSet', 'apps'),
];

const AFFINITY_PATHS = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

/** commonLabelFieldSpecs: selectors too (labels' includeSelectors, commonLabels). */
export const COMMON_LABEL_SPECS: readonly FieldSpec[] = [
  spec('spec/selector', 'Service', undefined, true, 'v1'),
  spec('spec/selector', 'ReplicationController', undefined, true, 'v1'),
  spec('spec/selector/matchLabels', 'Deployment'),
  ...AFFINITY_PATHS.map((p) => spec(p, 'Deployment', 'apps', false)),
  spec('spec/selector/matchLabels', 'ReplicaSet'),
  spec('spec/selector/matchLabels', 'DaemonSet'),
  spec('spec/selector/matchLabels', 'StatefulSet', 'apps'),
  ...AFFINITY_PATHS.map((p) => spec(p, 'StatefulSet', 'apps', false)),
  spec('spec/selector/matchLabels', 'Job', 'batch', false),
  spec('spec/jobTemplate/spec/selector/matchLabels', 'CronJob', 'batch', false),
  spec('spec/selector/matchLabels', 'PodDisruptionBudget', 'policy', false),
  spec('spec/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io', false),
  spec('spec/ingress/from/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io', false),
  spec('spec/egress/to/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io', false),
  ...TEMPLATE_LABEL_SPECS,
];

const TEMPLATE_KINDS: [string, string | undefined][] = [['Deployment', undefined], ['ReplicaSet', undefined], ['DaemonSet', undefined], ['StatefulSet', undefined], ['Job', 'batch']];

/** commonAnnotationFieldSpecs. */
export const COMMON_ANNOTATION_SPECS: readonly FieldSpec[] = [
  spec('metadata/annotations'),
  spec('spec/template/metadata/annotations', 'ReplicationController', undefined, true, 'v1'),
  ...TEMPLATE_KINDS.map(([kind, group]) => spec('spec/template/metadata/annotations', kind, group)),
  spec('spec/jobTemplate/metadata/annotations', 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/annotations', 'CronJob', 'batch'),
];

/** replicasFieldSpecs. */
export const REPLICA_SPECS: readonly FieldSpec[] = ['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((k) => spec('spec/replicas', k));

/** imagesFieldSpecs (beside the legacy walk over every containers list). */
export const IMAGE_SPECS: readonly FieldSpec[] = [
  spec('spec/volumes[]/image/reference'),
  spec('spec/template/spec/volumes[]/image/reference'),
];
