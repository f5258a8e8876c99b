// A "hollow kubelet" (kubemark's hollow node): registers N Node objects (with the
// kubelet's Ready and pressure conditions), renews their Leases with the real kubelet's
// NodeLeaseController, and plays the kubelet's part for pods bound to them without
// Docker: a bound pod becomes Running and Ready (with a pod IP and container statuses),
// or Succeeded/Failed when podPhase says so (Failed with the exit code exitCode says), a
// pod being deleted is removed at once (the kubelet's final delete with grace 0 once its
// containers are gone), reported Failed first when finalizers will keep it visible. Tests stop a
// node's heartbeat to fake a node failure. Used by integration tests and benchmarks.
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Node, NodeCondition, Pod, PodCondition } from '../../api/types/core.js';
import { Informer, informerFor, keyOf } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { WorkQueue } from '../../client/work-queue.js';
import { runWorkers } from '../../client/workers.js';
import { NodeLeaseController } from '../../kubelet/node-lease.js';

export interface HollowKubeletOptions {
  rest: RestClient;
  /** Node names, or a count: `hollow-node-0`... */
  nodes: number | string[];
  /** Name prefix when nodes is a count. */
  prefix?: string;
  /** Capacity of every node (cpu 32, memory 256Gi, pods 110). */
  capacity?: Record<string, string>;
  labels?: (node: string, index: number) => Record<string, string>;
  /** Lease duration written to each Lease (40 s). */
  leaseDurationSeconds?: number;
  /** Pause between Lease renewals (10 s). */
  renewIntervalMs?: number;
  /** Whether a running pod reports Ready (default: always). Re-evaluated by resync(). */
  podReady?: (pod: Pod) => boolean;
  /**
   * The phase a bound pod reaches (default Running). Succeeded or Failed is written once,
   * with its containers terminated (exit code 0 or 1), and never changed again, as a
   * kubelet never changes a terminal pod.
   */
  podPhase?: (pod: Pod) => 'Running' | 'Succeeded' | 'Failed';
  /** The exit code of a Failed pod's containers (default 1). */
  exitCode?: (pod: Pod) => number;
  /** Status writes in flight at most (16). */
  workers?: number;
  log?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

interface NodeState {
  name: string;
  index: number;
  lease: NodeLeaseController;
  /** Aborts the lease loop when the node "fails". */
  heartbeat?: AbortController;
  running?: Promise<void>;
  failed: boolean;
  /** Pod IPs handed out on this node, by pod uid. */
  ips: Map<string, string>;
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class HollowKubelet {
  readonly nodeNames: string[];
  private readonly nodes = new Map<string, NodeState>();
  private readonly nodeClient;
  private readonly podClient;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue();
  private readonly stopper = new AbortController();
  private readonly log;
  private running: Promise<unknown>[] = [];
  /** Pod keys whose status this kubelet has written, with the uid written for. */
  private readonly written = new Map<string, string>();

  constructor(private readonly o: HollowKubeletOptions) {
    this.log = o.log ?? silent;
    this.nodeNames = typeof o.nodes === 'number'
      ? Array.from({ length: o.nodes }, (_, i) => `${o.prefix ?? 'hollow-node-'}${i}`) : [...o.nodes];
    this.nodeClient = resourceClient<Node>(o.rest, 'nodes');
    this.podClient = resourceClient<Pod>(o.rest, 'pods');
    this.nodeNames.forEach((name, index) => this.nodes.set(name, {
      name, index, failed: false, ips: new Map(),
      lease: new NodeLeaseController({
        rest: o.rest, nodeName: name, leaseDurationSeconds: o.leaseDurationSeconds ?? 40, renewIntervalMs: o.renewIntervalMs, logger: this.log,
      }),
    }));
    this.pods = informerFor<Pod>(o.rest, 'pods', { log: this.log });
    const enqueue = (p: Pod): void => {
      if (p.spec?.nodeName && this.nodes.has(p.spec.nodeName)) this.queue.add(keyOf(p));
    };
    this.pods.addEventHandler({ add: enqueue, update: (_, p) => enqueue(p), delete: (p) => this.written.delete(keyOf(p)) });
  }

  /** Registers the nodes (Ready), starts their heartbeats and pod handling; resolves once the pod cache synced. */
  async start(): Promise<void> {
    await Promise.all(this.nodeNames.map((name) => this.register(name)));
    for (const n of this.nodes.values()) this.startHeartbeat(n);
    this.running.push(this.pods.run(this.stopper.signal));
    this.running.push(runWorkers(this.queue, (key) => this.syncPod(key), { workers: this.o.workers ?? 16, log: this.log }));
    await this.pods.waitForSync(this.stopper.signal);
  }

  /** Stops a node's heartbeat and pod handling, as a kubelet that died or lost its network. */
  fail(node: string): void {
    const n = this.node(node);
    n.failed = true;
    n.heartbeat?.abort();
  }

  /** Brings a failed node back: heartbeat again, Ready=True again, its pods handled again. */
  async recover(node: string): Promise<void> {
    const n = this.node(node);
    n.failed = false;
    await this.setReady(node);
    this.startHeartbeat(n);
    this.resync();
  }

  /** Re-evaluates every pod on these nodes (after podReady's answer changed). */
  resync(): void {
    for (const p of this.pods.list()) if (p.spec?.nodeName && this.nodes.has(p.spec.nodeName)) this.queue.add(keyOf(p));
  }

  /** Stops everything; with deleteNodes, removes the Node objects too. */
  async stop(o: { deleteNodes?: boolean } = {}): Promise<void> {
    this.stopper.abort();
    for (const n of this.nodes.values()) n.heartbeat?.abort();
    await this.queue.shutDown();
    await Promise.allSettled([...this.running, ...[...this.nodes.values()].map((n) => n.running)]);
    if (o.deleteNodes) {
      await Promise.all(this.nodeNames.map((name) => this.nodeClient.delete('', name).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      })));
    }
  }

