// kustomize's builtin transformers other than patches: namespace, namePrefix and
// nameSuffix, labels (commonLabels, labels with includeSelectors / includeTemplates),
// commonAnnotations, replicas and images, each a function over the resources of one
// kustomization, as kustomize's filters (api/filters/*) do them.
import { findByKind } from '../../api/registry.js';
import { KustomizeError } from './errors.js';
import { COMMON_ANNOTATION_SPECS, COMMON_LABEL_SPECS, gvkOf, IMAGE_SPECS, REPLICA_SPECS, TEMPLATE_LABEL_SPECS, visitPath, visitSpecs, type FieldSpec } from './field-specs.js';
import type { Image, Label } from './kustomization.js';
import { isObj, metadata, nameOf, storePreviousId, type Obj, type Resource } from './resource.js';

// Cluster-scoped kinds kustomize knows from its built-in schema; our registry knows
// the same for the kinds it serves, and anything unknown (a custom kind) is namespaced.
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'RuntimeClass', 'IngressClass', 'PodSecurityPolicy', 'CertificateSigningRequest', 'ComponentStatus',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'FlowSchema', 'PriorityLevelConfiguration', 'SelfSubjectReview',
  'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview']);

export function isClusterScoped(obj: Obj): boolean {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const ri = findByKind(typeof obj.apiVersion === 'string' ? obj.apiVersion : '', kind);
  return ri ? !ri.namespaced : CLUSTER_SCOPED.has(kind);
}

/** namespace: metadata.namespace of namespaced objects, Namespaces' own names, ServiceAccount subjects named default. */
export function setNamespace(resources: Resource[], namespace: string): void {
  for (const r of resources) {
    const obj = r.obj;
    const gvk = gvkOf(obj);
    const meta = metadata(obj);
    const renamed = (!isClusterScoped(obj) && meta.namespace !== namespace) || (gvk.kind === 'Namespace' && gvk.version === 'v1' && gvk.group === '' && meta.name !== namespace);
    if (renamed) storePreviousId(r);
    if (!isClusterScoped(obj)) meta.namespace = namespace;
    if (gvk.kind === 'Namespace' && obj.apiVersion === 'v1') meta.name = namespace;
    if (gvk.kind === 'RoleBinding' || gvk.kind === 'ClusterRoleBinding') {
      for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
        if (isObj(s) && s.name === 'default') s.namespace = namespace;
      }
    }
    if (gvk.kind === 'APIService' && gvk.group === 'apiregistration.k8s.io') {
      visitPath(obj, 'spec/service/namespace', true, (p, k) => { p[k] = namespace; });
    }
    if (gvk.kind === 'CustomResourceDefinition' && gvk.group === 'apiextensions.k8s.io') {
      visitPath(obj, 'spec/conversion/webhook/clientConfig/service/namespace', false, (p, k) => { p[k] = namespace; });
    }
  }
}

/** namePrefix and nameSuffix: metadata.name of every object but CRDs (kustomize leaves their names alone). */
export function setNameAffixes(resources: Resource[], prefix: string, suffix: string): void {
  for (const r of resources) {
    if (r.obj.kind === 'CustomResourceDefinition') continue;
    storePreviousId(r);
    metadata(r.obj).name = `${prefix}${nameOf(r.obj)}${suffix}`;
  }
}

/** Sets each pair at the fields of specs (maps created where the spec says so). */
function setPairs(resources: Resource[], pairs: Record<string, string>, specs: readonly FieldSpec[], what: string): void {
  for (const r of resources) {
    visitSpecs(r.obj, specs, (parent, key) => {
      const current = parent[key];
      if (current === null || current === undefined) parent[key] = {};
      else if (!isObj(current)) throw new KustomizeError(`${what}: expected a map at ${key}`);
      Object.assign(parent[key] as Obj, stringValues(pairs));
    });
  }
}

