// apimachinery definitions: meta/v1 (ObjectMeta, ListMeta, LabelSelector, Status,
// DeleteOptions, ...), resource.Quantity, intstr.IntOrString, runtime.RawExtension.
import {
  API_VERSION, KIND, bool, gvk, int32, int64, item, kind, list, listOf, object, ref, str, strMap, strings,
  type Definitions, type GroupVersionKind,
} from './schema.js';

export const M = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/** Group versions whose DeleteOptions and WatchEvent are the meta/v1 ones. */
const OPTION_GROUP_VERSIONS: [string, string][] = [
  ['', 'v1'], ['apps', 'v1'], ['authentication.k8s.io', 'v1'], ['authorization.k8s.io', 'v1'], ['autoscaling', 'v1'], ['autoscaling', 'v2'],
  ['coordination.k8s.io', 'v1'], ['rbac.authorization.k8s.io', 'v1'],
  ['policy', 'v1'], ['scheduling.k8s.io', 'v1'],
];
const everyGroup = (k: string): GroupVersionKind[] => OPTION_GROUP_VERSIONS.map(([g, v]) => gvk(g, v, k));

/** The metadata field of a kind. */
export const METADATA = ref(`${M}ObjectMeta`, "The object's standard metadata: name, namespace, labels, annotations, owners and what the system records about it.");
/** The metadata field of a list. */
export const LIST_METADATA = ref(`${M}ListMeta`, "The list's standard metadata: its resourceVersion and the continue token of a paginated read.");

