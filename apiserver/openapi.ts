// The OpenAPI documents of the API: /openapi/v2 (swagger 2.0) and /openapi/v3 (a root
// linking one OpenAPI 3.0 document per group version), built once from the resource
// registry and api/schemas, as kube-apiserver publishes them.
//
// What real kubectl (1.32) reads from them:
// - `kubectl create/apply` (validation): for the object's group version it downloads the
//   v3 document and looks for the PATCH operation whose x-kubernetes-group-version-kind
//   is the object's kind; when that operation lists the `fieldValidation` query
//   parameter, kubectl sends ?fieldValidation=Strict and validates nothing itself.
// - `kubectl apply` (an existing object): the strategic merge patch is computed from the
//   components.schemas entry whose x-kubernetes-group-version-kind lists the kind, walking
//   properties, allOf[0] and $ref, and reading x-kubernetes-patch-strategy/-merge-key.
//   The PATCH operation must accept application/strategic-merge-patch+json.
// - `kubectl explain`: finds the kind through the GVK of an operation on
//   /api/v1/<plural> (or the namespaced path), then the schema carrying that GVK, and
//   prints descriptions from it.
// - /openapi/v2 is only a fallback for kubectl, and client-go asks for it in protobuf
//   (application/com.github.proto-openapi.spec.v2@v1.0+protobuf) and decodes the body as
//   protobuf whatever the Content-Type: serve openapiV2Protobuf() to such requests and
//   the JSON document to the others.
import { createHash } from 'node:crypto';
import { CATALOG, groupVersion, subresourceKind, verbsFor, type ResourceInfo } from '../api/registry.js';
import { customDefinitionName, customDefinitions } from './crd/openapi-definitions.js';
import { encodeOpenAPIV2 } from './openapi-proto.js';
import { DEFINITIONS, definitionName, refName, REF_PREFIX, INT_OR_STRING, QUANTITY, type Definitions, type JSONSchemaProps } from '../api/schemas/index.js';

/** The Kubernetes version whose API this document describes (info.version). */
const API_VERSION_INFO = 'v1.32.0';

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type Action = 'get' | 'list' | 'put' | 'post' | 'patch' | 'delete' | 'deletecollection';

interface Param {
  name: string;
  in: 'path' | 'query';
  description: string;
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
}

/** One operation, independent of the OpenAPI version it is rendered in. */
interface Operation {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  tag: string;
  gvk?: { group: string; version: string; kind: string };
  params: Param[];
  /** Request body: a definition name, or 'patch' for the four patch media types. */
  body?: string | 'patch';
  /** Status code to definition name; 'string' for a plain text body (logs). */
  responses: Record<string, string>;
  /** Responses also stream watch events (list operations). */
  watchable?: boolean;
  /** A custom resource's operation (no strategic merge patch). */
  custom?: boolean;
}

interface PathItem {
  path: string;
  params: Param[];
  operations: Operation[];
}

// ---------------------------------------------------------------- parameters

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });

