// Starts a real kubelet process for a test file: its own node name, pod network and
// root dir, the local pause image, a short CrashLoopBackOff; cleanup() removes every
// container carrying the node's label and the network, whatever the test did.
// startDockerd() runs a Docker Engine of a test's own, for tests that kill dockerd.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { KUBELET_NODE_FLAGS } from '../../kubelet/node-flags.js';
import { LABEL_NODE } from '../../kubelet/pod-worker.js';
import { DockerRuntime } from '../../kubelet/runtime/docker.js';
import { LOCAL_PAUSE_IMAGE } from '../../scripts/images.js';
import { componentCommand, type ControlPlane } from './apiserver.js';
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
  const args = [
    ...KUBELET_NODE_FLAGS, ...componentCommand('kubelet'), '--master', cp.url, '--node-name', nodeName, '--node-ip', '127.0.0.1',
    '--address', '127.0.0.1', '--port', '0', '--root-dir', rootDir, '--pause-image', LOCAL_PAUSE_IMAGE,
    '--pod-network', network, '--pod-network-cidr', o.cidr, '--crashloop-backoff-base', '1',
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
  // No docker0, no iptables/NAT: nothing that the machine's dockerd also manages.
  const args = ['--host', `unix://${socket}`, '--data-root', join(dataDir, 'data'), '--exec-root', join(execDir, 'exec'),
    '--pidfile', join(execDir, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip-masq=false'];
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
