// Starts the control-plane processes that act on objects, for integration tests:
// kube-controller-manager and kube-scheduler as their own processes on a
// ControlPlane, with short leader-election timings, logs in the control plane's dir.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { componentCommand, type ControlPlane } from './apiserver.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

const FAST_ELECTION = ['--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms'];
const logLevel = (): string => process.env.TSKUBE_TEST_LOG_LEVEL ?? 'info';

export interface ControllerManagerHandle extends ChildHandle {
  /** Port of its /healthz and /metrics. */
  port: number;
}

let seq = 0;

/**
 * kube-controller-manager with fast leader election and the given extra flags (e.g.
 * `['--controllers', 'replicaset-controller', '--node-monitor-grace-period', '4s']`).
 * Resolves once /healthz answers.
 */
export async function startControllerManager(cp: ControlPlane, args: string[] = [], tag = `${++seq}`): Promise<ControllerManagerHandle> {
  const portFile = join(cp.dir, `controller-manager-${tag}.port`);
  const child = spawnProcess(process.execPath, [
    ...componentCommand('controller-manager'), '--kubeconfig', cp.kubeconfig, '--port', '0', '--port-file', portFile,
    ...FAST_ELECTION, '--log-level', logLevel(), ...args,
  ], { logFile: join(cp.dir, `controller-manager-${tag}.log`) });
  const exited = child.exited.then(() => { throw new Error(`kube-controller-manager exited; see ${child.logFile}`); });
  exited.catch(() => undefined);
  await Promise.race([exited, waitFor(async () => existsSync(portFile) && (await readFile(portFile, 'utf8')).length > 0,
    { timeoutMs: 30_000, what: 'kube-controller-manager to listen' })]);
  const { port } = JSON.parse(await readFile(portFile, 'utf8')) as { port: number };
  return {
    pid: child.pid, logFile: child.logFile, exited: child.exited, port,
    get running() { return child.running; },
    stop: () => child.stop(),
    kill9: () => child.kill9(),
  };
}

/** kube-scheduler with fast leader election. */
export function startScheduler(cp: ControlPlane, args: string[] = [], tag = `${++seq}`): ChildHandle {
  return spawnProcess(process.execPath, [
    ...componentCommand('scheduler'), '--kubeconfig', cp.kubeconfig, ...FAST_ELECTION, '--log-level', logLevel(), ...args,
  ], { logFile: join(cp.dir, `scheduler-${tag}.log`) });
}

/** A RestClient on the control plane's kubeconfig (admin); close() it in `after`. */
export function adminClient(cp: ControlPlane, o: { connections?: number } = {}): RestClient {
  return new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'tskube-test', ...o });
}