export const META_DEFINITIONS: Definitions = {
  [QUANTITY]: {
    description: 'A fixed-point amount of a resource, written as a number with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or an exponent (1e3). "250m" is a quarter of a CPU, "64Mi" is 64 mebibytes.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  [INT_OR_STRING]: {
    description: 'A value that is either a 32-bit integer or a string, serialized as whichever it holds: a port may be 8080 or "http", a budget 1 or "25%".',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  [RAW_EXTENSION]: {
    description: 'An embedded object of any kind, kept as the JSON it was written in.',
    type: 'object',
  },

  [`${M}Time`]: {
    description: 'A point in time, serialized as an RFC 3339 string in UTC with second precision ("2024-05-01T12:00:00Z").',
    type: 'string', format: 'date-time',
  },
  [`${M}MicroTime`]: {
    description: 'A point in time with microsecond precision, serialized as an RFC 3339 string ("2024-05-01T12:00:00.123456Z").',
    type: 'string', format: 'date-time',
  },
  [`${M}FieldsV1`]: {
    description: 'The set of fields a manager owns, as a trie in JSON: keys are "f:<field>", "k:<list item keys>", "v:<value>", "i:<index>", or "." for the field itself.',
    type: 'object',
  },
  [`${M}Patch`]: {
    description: 'The body of a PATCH request, in the format its Content-Type names.',
    type: 'object',
  },

  [`${M}OwnerReference`]: object('Identifies an object that owns this one. The owner must be in the same namespace as the dependent, or be cluster-scoped.', {
    apiVersion: str("API version of the owner."),
    blockOwnerDeletion: bool('When true and the owner uses foreground deletion, the owner is not removed from storage until this dependent is gone. Setting it requires delete permission on the owner.'),
    controller: bool('True when the owner is the managing controller of this object. At most one owner may be the controller.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
  }, ['apiVersion', 'kind', 'name', 'uid'], { mapType: 'atomic' }),

  [`${M}ManagedFieldsEntry`]: object('Records which fields a manager (a client, by name) set, with which operation and API version.', {
    apiVersion: str('The version of the resource the fields are expressed in.'),
    fieldsType: str('Format of fieldsV1; only "FieldsV1" exists.'),
    fieldsV1: ref(`${M}FieldsV1`, 'The fields the manager owns.'),
    manager: str('Name of the workflow that manages the fields, usually the client\'s field manager.'),
    operation: str('The operation that led to this entry: "Apply" or "Update".'),
    subresource: str('The subresource the object was changed through ("status", "scale"), empty for the main resource.'),
    time: ref(`${M}Time`, 'When the fields were last changed by this manager.'),
  }),

  [`${M}ObjectMeta`]: object('Metadata every persisted object has: identity, labels and annotations, ownership, and what the system records about it.', {
    annotations: strMap('Unstructured key/value data that tools and controllers attach to the object. Not queryable.'),
    creationTimestamp: ref(`${M}Time`, 'When the server created the object, in UTC. Set by the system; read-only; null for lists.'),
    deletionGracePeriodSeconds: int64('Seconds the object is allowed to terminate gracefully before removal. Set only when deletionTimestamp is set. Read-only.'),
    deletionTimestamp: ref(`${M}Time`, 'When the object will be (or was asked to be) deleted. Set by the server on a graceful delete request; the object remains while finalizers are present. Read-only.'),
    finalizers: strings('Conditions that must be cleared before the object is removed from storage. Each entry names a component that will remove it when its cleanup is done.', { listType: 'set', patch: 'merge' }),
    generateName: str('A prefix the server uses to make a unique name when name is empty: a random suffix is appended.'),
    generation: int64('A number for a specific generation of the desired state, incremented by the system on spec changes. Read-only.'),
    labels: strMap('Key/value pairs used to organize and select objects; services and controllers match on them.'),
    managedFields: listOf(`${M}ManagedFieldsEntry`, 'Which managers own which fields, maintained for server-side apply. Mostly internal.', { listType: 'atomic' }),
    name: str('Unique name of the object within its namespace (or the cluster, for cluster-scoped kinds). Required on create unless generateName is set. Cannot be updated.'),
    namespace: str('The namespace the object lives in; empty for cluster-scoped kinds. Must be a DNS label. Cannot be updated.'),
    ownerReferences: listOf(`${M}OwnerReference`, 'The objects this object depends on. When every owner is gone, the garbage collector deletes this object.', { listType: 'map', mapKeys: ['uid'], patch: 'merge', mergeKey: 'uid' }),
    resourceVersion: str('An opaque version of the object, changed on every write. Clients use it for optimistic concurrency and to start watches. Read-only.'),
    selfLink: str('Deprecated; never set by the system.'),
    uid: str('The unique identity of this object across time and clusters, assigned by the server on create. Read-only.'),
  }),

  [`${M}ListMeta`]: object('Metadata of a list response.', {
    continue: str('Set when more items are available: pass it as the continue parameter of the next request to get them. Expires with etcd compaction.'),
    remainingItemCount: int64('How many items the list has after this page, when the server knows.'),
    resourceVersion: str('The version of the collection this list was read at; start a watch from it to see later changes.'),
    selfLink: str('Deprecated; never set by the system.'),
  }),

  [`${M}LabelSelectorRequirement`]: object('A requirement on one label: a key, an operator and values.', {
    key: str('The label key the requirement applies to.'),
    operator: str('How the key relates to the values: In, NotIn, Exists or DoesNotExist.'),
    values: strings('Values for In and NotIn (must be non-empty); must be empty for Exists and DoesNotExist.', { listType: 'atomic' }),
  }, ['key', 'operator']),

  [`${M}LabelSelector`]: object('A label query over a set of objects. Requirements are ANDed; an empty selector matches everything, a null one nothing.', {
    matchExpressions: listOf(`${M}LabelSelectorRequirement`, 'Requirements over labels, all of which must hold.', { listType: 'atomic' }),
    matchLabels: strMap('Labels that must all be present with these values; {k: v} is the same as a matchExpressions entry with key k, operator In and values [v].'),
  }, undefined, { mapType: 'atomic' }),

  [`${M}StatusCause`]: object('One reason an operation failed, often naming the field at fault.', {
    field: str('The field that caused the error, as a JSON path ("spec.containers[0].name"); may be empty.'),
    message: str('A human-readable description of the cause.'),
    reason: str('A machine-readable cause, such as FieldValueRequired or FieldValueInvalid.'),
  }),

  [`${M}StatusDetails`]: object('Extra data about a failure, set by the server as the reason requires.', {
    causes: listOf(`${M}StatusCause`, 'The individual causes of the error.', { listType: 'atomic' }),
    group: str('Group of the resource the error is about.'),
    kind: str('Kind (or resource) of the object the error is about.'),
    name: str('Name of the object the error is about.'),
    retryAfterSeconds: int32('Seconds the client should wait before retrying, when the operation may succeed later.'),
    uid: str('UID of the object the error is about.'),
  }),

  [`${M}Status`]: kind(gvk('', 'v1', 'Status'), 'The result of an operation that does not return an object, and the body of every error.', {
    apiVersion: API_VERSION,
    code: int32('HTTP status code of the result.'),
    details: ref(`${M}StatusDetails`, 'Extra data about the error, depending on reason.'),
    kind: KIND,
    message: str('A human-readable description of the result.'),
    metadata: LIST_METADATA,
    reason: str('A machine-readable reason for a failure (NotFound, AlreadyExists, Conflict, Invalid, ...); empty when unknown.'),
    status: str('"Success" or "Failure".'),
  }),

  [`${M}Preconditions`]: object('Conditions the object must meet for a delete to go ahead.', {
    resourceVersion: str('The object must have this resourceVersion.'),
    uid: str('The object must have this UID.'),
  }),

  [`${M}DeleteOptions`]: kind(everyGroup('DeleteOptions'), 'Options for a DELETE request.', {
    apiVersion: API_VERSION,
    dryRun: strings('When present, changes are not persisted. The only value is "All".', { listType: 'atomic' }),
    gracePeriodSeconds: int64('Seconds before the object is deleted; zero deletes at once. Defaults to the kind\'s own default.'),
    kind: KIND,
    orphanDependents: bool('Deprecated: use propagationPolicy. Whether dependents are orphaned rather than garbage collected.'),
    preconditions: ref(`${M}Preconditions`, 'Conditions the object must meet before deletion.'),
    propagationPolicy: str('How dependents are garbage collected: Orphan, Background (the default for most kinds) or Foreground.'),
  }),

  [`${M}WatchEvent`]: kind(everyGroup('WatchEvent'), 'One change seen by a watch.', {
    object: ref(RAW_EXTENSION, 'The object after the change (ADDED, MODIFIED), its last state (DELETED), a bookmark carrying only a resourceVersion (BOOKMARK), or a Status (ERROR).'),
    type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
  }, ['type', 'object']),

  [`${M}APIResource`]: object('One resource a group version serves.', {
    categories: strings('Groups of resources this one belongs to, such as "all".', { listType: 'atomic' }),
    group: str('Group of the resource when it differs from the list\'s (for subresources).'),
    kind: str('Kind of the resource.'),
    name: str('Plural name of the resource, or resource/subresource.'),
    namespaced: bool('Whether the resource lives in namespaces.'),
    shortNames: strings('Short aliases of the resource, such as "po".', { listType: 'atomic' }),
    singularName: str('Singular name of the resource.'),
    verbs: strings('The verbs the resource supports: get, list, watch, create, update, patch, delete, deletecollection.'),
    version: str('Version of the resource when it differs from the list\'s (for subresources).'),
  }, ['name', 'singularName', 'namespaced', 'kind', 'verbs']),

  [`${M}APIResourceList`]: object('The resources one group version serves.', {
    apiVersion: API_VERSION,
    groupVersion: str('The group version the resources belong to.'),
    kind: KIND,
    resources: listOf(`${M}APIResource`, 'The resources.', { listType: 'atomic' }),
  }, ['groupVersion', 'resources']),
};

/** A list kind: apiVersion, kind, metadata and items of one definition. */
export function listKind(group: string, version: string, listKindName: string, itemDefinition: string, what: string): ReturnType<typeof kind> {
  return kind(gvk(group, version, listKindName), `A list of ${what}.`, {
    apiVersion: API_VERSION,
    items: list(item(itemDefinition), `The ${what}.`),
    kind: KIND,
    metadata: LIST_METADATA,
  }, ['items']);
}
