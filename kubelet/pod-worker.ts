// One pod's sync loop (the kubelet's podWorkers + SyncPod, on Docker): level-triggered,
// called by the pod manager whenever anything about the pod may have changed (the pod
// object, a Docker event of one of its containers, a back-off or probe timer). Each
// sync compares the spec with what Docker runs, does the next steps (sandbox, volumes,
// init containers in order, containers, restarts with CrashLoopBackOff), then writes
// the pod's status through pods/status when it changed.
//
// Everything the worker knows is rebuilt from Docker labels when it is created, so a
// restarted kubelet adopts a pod's running containers with the same ids and
// restartCount (carried in a label on each container).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../api/errors.js';
import { podQOSClass } from '../api/helpers/qos.js';
import { rfc3339, rfc3339Now } from '../api/helpers/time.js';
import { milliValue, quantityValue } from '../api/quantity.js';
import type { Container, ContainerState as K8sContainerState, ContainerStatus, EphemeralContainer, Pod, PodStatus } from '../api/types/core.js';
import type { ResourceClient } from '../client/resource-client.js';
import { containerEnv, EnvError, type EnvSources } from './container-env.js';
import { DEFAULT_DNS_FLAGS, parseResolvConf, podDNSConfig, resolvConfText, type DNSConfig, type DNSFlags } from './dns-config.js';
import { setUpHairpin, type HairpinMode } from './hairpin.js';
import { podConditions, podPhase, statusChanged, type PodPhase } from './pod-status.js';
import { ProbeWorker, unhealthyMessage, type ProbeKind } from './probes.js';
import { backoffMessage, RestartBackoff, shouldRestart } from './restart-backoff.js';
import { isRuntimeConflict, type ContainerDetails, type ContainerRuntime, type PortBinding, type Protocol } from './runtime/types.js';
import { routeServiceRange, type ServiceRoute } from './service-route.js';
import { containerSecurity, imageUser, SecurityContextError, verifyRunAsNonRoot, type ContainerSecurity } from './security-context.js';
import { cleanupPodVolumes, containerBinds, prepareVolumes, VolumeError, type Bind, type PreparedVolume, type VolumeSources } from './volumes.js';

// Docker labels (dockershim's names; the node label lets a kubelet find its own).
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const LABEL_TYPE = 'io.kubernetes.docker.type';
export const LABEL_NODE = 'io.kubernetes.node.name';
export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';
/** The container name dockershim gives sandboxes. */
const SANDBOX_NAME = 'POD';

/** Retry of a pod whose volumes or container config could not be set up. */
const CONFIG_RETRY_MS = 2000;

/** Where a pod's resolv.conf lives on the node; every container of the pod bind-mounts it at /etc/resolv.conf. */
export function podResolvConfPath(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid, 'etc-resolv.conf');
}

/** The node's resolv.conf cannot be read or parsed: the pod's sandbox is not created. */
class PodDNSError extends Error {
  override name = 'PodDNSError';
}

