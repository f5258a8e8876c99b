// Output order: kustomize's legacy order (SortOrderTransformer), which kubectl
// kustomize uses unless sortOptions says fifo: kinds of LEGACY_FIRST first in that
// order (Namespaces before everything, then what others depend on), LEGACY_LAST last,
// other kinds between by group_version_kind, then by kind.version.group|namespace|name.
import { byteOrder } from '../printers/go-json.js';
import type { Gvk } from './field-specs.js';
import { currentId, type ResId, type Resource } from './resource.js';

const LEGACY_FIRST = ['Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy',
  'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange',
  'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget'];
const LEGACY_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function typeOrder(kind: string): number {
  const first = LEGACY_FIRST.indexOf(kind);
  if (first >= 0) return first - LEGACY_FIRST.length;
  const last = LEGACY_LAST.indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

const gvkSortString = (g: Gvk): string => `${g.group || '~G'}_${g.version || '~V'}_${g.kind || '~K'}`;
const idSortString = (id: ResId): string =>
  `${id.gvk.kind || '[noKind]'}.${id.gvk.version || '[noVer]'}.${id.gvk.group || '[noGrp]'}|${id.namespace || '~X'}|${id.name || '~N'}`;

/** legacyIDSorter.Less as a comparator. */
export function compareLegacy(a: ResId, b: ResId): number {
  const sameGvk = a.gvk.group === b.gvk.group && a.gvk.version === b.gvk.version && a.gvk.kind === b.gvk.kind;
  if (!sameGvk) {
    const ia = typeOrder(a.gvk.kind);
    const ib = typeOrder(b.gvk.kind);
    if (ia !== ib) return ia - ib;
    // Core Namespaces before those of other groups.
    if (a.gvk.kind === 'Namespace' && b.gvk.kind === 'Namespace' && (a.gvk.group === '' || b.gvk.group === '')) {
      return -byteOrder(gvkSortString(a.gvk), gvkSortString(b.gvk));
    }
    return byteOrder(gvkSortString(a.gvk), gvkSortString(b.gvk));
  }
  return byteOrder(idSortString(a), idSortString(b));
}

export function sortLegacy(resources: Resource[]): Resource[] {
  return [...resources].sort((a, b) => compareLegacy(currentId(a), currentId(b)));
}
