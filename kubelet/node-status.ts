// The kubelet's Node: registration and the status loop (kubelet_node_status.go and
// the nodestatus setters).
//
// registerNode() creates the Node with labels, capacity, addresses, nodeInfo and
// conditions; when it exists already (a kubelet restart) it is kept, uid, labels and
// all, and only the kubelet's own default labels are corrected. Then every
// nodeStatusUpdateFrequency the loop reads the Node, applies the setters to a copy
// and writes the status only when it changed (heartbeat times aside) or
// nodeStatusReportFrequency has passed since the last write: liveness is the Lease's
// job (node-lease.ts), so an idle node costs one read per period and no write.
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict } from '../api/errors.js';
import { rfc3339 } from '../api/helpers/time.js';
import type { ContainerImage, Node, NodeCondition, NodeStatus, ResourceList, Taint } from '../api/types/core.js';
import type { EventType } from '../client/event-recorder.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import { allocatableFrom, canonicalResources, type MachineInfo } from './machine-info.js';

export const KUBELET_VERSION = 'v1.32.0-tskube';
export const DEFAULT_KUBELET_PORT = 10250;
/** kubelet's --node-status-update-frequency default. */
export const DEFAULT_NODE_STATUS_UPDATE_FREQUENCY_MS = 10_000;
/** kubelet's nodeStatusReportFrequency default. */
export const DEFAULT_NODE_STATUS_REPORT_FREQUENCY_MS = 5 * 60_000;
/** kubelet's nodeStatusUpdateRetry: immediate attempts per status sync. */
const NODE_STATUS_UPDATE_RETRY = 5;
/** kubelet's nodeStatusMaxImages. */
const MAX_IMAGES = 50;
const JITTER = 0.04;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS_BETA = 'beta.kubernetes.io/os';
export const LABEL_ARCH_BETA = 'beta.kubernetes.io/arch';
/** Set by the kubelet on nodes whose volumes the attach/detach controller manages. */
const ANNOTATION_CMAD = 'volumes.kubernetes.io/controller-managed-attach-detach';

/** What the kubelet says about its own readiness, on top of its built-in checks. */
export interface ReadyState {
  ready: boolean;
  /** Default KubeletNotReady when not ready. */
  reason?: string;
  /** Why not ready, e.g. "container runtime is down". */
  message?: string;
}

/** Resource pressure as the eviction manager sees it (all false without one). */
export interface PressureState {
  memory?: boolean;
  disk?: boolean;
  pid?: boolean;
}

export type NodeStatusLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface NodeStatusOptions {
  /** Either rest or a ready Node client. */
  rest?: RestClient;
  client?: ResourceClient<Node>;
  /** --node-name. */
  nodeName: string;
  /** --node-ip: the InternalIP address, where the apiserver reaches the kubelet. */
  nodeIP: string;
  /** --port: daemonEndpoints.kubeletEndpoint.Port (default 10250). */
  kubeletPort?: number;
  /** From readMachineInfo(): capacity (overrides applied) and system info. */
  machine: MachineInfo;
  /** Subtracted from capacity to give allocatable (kube-reserved + system-reserved + eviction). */
  reserved?: ResourceList;
  /** nodeInfo.containerRuntimeVersion, e.g. "docker://20.10.24". */
  containerRuntimeVersion: string;
  /** Default KUBELET_VERSION. */
  kubeletVersion?: string;
  /** Default: the kubelet version, as kubelets before the field's deprecation reported. */
  kubeProxyVersion?: string;
  /** --node-labels: set at registration only, like the kubelet's. */
  labels?: Record<string, string>;
  /** --register-with-taints: set at registration only. */
  taints?: Taint[];
  /**
   * Runtime health, polled on every status sync (the kubelet's runtimeErrors /
   * networkErrors). Not ready, or a throw, turns Ready False. Combined with setReady().
   */
  readiness?: () => ReadyState | Promise<ReadyState>;
  /** Eviction manager's view; every condition is False without it. */
  pressure?: () => PressureState | Promise<PressureState>;
  /** The runtime's images for status.images (largest 50 kept); none reported without it. */
  images?: () => ContainerImage[] | Promise<ContainerImage[]>;
  /** Status sync period (default 10000), jittered by up to 4%. */
  nodeStatusUpdateFrequencyMs?: number;
  /** An unchanged status is still written this often (default 300000). */
  nodeStatusReportFrequencyMs?: number;
  /** Receives NodeReady/NodeNotReady/NodeHas... events as the kubelet records them. */
  recorder?: { event(obj: Node, type: EventType, reason: string, message: string): void };
  logger?: NodeStatusLogger;
  /** Wall clock for condition times (default new Date()). */
  clock?: () => Date;
  /** Monotonic milliseconds for the report frequency (default performance.now). */
  now?: () => number;
}

