// Starts a real kubelet process for a test file: its own node name, pod network and
// root dir, the local pause image, a short CrashLoopBackOff; cleanup() removes every
// container carrying the node's label and the network, whatever the test did.
// startDockerd() runs a Docker Engine of a test's own, for tests that kill dockerd.
import { writeCertificateKubeconfig } from '../../apiserver/kubeconfig.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { ContainerStatus, Pod } from '../../api/types/core.js';
import { KUBELET_NODE_FLAGS } from '../../client/node-flags.js';
import { LABEL_NODE } from '../../kubelet/pod-worker.js';
import { DockerRuntime } from '../../kubelet/runtime/docker.js';
import { LOCAL_PAUSE_IMAGE } from '../../scripts/images.js';
import { componentCommand, type ControlPlane } from './apiserver.js';
import { http } from './http.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

export interface KubeletHandle {
  nodeName: string;
  network: string;
  rootDir: string;
  logFile: string;
  proc: ChildHandle;
  /** A runtime for the test's own checks (inspect, list). */
  runtime: DockerRuntime;
  /** Stops the kubelet (SIGTERM) and starts it again with the same flags. */
  restart(): Promise<void>;
  /** Stops the kubelet, removes the node's containers, the network and the root dir. */
  cleanup(): Promise<void>;
}

export interface KubeletOptions {
  /** Unique per test file, e.g. "pods-test". A random suffix is added. */
  name: string;
  /** Subnet of the pod network, unique per test file. */
  cidr: string;
  args?: string[];
  /**
   * Run as the node's own identity (a client certificate for system:node:<name> in
   * system:nodes, over HTTPS), as a real kubelet does, instead of the plain-HTTP port's
   * unrestricted access.
   */
  nodeIdentity?: boolean;
  /**
   * Join as a new node does (kubeadm join): with this bootstrap kubeconfig (a bootstrap
   * token), the kubelet requests its client certificate and writes its own kubeconfig.
   */
  bootstrapKubeconfig?: string;
  /** Docker Engine socket (startDockerd's); the machine's own when absent. */
  dockerSocket?: string;
}

