// Runtime-neutral types the kubelet uses to run pods. Nothing here names Docker or
// dockerode: kubelet/runtime/docker.ts implements ContainerRuntime on Docker Engine,
// and unit tests of pod workers can implement it with a fake.
//
// Vocabulary follows the CRI: a pod is one *sandbox* (a container that only holds the
// pod's network and IPC namespaces) plus one *container* per spec container, joined to
// the sandbox's namespaces.

import type { Readable } from 'node:stream';

/** Label every object a tskube kubelet creates carries (networks, sandboxes, containers). */
export const MANAGED_BY_LABEL = 'io.kubernetes.managed-by';
export const MANAGED_BY_VALUE = 'tskube';

// ---------------------------------------------------------------------------
// Errors

/**
 * Why a runtime call failed. NotFound: the container/image/network/exec does not exist.
 * Conflict: the name is taken, or the object is in the wrong state for the call.
 * BadRequest: the daemon rejected the parameters. Unavailable: the daemon cannot be
 * reached, or a stream from it ended unexpectedly. Internal: anything else the daemon
 * reported (its message is kept).
 */
export type RuntimeErrorReason = 'NotFound' | 'Conflict' | 'BadRequest' | 'Unavailable' | 'Internal';

/**
 * The one error type runtime calls reject with. `message` is the daemon's own message
 * (e.g. `No such container: abc`, or the registry's reason for a failed pull), so it can
 * be shown to users as is (a pod's waiting.message); `statusCode` is the daemon's HTTP
 * status when there was one.
 */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    message: string,
    readonly reason: RuntimeErrorReason,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export function isRuntimeNotFound(err: unknown): boolean {
  return err instanceof RuntimeError && err.reason === 'NotFound';
}

export function isRuntimeConflict(err: unknown): boolean {
  return err instanceof RuntimeError && err.reason === 'Conflict';
}

// ---------------------------------------------------------------------------
// Networks and images

export interface EnsureNetworkOptions {
  /** CIDR for a new network (e.g. 10.244.0.0/16); ignored when the network exists. */
  subnet?: string;
  /** Extra labels on a new network (managed-by is always set). */
  labels?: Record<string, string>;
}

/** One line of a pull's progress, as the daemon reports it. */
export interface PullProgress {
  /** e.g. "Pulling fs layer", "Downloading", "Pull complete", "Status: Downloaded newer image". */
  status: string;
  /** Layer id, when the line is about a layer. */
  id?: string;
  current?: number;
  total?: number;
}