/** What the setters need besides the options: gathered once per sync. */
export interface StatusInputs {
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  machine: MachineInfo;
  capacity: ResourceList;
  allocatable: ResourceList;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  /** Reasons the node is not ready; empty when it is. */
  notReady: { reason?: string; message: string }[];
  pressure: PressureState;
  images?: ContainerImage[];
}

/** An event a setter asks to record once the status has been written. */
export interface NodeEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** The labels a kubelet sets on its Node and keeps correct (kubelet's updateDefaultLabels). */
export function defaultLabels(nodeName: string, machine: Pick<MachineInfo, 'operatingSystem' | 'architecture'>): Record<string, string> {
  return {
    [LABEL_HOSTNAME]: nodeName,
    [LABEL_OS]: machine.operatingSystem,
    [LABEL_ARCH]: machine.architecture,
    [LABEL_OS_BETA]: machine.operatingSystem,
    [LABEL_ARCH_BETA]: machine.architecture,
  };
}

/**
 * Applies the kubelet's status setters to node (mutated; pass a clone) at time now:
 * addresses, capacity and allocatable, nodeInfo, daemonEndpoints, images, then the
 * MemoryPressure, DiskPressure, PIDPressure and Ready conditions. Every condition's
 * lastHeartbeatTime becomes now; lastTransitionTime changes only with its status.
 * Conditions of other types and status fields the kubelet does not own are left as
 * they are. Returns the events the transitions call for.
 */
export function setNodeStatus(node: Node, input: StatusInputs, now: Date): NodeEvent[] {
  const status: NodeStatus = node.status ??= {};
  const events: NodeEvent[] = [];
  status.addresses = [{ type: 'InternalIP', address: input.nodeIP }, { type: 'Hostname', address: input.nodeName }];
  // Extended resources (a "/" in the name) belong to device plugins: keep them.
  const keep = (list: ResourceList | undefined): ResourceList =>
    Object.fromEntries(Object.entries(list ?? {}).filter(([k]) => k.includes('/')));
  status.capacity = { ...keep(status.capacity), ...input.capacity };
  status.allocatable = { ...keep(status.allocatable), ...input.allocatable };
  const m = input.machine;
  status.nodeInfo = {
    machineID: m.machineID, systemUUID: m.systemUUID, bootID: m.bootID, kernelVersion: m.kernelVersion,
    osImage: m.osImage, containerRuntimeVersion: input.containerRuntimeVersion, kubeletVersion: input.kubeletVersion,
    kubeProxyVersion: input.kubeProxyVersion, operatingSystem: m.operatingSystem, architecture: m.architecture,
  };
  status.daemonEndpoints = { kubeletEndpoint: { Port: input.kubeletPort } };
  if (input.images) {
    status.images = [...input.images].sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0)).slice(0, MAX_IMAGES);
  }
  const time = rfc3339(now);
  const conditions = status.conditions ??= [];
  setPressure(conditions, 'MemoryPressure', !!input.pressure.memory, time, events, {
    true: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', 'NodeHasInsufficientMemory'],
    false: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 'NodeHasSufficientMemory'],
  });
  setPressure(conditions, 'DiskPressure', !!input.pressure.disk, time, events, {
    true: ['KubeletHasDiskPressure', 'kubelet has disk pressure', 'NodeHasDiskPressure'],
    false: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 'NodeHasNoDiskPressure'],
  });
  setPressure(conditions, 'PIDPressure', !!input.pressure.pid, time, events, {
    true: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available', 'NodeHasInsufficientPID'],
    false: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available', 'NodeHasSufficientPID'],
  });
  setReady(conditions, input, time, events);
  return events;
}

