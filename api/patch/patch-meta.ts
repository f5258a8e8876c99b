// Shared definitions of the patch modules: the error they throw, and the strategic merge
// patch metadata of the built-in kinds, i.e. the `patchStrategy` / `patchMergeKey` struct
// tags of k8s.io/api (core/v1, apps/v1, coordination/v1, discovery/v1) and meta/v1
// ObjectMeta, as a table keyed by JSON path.

/**
 * Thrown by every patch function for a patch that is malformed or cannot be applied. `code`
 * is the HTTP status the apiserver answers with, as Kubernetes chooses it: 400 for a
 * malformed patch document, 413 for too many JSON patch operations, 415 for a patch type
 * the resource does not support, 422 for a patch that does not apply (failed `test`,
 * missing path, a list without its merge key...).
 */
export class PatchError extends Error {
  readonly code: 400 | 413 | 415 | 422;

  constructor(message: string, code: 400 | 413 | 415 | 422 = 422) {
    super(message);
    this.name = 'PatchError';
    this.code = code;
  }
}

/**
 * How a field merges. Lists: 'merge' merges items (by `mergeKey` for lists of objects, by
 * value for lists of primitives); no strategy (or 'replace') replaces the whole list.
 * Objects merge key by key unless the strategy is 'replace'. `retainKeys` only matters to
 * patch producers (the applier honours any `$retainKeys` directive it finds).
 */
export interface FieldPatchMeta {
  readonly strategy?: 'merge' | 'replace';
  readonly mergeKey?: string;
  readonly retainKeys?: boolean;
}

/**
 * The metadata of one kind: JSON path of a field -> its metadata. A path joins field names
 * with '.', and `[]` stands for "each item of this list": `spec.containers[].ports`.
 * Fields absent from the table have no strategy (objects merge, lists are replaced).
 */
export type PatchMetaTable = ReadonlyMap<string, FieldPatchMeta>;

const merge = (mergeKey?: string, retainKeys = false): FieldPatchMeta =>
  ({ strategy: 'merge', ...(mergeKey ? { mergeKey } : {}), ...(retainKeys ? { retainKeys } : {}) });
const retainKeys: FieldPatchMeta = { retainKeys: true };

type Fragment = Record<string, FieldPatchMeta>;

/** Re-roots a fragment under `prefix` ('' keeps it at the root). */
function at(prefix: string, fragment: Fragment): Fragment {
  return Object.fromEntries(Object.entries(fragment).map(([path, meta]) => [prefix ? `${prefix}.${path}` : path, meta]));
}

// meta/v1 ObjectMeta
const OBJECT_META: Fragment = {
  ownerReferences: merge('uid'),
  finalizers: merge(),
};

// core/v1 Container (and EphemeralContainerCommon, which has the same list fields)
const CONTAINER: Fragment = {
  ports: merge('containerPort'),
  env: merge('name'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

// core/v1 PodSpec
const POD_SPEC: Fragment = {
  volumes: merge('name', true),
  initContainers: merge('name'),
  ...at('initContainers[]', CONTAINER),
  containers: merge('name'),
  ...at('containers[]', CONTAINER),
  ephemeralContainers: merge('name'),
  ...at('ephemeralContainers[]', CONTAINER),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  topologySpreadConstraints: merge('topologyKey'),
  schedulingGates: merge('name'),
  resourceClaims: merge('name', true),
  // tolerations, readinessGates, dnsConfig lists: no strategy (replaced)
};

// core/v1 ContainerStatus
const CONTAINER_STATUS: Fragment = {
  volumeMounts: merge('mountPath'),
  allocatedResourcesStatus: merge('name'),
};

// core/v1 PodStatus
const POD_STATUS: Fragment = {
  conditions: merge('type'),
  hostIPs: merge('ip'),
  podIPs: merge('ip'),
  resourceClaimStatuses: merge('name', true),
  ...at('containerStatuses[]', CONTAINER_STATUS),
  ...at('initContainerStatuses[]', CONTAINER_STATUS),
  ...at('ephemeralContainerStatuses[]', CONTAINER_STATUS),
};

// core/v1 PodTemplateSpec, as embedded in ReplicaSet, Deployment, DaemonSet, StatefulSet and ReplicationController specs
const POD_TEMPLATE: Fragment = {
  ...at('metadata', OBJECT_META),
  ...at('spec', POD_SPEC),
};

const KINDS: Record<string, Fragment> = {
  Pod: { ...at('spec', POD_SPEC), ...at('status', POD_STATUS) },
  Service: {
    'spec.ports': merge('port'),
    'status.conditions': merge('type'),
  },
  Node: {
    'spec.podCIDRs': merge(),
    // spec.taints has no strategy: a patch replaces the whole list.
    'status.conditions': merge('type'),
    'status.addresses': merge('type'),
  },
  Namespace: {
    // spec.finalizers has no strategy (unlike metadata.finalizers).
    'status.conditions': merge('type'),
  },
  Endpoints: {},
  ConfigMap: {},
  Secret: {},
  Event: {},
  ReplicaSet: {
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  Deployment: {
    'spec.strategy': retainKeys,
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  DaemonSet: {
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  // volumeClaimTemplates is an atomic list: a patch replaces it.
  StatefulSet: {
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  ControllerRevision: {},
  Lease: {},
  ReplicationController: {
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  // endpoints, their addresses and ports are atomic lists: a patch replaces them.
  EndpointSlice: {},
  // autoscaling/v2 (and v1, which has no lists): metrics and currentMetrics are atomic.
  HorizontalPodAutoscaler: {
    'status.conditions': merge('type'),
  },
  // admissionregistration/v1: webhooks and match conditions merge by name; rules are atomic.
  ValidatingWebhookConfiguration: { webhooks: merge('name'), 'webhooks[].matchConditions': merge('name') },
  MutatingWebhookConfiguration: { webhooks: merge('name'), 'webhooks[].matchConditions': merge('name') },
  ValidatingAdmissionPolicy: { 'spec.matchConditions': merge('name') },
  ValidatingAdmissionPolicyBinding: {},
  // batch/v1: the pod templates as in the apps kinds; podFailurePolicy rules are atomic.
  Job: {
    ...at('spec.template', POD_TEMPLATE),
    'status.conditions': merge('type'),
  },
  CronJob: {
    ...at('spec.jobTemplate.metadata', OBJECT_META),
    ...at('spec.jobTemplate.spec.template', POD_TEMPLATE),
  },
  PodTemplate: { ...at('template', POD_TEMPLATE) },
  // rbac/v1: subjects, rules and aggregation selectors are atomic lists.
  Role: {},
  ClusterRole: {},
  RoleBinding: {},
  ClusterRoleBinding: {},
  ServiceAccount: { secrets: merge('name') },
};

/** Builds a table from a plain path -> metadata record (for tests and custom schemas). */
export function patchMetaTable(fields: Record<string, FieldPatchMeta>): PatchMetaTable {
  return new Map(Object.entries(fields));
}

/** Kind -> table, for every kind that supports strategic merge patch. */
export const PATCH_META: ReadonlyMap<string, PatchMetaTable> = new Map(
  Object.entries(KINDS).map(([kind, fields]) => [kind, patchMetaTable({ ...at('metadata', OBJECT_META), ...fields })]),
);

/** The table of `kind`, or undefined when the kind does not support strategic merge patch. */
export function patchMetaFor(kind: string): PatchMetaTable | undefined {
  return PATCH_META.get(kind);
}