function stringValues(pairs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

/** commonLabels: metadata, selectors and templates. */
export function setCommonLabels(resources: Resource[], labels: Record<string, string>): void {
  setPairs(resources, labels, COMMON_LABEL_SPECS, 'commonLabels');
}

/** One entry of labels: metadata only, plus templates (includeTemplates) or selectors and templates (includeSelectors), plus its own fields. */
export function setLabels(resources: Resource[], label: Label): void {
  const own: FieldSpec[] = (label.fields ?? []).map((f) => ({ ...f }));
  let specs: FieldSpec[];
  if (label.includeSelectors) specs = [...own, ...COMMON_LABEL_SPECS];
  else if (label.includeTemplates) specs = [...own, ...TEMPLATE_LABEL_SPECS];
  else specs = [...own, { path: 'metadata/labels', create: true }];
  setPairs(resources, label.pairs ?? {}, specs, 'labels');
}

export function setCommonAnnotations(resources: Resource[], annotations: Record<string, string>): void {
  setPairs(resources, annotations, COMMON_ANNOTATION_SPECS, 'commonAnnotations');
}

/** replicas: spec.replicas of the named Deployments, ReplicaSets, ReplicationControllers and StatefulSets. */
export function setReplicas(resources: Resource[], replicas: { name: string; count: number }[]): void {
  for (const { name, count } of replicas) {
    for (const r of resources) {
      // kustomize matches the name the object was read with or has now.
      if (nameOf(r.obj) !== name && (r.previous[0]?.name ?? nameOf(r.obj)) !== name) continue;
      visitSpecs(r.obj, REPLICA_SPECS, (parent, key) => { parent[key] = count; });
    }
  }
}

/** images: every containers/initContainers image that names image.name, anywhere in an object. */
export function setImages(resources: Resource[], images: Image[]): void {
  for (const image of images) {
    const update = (parent: Obj, key: string): void => {
      const value = parent[key];
      if (typeof value === 'string') parent[key] = updatedImage(value, image);
    };
    for (const r of resources) {
      walkContainers(r.obj, update);
      visitSpecs(r.obj, IMAGE_SPECS.map((s) => ({ ...s, create: false })), update);
    }
  }
}

// imagetag.LegacyFilter: any list under a `containers` or `initContainers` key.
function walkContainers(node: unknown, update: (parent: Obj, key: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walkContainers(item, update);
    return;
  }
  if (!isObj(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const c of value) if (isObj(c) && 'image' in c) update(c, 'image');
    } else {
      walkContainers(value, update);
    }
  }
}

/** imageTagUpdater.SetImageValue for one image string. */
export function updatedImage(value: string, image: Image): string {
  const pattern = new RegExp(`^${image.name ?? ''}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$`);
  if (!pattern.test(value)) return value;
  let { name, tag, digest } = splitImage(value);
  if (image.newName) name = image.newName;
  if (image.newTag && image.digest) {
    tag = image.newTag;
    digest = image.digest;
  } else if (image.newTag) {
    tag = image.newTag;
    digest = '';
  } else if (image.digest) {
    tag = '';
    digest = image.digest;
  } else if (image.tagSuffix) {
    tag += image.tagSuffix;
    digest = '';
  }
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** image.Split: name, tag and digest (a registry port's colon is not a tag). */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  let slash = image.indexOf('/');
  let search = image;
  if (slash > 0) search = image.slice(slash);
  else slash = 0;
  let at = search.indexOf('@');
  let colon = search.indexOf(':');
  if (colon < 0 && at < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (at < colon || colon < 0)) {
    at += slash;
    return { name: image.slice(0, at), tag: '', digest: image.slice(at + 1) };
  }
  if (at >= 0 && colon >= 0) {
    at += slash;
    colon += slash;
    return { name: image.slice(0, colon), tag: image.slice(colon + 1, at), digest: image.slice(at + 1) };
  }
  colon += slash;
  return { name: image.slice(0, colon), tag: image.slice(colon + 1), digest: '' };
}