export interface EventSink {
  event(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What every worker shares; built once by the pod manager. */
export interface PodWorkerDeps {
  runtime: ContainerRuntime;
  pods: ResourceClient<Pod>;
  sources: EnvSources & VolumeSources;
  recorder: EventSink;
  nodeName: string;
  nodeIP: string;
  /** Docker network pods get their IP from. */
  network: string;
  pauseImage: string;
  rootDir: string;
  /** --cluster-dns, --cluster-domain, --resolv-conf (DEFAULT_DNS_FLAGS when absent). */
  dns?: DNSFlags;
  /** Routed in every new sandbox's network namespace; none when absent. */
  serviceRoute?: ServiceRoute;
  /** --hairpin-mode: hairpin-veth sets hairpin mode on every sandbox's bridge port; absent or none: nothing. */
  hairpinMode?: HairpinMode;
  /** CrashLoopBackOff per pod uid + container name. */
  restartBackoff: RestartBackoff;
  /** ImagePullBackOff per pod uid + image. */
  pullBackoff: RestartBackoff;
  /** Asks for another sync of the pod (uid) after ms. */
  requeue(uid: string, ms: number): void;
  log: Logger;
}

/** What the worker tracks about one spec container (init, regular or ephemeral). */
interface ContainerRecord {
  spec: Container;
  init: boolean;
  /** Added through pods/ephemeralcontainers: started once, never restarted, no probes. */
  ephemeral?: boolean;
  /** The newest Docker container of this spec container. */
  id?: string;
  /** The one before it (lastState, logs --previous). */
  previousId?: string;
  restartCount: number;
  /** Why no container runs now (ErrImagePull, CrashLoopBackOff, ...). */
  waiting?: { reason: string; message?: string };
  probes: Map<ProbeKind, ProbeWorker>;
  /** Probe results of the current container. */
  ready: boolean;
  started: boolean;
}

const time = (d: Date | undefined): string | undefined => (d ? rfc3339(d) : undefined);

/** The pull policy Kubernetes defaults: Always for :latest or no tag, else IfNotPresent. */
export function pullPolicy(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export class PodWorker {
  pod: Pod;
  readonly uid: string;
  private sandboxId?: string;
  private podIP?: string;
  private startTime?: string;
  private readonly records = new Map<string, ContainerRecord>();
  private adopted = false;
  /** The pod reached Succeeded or Failed: nothing is started again. */
  private terminal = false;
  /** Containers, sandbox and volumes are gone. */
  private torndown = false;
  private volumeError?: string;
  /** The pod's resolv.conf file is written (for this sandbox or an adopted one). */
  private resolvConfWritten = false;
  private lastWritten?: PodStatus;
  /** When each image's last pull failed (ImagePullBackOff counts from it). */
  private readonly pullFailures = new Map<string, number>();
  private readonly log: Logger;

  constructor(pod: Pod, private readonly d: PodWorkerDeps) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
    this.log = d.log.child({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
    for (const c of pod.spec?.initContainers ?? []) this.records.set(c.name, newRecord(c, true));
    for (const c of pod.spec?.containers ?? []) this.records.set(c.name, newRecord(c, false));
    this.addEphemeralRecords();
  }

  /** Ephemeral containers are added to a running pod: a record for each the worker does not know yet. */
  private addEphemeralRecords(): void {
    for (const c of this.pod.spec?.ephemeralContainers ?? []) {
      if (!this.records.has(c.name)) this.records.set(c.name, { ...newRecord(c, false), ephemeral: true });
    }
  }

  private get key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  /** Labels every Docker object of this pod carries. */
  private labels(container: string, type: string): Record<string, string> {
    return {
      [LABEL_POD_NAME]: this.pod.metadata.name ?? '',
      [LABEL_POD_NAMESPACE]: this.pod.metadata.namespace ?? '',
      [LABEL_POD_UID]: this.uid,
      [LABEL_CONTAINER_NAME]: container,
      [LABEL_TYPE]: type,
      [LABEL_NODE]: this.d.nodeName,
    };
  }

  /** Rebuilds what runs for this pod from Docker (adoption after a restart, or a fresh pod). */
  private async adopt(): Promise<void> {
    const found = await this.d.runtime.list({ labels: { [LABEL_POD_UID]: this.uid, [LABEL_NODE]: this.d.nodeName } });
    const newestFirst = [...found].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()
      || Number(b.labels[LABEL_RESTART_COUNT] ?? 0) - Number(a.labels[LABEL_RESTART_COUNT] ?? 0));
    const extra: string[] = [];
    for (const c of newestFirst) {
      if (c.labels[LABEL_TYPE] === TYPE_SANDBOX) {
        if (!this.sandboxId && c.state === 'running') this.sandboxId = c.id;
        else extra.push(c.id);
        continue;
      }
      const rec = this.records.get(c.labels[LABEL_CONTAINER_NAME] ?? '');
      if (!rec) extra.push(c.id);
      else if (!rec.id) {
        rec.id = c.id;
        rec.restartCount = Number(c.labels[LABEL_RESTART_COUNT] ?? 0) || 0;
      } else if (!rec.previousId) rec.previousId = c.id;
      else extra.push(c.id);
    }
    for (const id of extra) await this.d.runtime.remove(id, { force: true });
    if (this.sandboxId) {
      const sb = await this.d.runtime.inspect(this.sandboxId);
      const hostNetwork = this.pod.spec?.hostNetwork === true;
      this.podIP = hostNetwork ? this.d.nodeIP : sb?.ip;
      this.startTime = this.pod.status?.startTime ?? time(sb?.startedAt);
      // Idempotent: a sandbox made before the route existed (or with other flags) gets it now.
      if (this.d.serviceRoute && sb && !hostNetwork) {
        await routeServiceRange(sb.pid, this.d.serviceRoute).catch((err: unknown) =>
          this.log.warn({ err, sandbox: this.sandboxId, route: this.d.serviceRoute }, 'could not route the service range in an adopted sandbox'));
      }
      if (!hostNetwork) await this.hairpin(this.sandboxId, sb?.pid);
    }
    this.lastWritten = this.pod.status;
    const phase = this.pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') this.terminal = true;
    // Running containers keep being probed.
    for (const rec of this.records.values()) {
      if (!rec.id) continue;
      const d = await this.d.runtime.inspect(rec.id);
      if (d?.state === 'running') this.startProbes(rec, rec.id, d.startedAt?.getTime() ?? Date.now());
    }
    this.adopted = true;
    if (found.length) this.log.info({ containers: found.length, sandbox: this.sandboxId }, 'adopted pod containers');
  }

  /** One sync of the pod: called with the newest pod object, never twice at once. */
  async sync(pod: Pod): Promise<void> {
    // The informer may still hold the object before our last status write.
    if (!(Number(pod.metadata.resourceVersion) < Number(this.pod.metadata.resourceVersion))) this.pod = pod;
    if (this.torndown) return;
    if (!this.adopted) await this.adopt();
    pod = this.pod;
    this.addEphemeralRecords();
    if (pod.metadata.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.teardown(grace);
      try {
        await this.d.pods.delete(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      this.log.info('pod terminated and deleted');
      return;
    }
    if (!this.terminal) {
      // As the kubelet does, report Pending with ContainerCreating at once, before the
      // sandbox and containers (which take seconds) are there.
      if (!(this.lastWritten ?? pod.status)?.containerStatuses) await this.writeStatus();
      await this.reconcile();
    }
    await this.writeStatus();
  }

  private async reconcile(): Promise<void> {
    if (!(await this.ensureSandbox())) return;
    let volumes: Map<string, PreparedVolume>;
    try {
      volumes = await prepareVolumes(this.pod, this.d.rootDir, this.d.sources);
      this.volumeError = undefined;
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.volumeError = err.message;
      this.d.recorder.event(this.pod, 'Warning', 'FailedMount', err.message);
      this.d.requeue(this.uid, CONFIG_RETRY_MS);
      return;
    }
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    // Init containers one at a time, in order; each must exit 0 before the next.
    for (const c of this.pod.spec?.initContainers ?? []) {
      const rec = this.records.get(c.name)!;
      const cur = rec.id ? await this.d.runtime.inspect(rec.id) : undefined;
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      if (cur && cur.state !== 'exited' && cur.state !== 'created' && cur.state !== 'dead') return; // still running
      if (cur && (cur.state === 'exited' || cur.state === 'dead')) {
        // An init container fails the pod under Never; otherwise it is retried with back-off.
        if (policy === 'Never') return;
        await this.restartWithBackoff(rec, cur, volumes);
        return;
      }
      await this.startContainer(rec, volumes);
      return;
    }
    for (const c of this.pod.spec?.containers ?? []) {
      const rec = this.records.get(c.name)!;
      const cur = rec.id ? await this.d.runtime.inspect(rec.id) : undefined;
      if (cur?.state === 'running' || cur?.state === 'restarting' || cur?.state === 'paused') continue;
      if (cur && (cur.state === 'exited' || cur.state === 'dead')) {
        this.stopProbes(rec);
        if (!shouldRestart(policy, cur.exitCode)) continue;
        await this.restartWithBackoff(rec, cur, volumes);
        continue;
      }
      await this.startContainer(rec, volumes);
    }
    // Ephemeral containers start once, whatever the restart policy, and are never restarted.
    for (const c of this.pod.spec?.ephemeralContainers ?? []) {
      const rec = this.records.get(c.name)!;
      if (!rec.id) await this.startContainer(rec, volumes);
    }
  }

  /**
   * Creates the sandbox when there is none running. False when it cannot be created
   * (yet, or ever: a pod that must not start again).
   */
  private async ensureSandbox(): Promise<boolean> {
    if (this.sandboxId) {
      const sb = await this.d.runtime.inspect(this.sandboxId);
      if (sb?.state === 'running') return true;
      // The sandbox died (a dockerd restart stops every container): its network
      // namespace is gone, so are the containers'. The kubelet kills them, then starts
      // over in a new sandbox (restarts are counted) unless nothing may start again.
      for (const rec of this.records.values()) {
        this.stopProbes(rec);
        if (rec.id) await this.d.runtime.stop(rec.id, 0);
      }
      if (!(await this.anythingToStart())) {
        this.log.info({ sandbox: this.sandboxId }, 'pod sandbox is not running and no container may start again; not recreating it');
        return false;
      }
      this.log.warn({ sandbox: this.sandboxId }, 'pod sandbox is not running; recreating it');
      await this.d.runtime.remove(this.sandboxId, { force: true });
      this.sandboxId = undefined;
    }
    if (!(await this.d.runtime.imagePresent(this.d.pauseImage))) {
      try {
        await this.d.runtime.pullImage(this.d.pauseImage);
      } catch (err) {
        this.d.recorder.event(this.pod, 'Warning', 'FailedCreatePodSandBox',
          `Failed to create pod sandbox: failed to pull image "${this.d.pauseImage}": ${(err as Error).message}`);
        this.d.requeue(this.uid, CONFIG_RETRY_MS * 5);
        return false;
      }
    }
    const hostNetwork = this.pod.spec?.hostNetwork === true;
    const ports: PortBinding[] = [];
    // In the node's network namespace a container's port is the node's already.
    for (const c of hostNetwork ? [] : [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])]) {
      for (const p of c.ports ?? []) {
        if (p.hostPort) ports.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: (p.protocol ?? 'TCP') as Protocol, hostIP: p.hostIP || undefined });
      }
    }
    // The pod's resolv.conf, computed once per sandbox as the kubelet's GetPodDNS.
    try {
      await this.writeResolvConf();
    } catch (err) {
      if (!(err instanceof PodDNSError)) throw err;
      this.d.recorder.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`);
      this.d.requeue(this.uid, CONFIG_RETRY_MS);
      return false;
    }
    const name = `k8s_${SANDBOX_NAME}_${this.pod.metadata.name}_${this.pod.metadata.namespace}_${this.uid}_${Date.now().toString(36)}`;
    try {
      const { id } = await this.d.runtime.createSandbox({
        name, image: this.d.pauseImage, labels: this.labels(SANDBOX_NAME, TYPE_SANDBOX), network: this.d.network,
        hostNetwork, hostIPC: this.pod.spec?.hostIPC === true,
        hostname: (this.pod.spec?.hostname ?? this.pod.metadata.name ?? '').slice(0, 63), portBindings: ports,
      });
      this.sandboxId = id;
    } catch (err) {
      this.d.recorder.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.d.requeue(this.uid, CONFIG_RETRY_MS);
      return false;
    }
    // One inspect serves the route, hairpin mode and the pod IP.
    const sb = await this.d.runtime.inspect(this.sandboxId);
    if (hostNetwork) {
      // The node's own namespace: its routes and bridge ports are the node's business, not the pod's.
      this.podIP = this.d.nodeIP;
      this.startTime ??= this.pod.status?.startTime ?? rfc3339Now();
      return true;
    }
    if (this.d.serviceRoute) {
      // Set from the node, in the sandbox's network namespace only: no container of the
      // pod has NET_ADMIN. A sandbox without it is useless, as one whose network setup failed.
      try {
        const via = await routeServiceRange(sb?.pid ?? 0, this.d.serviceRoute);
        this.log.debug({ sandbox: this.sandboxId, cidr: this.d.serviceRoute.cidr, via }, 'routed the service range in the sandbox');
      } catch (err) {
        const message = `failed to route the service range ${this.d.serviceRoute.cidr} in the sandbox: ${(err as Error).message}`;
        this.log.warn({ err, sandbox: this.sandboxId }, 'could not route the service range; removing the sandbox');
        await this.d.runtime.remove(this.sandboxId, { force: true });
        this.sandboxId = undefined;
        this.d.recorder.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message}`);
        this.d.requeue(this.uid, CONFIG_RETRY_MS);
        return false;
      }
    }
    await this.hairpin(this.sandboxId, sb?.pid);
    this.podIP = sb?.ip;
    this.startTime ??= this.pod.status?.startTime ?? rfc3339Now();
    return true;
  }

  /**
   * Hairpin mode on the sandbox's bridge port (--hairpin-mode=hairpin-veth), so the pod
   * reaches itself through its own Services. Idempotent; a failure is logged and the
   * pod goes on, as the kubelet's.
   */
  private async hairpin(sandboxId: string, pid: number | undefined): Promise<void> {
    if (this.d.hairpinMode !== 'hairpin-veth') return;
    try {
      const port = await setUpHairpin(pid ?? 0);
      this.log.debug({ sandbox: sandboxId, ...port }, port.bridgePort ? 'hairpin mode on the sandbox\'s bridge port' : 'the sandbox\'s veth is on no bridge: no hairpin mode');
    } catch (err) {
      this.log.warn({ err, sandbox: sandboxId }, 'could not set hairpin mode on the sandbox\'s bridge port');
    }
  }

  /**
   * Whether a new sandbox would run anything (the kubelet's computePodActions): not
   * under Never once containers were created, nor under OnFailure when every
   * container succeeded.
   */
  private async anythingToStart(): Promise<boolean> {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return true;
    const created = [...this.records.values()].filter((r) => r.id);
    if (policy === 'Never') return created.length === 0;
    for (const c of this.pod.spec?.containers ?? []) {
      const id = this.records.get(c.name)?.id;
      const cur = id ? await this.d.runtime.inspect(id) : undefined;
      if (!(cur?.state === 'exited' && cur.exitCode === 0)) return true;
    }
    return false;
  }

  /** Starts a new instance of an exited container, or shows CrashLoopBackOff until its back-off has passed. */
  private async restartWithBackoff(rec: ContainerRecord, cur: ContainerDetails, volumes: Map<string, PreparedVolume>): Promise<void> {
    const key = `${this.uid}/${rec.spec.name}`;
    const now = Date.now();
    const finished = cur.finishedAt?.getTime() ?? now;
    const wait = this.d.restartBackoff.remaining(key, finished, now);
    if (wait > 0) {
      const msg = backoffMessage(this.d.restartBackoff.current(key), rec.spec.name, this.pod.metadata.name ?? '', this.pod.metadata.namespace ?? '', this.uid);
      if (rec.waiting?.reason !== 'CrashLoopBackOff') {
        this.d.recorder.event(this.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${rec.spec.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`);
      }
      rec.waiting = { reason: 'CrashLoopBackOff', message: msg };
      this.d.requeue(this.uid, wait);
      return;
    }
    await this.startContainer(rec, volumes, key);
  }

  /** Pulls, configures, creates and starts a new container for rec. */
  private async startContainer(rec: ContainerRecord, volumes: Map<string, PreparedVolume>, backoffKey?: string): Promise<void> {
    const c = rec.spec;
    const image = c.image ?? '';
    if (!(await this.ensureImage(rec, image))) return;
    const config = await this.containerConfig(rec, volumes);
    if (!config) return;
    const { env, binds, security } = config;
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    const restartCount = rec.id ? rec.restartCount + 1 : rec.restartCount;
    const name = `k8s_${c.name}_${this.pod.metadata.name}_${this.pod.metadata.namespace}_${this.uid}_${restartCount}`;
    const spec = {
      name, image, sandboxId: this.sandboxId!, command: c.command, args: c.args, workingDir: c.workingDir, env, binds,
      labels: { ...this.labels(c.name, TYPE_CONTAINER), [LABEL_RESTART_COUNT]: String(restartCount) },
      memoryLimitBytes: limits.memory !== undefined ? quantityValue(String(limits.memory)) : undefined,
      nanoCpus: limits.cpu !== undefined ? milliValue(String(limits.cpu)) * 1_000_000 : undefined,
      cpuShares: requests.cpu !== undefined || limits.cpu !== undefined ? Math.max(2, Math.floor(milliValue(String(requests.cpu ?? limits.cpu)) * 1024 / 1000)) : undefined,
      tty: c.tty, stdin: c.stdin, stdinOnce: c.stdinOnce, stopSignal: c.lifecycle?.stopSignal, sharePid: this.pod.spec?.shareProcessNamespace, ...security,
      hostPID: this.pod.spec?.hostPID === true, hostIPC: this.pod.spec?.hostIPC === true, pidTarget: this.pidTarget(rec),
    };
    let id: string;
    try {
      id = await this.d.runtime.createContainer(spec);
    } catch (err) {
      // A leftover with the same name (a crash between create and our bookkeeping).
      if (!isRuntimeConflict(err)) return this.failStart(rec, 'CreateContainerError', (err as Error).message);
      await this.d.runtime.remove(name, { force: true });
      try {
        id = await this.d.runtime.createContainer(spec);
      } catch (err2) {
        return this.failStart(rec, 'CreateContainerError', (err2 as Error).message);
      }
    }
    this.stopProbes(rec);
    if (rec.previousId && rec.id) await this.d.runtime.remove(rec.previousId, { force: true });
    if (rec.id) rec.previousId = rec.id;
    rec.id = id;
    rec.restartCount = restartCount;
    rec.ready = false;
    rec.started = false;
    if (backoffKey) this.d.restartBackoff.restarted(backoffKey, Date.now());
    this.d.recorder.event(this.pod, 'Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.d.runtime.start(id);
    } catch (err) {
      return this.failStart(rec, 'RunContainerError', (err as Error).message);
    }
    rec.waiting = undefined;
    this.d.recorder.event(this.pod, 'Normal', 'Started', `Started container ${c.name}`);
    this.startProbes(rec, id, Date.now());
  }

  /**
   * The container whose PID namespace an ephemeral container joins (targetContainerName),
   * when it runs; a pod sharing one PID namespace needs none.
   */
  private pidTarget(rec: ContainerRecord): string | undefined {
    const target = rec.ephemeral ? (rec.spec as EphemeralContainer).targetContainerName : undefined;
    if (!target || this.pod.spec?.shareProcessNamespace) return undefined;
    return this.records.get(target)?.id;
  }

  /**
   * What the container is created with that can be refused (the kubelet's
   * generateContainerConfig): environment, mounts (subPaths), then the user the image
   * runs as against runAsNonRoot. A refusal leaves the container waiting with
   * CreateContainerConfigError and its message, retried later; undefined then.
   */
  private async containerConfig(rec: ContainerRecord, volumes: Map<string, PreparedVolume>):
    Promise<{ env: Record<string, string>; binds: Bind[]; security: ContainerSecurity } | undefined> {
    const c = rec.spec;
    try {
      const pod = structuredClone(this.pod);
      pod.status = { ...pod.status, podIP: this.podIP, hostIP: this.d.nodeIP };
      const env = await containerEnv(pod, c, this.d.sources);
      const binds = await containerBinds(this.pod, c, volumes, this.d.rootDir);
      const user = imageUser(await this.d.runtime.imageUser(c.image ?? ''));
      const refusal = verifyRunAsNonRoot(this.pod, c, user);
      if (refusal) throw new SecurityContextError(refusal);
      const security = containerSecurity(this.pod, c, user);
      // The pod's own resolv.conf, never Docker's (on a user-defined network that names
      // Docker's embedded DNS, which forwards to the node's resolver). A volumeMount at
      // /etc/resolv.conf wins, as Docker lets a user's mount win over its own file.
      if (!binds.some((b) => b.containerPath === '/etc/resolv.conf')) {
        binds.push({ hostPath: await this.ensureResolvConf(), containerPath: '/etc/resolv.conf', readOnly: security.readOnlyRootfs === true });
      }
      return { env, binds, security };
    } catch (err) {
      if (!(err instanceof EnvError) && !(err instanceof VolumeError) && !(err instanceof SecurityContextError) && !(err instanceof PodDNSError)) throw err;
      // The kubelet keeps a subPath's details out of the status (they describe the node): log them.
      if (err.cause) this.log.warn({ err: err.cause, container: c.name }, err.message);
      this.failStart(rec, 'CreateContainerConfigError', err.message);
      return undefined;
    }
  }

  /**
   * Computes the pod's DNS configuration (the kubelet's GetPodDNS, with its events) and
   * writes it to the pod's resolv.conf, in place (the same file, which running
   * containers bind-mount), only when it changed. Throws PodDNSError when the node's
   * resolv.conf (--resolv-conf) cannot be read or parsed.
   */
  private async writeResolvConf(): Promise<string> {
    const flags = this.d.dns ?? DEFAULT_DNS_FLAGS;
    let host: DNSConfig | undefined;
    if (flags.resolvConf !== '') {
      let text: string;
      try {
        text = await readFile(flags.resolvConf, 'utf8');
      } catch (err) {
        // Go's wording: open /etc/resolv.conf: no such file or directory.
        const why = /^E[A-Z]+: ([^,]+)/.exec((err as Error).message)?.[1] ?? (err as Error).message;
        throw new PodDNSError(`open ${flags.resolvConf}: ${why}`);
      }
      const parsed = parseResolvConf(text);
      if (parsed.errors.length) throw new PodDNSError(parsed.errors.length === 1 ? parsed.errors[0] : `[${parsed.errors.join(', ')}]`);
      host = parsed;
    }
    const dns = podDNSConfig(this.pod, { clusterDNS: flags.clusterDNS, clusterDomain: flags.clusterDomain, host, nodeIPs: [this.d.nodeIP] });
    if (dns.invalidPolicy !== undefined) this.log.error({ dnsPolicy: dns.invalidPolicy }, 'invalid dnsPolicy; falling back to ClusterFirst');
    for (const e of dns.events) this.d.recorder.event(this.pod, e.type, e.reason, e.message);
    const path = podResolvConfPath(this.d.rootDir, this.uid);
    const text = resolvConfText(dns.config);
    if ((await readFile(path, 'utf8').catch(() => undefined)) !== text) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text, { mode: 0o644 });
    }
    this.resolvConfWritten = true;
    return path;
  }

  /** The pod's resolv.conf path, written first if missing (a sandbox adopted from a kubelet that wrote none). */
  private async ensureResolvConf(): Promise<string> {
    const path = podResolvConfPath(this.d.rootDir, this.uid);
    if (this.resolvConfWritten || (await stat(path).catch(() => undefined))?.isFile()) return path;
    return this.writeResolvConf();
  }

  private failStart(rec: ContainerRecord, reason: string, message: string): void {
    rec.waiting = { reason, message };
    this.d.recorder.event(this.pod, 'Warning', 'Failed', `Error: ${message}`);
    this.d.requeue(this.uid, CONFIG_RETRY_MS);
  }

  /** Makes the image present by the container's pull policy. False (with a waiting reason) when it is not. */
  private async ensureImage(rec: ContainerRecord, image: string): Promise<boolean> {
    const policy = pullPolicy(rec.spec);
    const present = await this.d.runtime.imagePresent(image);
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.d.recorder.event(this.pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return true;
      }
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      rec.waiting = { reason: 'ErrImageNeverPull', message: msg };
      this.d.recorder.event(this.pod, 'Warning', 'ErrImageNeverPull', msg);
      return false;
    }
    const key = `${this.uid}/${image}`;
    const now = Date.now();
    const failedAt = this.pullFailures.get(key);
    const wait = failedAt === undefined ? 0 : this.d.pullBackoff.remaining(key, failedAt, now);
    if (wait > 0) {
      // ErrImagePull stays for the first half of the back-off whatever else syncs the pod.
      const showErrUntil = (failedAt ?? now) + this.d.pullBackoff.current(key) / 2;
      if (rec.waiting?.reason === 'ErrImagePull' && now < showErrUntil) {
        this.d.requeue(this.uid, showErrUntil - now);
        return false;
      }
      if (rec.waiting?.reason !== 'ImagePullBackOff') this.d.recorder.event(this.pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      rec.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
      this.d.requeue(this.uid, wait);
      return false;
    }
    this.d.recorder.event(this.pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      await this.d.runtime.pullImage(image);
    } catch (err) {
      const msg = (err as Error).message;
      rec.waiting = { reason: 'ErrImagePull', message: msg };
      this.d.recorder.event(this.pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.d.recorder.event(this.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      const failed = Date.now();
      this.pullFailures.set(key, failed);
      this.d.pullBackoff.restarted(key, failed);
      // ErrImagePull for half the back-off, then ImagePullBackOff until the next try.
      this.d.requeue(this.uid, this.d.pullBackoff.current(key) / 2);
      return false;
    }
    this.pullFailures.delete(key);
    this.d.pullBackoff.forget(key);
    this.d.recorder.event(this.pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - t0}ms`);
    return true;
  }

  // ---------------------------------------------------------------- probes

  private startProbes(rec: ContainerRecord, id: string, startedAt: number): void {
    this.stopProbes(rec);
    const c = rec.spec;
    rec.started = !c.startupProbe;
    rec.ready = !c.readinessProbe;
    if (rec.init) return;
    const target = {
      podIP: this.podIP ?? '',
      container: c,
      exec: async (cmd: string[], timeoutMs: number) => {
        const r = await this.d.runtime.exec(id, cmd, { timeoutMs });
        return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
      },
    };
    const add = (kind: ProbeKind, probe: Container['livenessProbe']): void => {
      if (!probe) return;
      const w = new ProbeWorker({
        kind, probe, target, startedAt,
        gate: kind === 'startup' ? undefined : () => rec.started,
        onFailure: (o) => this.d.recorder.event(this.pod, 'Warning', 'Unhealthy', unhealthyMessage(kind, o.message)),
        onResult: (result) => this.onProbeResult(rec, id, kind, result),
      });
      rec.probes.set(kind, w);
      w.start();
    };
    add('startup', c.startupProbe);
    add('liveness', c.livenessProbe);
    add('readiness', c.readinessProbe);
  }

  private onProbeResult(rec: ContainerRecord, id: string, kind: ProbeKind, result: string): void {
    if (rec.id !== id || this.torndown) return;
    if (kind === 'readiness') rec.ready = result === 'success';
    else if (kind === 'startup') {
      if (result === 'success') rec.started = true;
      else if (result === 'failure') this.killUnhealthy(rec, id, `Container ${rec.spec.name} failed startup probe, will be restarted`);
    } else if (kind === 'liveness' && result === 'failure') {
      this.killUnhealthy(rec, id, `Container ${rec.spec.name} failed liveness probe, will be restarted`);
    }
    this.d.requeue(this.uid, 0);
  }

  private killUnhealthy(rec: ContainerRecord, id: string, message: string): void {
    this.stopProbes(rec);
    rec.ready = false;
    this.d.recorder.event(this.pod, 'Normal', 'Killing', message);
    const grace = this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    // The 'die' event from Docker brings the pod back to sync, which restarts it.
    void this.d.runtime.stop(id, grace).catch((err: unknown) => this.log.warn({ err: (err as Error).message, id }, 'could not stop unhealthy container'));
  }

  private stopProbes(rec: ContainerRecord): void {
    for (const w of rec.probes.values()) w.stop();
    rec.probes.clear();
  }

  /** Stops every probe (kubelet shutdown: containers keep running). */
  stop(): void {
    for (const rec of this.records.values()) this.stopProbes(rec);
  }

  // ---------------------------------------------------------------- teardown

  /**
   * Runs preStop hooks, stops every container within graceSeconds, then removes the
   * containers, the sandbox and the volumes. Idempotent.
   */
  async teardown(graceSeconds: number): Promise<void> {
    if (this.torndown) return;
    if (!this.adopted) await this.adopt();
    this.stop();
    const deadline = Date.now() + graceSeconds * 1000;
    await Promise.all([...this.records.values()].map(async (rec) => {
      if (!rec.id) return;
      const cur = await this.d.runtime.inspect(rec.id);
      if (cur?.state !== 'running') return;
      const preStop = rec.spec.lifecycle?.preStop?.exec?.command;
      if (preStop?.length && graceSeconds > 0) {
        const r = await this.d.runtime.exec(rec.id, preStop, { timeoutMs: graceSeconds * 1000 }).catch((err: Error) => ({ exitCode: -1, stderr: err.message, stdout: '', timedOut: false }));
        if (r.exitCode !== 0) {
          this.d.recorder.event(this.pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.timedOut ? 'timed out' : (r.stdout + r.stderr).trim()}`);
        }
      }
      this.d.recorder.event(this.pod, 'Normal', 'Killing', `Stopping container ${rec.spec.name}`);
      await this.d.runtime.stop(rec.id, Math.max(0, (deadline - Date.now()) / 1000));
    }));
    await removeAllOf(this.d.runtime, this.uid, this.d.nodeName);
    await cleanupPodVolumes(this.d.rootDir, this.uid);
    this.d.restartBackoff.forget(`${this.uid}/`);
    this.d.pullBackoff.forget(`${this.uid}/`);
    this.torndown = true;
  }

  // ---------------------------------------------------------------- status

  private async containerStatus(rec: ContainerRecord, initPending: boolean): Promise<ContainerStatus> {
    const c = rec.spec;
    const cur = rec.id ? await this.d.runtime.inspect(rec.id) : undefined;
    const prev = rec.previousId ? await this.d.runtime.inspect(rec.previousId) : undefined;
    const st: ContainerStatus = {
      name: c.name, state: {}, lastState: {}, ready: false, restartCount: rec.restartCount,
      image: c.image ?? '', imageID: '', started: false,
    };
    const terminated = (d: ContainerDetails): K8sContainerState => ({
      terminated: {
        exitCode: d.exitCode,
        reason: d.oomKilled ? 'OOMKilled' : d.exitCode === 0 ? 'Completed' : d.error ? 'StartError' : 'Error',
        ...(d.error ? { message: d.error } : {}),
        startedAt: time(d.startedAt) ?? null, finishedAt: time(d.finishedAt) ?? null, containerID: `docker://${d.id}`,
      },
    });
    if (cur) {
      st.imageID = cur.imageId ? `docker-pullable://${c.image}@${cur.imageId}` : '';
      st.containerID = `docker://${cur.id}`;
    }
    const curExited = cur && (cur.state === 'exited' || cur.state === 'dead');
    if (rec.waiting) {
      st.state = { waiting: { reason: rec.waiting.reason, ...(rec.waiting.message ? { message: rec.waiting.message } : {}) } };
      if (curExited) st.lastState = terminated(cur);
      else if (prev) st.lastState = terminated(prev);
    } else if (cur?.state === 'running' || cur?.state === 'restarting' || cur?.state === 'paused') {
      st.state = { running: { startedAt: time(cur.startedAt) } };
      st.ready = rec.ready;
      st.started = rec.started;
      if (prev) st.lastState = terminated(prev);
    } else if (curExited) {
      st.state = terminated(cur);
      if (prev) st.lastState = terminated(prev);
    } else {
      st.state = { waiting: { reason: initPending && !rec.init ? 'PodInitializing' : 'ContainerCreating' } };
      if (prev) st.lastState = terminated(prev);
    }
    if (!st.containerID) delete st.containerID;
    return st;
  }

  private async buildStatus(): Promise<PodStatus> {
    const pod = this.pod;
    const inits: ContainerStatus[] = [];
    let initPending = false;
    for (const c of pod.spec?.initContainers ?? []) {
      const st = await this.containerStatus(this.records.get(c.name)!, false);
      if (!(st.state?.terminated?.exitCode === 0)) initPending = true;
      inits.push(st);
    }
    const statuses: ContainerStatus[] = [];
    for (const c of pod.spec?.containers ?? []) statuses.push(await this.containerStatus(this.records.get(c.name)!, initPending));
    const ephemeral: ContainerStatus[] = [];
    for (const c of pod.spec?.ephemeralContainers ?? []) {
      const rec = this.records.get(c.name);
      if (rec) ephemeral.push(await this.containerStatus(rec, false));
    }
    let phase: PodPhase = podPhase(pod, inits, statuses);
    if (this.terminal && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed')) phase = pod.status.phase;
    const now = rfc3339Now();
    const previous = this.lastWritten ?? pod.status;
    const conditions = podConditions(pod, phase, inits, statuses, !!this.sandboxId && !this.torndown, now, previous?.conditions ?? []);
    const status: PodStatus = {
      ...(pod.status?.nominatedNodeName ? { nominatedNodeName: pod.status.nominatedNodeName } : {}),
      phase,
      conditions,
      hostIP: this.d.nodeIP,
      hostIPs: [{ ip: this.d.nodeIP }],
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      ...(inits.length ? { initContainerStatuses: inits } : {}),
      containerStatuses: statuses,
      ...(ephemeral.length ? { ephemeralContainerStatuses: ephemeral } : {}),
      qosClass: podQOSClass(pod),
    };
    if (phase === 'Failed' || phase === 'Succeeded') {
      if (!this.terminal) {
        this.terminal = true;
        // A finished pod keeps its containers (for logs) but not its sandbox or probes.
        this.stop();
        if (this.sandboxId) await this.d.runtime.stop(this.sandboxId, 0);
      }
    }
    return status;
  }

  private async writeStatus(): Promise<void> {
    const status = await this.buildStatus();
    const previous = this.lastWritten ?? this.pod.status;
    if (!statusChanged(previous, status)) return;
    const ns = this.pod.metadata.namespace ?? 'default';
    const write = async (base: Pod): Promise<void> => {
      const next = structuredClone(base);
      next.status = status;
      const written = await this.d.pods.updateStatus(ns, next);
      this.lastWritten = written.status ?? status;
      // The newest object: the next write carries its resourceVersion.
      if (written.metadata?.uid === this.uid) this.pod = written;
    };
    try {
      await write(this.pod);
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      const fresh = await this.d.pods.get(ns, this.pod.metadata.name ?? '');
      if (fresh.metadata.uid !== this.uid) return;
      await write(fresh);
    }
    this.log.debug({ phase: status.phase }, 'pod status written');
  }

  // ---------------------------------------------------------------- logs

  /** The container id logs are read from: the current one, or with previous the last that exited. */
  async logContainer(name: string, previous: boolean): Promise<{ id?: string; waitingReason: string }> {
    const rec = this.records.get(name);
    if (!rec) return { waitingReason: 'unknown' };
    if (!previous) return { id: rec.id, waitingReason: rec.waiting?.reason ?? 'ContainerCreating' };
    if (rec.waiting && rec.id) {
      const cur = await this.d.runtime.inspect(rec.id);
      if (cur && (cur.state === 'exited' || cur.state === 'dead')) return { id: rec.id, waitingReason: '' };
    }
    return { id: rec.previousId, waitingReason: '' };
  }

  hasContainer(name: string): boolean {
    return this.records.has(name);
  }
}

function newRecord(spec: Container, init: boolean): ContainerRecord {
  return { spec, init, restartCount: 0, probes: new Map(), ready: false, started: false };
}

/** Removes every container (and sandbox) of a pod on this node. */
export async function removeAllOf(runtime: ContainerRuntime, uid: string, nodeName: string): Promise<void> {
  const all = await runtime.list({ labels: { [LABEL_POD_UID]: uid, [LABEL_NODE]: nodeName } });
  // Containers before the sandbox whose namespaces they use.
  const ordered = [...all.filter((c) => c.labels[LABEL_TYPE] !== TYPE_SANDBOX), ...all.filter((c) => c.labels[LABEL_TYPE] === TYPE_SANDBOX)];
  for (const c of ordered) await runtime.remove(c.id, { force: true });
}