export interface PullOptions {
  onProgress?: (p: PullProgress) => void;
  /** Aborting rejects the pull with an AbortError. */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------
// Sandboxes and containers

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A containerPort published on the node (Kubernetes' hostPort). */
export interface PortBinding {
  containerPort: number;
  hostPort: number;
  protocol: Protocol;
  /** Host address to bind; all addresses when absent. */
  hostIP?: string;
}

export interface SandboxSpec {
  /** Container name; must be unique on the node. */
  name: string;
  /** The pause image; the caller picks it (registry.k8s.io/pause:3.10 or a local one). */
  image: string;
  labels: Record<string, string>;
  /** Network (name or id) the pod's IP comes from. */
  network: string;
  /** The node's own network namespace instead of network (Kubernetes' hostNetwork); no hostname then. */
  hostNetwork?: boolean;
  /** The node's IPC namespace (hostIPC). */
  hostIPC?: boolean;
  hostname: string;
  dnsServers?: string[];
  dnsSearches?: string[];
  dnsOptions?: string[];
  portBindings: PortBinding[];
  /** Linux capabilities added to the sandbox (the kubelet adds none: it sets the pod's service route from outside, kubelet/service-route.ts). */
  capAdd?: string[];
}

/** One bind mount from the node into a container. */
export interface BindMount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** The sandbox whose network and IPC namespaces the container joins. */
  sandboxId: string;
  /** Also join the sandbox's PID namespace (Kubernetes' shareProcessNamespace). */
  sharePid?: boolean;
  /** Join this container's PID namespace instead (an ephemeral container's targetContainerName). */
  pidTarget?: string;
  /** The node's PID namespace (hostPID); wins over sharePid and pidTarget. */
  hostPID?: boolean;
  /** The node's IPC namespace (hostIPC) instead of the sandbox's. */
  hostIPC?: boolean;
  /** Kubernetes `command`: replaces the image's entrypoint (and drops its cmd). */
  command?: string[];
  /** Kubernetes `args`: replaces the image's cmd. */
  args?: string[];
  workingDir?: string;
  /** Already resolved values; an array keeps Kubernetes' order (later entries win). */
  env: Record<string, string> | EnvVar[];
  binds: BindMount[];
  labels: Record<string, string>;
  /** Hard memory limit; swap is disabled for the container (memory+swap = limit). */
  memoryLimitBytes?: number;
  /** CPU limit in billionths of a CPU (limits.cpu 500m = 5e8). */
  nanoCpus?: number;
  /** Relative CPU weight (Kubernetes derives it from requests.cpu: 1 CPU = 1024). */
  cpuShares?: number;
  tty?: boolean;
  stdin?: boolean;
  /** Close the container's stdin when the first attached client closes it (Kubernetes' stdinOnce). */
  stdinOnce?: boolean;
  /** e.g. "SIGTERM"; the image's (or SIGTERM) when absent. */
  stopSignal?: string;
  /** "uid", "uid:gid" or a user name; the image's user when absent. */
  user?: string;
  /** Supplementary groups (gids) of the container's processes. */
  groupAdd?: string[];
  privileged?: boolean;
  /** Linux capabilities, as Kubernetes names them (NET_ADMIN, ALL). */
  capAdd?: string[];
  capDrop?: string[];
  /** The root filesystem is mounted read-only. */
  readOnlyRootfs?: boolean;
  /** no_new_privs: setuid binaries and file capabilities grant nothing. */
  noNewPrivileges?: boolean;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What inspect() knows about one container (or sandbox). */
export interface ContainerDetails {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  /** The reference it was created from, e.g. busybox:1.36. */
  image: string;
  /** The image's content id, e.g. sha256:... */
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Meaningful once state is 'exited' (137 for a kill). */
  exitCode: number;
  createdAt: Date;
  /** Absent while the container never started. */
  startedAt?: Date;
  /** Absent while the container never finished. */
  finishedAt?: Date;
  oomKilled: boolean;
  /** The daemon's message when starting failed (e.g. executable not found), else ''. */
  error: string;
  /** Host PID of the main process while running, else 0. */
  pid: number;
  /** The first IP the container has on a network of its own (sandboxes); absent for containers sharing a sandbox's namespace. */
  ip?: string;
  /** Set when the container joined another container's network namespace. */
  sandboxId?: string;
  tty: boolean;
  memoryLimitBytes: number;
  nanoCpus: number;
  cpuShares: number;
}

/** One row of list(). */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  createdAt: Date;
}

export interface ListOptions {
  /** Only containers carrying all these labels. */
  labels?: Record<string, string>;
  /** Include containers that are not running (default true). */
  all?: boolean;
}

export interface RemoveOptions {
  /** Kill a running container first. */
  force?: boolean;
}

// ---------------------------------------------------------------------------
// Events, logs, exec

/** Container lifecycle actions the kubelet reacts to; others pass through as strings. */
export type ContainerAction =
  | 'create'
  | 'start'
  | 'die'
  | 'oom'
  | 'kill'
  | 'stop'
  | 'destroy'
  | 'restart'
  | 'pause'
  | 'unpause'
  | 'exec_create'
  | 'exec_start'
  | 'exec_die'
  | 'health_status'
  | (string & {});

export interface ContainerEvent {
  /** Container id. */
  id: string;
  /** The action, without Docker's ": detail" suffix (exec_start: sh -c ... -> exec_start). */
  action: ContainerAction;
  /** The container's labels at the time of the event. */
  labels: Record<string, string>;
  name?: string;
  image?: string;
  /** On 'die' (and 'exec_die'). */
  exitCode?: number;
  /** On 'kill': the signal sent, e.g. "15". */
  signal?: string;
  time: Date;
}

export interface EventsOptions {
  /** Only containers carrying all these labels. */
  labels?: Record<string, string>;
  /** Replay events from this unix time (seconds), so none is lost between a list and the watch. */
  since?: number;
  /** Aborting ends the iteration cleanly (no error). */
  signal: AbortSignal;
  /** Called once the daemon has answered: the stream is live (events may still be none). */
  onOpen?: () => void;
}

export interface LogsOptions {
  /** Keep the stream open and deliver new output until the container stops or signal aborts. */
  follow?: boolean;
  /** Only the last n lines (all when absent). */
  tail?: number;
  /** Prefix each line with an RFC 3339 timestamp with nanoseconds and a space. */
  timestamps?: boolean;
  /** Only output written at or after this unix time (seconds, fractions allowed). */
  since?: number;
  /** Aborting ends the stream cleanly. */
  signal?: AbortSignal;
}

export interface ExecOptions {
  /** Give up after this long: the result has timedOut set (the process may keep running). */
  timeoutMs: number;
  /** Output kept per stream; the rest is dropped (default 1 MiB). */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/** What an interactive exec attaches (kubectl exec: -i, -t). */
export interface ExecStreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * A running interactive exec. Output arrives through onOutput (stream 1 stdout, 2
 * stderr; with a TTY everything is stdout); exited resolves with the exit code once the
 * process ended (null when the daemon could not say).
 */
export interface ExecStream {
  onOutput(listener: (stream: 1 | 2, data: Buffer) => void): void;
  /** Writes to the process's stdin; false when the caller should wait for drain (backpressure). */
  writeStdin(data: Buffer): boolean;
  onDrain(listener: () => void): void;
  /** Half-closes stdin (the process reads EOF). */
  closeStdin(): void;
  /** The terminal's new size (TTY only). */
  resize(width: number, height: number): Promise<void>;
  /** Output pauses until resume: a slow client does not make the kubelet buffer without bound. */
  pause(): void;
  resume(): void;
  readonly exited: Promise<number | null>;
  /**
   * Ends it: the connection to the daemon is closed, and an exec's process still
   * running is killed (an attach leaves the container running).
   */
  close(): void;
}

export interface ExecResult {
  /** null when the command timed out. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RuntimeVersion {
  /** e.g. "docker". */
  name: string;
  /** e.g. "20.10.24". */
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
}

// ---------------------------------------------------------------------------
// Usage

/** One sample of a container's cgroup counters, as cAdvisor reads them for the kubelet. */
export interface ContainerStats {
  /** When the daemon read the counters (ms since the epoch). */
  timestamp: number;
  /** CPU time used since the container started, all CPUs (cpuacct.usage / cpu.stat usage_usec), in nanoseconds. */
  cpuUsageNanos: number;
  /** memory.usage_in_bytes / memory.current. */
  memoryUsageBytes: number;
  /** Usage minus inactive file pages (cAdvisor's working set: what the kubelet evicts on and OOM kills at). */
  memoryWorkingSetBytes: number;
}

// ---------------------------------------------------------------------------
// The runtime

/**
 * What the kubelet needs from a container runtime. Pod workers call it to build pods
 * (ensureNetwork once at startup, then per pod: image calls, createSandbox,
 * createContainer, start), to tear them down (stop, remove), and to observe them
 * (inspect, list by the io.kubernetes.* labels for adoption, events for prompt status,
 * logs for the log server, exec for probes and preStop hooks).
 *
 * All calls reject with RuntimeError. Calls whose goal already holds do not fail:
 * stop/kill of a container that is gone or not running, remove of a missing container,
 * start of a running one, removeNetwork of a missing network. inspect answers
 * undefined for a missing container.
 */
export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;

