// The resource registry: every API resource this server knows, with the facts
// discovery, routing, storage and clients need about it.
import type { JSONSchemaProps } from './types/apiextensions.js';

export interface ResourceInfo {
  group: string;              // '' for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;             // path segment and storage prefix
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[];     // 'status', 'scale', 'binding', 'log'
  /** Objects are written with an etcd lease and expire (events). */
  ttl?: boolean;
  /**
   * The verbs the resource serves when not every verb: reviews (TokenReview,
   * SubjectAccessReview...) are only created, answered and never stored.
   */
  verbs?: string[];
  /** Set for a resource served from a CustomResourceDefinition (apiserver/crd/). */
  custom?: CustomResourceFacts;
}

/** What serving a custom resource needs beyond the common facts, from its CRD version. */
export interface CustomResourceFacts {
  /** The CRD's name (<plural>.<group>). */
  crdName: string;
  /** The version objects are stored in. */
  storageVersion: string;
  /** additionalPrinterColumns of this version (empty: NAME and AGE). */
  printerColumns: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  /** selectableFields of this version, as JSONPaths (".spec.color"). */
  selectableFields: string[];
  /** The scale subresource's paths, when it is on. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** The version's openAPIV3Schema (OpenAPI publishes it). */
  schema?: JSONSchemaProps;
  /** The Warning every request to a deprecated version is answered with. */
  deprecationWarning?: string;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];

function r(group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group, version, kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), namespaced,
    shortNames: [], categories: [], subresources: [], ...extra,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  r('', 'v1', 'Pod', 'pods', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding', 'eviction', 'log', 'ephemeralcontainers'] }),
  r('', 'v1', 'ReplicationController', 'replicationcontrollers', true, { shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'] }),
  r('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  r('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'], ttl: true }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  r('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: ['status'] }),
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  // Stored as autoscaling/v2 (apiserver/registries.ts converts); listed after v2, which discovery prefers.
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  r('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, { verbs: CREATE_ONLY }),
  r('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: CREATE_ONLY }),
  r('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, { verbs: CREATE_ONLY }),
  r('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: CREATE_ONLY }),
  r('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, { verbs: CREATE_ONLY }),
  r('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, { verbs: CREATE_ONLY }),
  r('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  r('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  r('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, { shortNames: ['csr'], subresources: ['status', 'approval'] }),
  r('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { categories: ['api-extensions'], subresources: ['status'] }),
  r('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { categories: ['api-extensions'] }),
  r('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { categories: ['api-extensions'] }),
  r('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, { categories: ['api-extensions'], subresources: ['status'] }),
  r('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false, { categories: ['api-extensions'] }),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'] }),
];

type CatalogListener = () => void;

/**
 * Every resource this process serves: the built-in RESOURCES, then those of
 * CustomResourceDefinitions (set by the apiserver's CRD controller). Discovery,
 * OpenAPI, routing and the registries read it; listeners hear of each change.
 */
export class ResourceCatalog {
  private custom: readonly ResourceInfo[] = [];
  private everything: readonly ResourceInfo[];
  private readonly listeners = new Set<CatalogListener>();
  /** Bumped on each change: caches built from the catalog compare it. */
  generation = 0;

  constructor(private readonly builtIn: readonly ResourceInfo[]) {
    this.everything = builtIn;
  }

  all(): readonly ResourceInfo[] {
    return this.everything;
  }

  customResources(): readonly ResourceInfo[] {
    return this.custom;
  }

  /** Replaces the custom resources; listeners are called after. */
  setCustom(resources: readonly ResourceInfo[]): void {
    this.custom = resources;
    this.everything = [...this.builtIn, ...resources];
    this.generation++;
    for (const l of this.listeners) l();
  }

  /** Calls listener after each change; returns the unsubscribe function. */
  onChange(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}

/** The process's catalog: the apiserver adds custom resources to it; other processes see the built-in list. */
export const CATALOG = new ResourceCatalog(RESOURCES);

export const groupVersion = (ri: Pick<ResourceInfo, 'group' | 'version'>): string => (ri.group ? `${ri.group}/${ri.version}` : ri.version);

/** Finds a resource by group, version and plural; undefined when unknown. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return CATALOG.all().find((ri) => ri.group === group && ri.version === version && ri.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return CATALOG.all().find((ri) => groupVersion(ri) === apiVersion && ri.kind === kind);
}

/** Resolves what a person types (pod, pods, po, deploy, deployments.apps) to a resource. */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return CATALOG.all().find((ri) =>
    (!group || ri.group === group) &&
    (ri.plural === base || ri.singular === base || ri.kind.toLowerCase() === base || ri.shortNames.includes(base)));
}

/** The verbs discovery advertises for a resource or subresource. */
export function verbsFor(ri: ResourceInfo, subresource?: string): string[] {
  if (!subresource) return ri.verbs ?? ALL_VERBS;
  switch (subresource) {
    case 'binding': case 'token': case 'eviction': return ['create'];
    case 'log': return ['get'];
    case 'finalize': return ['update'];
    default: return ['get', 'patch', 'update'];
  }
}

/** The kind a subresource speaks: Scale for scale, Binding for binding, else the parent kind. */
export function subresourceKind(ri: ResourceInfo, subresource: string): { group: string; version: string; kind: string } {
  if (subresource === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (subresource === 'binding') return { group: '', version: 'v1', kind: 'Binding' };
  if (subresource === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  if (subresource === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  return { group: ri.group, version: ri.version, kind: ri.kind };
}
