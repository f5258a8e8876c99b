// What the scheduler knows about each node: the Node, the pods on it (bound and assumed)
// and aggregates kept incrementally as pods come and go (requested cpu/memory, pod count,
// used host ports, pods per owner), so a Filter or Score on a node costs O(1) in the number
// of pods (kube-scheduler framework/types.go NodeInfo and backend/cache). A pod's derived
// data (requests parsed from quantities, host ports) is computed once into a PodInfo.
import { milliValue, quantityValue } from '../api/quantity.js';
import type { Container, Namespace, Node, Pod, ResourceList, Taint } from '../api/types/core.js';
import { podAffinityInfoOf, type PodAffinityInfo } from './affinity-terms.js';

/** kube-scheduler's DefaultMilliCPURequest: what a container without a cpu request counts as when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** kube-scheduler's DefaultMemoryRequest (200Mi): what a container without a memory request counts as when scoring. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/**
 * Amounts of compute resources: cpu in millicores, memory and ephemeral storage in bytes,
 * extended resources (example.com/gpu, hugepages-2Mi) in their integer units.
 */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Only present when some extended resource is non-zero. */
  scalar?: Map<string, number>;
}

export const emptyResource = (): Resource => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0 });

/**
 * Extended resources the scheduler accounts for (schedutil.IsScalarResourceName):
 * domain-prefixed names outside kubernetes.io, hugepages-*, attachable-volumes-*.
 */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return !(domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io'));
}

function addList(r: Resource, rl: ResourceList | undefined): void {
  if (!rl) return;
  for (const name in rl) {
    const q = rl[name];
    switch (name) {
      case 'cpu': r.milliCPU += milliValue(q); break;
      case 'memory': r.memory += quantityValue(q); break;
      case 'ephemeral-storage': r.ephemeralStorage += quantityValue(q); break;
      case 'pods': break;
      default:
        if (isScalarResourceName(name)) {
          r.scalar ??= new Map();
          r.scalar.set(name, (r.scalar.get(name) ?? 0) + quantityValue(q));
        }
    }
  }
}

/** into + sign x from, per extended resource; returns into, made when absent. */
function addScalars(into: Map<string, number> | undefined, from: ReadonlyMap<string, number>, sign: number): Map<string, number> {
  const m = into ?? new Map<string, number>();
  for (const [k, v] of from) m.set(k, (m.get(k) ?? 0) + sign * v);
  return m;
}

function addResource(r: Resource, o: Resource, sign = 1): void {
  r.milliCPU += sign * o.milliCPU;
  r.memory += sign * o.memory;
  r.ephemeralStorage += sign * o.ephemeralStorage;
  if (o.scalar) r.scalar = addScalars(r.scalar, o.scalar, sign);
}

function maxResource(r: Resource, o: Resource): void {
  r.milliCPU = Math.max(r.milliCPU, o.milliCPU);
  r.memory = Math.max(r.memory, o.memory);
  r.ephemeralStorage = Math.max(r.ephemeralStorage, o.ephemeralStorage);
  if (o.scalar) {
    r.scalar ??= new Map();
    for (const [k, v] of o.scalar) r.scalar.set(k, Math.max(r.scalar.get(k) ?? 0, v));
  }
}

const cloneResource = (r: Resource): Resource => ({ ...r, scalar: r.scalar ? new Map(r.scalar) : undefined });

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = emptyResource();
  const req = c.resources?.requests;
  addList(r, req);
  // Scoring treats a missing (not an explicit zero) cpu/memory request as the defaults, so
  // best-effort pods still spread (schedutil.GetNonzeroRequests).
  if (nonZero) {
    if (req?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The resources a pod needs on a node (component-helpers resource.PodRequests): the sum of
 * its containers; init containers run one at a time so they count as the maximum, with
 * restartable init containers (sidecars, restartPolicy Always) added to both the running
 * sum and every later init container; then the pod overhead. With `nonZero`, a container
 * missing a cpu or memory request counts as 100m / 200Mi (for scoring only).
 */
export function computePodRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const reqs = emptyResource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) addResource(reqs, containerRequests(c, nonZero));
  const initMax = emptyResource();
  const sidecars = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const cr = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addResource(reqs, cr);
      addResource(sidecars, cr);
      maxResource(initMax, sidecars);
    } else {
      const tmp = cloneResource(cr);
      addResource(tmp, sidecars);
      maxResource(initMax, tmp);
    }
  }
  maxResource(reqs, initMax);
  addList(reqs, spec.overhead);
  return reqs;
}