  /** Creates the bridge network when missing; resolves with its id either way. */
  ensureNetwork(name: string, opts?: EnsureNetworkOptions): Promise<string>;
  removeNetwork(name: string): Promise<void>;

  imagePresent(ref: string): Promise<boolean>;
  /** The image's content id (sha256:...), undefined when the image is not present. */
  imageId(ref: string): Promise<string | undefined>;
  /** The user the image's config says it runs as ('' for none: root); rejects NotFound when the image is missing. */
  imageUser(ref: string): Promise<string>;
  /** Resolves once the image is present; rejects with the registry's/daemon's message. */
  pullImage(ref: string, opts?: PullOptions): Promise<void>;

  /** Creates and starts a pod sandbox; on a failed start nothing is left behind. */
  createSandbox(spec: SandboxSpec): Promise<{ id: string }>;
  /** The sandbox's IP on its network, undefined when it has none (not running). */
  sandboxIP(id: string): Promise<string | undefined>;
  /** Creates (does not start) a container in a sandbox; resolves with its id. */
  createContainer(spec: ContainerSpec): Promise<string>;

  start(id: string): Promise<void>;
  /** Stop signal, then SIGKILL after graceSeconds; resolves once the container has exited. */
  stop(id: string, graceSeconds: number): Promise<void>;
  kill(id: string, signal: string): Promise<void>;
  remove(id: string, opts?: RemoveOptions): Promise<void>;

  inspect(id: string): Promise<ContainerDetails | undefined>;
  list(opts?: ListOptions): Promise<ContainerSummary[]>;

  events(opts: EventsOptions): AsyncIterable<ContainerEvent>;
  /** stdout and stderr merged in the order written. Rejects NotFound for a missing container. */
  logs(id: string, opts?: LogsOptions): Promise<Readable>;
  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult>;
  /** An interactive exec, streamed (kubectl exec). */
  execStream(id: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecStream>;
  /** Attaches to a running container's stdio (kubectl attach); exited resolves with null when it ends. */
  attachStream(id: string, opts: ExecStreamOptions): Promise<ExecStream>;
  /** One sample of a running container's cgroup usage (the resource metrics); undefined when it is gone or not running. */
  stats(id: string): Promise<ContainerStats | undefined>;
}