const P = {
  name: (kind: string): Param => ({ name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` }),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } as Param,
  pretty: q('pretty', 'string', "If 'true', the output is indented."),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK events in a watch: they carry only a resourceVersion, so a restarted watch can resume from it. Servers may send them at their own pace. Ignored when watch is not set.'),
  continue: q('continue', 'string', 'The token a previous paginated list returned in metadata.continue: the server goes on from there with the same query. An expired token (older than the compacted history) answers 410 Gone.'),
  fieldSelector: q('fieldSelector', 'string', 'Restrict the returned objects by their fields, such as metadata.name=x,spec.nodeName!=y. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'Restrict the returned objects by their labels, such as app=web,tier in (a,b),!canary. Defaults to everything.'),
  limit: q('limit', 'integer', 'The most items to return in one response; when more exist, metadata.continue is set to get the next page.'),
  resourceVersion: q('resourceVersion', 'string', 'Which version of the data to read: unset for the most recent, "0" for any (possibly cached) version, or a specific version. For a watch, the version to start after.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan. Only with resourceVersion set.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'With watch: start the stream with ADDED events for the current state, then a bookmark.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'How long a list or watch call may last, whatever it is doing.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update and remove notifications. Give a resourceVersion to start from.'),
  dryRun: q('dryRun', 'string', 'When present, the request is processed but nothing is persisted. The only value is "All".'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields. At most 128 printable characters.'),
  fieldValidation: q('fieldValidation', 'string', 'What the server does with unknown or duplicate fields in the object: Ignore (drop them silently), Warn (drop them and answer with a warning for each) or Strict (reject the request with a BadRequest error listing them).'),
  force: q('force', 'boolean', 'Apply requests only: take over fields other managers own instead of failing with a conflict.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; zero deletes at once. Defaults to the kind\'s own grace period.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned instead of garbage collected.'),
  propagationPolicy: q('propagationPolicy', 'string', 'How dependents are garbage collected: Orphan, Background or Foreground.'),
  container: q('container', 'string', 'The container to stream logs of; may be omitted when the pod has one container.'),
  follow: q('follow', 'boolean', 'Keep streaming the log as it grows.'),
  insecureSkipTLSVerifyBackend: q('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the serving certificate of the kubelet the log is read from.'),
  limitBytes: q('limitBytes', 'integer', 'The most bytes of log to return.'),
  previous: q('previous', 'boolean', 'Return the log of the previous, terminated instance of the container.'),
  sinceSeconds: q('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
  tailLines: q('tailLines', 'integer', 'Only this many lines from the end of the log.'),
  timestamps: q('timestamps', 'boolean', 'Prefix every line with an RFC 3339 timestamp.'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const CREATE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
const DELETE_COLLECTION_PARAMS = [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds];
const LOG_PARAMS = [P.container, P.follow, P.insecureSkipTLSVerifyBackend, P.limitBytes, P.previous, P.sinceSeconds, P.tailLines, P.timestamps];

const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const API_RESOURCE_LIST = 'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList';
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
/** Custom resources take no strategic merge patch (kubectl apply then sends a merge patch). */
const CUSTOM_PATCH_TYPES = PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PRODUCES_WATCH = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

// ---------------------------------------------------------------- the neutral model

/** "CoreV1", "AppsV1", "CoordinationV1": the group version as operation ids spell it. */
function gvCamel(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const words = g.split('.').map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return words.join('') + version.charAt(0).toUpperCase() + version.slice(1);
}

/** "core_v1", "apps_v1", "rbacAuthorization_v1": the group version as tags spell it. */
function gvTag(group: string, version: string): string {
  const words = (group === '' ? 'core' : group.replace(/\.k8s\.io$/, '')).split('.');
  return `${words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('')}_${version}`;
}

/** The path of a group version's documents: "api/v1", "apis/apps/v1". */
const gvPath = (group: string, version: string): string => (group === '' ? `api/${version}` : `apis/${group}/${version}`);

/** The built-in definitions plus those of the custom resources in the catalog (rebuilt when it changes). */
interface CustomState { generation: number; defs: Readonly<Definitions>; v2: Readonly<Definitions>; custom: Set<string> }
let defsCache: CustomState | undefined;
function defs(): Readonly<Definitions> {
  return customState().defs;
}

/** Custom resources' definitions differ between v3 and v2 (toOpenAPIV2 drops what 2.0 cannot say). */
function customState(): CustomState {
  if (!defsCache || defsCache.generation !== CATALOG.generation) {
    const extra: Definitions = {};
    const v2: Definitions = {};
    for (const ri of CATALOG.customResources()) {
      Object.assign(extra, customDefinitions(ri));
      Object.assign(v2, customDefinitions(ri, true));
    }
    defsCache = { generation: CATALOG.generation, defs: { ...DEFINITIONS, ...extra }, v2, custom: new Set(Object.keys(extra)) };
  }
  return defsCache;
}

function definitionOf(group: string, version: string, kind: string): string {
  const customName = customDefinitionName(group, version, kind);
  if (customState().custom.has(customName)) return customName;
  const name = definitionName(group, version, kind);
  if (!name) throw new Error(`openapi: no schema for ${group}/${version} ${kind}`);
  return name;
}

/** The API verb each action needs (registry verbs are the API's: create, update...). */
const ACTION_VERBS: Record<Action, string> = {
  get: 'get', list: 'list', put: 'update', post: 'create', patch: 'patch', delete: 'delete', deletecollection: 'deletecollection',
};

/** The paths of one resource, with its subresources. */
function resourcePaths(ri: ResourceInfo): PathItem[] {
  const { group, version, kind } = ri;
  const gv = gvCamel(group, version);
  const tag = gvTag(group, version);
  const prefix = `/${gvPath(group, version)}`;
  const gvk = { group, version, kind };
  const def = definitionOf(group, version, kind);
  // Create-only resources (TokenReview, SubjectAccessReview...) have no list kind and
  // only a POST on their collection.
  const verbs = new Set(verbsFor(ri));
  const listDef = verbs.has('list') ? definitionOf(group, version, ri.listKind) : '';
  const ns = ri.namespaced ? 'Namespaced' : '';
  const collection = ri.namespaced ? `${prefix}/namespaces/{namespace}/${ri.plural}` : `${prefix}/${ri.plural}`;
  const scope = ri.namespaced ? [P.namespace] : [];
  const out: PathItem[] = [];
  const op = (o: Omit<Operation, 'tag'>): Operation => ({ tag, ...o, ...(ri.custom ? { custom: true } : {}) });

  if (ri.namespaced) {
    out.push({
      path: `${prefix}/${ri.plural}`,
      params: [P.pretty],
      operations: [op({ method: 'get', action: 'list', operationId: `list${gv}${kind}ForAllNamespaces`, description: `list or watch objects of kind ${kind}`, gvk, params: LIST_PARAMS, responses: { 200: listDef }, watchable: true })],
    });
  }
  out.push({
    path: collection,
    params: [...scope, P.pretty],
    operations: [
      op({ method: 'get', action: 'list', operationId: `list${gv}${ns}${kind}`, description: `list or watch objects of kind ${kind}`, gvk, params: LIST_PARAMS, responses: { 200: listDef }, watchable: true }),
      op({ method: 'post', action: 'post', operationId: `create${gv}${ns}${kind}`, description: `create a ${kind}`, gvk, params: CREATE_PARAMS, body: def, responses: { 200: def, 201: def, 202: def } }),
      op({ method: 'delete', action: 'deletecollection', operationId: `delete${gv}Collection${ns}${kind}`, description: `delete collection of ${kind}`, gvk, params: DELETE_COLLECTION_PARAMS, body: DELETE_OPTIONS, responses: { 200: STATUS } }),
    ],
  });
  out.push({
    path: `${collection}/{name}`,
    params: [P.name(kind), ...scope, P.pretty],
    operations: [
      op({ method: 'get', action: 'get', operationId: `read${gv}${ns}${kind}`, description: `read the specified ${kind}`, gvk, params: [], responses: { 200: def } }),
      op({ method: 'put', action: 'put', operationId: `replace${gv}${ns}${kind}`, description: `replace the specified ${kind}`, gvk, params: CREATE_PARAMS, body: def, responses: { 200: def, 201: def } }),
      op({ method: 'delete', action: 'delete', operationId: `delete${gv}${ns}${kind}`, description: `delete a ${kind}`, gvk, params: DELETE_PARAMS, body: DELETE_OPTIONS, responses: { 200: STATUS, 202: STATUS } }),
      op({ method: 'patch', action: 'patch', operationId: `patch${gv}${ns}${kind}`, description: `partially update the specified ${kind}`, gvk, params: PATCH_PARAMS, body: 'patch', responses: { 200: def, 201: def } }),
    ],
  });

  for (const item of out) item.operations = item.operations.filter((o) => verbs.has(ACTION_VERBS[o.action]));
  const served = out.filter((item) => item.operations.length > 0);

  for (const sub of ri.subresources) {
    const sk = subresourceKind(ri, sub);
    const subGvk = { group: sk.group, version: sk.version, kind: sk.kind };
    const subDef = definitionOf(sk.group, sk.version, sk.kind);
    const Sub = sub.charAt(0).toUpperCase() + sub.slice(1);
    const path = `${collection}/{name}/${sub}`;
    const params = [P.name(sub === 'binding' ? 'Binding' : sub === 'token' ? 'TokenRequest' : kind), ...scope, P.pretty];
    switch (sub) {
      case 'binding':
        served.push({ path, params, operations: [
          op({ method: 'post', action: 'post', operationId: `create${gv}${ns}${kind}Binding`, description: `create binding of a ${kind}`, gvk: subGvk, params: CREATE_PARAMS, body: subDef, responses: { 200: subDef, 201: subDef, 202: subDef } }),
        ] });
        break;
      case 'token':
        served.push({ path, params, operations: [
          op({ method: 'post', action: 'post', operationId: `create${gv}${ns}${kind}Token`, description: `create token of a ${kind}`, gvk: subGvk, params: CREATE_PARAMS, body: subDef, responses: { 200: subDef, 201: subDef, 202: subDef } }),
        ] });
        break;
      case 'log':
        served.push({ path, params, operations: [
          op({ method: 'get', action: 'get', operationId: `read${gv}${ns}${kind}Log`, description: `read log of the specified ${kind}`, gvk, params: LOG_PARAMS, responses: { 200: 'string' } }),
        ] });
        break;
      case 'finalize':
        served.push({ path, params, operations: [
          op({ method: 'put', action: 'put', operationId: `replace${gv}${ns}${kind}Finalize`, description: `replace finalize of the specified ${kind}`, gvk, params: CREATE_PARAMS, body: def, responses: { 200: def, 201: def } }),
        ] });
        break;
      default: // status, scale: get, put, patch
        served.push({ path, params, operations: [
          op({ method: 'get', action: 'get', operationId: `read${gv}${ns}${kind}${Sub}`, description: `read ${sub} of the specified ${kind}`, gvk: subGvk, params: [], responses: { 200: subDef } }),
          op({ method: 'put', action: 'put', operationId: `replace${gv}${ns}${kind}${Sub}`, description: `replace ${sub} of the specified ${kind}`, gvk: subGvk, params: CREATE_PARAMS, body: subDef, responses: { 200: subDef, 201: subDef } }),
          op({ method: 'patch', action: 'patch', operationId: `patch${gv}${ns}${kind}${Sub}`, description: `partially update ${sub} of the specified ${kind}`, gvk: subGvk, params: PATCH_PARAMS, body: 'patch', responses: { 200: subDef, 201: subDef } }),
        ] });
    }
  }
  return served;
}

interface GroupVersionPaths {
  group: string;
  version: string;
  /** "api/v1", "apis/apps/v1". */
  path: string;
  items: PathItem[];
}

/** Every group version of the registry with its paths, in registry order. */
function model(): GroupVersionPaths[] {
  const byGv = new Map<string, GroupVersionPaths>();
  for (const ri of CATALOG.all()) {
    const key = groupVersion(ri);
    let gv = byGv.get(key);
    if (!gv) {
      gv = { group: ri.group, version: ri.version, path: gvPath(ri.group, ri.version), items: [] };
      gv.items.push({
        path: `/${gv.path}/`,
        params: [],
        operations: [{ method: 'get', action: 'get', operationId: `get${gvCamel(ri.group, ri.version)}APIResources`, description: 'get available resources', tag: gvTag(ri.group, ri.version), params: [], responses: { 200: API_RESOURCE_LIST } }],
      });
      byGv.set(key, gv);
    }
    gv.items.push(...resourcePaths(ri));
  }
  return [...byGv.values()];
}

// ---------------------------------------------------------------- schemas

/** Definitions reachable from the given names, the names included, sorted. */
function closure(names: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const schema = defs()[name];
    if (!schema) throw new Error(`openapi: dangling reference to ${name}`);
    seen.add(name);
    walkRefs(schema, visit);
  };
  for (const n of names) visit(n);
  return [...seen].sort();
}

function walkRefs(s: JSONSchemaProps, onRef: (name: string) => void): void {
  if (s.$ref) onRef(refName(s.$ref));
  for (const p of Object.values(s.properties ?? {})) walkRefs(p, onRef);
  if (s.items) walkRefs(s.items, onRef);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') walkRefs(s.additionalProperties, onRef);
  for (const o of s.oneOf ?? []) walkRefs(o, onRef);
}

function sortedProperties(props: Record<string, JSONSchemaProps>, convert: (s: JSONSchemaProps) => Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(props).sort()) out[key] = convert(props[key]);
  return out;
}

/** swagger 2.0: the neutral form minus what 2.0 cannot say (oneOf). */
function toV2(s: JSONSchemaProps): Record<string, unknown> {
  const { properties, items, additionalProperties, oneOf: _oneOf, 'x-kubernetes-int-or-string': _ios, ...rest } = s;
  const out: Record<string, unknown> = { ...rest };
  if (properties) out.properties = sortedProperties(properties, toV2);
  if (items) out.items = toV2(items);
  if (additionalProperties !== undefined) out.additionalProperties = typeof additionalProperties === 'object' ? toV2(additionalProperties) : additionalProperties;
  return out;
}

function definitionV2(name: string): Record<string, unknown> {
  const custom = customState().v2[name];
  if (custom) return toV2(custom);
  const s = defs()[name];
  // 2.0 has no oneOf: Kubernetes publishes both as strings there.
  if (name === QUANTITY) return { description: s.description, type: 'string' };
  if (name === INT_OR_STRING) return { description: s.description, type: 'string', format: 'int-or-string' };
  return toV2(s);
}

const V3_PREFIX = '#/components/schemas/';

/** OpenAPI 3.0: refs point into components.schemas; a ref with siblings is wrapped in allOf. */
function toV3(s: JSONSchemaProps): Record<string, unknown> {
  const { $ref, properties, items, additionalProperties, oneOf, ...rest } = s;
  const out: Record<string, unknown> = { ...rest };
  if ($ref) {
    const target = { $ref: V3_PREFIX + refName($ref) };
    if (Object.keys(rest).length === 0) return target;
    out.allOf = [target];
  }
  if (properties) out.properties = sortedProperties(properties, toV3);
  if (items) out.items = toV3(items);
  if (additionalProperties !== undefined) out.additionalProperties = typeof additionalProperties === 'object' ? toV3(additionalProperties) : additionalProperties;
  if (oneOf) out.oneOf = oneOf.map(toV3);
  return out;
}

// ---------------------------------------------------------------- rendering

const SECURITY_SCHEME = { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } };

function operationRefs(items: PathItem[]): string[] {
  const names = new Set<string>();
  for (const item of items) {
    for (const o of item.operations) {
      if (o.body) names.add(o.body === 'patch' ? PATCH : o.body);
      for (const d of Object.values(o.responses)) if (d !== 'string') names.add(d);
    }
  }
  return [...names];
}

function paramV2(p: Param): Record<string, unknown> {
  const out: Record<string, unknown> = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) out.required = true;
  return out;
}

function operationV2(o: Operation): Record<string, unknown> {
  const params: Record<string, unknown>[] = [];
  if (o.body) params.push({ name: 'body', in: 'body', required: true, schema: { $ref: REF_PREFIX + (o.body === 'patch' ? PATCH : o.body) } });
  params.push(...o.params.map(paramV2));
  const responses: Record<string, unknown> = {};
  for (const [code, def] of Object.entries(o.responses)) {
    responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', schema: def === 'string' ? { type: 'string' } : { $ref: REF_PREFIX + def } };
  }
  responses['401'] = { description: 'Unauthorized' };
  const out: Record<string, unknown> = {
    description: o.description,
    consumes: o.body === 'patch' ? (o.custom ? CUSTOM_PATCH_TYPES : PATCH_TYPES) : ['*/*'],
    produces: o.responses['200'] === 'string' ? ['text/plain', ...PRODUCES] : o.watchable ? PRODUCES_WATCH : PRODUCES,
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
  };
  if (params.length) out.parameters = params;
  out.responses = responses;
  if (o.gvk) {
    out['x-kubernetes-action'] = o.action;
    out['x-kubernetes-group-version-kind'] = o.gvk;
  }
  return out;
}

function paramV3(p: Param): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, in: p.in, description: p.description };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function operationV3(o: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = { tags: [o.tag], description: o.description, operationId: o.operationId };
  if (o.params.length) out.parameters = o.params.map(paramV3);
  if (o.body === 'patch') {
    const schema = { $ref: V3_PREFIX + PATCH };
    out.requestBody = { content: Object.fromEntries((o.custom ? CUSTOM_PATCH_TYPES : PATCH_TYPES).map((t) => [t, { schema }])), required: true };
  } else if (o.body) {
    out.requestBody = { content: { '*/*': { schema: { $ref: V3_PREFIX + o.body } } }, required: o.body !== DELETE_OPTIONS };
  }
  const responses: Record<string, unknown> = {};
  for (const [code, def] of Object.entries(o.responses)) {
    const schema = def === 'string' ? { type: 'string' } : { $ref: V3_PREFIX + def };
    const types = def === 'string' ? ['text/plain', ...PRODUCES] : o.watchable ? PRODUCES_WATCH : PRODUCES;
    responses[code] = {
      description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK',
      content: Object.fromEntries(types.map((t) => [t, { schema }])),
    };
  }
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
  if (o.gvk) {
    out['x-kubernetes-action'] = o.action;
    out['x-kubernetes-group-version-kind'] = o.gvk;
  }
  return out;
}

function pathItem(item: PathItem, renderOp: (o: Operation) => Record<string, unknown>, renderParam: (p: Param) => Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of item.operations) out[o.method] = renderOp(o);
  if (item.params.length) out.parameters = item.params.map(renderParam);
  return out;
}

function buildV2(): Record<string, unknown> {
  const gvs = model();
  const paths: Record<string, unknown> = {};
  for (const gv of gvs) for (const item of gv.items) paths[item.path] = pathItem(item, operationV2, paramV2);
  const definitions: Record<string, unknown> = {};
  for (const name of closure(Object.keys(defs()))) definitions[name] = definitionV2(name);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: API_VERSION_INFO },
    paths,
    definitions,
    securityDefinitions: SECURITY_SCHEME,
    security: [{ BearerToken: [] }],
  };
}

function buildV3(gv: GroupVersionPaths): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const item of gv.items) paths[item.path] = pathItem(item, operationV3, paramV3);
  const schemas: Record<string, unknown> = {};
  for (const name of closure(operationRefs(gv.items))) schemas[name] = toV3(defs()[name]);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: API_VERSION_INFO },
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEME },
    security: [{ BearerToken: [] }],
  };
}

// ---------------------------------------------------------------- public API (cached)

interface V3Entry { doc: Record<string, unknown>; hash: string }

/** The catalog generation the cached documents were built from: CRDs change the documents. */
let builtAt = -1;
function checkFresh(): void {
  if (builtAt === CATALOG.generation) return;
  builtAt = CATALOG.generation;
  v2Cache = undefined;
  v2ProtoCache = undefined;
  v3Cache = undefined;
  v3RootCache = undefined;
}

let v2Cache: Record<string, unknown> | undefined;
let v2ProtoCache: Uint8Array | undefined;
let v3Cache: Map<string, V3Entry> | undefined;
let v3RootCache: Record<string, unknown> | undefined;

/** SHA-512 of the document's JSON, upper-case hex, as kube-openapi computes its ETags. */
const hashOf = (doc: unknown): string => createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();

function v3Docs(): Map<string, V3Entry> {
  checkFresh();
  if (!v3Cache) {
    v3Cache = new Map();
    for (const gv of model()) {
      const doc = buildV3(gv);
      v3Cache.set(gv.path, { doc, hash: hashOf(doc) });
    }
  }
  return v3Cache;
}

/** The swagger 2.0 document served at /openapi/v2 (as JSON). Built once. */
export function openapiV2(): object {
  checkFresh();
  v2Cache ??= buildV2();
  return v2Cache;
}

/**
 * The same document in gnostic's protobuf encoding, for requests whose Accept names
 * application/com.github.proto-openapi.spec.v2@v1.0+protobuf (OPENAPI_V2_PROTOBUF),
 * as every client-go asks. Built once.
 */
export function openapiV2Protobuf(): Uint8Array {
  checkFresh();
  v2ProtoCache ??= encodeOpenAPIV2(openapiV2() as Record<string, unknown>);
  return v2ProtoCache;
}

export { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPT } from './openapi-proto.js';

/**
 * The /openapi/v3 discovery document: each group version's path ("api/v1",
 * "apis/apps/v1") with the server-relative URL of its document, whose `hash` query
 * parameter changes whenever the document does (clients cache by URL).
 */
export function openapiV3Root(): object {
  checkFresh();
  if (!v3RootCache) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, { hash }] of v3Docs()) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    v3RootCache = { paths };
  }
  return v3RootCache;
}

/**
 * The OpenAPI 3.0 document of one group version, by its path ("api/v1",
 * "apis/apps/v1"; a leading "/" or "openapi/v3/" and any "?query" are ignored);
 * undefined for a group version this server does not serve.
 */
export function openapiV3(groupVersionPath: string): object | undefined {
  return v3Docs().get(normalize(groupVersionPath))?.doc;
}

/** The hash of a group version's v3 document (the root links carry it); undefined when unknown. */
export function openapiV3Hash(groupVersionPath: string): string | undefined {
  return v3Docs().get(normalize(groupVersionPath))?.hash;
}

function normalize(path: string): string {
  return path.split('?')[0].replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\/+$/, '');
}
