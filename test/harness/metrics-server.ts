// Starts the real metrics-server process for a test's control plane, as the cluster
// does: its own identity (system:serviceaccount:kube-system:metrics-server, a client
// certificate of the cluster CA), its RBAC, Service, EndpointSlice and APIService
// (metrics-server/manifests.ts) pointing at 127.0.0.1:<its port>. The control plane
// must run with --enable-aggregator-routing (the Service has no ClusterIP route here).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureMetricsServerObjects, METRICS_SERVER_USER } from '../../metrics-server/manifests.js';
import { componentCommand, type ControlPlane } from './apiserver.js';
import { adminClient } from './controllers.js';
import { certificate, kubeconfigFor } from './identity.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

export interface MetricsServerHandle extends ChildHandle {
  port: number;
}

/** metrics-server scraping every resolution ("2s"), with extra flags; resolves once its APIService is Available. */
export async function startMetricsServer(cp: ControlPlane, o: { resolution?: string; args?: string[] } = {}): Promise<MetricsServerHandle> {
  const { kubeconfig } = await kubeconfigFor(cp, 'metrics-server.conf', await certificate(cp, METRICS_SERVER_USER));
  const portFile = join(cp.dir, 'metrics-server.port');
  const child = spawnProcess(process.execPath, [
    ...componentCommand('metrics-server'), '--kubeconfig', kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', '0',
    '--port-file', portFile, '--metric-resolution', o.resolution ?? '15s', '--kubelet-preferred-address-types', 'InternalIP',
    '--kubelet-insecure-tls', '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'info', ...(o.args ?? []),
  ], { logFile: join(cp.dir, 'metrics-server.log') });
  const rest = adminClient(cp);
  try {
    // Its RBAC first: it reads the authentication ConfigMap before it listens.
    await ensureMetricsServerObjects(rest, '127.0.0.1', 1);
    const exited = child.exited.then(() => { throw new Error(`metrics-server exited; see ${child.logFile}`); });
    exited.catch(() => undefined);
    await Promise.race([exited, waitFor(async () => existsSync(portFile) && (await readFile(portFile, 'utf8')).length > 0,
      { timeoutMs: 30_000, what: 'metrics-server to listen' })]);
    const { securePort } = JSON.parse(await readFile(portFile, 'utf8')) as { securePort: number };
    await ensureMetricsServerObjects(rest, '127.0.0.1', securePort);
    await waitFor(async () => {
      const s = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>({ method: 'GET', path: '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io' });
      return s.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
    }, { timeoutMs: 30_000, what: 'the metrics APIService to be available' });
    return {
      pid: child.pid, logFile: child.logFile, exited: child.exited, port: securePort,
      get running() { return child.running; },
      stop: () => child.stop(),
      kill9: () => child.kill9(),
    };
  } catch (err) {
    await child.stop();
    throw err;
  } finally {
    await rest.close();
  }
}