/** One host port a pod binds on its node, sanitized: ip "" -> 0.0.0.0, protocol "" -> TCP. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export const BIND_ALL_HOST_IP = '0.0.0.0';

/** The host ports of a pod's containers (kube-scheduler getContainerPorts: hostPort > 0 only). */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || BIND_ALL_HOST_IP, protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** A pod's identity in the cache: its uid, or namespace/name when it has none. */
export function podKey(pod: Pod): string {
  return pod.metadata.uid || `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** Everything the scheduler derives from a pod, computed once (quantity parsing is not free). */
export interface PodInfo {
  readonly pod: Pod;
  readonly key: string;
  /** Requests as NodeResourcesFit counts them. */
  readonly requests: Resource;
  /** Requests with missing cpu/memory counted as 100m/200Mi, for scoring. */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly priority: number;
  /** Being deleted (deletionTimestamp set): still uses resources, but no longer counts for spreading. */
  readonly terminating: boolean;
  /** Its inter-pod (anti-)affinity terms, compiled; undefined for a pod without podAffinity/podAntiAffinity. */
  readonly affinity: PodAffinityInfo | undefined;
}

/** kube-scheduler podWithRequiredAntiAffinity. */
export const hasRequiredAntiAffinity = (pi: PodInfo): boolean => (pi.affinity?.requiredAntiAffinityTerms.length ?? 0) > 0;

/**
 * Whether the pod's terms can score another pod (InterPodAffinity's symmetric scoring):
 * required affinity (hardPodAffinityWeight) or preferred (anti-)affinity terms. A pod with
 * only required anti-affinity adds nothing to a pod that has no preferred terms of its own.
 */
export const scoresOtherPods = (pi: PodInfo): boolean => {
  const a = pi.affinity;
  return !!a && (a.requiredAffinityTerms.length > 0 || a.preferredAffinityTerms.length > 0 || a.preferredAntiAffinityTerms.length > 0);
};

export function podInfoOf(pod: Pod): PodInfo {
  const nz = computePodRequests(pod, true);
  return {
    pod,
    key: podKey(pod),
    requests: computePodRequests(pod),
    nonZeroMilliCPU: nz.milliCPU,
    nonZeroMemory: nz.memory,
    hostPorts: podHostPorts(pod),
    priority: pod.spec?.priority ?? 0,
    terminating: !!pod.metadata.deletionTimestamp,
    affinity: podAffinityInfoOf(pod),
  };
}

/**
 * Host ports in use on one node: ip -> "protocol/port" -> number of pods using it, plus
 * the same counts across all ips so a 0.0.0.0 request is checked in O(1).
 */
export class HostPortInfo {
  private readonly byIp = new Map<string, Map<string, number>>();
  private readonly anyIp = new Map<string, number>();

  get size(): number {
    return this.anyIp.size;
  }

  add(p: HostPort, delta = 1): void {
    const pp = `${p.protocol}/${p.port}`;
    let m = this.byIp.get(p.ip);
    if (!m) this.byIp.set(p.ip, (m = new Map()));
    bump(m, pp, delta);
    if (m.size === 0) this.byIp.delete(p.ip);
    bump(this.anyIp, pp, delta);
  }

  /**
   * kube-scheduler HostPortInfo.CheckConflict: a 0.0.0.0 request conflicts with the same
   * protocol/port on any ip; a specific ip conflicts with that ip or 0.0.0.0.
   */
  conflicts(p: HostPort): boolean {
    if (p.port <= 0) return false;
    const pp = `${p.protocol}/${p.port}`;
    if (p.ip === BIND_ALL_HOST_IP) return this.anyIp.has(pp);
    return (this.byIp.get(BIND_ALL_HOST_IP)?.has(pp) ?? false) || (this.byIp.get(p.ip)?.has(pp) ?? false);
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIp) c.byIp.set(ip, new Map(m));
    for (const [k, v] of this.anyIp) c.anyIp.set(k, v);
    return c;
  }
}

function bump(m: Map<string, number>, key: string, delta: number): void {
  const n = (m.get(key) ?? 0) + delta;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}

/** A node's allocatable resources, parsed once per Node update. */
export interface Allocatable extends Resource {
  allowedPodNumber: number;
}

function parseAllocatable(node: Node | undefined): Allocatable {
  const r = emptyResource();
  const alloc = node?.status?.allocatable;
  addList(r, alloc);
  return { ...r, allowedPodNumber: alloc?.pods !== undefined ? quantityValue(alloc.pods) : 0 };
}

/**
 * One node and the pods placed on it. Mutated only through addPod/removePod/setNode, which
 * keep every aggregate in step in O(1) (O(ports) for pods with host ports). `node` is
 * undefined for a node the scheduler has heard of only through pods bound to it.
 *
 * The numbers Filter and Score read for every candidate node (allocatable, requested, pod
 * count, cordon, taints) are plain fields of this one object: at 5,000 nodes a decision's
 * cost is mostly memory fetches, and each separate object read per node is one more.
 */
export class NodeInfo {
  node: Node | undefined;
  allocatableMilliCPU = 0;
  allocatableMemory = 0;
  allocatableEphemeralStorage = 0;
  allowedPodNumber = 0;
  /** Sums of the requests of the pods here, as NodeResourcesFit counts them. */
  requestedMilliCPU = 0;
  requestedMemory = 0;
  requestedEphemeralStorage = 0;
  /** Sum of the pods' requests with missing cpu/memory counted as defaults (for scoring). */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** pods.size, kept in a field (the Map's count lives in another object). */
  podCount = 0;
  /** node.spec.unschedulable and node.spec.taints (undefined when none), copied at setNode. */
  unschedulable = false;
  taints: readonly Taint[] | undefined = undefined;
  /** Extended resources, only when some are non-zero. */
  allocatableScalar: Map<string, number> | undefined = undefined;
  requestedScalar: Map<string, number> | undefined = undefined;
  readonly pods = new Map<string, PodInfo>();
  readonly usedPorts = new HostPortInfo();
  /**
   * The pods here with podAffinity or podAntiAffinity, and those with required
   * anti-affinity (kube-scheduler PodsWithAffinity, PodsWithRequiredAntiAffinity); made on
   * first use, so nodes without such pods carry nothing.
   */
  podsWithAffinity: Map<string, PodInfo> | undefined = undefined;
  podsWithRequiredAntiAffinity: Map<string, PodInfo> | undefined = undefined;
  /** How many of podsWithAffinity can score other pods (scoresOtherPods). */
  podsScoringOthers = 0;
  /** Bumped on every change; lets callers cache per-node results. */
  generation = 0;
  /** Pods matching a selector, by selector key, as of `generation` (PodTopologySpread's countMatching). */
  matchCounts: Map<string, { gen: number; count: number }> | undefined = undefined;

  constructor(readonly name: string, node?: Node) {
    if (node) this.setNode(node);
  }

  /** The node's allocatable resources (a new object; the fields above are the live values). */
  get allocatable(): Allocatable {
    const r: Allocatable = { milliCPU: this.allocatableMilliCPU, memory: this.allocatableMemory, ephemeralStorage: this.allocatableEphemeralStorage, allowedPodNumber: this.allowedPodNumber };
    if (this.allocatableScalar) r.scalar = this.allocatableScalar;
    return r;
  }

  /** What the pods here request in total (a new object). */
  get requested(): Resource {
    const r: Resource = { milliCPU: this.requestedMilliCPU, memory: this.requestedMemory, ephemeralStorage: this.requestedEphemeralStorage };
    if (this.requestedScalar) r.scalar = this.requestedScalar;
    return r;
  }

  setNode(node: Node | undefined): void {
    this.node = node;
    this.setAllocatable(parseAllocatable(node));
    this.unschedulable = !!node?.spec?.unschedulable;
    this.taints = node?.spec?.taints?.length ? node.spec.taints : undefined;
    this.generation++;
  }

  private setAllocatable(a: Allocatable): void {
    this.allocatableMilliCPU = a.milliCPU;
    this.allocatableMemory = a.memory;
    this.allocatableEphemeralStorage = a.ephemeralStorage;
    this.allowedPodNumber = a.allowedPodNumber;
    this.allocatableScalar = a.scalar;
  }

  addPod(pi: PodInfo): void {
    const old = this.pods.get(pi.key);
    if (old) this.account(old, -1);
    this.pods.set(pi.key, pi);
    this.podCount = this.pods.size;
    this.account(pi, 1);
  }

  /** Removes the pod with `key`; returns it, or undefined when it was not here. */
  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (!pi) return undefined;
    this.pods.delete(key);
    this.podCount = this.pods.size;
    this.account(pi, -1);
    return pi;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.requests;
    this.requestedMilliCPU += sign * r.milliCPU;
    this.requestedMemory += sign * r.memory;
    this.requestedEphemeralStorage += sign * r.ephemeralStorage;
    if (r.scalar) this.requestedScalar = addScalars(this.requestedScalar, r.scalar, sign);
    this.nonZeroMilliCPU += sign * pi.nonZeroMilliCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.add(p, sign);
    if (pi.affinity) {
      if (sign > 0) (this.podsWithAffinity ??= new Map()).set(pi.key, pi);
      else this.podsWithAffinity?.delete(pi.key);
      if (hasRequiredAntiAffinity(pi)) {
        if (sign > 0) (this.podsWithRequiredAntiAffinity ??= new Map()).set(pi.key, pi);
        else this.podsWithRequiredAntiAffinity?.delete(pi.key);
      }
      if (scoresOtherPods(pi)) this.podsScoringOthers += sign;
    }
    this.generation++;
  }

  /** An independent copy (for "what if these pods were gone" dry runs). O(pods). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.setAllocatable(this.allocatable);
    c.unschedulable = this.unschedulable;
    c.taints = this.taints;
    for (const pi of this.pods.values()) c.addPod(pi);
    return c;
  }
}

/**
 * The scheduler's view of the cluster: NodeInfos by name, plus the node list scheduleOne
 * walks. Every update is O(1) (O(ports) for pods with host ports), so keeping it current
 * from informer events is cheap and no decision ever passes over all pods. JavaScript runs
 * one scheduling cycle to completion between events, so unlike kube-scheduler the cycle
 * reads this structure directly instead of a copied snapshot.
 *
 * Assumed pods (placed by the scheduler, binding not yet seen) count like bound pods.
 * When the bound pod arrives through addPod it replaces the assumption; forgetPod drops
 * an assumption whose binding failed.
 */
export class Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** NodeInfos that have a Node, in a stable order with O(1) swap-removal. */
  private readonly list: NodeInfo[] = [];
  private readonly listIndex = new Map<string, number>();
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  /** Changes so far, and the NodeInfos changed lately (change logStart + i + 1 is changeLog[i]). */
  private changes = 0;
  private changeLog: NodeInfo[] = [];
  private logStart = 0;

  /** Bumped on every change to a node or the pods on it. */
  get version(): number {
    return this.changes;
  }

  /**
   * The NodeInfos changed (a node set or removed, a pod placed or removed) since `version`,
   * in order and possibly repeated; undefined when the log no longer reaches back that far.
   * Lets a plugin keep a cluster-wide tally up to date without a pass over every node.
   */
  changedSince(version: number): readonly NodeInfo[] | undefined {
    if (version < this.logStart) return undefined;
    return this.changeLog.slice(version - this.logStart);
  }

  private touch(info: NodeInfo): void {
    this.changes++;
    this.changeLog.push(info);
    if (this.changeLog.length > 4096) {
      this.changeLog = this.changeLog.slice(2048);
      this.logStart += 2048;
    }
  }

  /** NodeInfos holding pods with (anti-)affinity, and with required anti-affinity. */
  private readonly withAffinity = new Set<NodeInfo>();
  private readonly withRequiredAntiAffinity = new Set<NodeInfo>();
  private readonly withPodsScoringOthers = new Set<NodeInfo>();
  /** Namespace name -> its labels (for namespaceSelector in affinity terms). */
  private readonly nsLabels = new Map<string, Readonly<Record<string, string>>>();

  /** The nodes that can be scheduled to, in iteration order. Do not mutate. */
  nodeInfos(): readonly NodeInfo[] {
    return this.list;
  }

  get numNodes(): number {
    return this.list.length;
  }

  /** The schedulable nodes with pods that have (anti-)affinity (kube-scheduler HavePodsWithAffinityList). */
  havePodsWithAffinity(): NodeInfo[] {
    return withNode(this.withAffinity);
  }

  /** The schedulable nodes with pods that have required anti-affinity (HavePodsWithRequiredAntiAffinityList). */
  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    return withNode(this.withRequiredAntiAffinity);
  }

  /** Whether any node holds a pod with required anti-affinity (without building the list). */
  hasPodsWithRequiredAntiAffinity(): boolean {
    return this.withRequiredAntiAffinity.size > 0;
  }

  /** The schedulable nodes with pods whose terms can score other pods (scoresOtherPods): what InterPodAffinity's PreScore reads for a pod without preferred terms. */
  havePodsScoringOthers(): NodeInfo[] {
    return withNode(this.withPodsScoringOthers);
  }

  /** Adds or replaces a Namespace's labels. */
  setNamespace(ns: Namespace): void {
    this.nsLabels.set(ns.metadata.name ?? '', ns.metadata.labels ?? {});
  }

  removeNamespace(name: string): void {
    this.nsLabels.delete(name);
  }

  /** A namespace's labels; undefined when the namespace is not known. */
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    return this.nsLabels.get(name);
  }

  /** The names of the known namespaces whose labels `matches` accepts. */
  namespacesMatching(matches: (labels: Readonly<Record<string, string>>) => boolean): string[] {
    const out: string[] = [];
    for (const [name, labels] of this.nsLabels) if (matches(labels)) out.push(name);
    return out;
  }

  get numPods(): number {
    return this.podNode.size;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.infos.get(nodeName);
  }

  /** Adds or replaces a Node (an update re-parses allocatable; the pods stay). */
  setNode(node: Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let info = this.infos.get(name);
    if (!info) this.infos.set(name, (info = new NodeInfo(name)));
    info.setNode(node);
    this.touch(info);
    if (!this.listIndex.has(name)) {
      this.listIndex.set(name, this.list.length);
      this.list.push(info);
    }
    return info;
  }

  /** Removes a node from scheduling; its pods stay accounted until they are removed. */
  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    const i = this.listIndex.get(name);
    if (i !== undefined) {
      const last = this.list.pop()!;
      if (last !== info) {
        this.list[i] = last;
        this.listIndex.set(last.name, i);
      }
      this.listIndex.delete(name);
    }
    info.setNode(undefined);
    this.touch(info);
    if (info.podCount === 0) this.infos.delete(name);
  }

  /**
   * Adds or updates a pod on `nodeName` (default: its spec.nodeName). A pod seen on another
   * node before is moved; a bound pod replaces its assumption. Pods with no node are ignored.
   */
  addPod(pod: Pod, nodeName = pod.spec?.nodeName, info: PodInfo = podInfoOf(pod)): void {
    if (!nodeName) return;
    this.place(info, nodeName);
    this.assumed.delete(info.key);
  }

  /** Counts `pod` on `nodeName` before its binding is seen, so the next decision sees it. */
  assumePod(pod: Pod, nodeName: string, info: PodInfo = podInfoOf(pod)): void {
    this.place(info, nodeName);
    this.assumed.add(info.key);
  }

  /** Drops an assumption (the binding failed). A pod already confirmed bound is kept. */
  forgetPod(podOrKey: Pod | string): void {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    if (this.assumed.has(key)) this.removePod(key);
  }

  isAssumed(podOrKey: Pod | string): boolean {
    return this.assumed.has(typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey));
  }

  /** The node a pod is counted on, if any. */
  nodeOf(podOrKey: Pod | string): string | undefined {
    return this.podNode.get(typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey));
  }

  removePod(podOrKey: Pod | string): void {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    const nodeName = this.podNode.get(key);
    this.assumed.delete(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    const info = this.infos.get(nodeName);
    if (!info) return;
    info.removePod(key);
    if (info.podsWithAffinity !== undefined) this.trackAffinity(info);
    this.touch(info);
    if (info.podCount === 0 && !info.node) this.infos.delete(nodeName);
  }

  private place(pi: PodInfo, nodeName: string): void {
    const prev = this.podNode.get(pi.key);
    if (prev !== undefined && prev !== nodeName) this.removePod(pi.key);
    let info = this.infos.get(nodeName);
    if (!info) this.infos.set(nodeName, (info = new NodeInfo(nodeName)));
    info.addPod(pi);
    this.touch(info);
    this.podNode.set(pi.key, nodeName);
    if (info.podsWithAffinity !== undefined) this.trackAffinity(info);
  }

  private trackAffinity(info: NodeInfo): void {
    if (info.podsWithAffinity?.size) this.withAffinity.add(info);
    else this.withAffinity.delete(info);
    if (info.podsWithRequiredAntiAffinity?.size) this.withRequiredAntiAffinity.add(info);
    else this.withRequiredAntiAffinity.delete(info);
    if (info.podsScoringOthers > 0) this.withPodsScoringOthers.add(info);
    else this.withPodsScoringOthers.delete(info);
  }
}

function withNode(infos: ReadonlySet<NodeInfo>): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const info of infos) if (info.node) out.push(info);
  return out;
}
