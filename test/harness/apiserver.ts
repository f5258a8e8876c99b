// Starts a real etcd and the real kube-apiserver process on free ports for a test
// file, and writes a kubeconfig for kubectl and client libraries.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The built main.js of a component, or its .ts source run through tsx when not built. */
export function componentCommand(component: string): string[] {
  const js = resolve(here, `../../${component}/main.js`);
  if (existsSync(js)) return [js];
  return ['--import', 'tsx', resolve(here, `../../${component}/main.ts`)];
}

export interface ControlPlane {
  etcd: EtcdHandle;
  url: string;
  port: number;
  dir: string;
  kubeconfig: string;
  apiserver: ChildHandle;
  /** Stops the apiserver (SIGTERM) and starts it again on the same port and etcd. */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Extra apiserver flags, e.g. ['--etcd-compaction-interval', '1']. */
  args?: string[];
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'tskube-apiserver-'));
  const portFile = join(dir, 'port');
  const logFile = join(dir, 'apiserver.log');
  let port = 0;
  const launch = async (): Promise<ChildHandle> => {
    await rm(portFile, { force: true });
    const child = spawnProcess(process.execPath, [
      ...componentCommand('apiserver'), '--etcd-servers', etcd.endpoint, '--port', String(port),
      '--port-file', portFile, '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'warn', ...(opts.args ?? []),
    ], { logFile });
    await waitFor(async () => {
      if (!child.running) throw new Error(`kube-apiserver exited; see ${logFile}:\n${await tail(logFile)}`);
      return existsSync(portFile) && (await readFile(portFile, 'utf8')).length > 0;
    }, { timeoutMs: 30_000, what: 'kube-apiserver to listen' });
    port = Number(await readFile(portFile, 'utf8'));
    return child;
  };
  const cp: ControlPlane = {
    etcd, dir, kubeconfig: join(dir, 'kubeconfig'), port: 0, url: '',
    apiserver: await launch(),
    async restartApiserver() {
      await cp.apiserver.stop();
      cp.apiserver = await launch();
    },
    async stop() {
      await cp.apiserver.stop();
      await etcd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  cp.port = port;
  cp.url = `http://127.0.0.1:${port}`;
  await writeFile(cp.kubeconfig, kubeconfigYaml(cp.url));
  return cp;
}

export function kubeconfigYaml(server: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: tskube
  cluster:
    server: ${server}
contexts:
- name: tskube
  context:
    cluster: tskube
    user: admin
    namespace: default
current-context: tskube
users:
- name: admin
  user: {}
`;
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