  private node(name: string): NodeState {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`hollow kubelet: no node ${name}`);
    return n;
  }

  private startHeartbeat(n: NodeState): void {
    n.heartbeat = new AbortController();
    const signal = AbortSignal.any([n.heartbeat.signal, this.stopper.signal]);
    n.running = n.lease.run(signal);
  }

  private nodeObject(name: string, index: number): Node {
    const capacity = this.o.capacity ?? { cpu: '32', memory: '256Gi', pods: '110' };
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'hollow', ...this.o.labels?.(name, index),
        },
      },
      spec: {},
      status: {
        capacity, allocatable: capacity,
        conditions: this.kubeletConditions(),
        addresses: [{ type: 'InternalIP', address: nodeIP(index) }, { type: 'Hostname', address: name }],
        nodeInfo: {
          kubeletVersion: 'v1.32.0-hollow', kubeProxyVersion: 'v1.32.0-hollow', operatingSystem: 'linux', architecture: 'amd64',
          containerRuntimeVersion: 'hollow://1.0', kernelVersion: '', osImage: 'hollow', machineID: '', systemUUID: '', bootID: '',
        },
      },
    } as Node;
  }

  /** The conditions a healthy kubelet posts: Ready, and no memory, disk or PID pressure. */
  private kubeletConditions(): NodeCondition[] {
    const now = rfc3339();
    const c = (type: string, status: string, reason: string, message: string): NodeCondition =>
      ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    return [
      c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
  }

  private async register(name: string): Promise<void> {
    const { index } = this.node(name);
    try {
      await this.nodeClient.create('', this.nodeObject(name, index));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.setReady(name);
    }
  }

  /** Writes healthy kubelet conditions (Ready=True) into the node's status, as a kubelet posting status after a restart. */
  private async setReady(name: string): Promise<void> {
    for (;;) {
      const node = await this.nodeClient.get('', name);
      const fresh = this.kubeletConditions();
      const others = (node.status?.conditions ?? []).filter((c) => !fresh.some((f) => f.type === c.type));
      node.status = { ...node.status, conditions: [...others, ...fresh] };
      try {
        await this.nodeClient.updateStatus('', node);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async syncPod(key: string): Promise<void> {
    const pod = this.pods.getByKey(key);
    if (!pod?.spec?.nodeName) return;
    const n = this.nodes.get(pod.spec.nodeName);
    if (!n || n.failed) return;
    const { namespace, name, uid } = pod.metadata;
    if (pod.metadata.deletionTimestamp) {
      // A pod held by finalizers (a Job's tracking finalizer) stays visible: the kubelet
      // first reports it Failed once its containers are stopped, as a real kubelet does.
      const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (!terminal && (pod.metadata.finalizers ?? []).length > 0) await this.writeTerminal(pod, n, 'Failed', 137);
      // The kubelet's last word on a pod whose containers are gone: delete it for good.
      try {
        await this.podClient.delete(namespace as string, name as string, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    const status = pod.status;
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') return;
    const phase = this.o.podPhase?.(pod) ?? 'Running';
    if (phase !== 'Running') {
      await this.writeTerminal(pod, n, phase);
      return;
    }
    const ready = this.o.podReady?.(pod) ?? true;
    const isReady = status?.conditions?.some((c) => c.type === 'Ready' && c.status === (ready ? 'True' : 'False'));
    if (status?.phase === 'Running' && isReady && this.written.get(key) === uid) return;
    const now = rfc3339();
    const cond = (type: string, ok: boolean): PodCondition => ({
      type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now,
      ...(ok ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]` }),
    });
    const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true);
    const podIP = podIPFor(n, uid as string);
    const patch = {
      status: {
        phase: 'Running', hostIP: nodeIP(n.index), hostIPs: [{ ip: nodeIP(n.index) }], podIP, podIPs: [{ ip: podIP }],
        startTime: status?.startTime ?? now,
        conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), scheduled],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name, image: c.image, imageID: `hollow://${c.image}`, containerID: `hollow://${uid}/${c.name}`,
          ready, started: true, restartCount: 0, state: { running: { startedAt: status?.startTime ?? now } },
        })),
      },
    };
    try {
      await this.podClient.patch(namespace as string, name as string, 'merge', patch, { subresource: 'status' });
      this.written.set(key, uid as string);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** A pod whose containers all ran to completion: Succeeded (exit 0) or Failed (exit 1), not Ready. */
  private async writeTerminal(pod: Pod, n: NodeState, phase: 'Succeeded' | 'Failed', killedWith?: number): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    const now = rfc3339();
    const startedAt = pod.status?.startTime ?? now;
    const cond = (type: string, ok: boolean): PodCondition => ({
      type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now, ...(ok ? {} : { reason: 'PodCompleted' }),
    });
    const exitCode = phase === 'Succeeded' ? 0 : killedWith ?? this.o.exitCode?.(pod) ?? 1;
    const patch = {
      status: {
        phase, hostIP: nodeIP(n.index), hostIPs: [{ ip: nodeIP(n.index) }], startTime: startedAt,
        conditions: [cond('PodReadyToStartContainers', false), cond('Initialized', true), cond('Ready', false), cond('ContainersReady', false), cond('PodScheduled', true)],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name, image: c.image, imageID: `hollow://${c.image}`, containerID: `hollow://${uid}/${c.name}`, ready: false, started: false, restartCount: 0,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now, containerID: `hollow://${uid}/${c.name}` } },
        })),
      },
    };
    try {
      await this.podClient.patch(namespace as string, name as string, 'merge', patch, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function nodeIP(index: number): string {
  return `10.240.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** Each pod on a node gets the next address of the node's /16: 10.<64+node>.x.y. */
function podIPFor(n: NodeState, uid: string): string {
  let ip = n.ips.get(uid);
  if (!ip) {
    const i = n.ips.size + 2;
    ip = `10.${64 + n.index}.${Math.floor(i / 256)}.${i % 256}`;
    n.ips.set(uid, ip);
  }
  return ip;
}
