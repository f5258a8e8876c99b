// What each node's pods use, for the Node authorizer (Kubernetes keeps a graph of
// node <- pod <- secret/configmap/serviceaccount/pvc edges fed by informers). Here an
// index over the pods watch cache counts, per node, the references of the pods bound
// to it, so "is this secret used by a pod on node n" is one map lookup.
import type { Pod } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { WatchCache } from '../watch-cache.js';

export type VertexType = 'pod' | 'secret' | 'configmap' | 'serviceaccount' | 'persistentvolumeclaim';

interface PodEdges { node: string; refs: string[] }

const ref = (type: VertexType, namespace: string, name: string): string => `${type}\u0000${namespace}\u0000${name}`;

/** The objects a pod needs from the API: its secrets, configmaps, service account and claims (VisitPod*Names). */
export function podReferences(pod: Pod): { type: VertexType; name: string }[] {
  const out: { type: VertexType; name: string }[] = [];
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return out;
  const add = (type: VertexType, name: unknown): void => { if (typeof name === 'string' && name) out.push({ type, name }); };
  if (spec.serviceAccountName) add('serviceaccount', spec.serviceAccountName);
  for (const s of spec.imagePullSecrets ?? []) add('secret', s?.name);
  for (const v of spec.volumes ?? []) {
    if (!v || typeof v !== 'object') continue;
    add('secret', v.secret?.secretName);
    add('configmap', v.configMap?.name);
    add('persistentvolumeclaim', v.persistentVolumeClaim?.claimName);
    if ((v as { ephemeral?: unknown }).ephemeral) add('persistentvolumeclaim', `${pod.metadata.name}-${v.name}`);
    for (const p of v.projected?.sources ?? []) {
      add('secret', p?.secret?.name);
      add('configmap', p?.configMap?.name);
    }
  }
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec as { ephemeralContainers?: typeof spec.containers }).ephemeralContainers ?? [])];
  for (const c of containers) {
    if (!c || typeof c !== 'object') continue;
    for (const e of c.env ?? []) {
      add('secret', e?.valueFrom?.secretKeyRef?.name);
      add('configmap', e?.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add('secret', e?.secretRef?.name);
      add('configmap', e?.configMapRef?.name);
    }
  }
  return out;
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEdges>();
  /** node -> reference -> how many of its pods hold it. */
  private readonly edges = new Map<string, Map<string, number>>();

  constructor(podCache: WatchCache) {
    podCache.subscribe((key, obj, prev) => {
      if (prev || !obj) this.remove(key);
      if (obj) this.add(key, obj);
    });
  }

  /** True when a pod bound to node uses the object (or, for type pod, is that pod). */
  hasPath(node: string, type: VertexType, namespace: string, name: string): boolean {
    return (this.edges.get(node)?.get(ref(type, namespace, name)) ?? 0) > 0;
  }

  /** The claims the pods bound to node use, as namespace and name. */
  claimsOf(node: string): { namespace: string; name: string }[] {
    const out: { namespace: string; name: string }[] = [];
    for (const r of this.edges.get(node)?.keys() ?? []) {
      const [type, namespace, name] = r.split('\u0000');
      if (type === 'persistentvolumeclaim') out.push({ namespace, name });
    }
    return out;
  }

  private add(key: string, obj: KubeObject): void {
    const pod = obj as Pod;
    const node = pod.spec?.nodeName;
    if (!node || typeof node !== 'string') return;
    const ns = pod.metadata.namespace ?? '';
    const refs = [ref('pod', ns, pod.metadata.name ?? ''), ...podReferences(pod).map((r) => ref(r.type, ns, r.name))];
    this.pods.set(key, { node, refs });
    let counts = this.edges.get(node);
    if (!counts) this.edges.set(node, counts = new Map());
    for (const r of refs) counts.set(r, (counts.get(r) ?? 0) + 1);
  }

  private remove(key: string): void {
    const p = this.pods.get(key);
    if (!p) return;
    this.pods.delete(key);
    const counts = this.edges.get(p.node);
    if (!counts) return;
    for (const r of p.refs) {
      const n = (counts.get(r) ?? 0) - 1;
      if (n > 0) counts.set(r, n);
      else counts.delete(r);
    }
    if (counts.size === 0) this.edges.delete(p.node);
  }
}
