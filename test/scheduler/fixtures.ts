// Small builders for scheduler unit tests: nodes and pods with only the fields that matter.
import type { Container, Node, Pod, Taint, Toleration } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

export function makeNode(name: string, o: NodeOpts = {}): Node {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { unschedulable: o.unschedulable, taints: o.taints },
    status: { capacity: allocatable, allocatable },
  };
}

export interface PodOpts {
  cpu?: string;
  memory?: string;
  requests?: Record<string, string>;
  containers?: Container[];
  initContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostPorts?: { hostPort: number; protocol?: string; hostIP?: string }[];
  owner?: string;
  priority?: number;
  preemptionPolicy?: string;
  namespace?: string;
  overhead?: Record<string, string>;
  affinity?: NonNullable<Pod['spec']>['affinity'];
}

let seq = 0;

export function makePod(name: string, o: PodOpts = {}): Pod {
  const requests: Record<string, string> = { ...o.requests };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const container: Container = {
    name: 'app', image: 'nginx',
    resources: Object.keys(requests).length > 0 ? { requests } : undefined,
    ports: o.hostPorts?.map((p) => ({ containerPort: p.hostPort, hostPort: p.hostPort, protocol: p.protocol, hostIP: p.hostIP })),
  };
  const ownerReferences: OwnerReference[] | undefined = o.owner
    ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }]
    : undefined;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `pod-${name}-${++seq}`, ownerReferences },
    spec: {
      containers: o.containers ?? [container],
      initContainers: o.initContainers,
      nodeName: o.nodeName,
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      priority: o.priority,
      preemptionPolicy: o.preemptionPolicy,
      overhead: o.overhead,
      affinity: o.affinity,
    },
  };
}
