// Starts a real etcd and the real kube-apiserver process on free ports for a test
// file, and writes a kubeconfig for kubectl and client libraries.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { writeAdminKubeconfig } from '../../apiserver/kubeconfig.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { NODE_FLAGS } from '../../client/node-flags.js';
import { BUNDLES, type Bundle } from '../../scripts/bundles.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * How to run a component: its one-file bundle once built (scripts/bundles.ts), its built
 * main.js (the kubelet), or its .ts source through tsx when not built.
 */
export function componentCommand(component: string): string[] {
  const bundled = (BUNDLES as Record<string, Bundle>)[component];
  const bundle = bundled ? resolve(here, '../..', bundled.out) : undefined;
  if (bundle && existsSync(bundle)) return [bundle];
  const js = resolve(here, `../../${component}/main.js`);
  if (existsSync(js)) return [js];
  return ['--import', 'tsx', resolve(here, `../../${component}/main.ts`)];
}

export interface ControlPlane {
  etcd: EtcdHandle;
  /** Plain-HTTP URL of the apiserver, for raw API tests. */
  url: string;
  port: number;
  /** HTTPS URL, what the kubeconfig (kubectl, client-node) uses. */
  secureUrl: string;
  securePort: number;
  /** PEM of the CA the apiserver's serving certificate chains to. */
  ca: string;
  dir: string;
  kubeconfig: string;
  apiserver: ChildHandle;
  /**
   * Stops the apiserver (SIGTERM, or SIGKILL with { kill: true }: a crash) and starts
   * it again on the same ports and etcd.
   */
  restartApiserver(opts?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Extra apiserver flags, e.g. ['--etcd-compaction-interval', '1']. */
  args?: string[];
  /**
   * Run the ServiceAccount admission plugin (pods need their service account to exist,
   * which the controller manager's serviceaccount controller creates). Off by default,
   * as in Kubernetes' own apiserver integration tests, for files without a controller manager.
   */
  serviceAccountAdmission?: boolean;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const etcd = await startEtcd();
  const dir = await mkdtemp(join(tmpdir(), 'tskube-apiserver-'));
  const portFile = join(dir, 'port');
  const logFile = join(dir, 'apiserver.log');
  let port = 0;
  let securePort = 0;
  const launch = async (): Promise<ChildHandle> => {
    await rm(portFile, { force: true });
    // With the Node flags the apiserver runs with everywhere else (client/node-flags.ts),
    // so the benchmarks measure it as users run it.
    const child = spawnProcess(process.execPath, [
      ...NODE_FLAGS['kube-apiserver'], ...componentCommand('apiserver'), '--etcd-servers', etcd.endpoint, '--port', String(port), '--secure-port', String(securePort),
      '--cert-dir', join(dir, 'pki'), '--port-file', portFile, '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'warn',
      ...(opts.serviceAccountAdmission ? [] : ['--disable-admission-plugins', 'ServiceAccount']), ...(opts.args ?? []),
    ], { logFile });
    // Fail at once, with its log, if the apiserver exits instead of listening.
    const exited = child.exited.then(async () => { throw new Error(`kube-apiserver exited; see ${logFile}:\n${await tail(logFile)}`); });
    await Promise.race([exited, waitFor(async () => existsSync(portFile) && (await readFile(portFile, 'utf8')).length > 0,
      { timeoutMs: 30_000, what: 'kube-apiserver to listen' })]);
    exited.catch(() => undefined);
    ({ port, securePort } = JSON.parse(await readFile(portFile, 'utf8')) as { port: number; securePort: number });
    return child;
  };
  let first: ChildHandle;
  try {
    first = await launch();
  } catch (err) {
    // Leave nothing behind when the apiserver cannot start.
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const cp: ControlPlane = {
    etcd, dir, kubeconfig: join(dir, 'kubeconfig'), port: 0, url: '', securePort: 0, secureUrl: '', ca: '',
    apiserver: first,
    async restartApiserver(o = {}) {
      if (o.kill) await cp.apiserver.kill9();
      else await cp.apiserver.stop();
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
  cp.securePort = securePort;
  cp.secureUrl = `https://127.0.0.1:${securePort}`;
  cp.ca = await readFile(join(dir, 'pki', 'ca.crt'), 'utf8');
  await writeAdminKubeconfig(cp.kubeconfig, cp.secureUrl, join(dir, 'pki'));
  return cp;
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