export async function startKubelet(cp: ControlPlane, o: KubeletOptions): Promise<KubeletHandle> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const nodeName = `${o.name}-${suffix}`;
  const network = `tskube-test-${o.name}-${suffix}`;
  const dir = await mkdtemp(join(tmpdir(), 'tskube-kubelet-'));
  const rootDir = join(dir, 'root');
  const logFile = join(dir, 'kubelet.log');
  const runtime = new DockerRuntime({ log: pino({ level: 'silent' }), ...(o.dockerSocket ? { socketPath: o.dockerSocket } : {}) });
  let credentials = ['--master', cp.url];
  if (o.nodeIdentity) {
    const kubeconfig = join(dir, 'kubelet.kubeconfig');
    await writeCertificateKubeconfig(kubeconfig, cp.secureUrl, join(cp.dir, 'pki'), `system:node:${nodeName}`, ['system:nodes']);
    credentials = ['--kubeconfig', kubeconfig];
  }
  if (o.bootstrapKubeconfig) credentials = ['--kubeconfig', join(dir, 'kubelet.kubeconfig'), '--bootstrap-kubeconfig', o.bootstrapKubeconfig];
  const args = [
    ...KUBELET_NODE_FLAGS, ...componentCommand('kubelet'), ...credentials, '--node-name', nodeName, '--node-ip', '127.0.0.1',
    '--address', '127.0.0.1', '--port', '0', '--root-dir', rootDir, '--pause-image', LOCAL_PAUSE_IMAGE,
    '--pod-network', network, '--pod-network-cidr', o.cidr, '--crashloop-backoff-base', '1',
    // No pod of a test ever uses the machine's resolver; a test passes its own file in args.
    '--resolv-conf', '',
    // The apiserver's client certificate (pods/log) is signed by the cluster CA. No
    // plain /healthz port: several kubelets run at once and nothing polls it.
    '--client-ca-file', join(cp.dir, 'pki', 'ca.crt'), '--healthz-port', '0',
    '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'debug', ...(o.dockerSocket ? ['--docker-socket', o.dockerSocket] : []), ...(o.args ?? []),
  ];
  const starts = async (): Promise<number> => (existsSync(logFile) ? (await readFile(logFile, 'utf8')).split('"kubelet started"').length - 1 : 0);
  const launch = async (): Promise<ChildHandle> => {
    const before = await starts();
    const child = spawnProcess(process.execPath, args, { logFile });
    const exited = child.exited.then(async () => { throw new Error(`kubelet exited; see ${logFile}:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)}`); });
    exited.catch(() => undefined);
    await Promise.race([exited, waitFor(async () => (await starts()) > before, { timeoutMs: 30_000, what: 'the kubelet to start' })]);
    return child;
  };
  let first: ChildHandle;
  try {
    first = await launch();
  } catch (err) {
    // Leave nothing behind when the kubelet cannot start (it may have made the network).
    await runtime.removeNetwork(network).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const handle: KubeletHandle = {
    nodeName, network, rootDir, logFile, runtime,
    proc: first,
    async restart() {
      await handle.proc.stop();
      handle.proc = await launch();
    },
    async cleanup() {
      await handle.proc.stop();
      const left = await runtime.list({ labels: { [LABEL_NODE]: nodeName } });
      for (const c of left) await runtime.remove(c.id, { force: true });
      await runtime.removeNetwork(network);
      // A stopped kubelet leaves its pods' volumes mounted (tmpfs, subPath binds), as on a real node.
      for (const m of await mountsUnder([rootDir])) await run('umount', [m]);
      // TSKUBE_KEEP_LOGS=1 keeps the kubelet's log for a look after a failure.
      if (process.env.TSKUBE_KEEP_LOGS) await rm(rootDir, { recursive: true, force: true });
      else await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

const run = promisify(execFile);

/**
 * A Docker Engine of a test's own: a dockerd with its own socket, data root and exec
 * root (and the containerd it starts), so a test can kill -9 it and start it again
 * without touching the machine's dockerd, whose containers other tests use.
 */
export interface DockerdHandle {
  /** Its API socket (KubeletOptions.dockerSocket). */
  socket: string;
  runtime: DockerRuntime;
  /** True while the dockerd process runs. */
  readonly running: boolean;
  /** SIGKILL, as a crash: containerd dies with it, the containers' shims live on. */
  kill9(): Promise<void>;
  /** Starts dockerd again with the same flags and waits until `docker info` answers. */
  start(): Promise<void>;
  /** Starts it if it is down, removes every container and network in it, stops it, removes its mounts and directories. */
  cleanup(): Promise<void>;
}

/** The dockerd scripts/install-deps starts: on PATH, else Debian's /usr/sbin or /usr/bin. */
async function dockerdBinary(): Promise<string> {
  for (const p of ['/usr/sbin/dockerd', '/usr/bin/dockerd']) if (existsSync(p)) return p;
  return (await run('sh', ['-c', 'command -v dockerd'])).stdout.trim();
}

/** Mount points at or under any of dirs, deepest first (from /proc/self/mountinfo). */
async function mountsUnder(dirs: string[]): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info.split('\n').map((l) => (l.split(' ')[4] ?? '').replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  return points.filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`))).sort((a, b) => b.length - a.length);
}

/** Starts a private dockerd with the given local images loaded from the machine's daemon. */
export async function startDockerd(o: { images: string[] }): Promise<DockerdHandle> {
  const id = Math.random().toString(36).slice(2, 7);
  // The data root on the same disk as /var/lib/docker (overlay2 cannot sit on tmpfs or overlay).
  const dataDir = `/var/lib/tskube-test-dockerd-${id}`;
  // Short: the containerd socket path inside must fit a unix socket name.
  const execDir = `/run/tskube-test-dockerd-${id}`;
  const socket = join(execDir, 'docker.sock');
  const logFile = join(dataDir, 'dockerd.log');
  const bin = await dockerdBinary();
  // A default bridge of its own and no iptables/NAT: nothing the machine's dockerd
  // manages. (Not --bridge=none: a dockerd started so deletes the docker0 link.)
  const bridge = `tskbr${id}`;
  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', '10.218.255.1/24', 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
  const args = ['--host', `unix://${socket}`, '--data-root', join(dataDir, 'data'), '--exec-root', join(execDir, 'exec'),
    '--pidfile', join(execDir, 'docker.pid'), '--bridge', bridge, '--iptables=false', '--ip-masq=false'];
  const docker = (...a: string[]): Promise<{ stdout: string }> => run('docker', ['-H', `unix://${socket}`, ...a], { maxBuffer: 16 << 20 });
  let proc: ChildHandle | undefined;
  const start = async (): Promise<void> => {
    proc = spawnProcess(bin, args, { logFile });
    const exited = proc.exited.then(async () => {
      throw new Error(`the test dockerd exited:\n${(await readFile(logFile, "utf8").catch(() => "")).split("\n").filter((l) => !l.includes("module=grpc")).slice(-15).join("\n")}`);
    });
    exited.catch(() => undefined);
    await Promise.race([exited, waitFor(() => docker('info').then(() => true, () => false),
      { timeoutMs: 60_000, intervalMs: 200, what: `the test dockerd to answer (log: ${logFile})` })]);
  };
  const handle: DockerdHandle = {
    socket,
    runtime: new DockerRuntime({ log: pino({ level: 'silent' }), socketPath: socket }),
    get running() { return !!proc?.running; },
    async kill9() {
      const containerdPid = (await readFile(join(execDir, 'exec', 'containerd', 'containerd.pid'), 'utf8').catch(() => '')).trim();
      await proc?.kill9();
      // containerd outlives a killed dockerd only as an orphan until it is reaped; a
      // dockerd started while /proc still shows it would try to reuse it and time out.
      if (containerdPid) {
        await waitFor(() => !existsSync(`/proc/${containerdPid}`), { timeoutMs: 30_000, intervalMs: 100, what: `the killed dockerd's containerd (pid ${containerdPid}) to be gone` });
      }
    },
    start,
    async cleanup() {
      try {
        if (!proc?.running) await start();
        const ids = (await docker('ps', '-aq')).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker('rm', '-f', ...ids);
        const nets = (await docker('network', 'ls', '-q', '--filter', 'type=custom')).stdout.split('\n').filter(Boolean);
        if (nets.length) await docker('network', 'rm', ...nets);
      } finally {
        await proc?.stop();
        for (const m of await mountsUnder([dataDir, execDir])) await run('umount', ['-l', m]).catch(() => undefined);
        if (!process.env.TSKUBE_KEEP_LOGS) await rm(dataDir, { recursive: true, force: true });
        await rm(execDir, { recursive: true, force: true });
        await run('ip', ['link', 'del', bridge]).catch(() => undefined);
      }
    },
  };
  try {
    await start();
    await run('sh', ['-c', `docker save ${o.images.join(' ')} | docker -H unix://${socket} load`], { maxBuffer: 16 << 20 });
  } catch (err) {
    await handle.cleanup().catch(() => undefined);
    throw err;
  }
  return handle;
}

/** A pod spec as tests write it: nodeName is filled in by PodApi.create. */
export type TestPodSpec = Omit<NonNullable<Pod['spec']>, 'nodeName'>;

/** The pod API calls kubelet tests make, against one control plane and one kubelet. */
export interface PodApi {
  /** Creates a pod bound to the kubelet's node (terminationGracePeriodSeconds 1 unless given). */
  create(name: string, spec: TestPodSpec, metadata?: Pod['metadata']): Promise<Pod>;
  get(name: string): Promise<Pod | undefined>;
  /** Polls until cond holds (the failure says the last status and where the kubelet's log is). */
  wait(name: string, what: string, cond: (p: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  /** A container's output through the apiserver's pods/log; query adds parameters, e.g. '&previous=true'. */
  log(pod: string, container: string, query?: string): Promise<{ status: number; text: string }>;
  /** Polls the container's output until cond holds; resolves with it. */
  waitLog(pod: string, container: string, cond: (text: string) => boolean): Promise<string>;
  /** The status of one container of a pod. */
  status(p: Pod, container: string): ContainerStatus | undefined;
  /** The events about a pod (involvedObject.name). */
  events(pod: string): Promise<{ reason: string; message: string; type: string }[]>;
  /** Deletes a pod and resolves once the kubelet has stopped it and the object is gone. */
  remove(name: string): Promise<void>;
  /** Creates (or replaces) any namespaced object of the core group, e.g. ('configmaps', {...}). */
  put(resource: string, obj: { metadata: { name: string } } & Record<string, unknown>): Promise<void>;
}

export function podApi(cp: () => ControlPlane, kubelet: () => KubeletHandle, ns = 'default'): PodApi {
  const base = (): string => `/api/v1/namespaces/${ns}`;
  const api: PodApi = {
    async create(name, spec, metadata = {}) {
      const res = await http(cp().url, 'POST', `${base()}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name }, spec: { nodeName: kubelet().nodeName, terminationGracePeriodSeconds: 1, ...spec },
      });
      if (res.status !== 201) throw new Error(`creating pod ${name}: ${res.status} ${res.text}`);
      return res.json as Pod;
    },
    async get(name) {
      const res = await http(cp().url, 'GET', `${base()}/pods/${name}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`getting pod ${name}: ${res.status} ${res.text}`);
      return res.json as Pod;
    },
    async wait(name, what, cond, timeoutMs = 20_000) {
      let last: Pod | undefined;
      try {
        await waitFor(async () => {
          last = await api.get(name);
          return !!last && cond(last);
        }, { timeoutMs, intervalMs: 100, what: `${name} ${what}` });
      } catch (err) {
        throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}; kubelet log: ${kubelet().logFile}`);
      }
      return last!;
    },
    async log(pod, container, query = '') {
      const res = await http(cp().url, 'GET', `${base()}/pods/${pod}/log?container=${container}${query}`);
      return { status: res.status, text: res.text };
    },
    async waitLog(pod, container, cond) {
      let last = '';
      try {
        await waitFor(async () => {
          const r = await api.log(pod, container);
          last = `${r.status} ${r.text}`;
          return r.status === 200 && cond(r.text);
        }, { timeoutMs: 20_000, intervalMs: 100, what: `logs of ${pod}/${container}` });
      } catch (err) {
        const p = await api.get(pod).catch(() => undefined);
        throw new Error(`${(err as Error).message}; last: ${last}; status: ${JSON.stringify(p?.status)}; kubelet log: ${kubelet().logFile}`);
      }
      return last.slice(4);
    },
    status: (p, container) => p.status?.containerStatuses?.find((s) => s.name === container),
    async events(pod) {
      const res = await http(cp().url, 'GET', `${base()}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${pod}`)}`);
      return (res.json?.items ?? []) as { reason: string; message: string; type: string }[];
    },
    async remove(name) {
      const res = await http(cp().url, 'DELETE', `${base()}/pods/${name}`);
      if (res.status !== 200 && res.status !== 202) throw new Error(`deleting pod ${name}: ${res.status} ${res.text}`);
      await waitFor(async () => (await api.get(name)) === undefined, { timeoutMs: 30_000, what: `pod ${name} to be deleted (kubelet log: ${kubelet().logFile})` });
    },
    async put(resource, obj) {
      const existing = await http(cp().url, 'GET', `${base()}/${resource}/${obj.metadata.name}`);
      const res = existing.status === 200
        ? await http(cp().url, 'PUT', `${base()}/${resource}/${obj.metadata.name}`, { ...obj, metadata: { ...obj.metadata, resourceVersion: existing.json.metadata.resourceVersion } })
        : await http(cp().url, 'POST', `${base()}/${resource}`, obj);
      if (res.status !== 200 && res.status !== 201) throw new Error(`writing ${resource}/${obj.metadata.name}: ${res.status} ${res.text}`);
    },
  };
  return api;
}