type Wording = [reason: string, message: string, event: string];

/** kubelet's MemoryPressureCondition and siblings: reason and message change only on a transition. */
function setPressure(conditions: NodeCondition[], type: string, pressure: boolean, time: string, events: NodeEvent[], words: { true: Wording; false: Wording }): void {
  let c = conditions.find((x) => x.type === type);
  if (!c) {
    c = { type, status: 'Unknown' };
    conditions.push(c);
  }
  c.lastHeartbeatTime = time;
  const want = pressure ? 'True' : 'False';
  if (c.status !== want) {
    const [reason, message, event] = pressure ? words.true : words.false;
    Object.assign(c, { status: want, reason, message, lastTransitionTime: time });
    events.push({ type: 'Normal', reason: event, message: `Node status is now: ${event}` });
  }
}

/** kubelet's ReadyCondition: rebuilt every time, keeping lastTransitionTime while the status holds. */
function setReady(conditions: NodeCondition[], input: StatusInputs, time: string, events: NodeEvent[]): void {
  const problems = [...input.notReady];
  const missing = ['cpu', 'memory', 'pods'].filter((r) => input.capacity[r] === undefined);
  if (missing.length) problems.push({ message: `missing node capacity for resources: ${missing.join(', ')}` });
  const next: NodeCondition = problems.length === 0
    ? { type: 'Ready', status: 'True', lastHeartbeatTime: time, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : {
      type: 'Ready', status: 'False', lastHeartbeatTime: time,
      reason: problems.find((p) => p.reason)?.reason ?? 'KubeletNotReady',
      // errors.NewAggregate's wording: one error as is, several in brackets.
      message: problems.length === 1 ? problems[0].message : `[${problems.map((p) => p.message).join(', ')}]`,
    };
  const i = conditions.findIndex((c) => c.type === 'Ready');
  const prev = i >= 0 ? conditions[i] : undefined;
  next.lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : time;
  if (prev && prev.status !== next.status) {
    const reason = next.status === 'True' ? 'NodeReady' : 'NodeNotReady';
    events.push({ type: 'Normal', reason, message: `Node status is now: ${reason}` });
  }
  // The key order the kubelet's JSON has, so stored conditions read naturally.
  const ordered: NodeCondition = {
    type: next.type, status: next.status, lastHeartbeatTime: next.lastHeartbeatTime,
    lastTransitionTime: next.lastTransitionTime, reason: next.reason, message: next.message,
  };
  if (i >= 0) conditions[i] = ordered;
  else conditions.push(ordered);
}

/**
 * kubelet's nodeStatusHasChanged: true when anything in the status differs, except the
 * conditions' lastHeartbeatTime (conditions compared by type, in any order).
 */
export function nodeStatusChanged(before: NodeStatus | undefined, after: NodeStatus | undefined): boolean {
  const strip = (s: NodeStatus | undefined): unknown => {
    if (!s) return s;
    const conditions = [...(s.conditions ?? [])]
      .map((c) => ({ ...c, lastHeartbeatTime: undefined }))
      .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    // A JSON round trip drops undefined members, as the wire would.
    return JSON.parse(JSON.stringify({ ...s, conditions }));
  };
  return !isDeepStrictEqual(strip(before), strip(after));
}

/**
 * Registers the node and keeps its status current. The kubelet builds one, calls
 * run(signal) once (or registerNode() then run()), and setReady() when its own health
 * changes. run() resolves after `signal` aborts with no timer or request left behind.
 */
export class NodeStatusManager {
  private readonly nodes: ResourceClient<Node>;
  private readonly port: number;
  private readonly updateMs: number;
  private readonly reportMs: number;
  private readonly clock: () => Date;
  private readonly now: () => number;
  private readonly log?: NodeStatusLogger;
  private readonly capacity: ResourceList;
  private readonly allocatable: ResourceList;
  private manualReady: ReadyState = { ready: true };
  /** Monotonic time of the last status write; undefined before the first. */
  private lastReport?: number;
  private registered?: Node;
  private latest?: Node;
  /** Wakes the loop's pause early (setReady, syncNow). */
  private wake?: () => void;
  private kicked = false;

  constructor(private readonly opts: NodeStatusOptions) {
    if (!opts.nodeName) throw new Error('NodeStatusManager needs a node name');
    if (!opts.nodeIP) throw new Error('NodeStatusManager needs a node IP');
    if (!opts.client && !opts.rest) throw new Error('NodeStatusManager needs rest or client');
    this.nodes = opts.client ?? resourceClient<Node>(opts.rest!, 'nodes');
    this.port = opts.kubeletPort ?? DEFAULT_KUBELET_PORT;
    this.updateMs = opts.nodeStatusUpdateFrequencyMs ?? DEFAULT_NODE_STATUS_UPDATE_FREQUENCY_MS;
    this.reportMs = opts.nodeStatusReportFrequencyMs ?? DEFAULT_NODE_STATUS_REPORT_FREQUENCY_MS;
    this.clock = opts.clock ?? (() => new Date());
    this.now = opts.now ?? (() => performance.now());
    this.log = opts.logger;
    this.capacity = canonicalResources(opts.machine.capacity);
    this.allocatable = allocatableFrom(this.capacity, opts.reserved);
  }

  /** The Node as last read or written by this manager. */
  get node(): Node | undefined {
    return this.latest;
  }

  /**
   * Sets the kubelet's own verdict (kept until the next call): not ready turns the
   * Ready condition False with this reason (default KubeletNotReady) and message at
   * the next sync, which this call brings forward.
   */
  setReady(ready: boolean, reason?: string, message?: string): void {
    this.manualReady = { ready, reason, message };
    this.syncNow();
  }

  /** Runs the next status sync at once instead of at the end of the period. */
  syncNow(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Registers (retrying), then syncs status every period until signal aborts. Never throws. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.registered) {
      try {
        await this.registerNode(signal);
      } catch {
        return; // only an abort ends registration
      }
    }
    while (!signal.aborted) {
      this.kicked = false;
      await this.syncNodeStatus(signal);
      if (!(await this.pauseOrWake(this.updateMs * (1 + Math.random() * JITTER), signal))) break;
    }
  }

  /**
   * Creates the Node, or adopts the existing one (kubelet restart: same uid, labels
   * others added kept, default labels corrected). Retries with backoff (100 ms doubling
   * to 7 s) until it works; rejects only when signal aborts. Status is brought up to
   * date by the first sync.
   */
  async registerNode(signal: AbortSignal): Promise<Node> {
    let delay = 100;
    for (;;) {
      signal.throwIfAborted();
      try {
        const node = await this.tryRegister(signal);
        this.registered = node;
        this.latest = node;
        this.log?.info({ node: this.opts.nodeName }, 'successfully registered node');
        return node;
      } catch (err) {
        signal.throwIfAborted();
        this.log?.warn({ node: this.opts.nodeName, err: errText(err), retryMs: delay }, 'unable to register node with API server');
      }
      await sleep(delay, undefined, { signal });
      delay = Math.min(delay * 2, 7000);
    }
  }

  /**
   * One status sync: up to 5 attempts of read, set, and write if changed or due.
   * True when the status was written, false when nothing needed writing or every
   * attempt failed (logged; the next period tries again).
   */
  async syncNodeStatus(signal: AbortSignal): Promise<boolean> {
    for (let i = 0; i < NODE_STATUS_UPDATE_RETRY && !signal.aborted; i++) {
      try {
        return await this.tryUpdateNodeStatus(signal);
      } catch (err) {
        if (signal.aborted) return false;
        const level = isConflict(err) ? 'debug' : 'warn';
        this.log?.[level]({ node: this.opts.nodeName, err: errText(err) }, 'error updating node status, will retry');
      }
    }
    if (!signal.aborted) this.log?.error({ node: this.opts.nodeName }, 'unable to update node status: update node status exceeds retry count');
    return false;
  }

  private async tryRegister(signal: AbortSignal): Promise<Node> {
    const fresh = await this.initialNode(signal);
    try {
      const created = await this.nodes.create('', fresh.node, { signal });
      // The create wrote a full status: the next write is due when something changes.
      this.lastReport = this.now();
      for (const e of fresh.events) this.opts.recorder?.event(created, e.type, e.reason, e.message);
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.nodes.get('', this.opts.nodeName, signal);
    // kubelet's updateDefaultLabels and reconcileCMADAnnotationWithExistingNode: only
    // what the kubelet owns is corrected; everything else on the Node stays.
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(defaultLabels(this.opts.nodeName, this.opts.machine))) {
      if (existing.metadata.labels?.[k] !== v) labels[k] = v;
    }
    const annotations: Record<string, string> = {};
    if (existing.metadata.annotations?.[ANNOTATION_CMAD] !== 'true') annotations[ANNOTATION_CMAD] = 'true';
    if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return existing;
    const metadata: Record<string, unknown> = {};
    if (Object.keys(labels).length) metadata.labels = labels;
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    return this.nodes.patch('', this.opts.nodeName, 'merge', { metadata }, { signal });
  }

  /** kubelet's initialNode: labels, annotation, taints, and a status from the setters. */
  private async initialNode(signal: AbortSignal): Promise<{ node: Node; events: NodeEvent[] }> {
    const node: Node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name: this.opts.nodeName,
        labels: { ...(this.opts.labels ?? {}), ...defaultLabels(this.opts.nodeName, this.opts.machine) },
        annotations: { [ANNOTATION_CMAD]: 'true' },
      },
      spec: this.opts.taints?.length ? { taints: structuredClone(this.opts.taints) } : {},
    };
    const events = setNodeStatus(node, await this.inputs(signal), this.clock());
    return { node, events };
  }

  private async tryUpdateNodeStatus(signal: AbortSignal): Promise<boolean> {
    const current = await this.nodes.get('', this.opts.nodeName, signal);
    this.latest = current;
    const node = structuredClone(current);
    const events = setNodeStatus(node, await this.inputs(signal), this.clock());
    const changed = nodeStatusChanged(current.status, node.status);
    const due = this.lastReport === undefined || this.now() - this.lastReport >= this.reportMs;
    if (!changed && !due) return false;
    // current's resourceVersion makes this a compare-and-swap: labels, annotations and
    // status fields others wrote in between give a 409 and a fresh read, never a loss.
    const written = await this.nodes.updateStatus('', node, { signal });
    this.latest = written;
    this.lastReport = this.now();
    this.log?.debug({ node: this.opts.nodeName, changed }, 'updated node status');
    for (const e of events) this.opts.recorder?.event(written, e.type, e.reason, e.message);
    return true;
  }

  /** Polls the health callbacks; a throwing callback counts as not ready / no pressure. */
  private async inputs(signal: AbortSignal): Promise<StatusInputs> {
    const o = this.opts;
    const notReady: StatusInputs['notReady'] = [];
    if (!this.manualReady.ready) {
      notReady.push({ reason: this.manualReady.reason, message: this.manualReady.message || 'kubelet is not ready' });
    }
    if (o.readiness) {
      try {
        const r = await o.readiness();
        if (!r.ready) notReady.push({ reason: r.reason, message: r.message || 'kubelet is not ready' });
      } catch (err) {
        notReady.push({ message: `readiness check failed: ${errText(err)}` });
      }
    }
    let pressure: PressureState = {};
    if (o.pressure) {
      try {
        pressure = await o.pressure();
      } catch (err) {
        this.log?.warn({ err: errText(err) }, 'pressure check failed');
      }
    }
    let images: ContainerImage[] | undefined;
    if (o.images) {
      try {
        images = await o.images();
      } catch (err) {
        this.log?.warn({ err: errText(err) }, 'listing images failed');
        images = this.latest?.status?.images;
      }
    }
    signal.throwIfAborted();
    return {
      nodeName: o.nodeName, nodeIP: o.nodeIP, kubeletPort: this.port, machine: o.machine,
      capacity: this.capacity, allocatable: this.allocatable,
      containerRuntimeVersion: o.containerRuntimeVersion,
      kubeletVersion: o.kubeletVersion ?? KUBELET_VERSION,
      kubeProxyVersion: o.kubeProxyVersion ?? o.kubeletVersion ?? KUBELET_VERSION,
      notReady, pressure, images,
    };
  }

  /** Waits ms, or less when syncNow() is called; false when signal aborted. */
  private pauseOrWake(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.kicked) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        resolve(result);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.wake = () => done(true);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
