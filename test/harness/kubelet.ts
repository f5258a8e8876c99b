// Starts a real kubelet process for a test file: its own node name, pod network and
// root dir, the local pause image, a short CrashLoopBackOff; cleanup() removes every
// container carrying the node's label and the network, whatever the test did.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
}

export async function startKubelet(cp: ControlPlane, o: KubeletOptions): Promise<KubeletHandle> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const nodeName = `${o.name}-${suffix}`;
  const network = `tskube-test-${o.name}-${suffix}`;
  const dir = await mkdtemp(join(tmpdir(), 'tskube-kubelet-'));
  const rootDir = join(dir, 'root');
  const logFile = join(dir, 'kubelet.log');
  const runtime = new DockerRuntime({ log: pino({ level: 'silent' }) });
  const args = [
    ...KUBELET_NODE_FLAGS, ...componentCommand('kubelet'), '--master', cp.url, '--node-name', nodeName, '--node-ip', '127.0.0.1',
    '--address', '127.0.0.1', '--port', '0', '--root-dir', rootDir, '--pause-image', LOCAL_PAUSE_IMAGE,
    '--pod-network', network, '--pod-network-cidr', o.cidr, '--crashloop-backoff-base', '1',
    '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'debug', ...(o.args ?? []),
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
