// A StatefulSet end to end: a real kubelet on Docker (pods get the cluster DNS in their
// resolv.conf), the real kube-proxy with its cluster DNS, the controller manager and
// the scheduler. A set of 2 behind a headless Service comes up in order; from inside
// each pod its own name `<pod>.<service>.<ns>.svc.cluster.local` (and its sibling's)
// resolves to that pod's IP, as Kubernetes' DNS specification asks for pods with
// hostname and subdomain; a deleted pod comes back under the same name and its DNS
// name follows it to its new IP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { holdHostLock } from '../harness/host-lock.js';
import { http } from '../harness/http.js';
import { cleanupNode, DEFAULT_SERVICE_CIDR, nodeLeftovers, startKubeProxy, type KubeProxyHandle } from '../harness/kube-proxy.js';
import { kubectl } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

// kube-proxy owns the service range on this host: never beside another such file.
await holdHostLock();

const NS = 'sts-e2e';
const DOMAIN = 'cluster.local';
const CLUSTER_DNS = '10.96.0.10';
/** This file's pod network (unique in test/). */
const POD_CIDR = '10.251.0.0/16';

/** Resolves a name through the pod's resolver (getaddrinfo: resolv.conf, search path); prints {"addresses"} or {"error"}. */
const LOOKUP = `require('dns').lookup(process.argv[1], { all: true, family: 4 }, (e, a) => {
  console.log(JSON.stringify(e ? { error: e.code } : { addresses: a.map((x) => x.address) }));
});`;

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let kp: KubeProxyHandle | undefined;

const api = async (method: string, path: string, body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  const res = await http(cp.url, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
};

const readyPods = async (): Promise<Pod[]> =>
  ((await api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dweb`)) as { items: Pod[] }).items
    .filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));

/** What `name` resolves to from inside pod's container. */
async function lookupIn(pod: string, name: string): Promise<{ addresses?: string[]; error?: string }> {
  const [c] = (await kubelet.runtime.list({
    labels: { [LABEL_NODE]: kubelet.nodeName, [LABEL_POD_NAMESPACE]: NS, [LABEL_POD_NAME]: pod, [LABEL_CONTAINER_NAME]: 'web' },
  })).filter((x) => x.state === 'running');
  assert.ok(c, `${pod}'s container runs`);
  const r = await kubelet.runtime.exec(c.id, ['/usr/bin/node', '-e', LOOKUP, name], { timeoutMs: 30_000, maxOutputBytes: 1 << 16 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.exitCode !== 0 || !line.startsWith('{')) throw new Error(`node -e in ${pod}: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
  return JSON.parse(line) as { addresses?: string[]; error?: string };
}

/** Waits until name resolves from pod to exactly ip. */
async function resolvesTo(pod: string, name: string, ip: string): Promise<void> {
  let last: unknown;
  try {
    await waitFor(async () => {
      last = await lookupIn(pod, name);
      return JSON.stringify((last as { addresses?: string[] }).addresses) === JSON.stringify([ip]);
    }, { timeoutMs: 20_000, intervalMs: 250, what: `${name} from ${pod}` });
  } catch (err) {
    throw new Error(`${name} from ${pod} did not resolve to ${ip}: last ${JSON.stringify(last)} (kube-proxy log: ${kp?.logFile})`, { cause: err });
  }
}

describe('a StatefulSet with a real kubelet, kube-proxy\'s cluster DNS and kubectl', { timeout: 300_000 }, () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, {
      name: 'sts-e2e', cidr: POD_CIDR,
      args: ['--log-level', 'info', '--cluster-dns', CLUSTER_DNS, '--cluster-domain', DOMAIN, '--resolv-conf', '', '--service-cluster-ip-range', DEFAULT_SERVICE_CIDR],
    });
    scheduler = startScheduler(cp, [], 'sts-e2e');
    cm = await startControllerManager(cp, ['--controllers', 'statefulset-controller,endpointslice-controller,endpoints-controller'], 'sts-e2e');
    kp = await startKubeProxy(cp, { mode: 'userspace', nodeName: kubelet.nodeName, tag: 'sts-e2e' });
    await waitFor(async () => (await http(cp.url, 'GET', '/api/v1/namespaces/kube-system/services/kube-dns')).status === 200,
      { timeoutMs: 15_000, what: 'kube-proxy to create kube-system/kube-dns' });
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });

  after(async () => {
    const failures: unknown[] = [];
    const step = async (f: () => Promise<unknown> | undefined): Promise<void> => {
      try {
        await f();
      } catch (err) {
        failures.push(err);
      }
    };
    await step(() => kp?.stop());
    await step(() => cm?.stop());
    await step(() => scheduler?.stop());
    await step(() => kubelet?.cleanup());
    await step(() => cp?.stop());
    const left = kp ? await nodeLeftovers() : [];
    if (left.length) {
      await cleanupNode();
      failures.push(new Error(`left on the node after kube-proxy stopped: ${left.join(', ')}`));
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length) throw new AggregateError(failures, failures.map((f) => (f as Error).message).join('; '));
  });

  it('each pod resolves its own DNS name <pod>.<service>.<ns>.svc.cluster.local, and its sibling\'s, to the pod IP', async () => {
    await api('POST', `/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    });
    await api('POST', `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: LOCAL_TESTSERVER_IMAGE, imagePullPolicy: 'Never' }] },
        },
      },
    });
    const out = await kubectl(cp, 'rollout', 'status', 'statefulset/web', '-n', NS, '--timeout=120s');
    assert.match(out, /partitioned roll out complete: 2 new pods have been updated\.\.\./);
    const pods = await readyPods();
    assert.deepEqual(pods.map((p) => p.metadata.name), ['web-0', 'web-1']);
    // Ordered: web-1 was created no earlier than web-0 became Ready.
    const readyAt = pods[0].status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
    assert.ok((pods[1].metadata.creationTimestamp ?? '') >= readyAt, `web-1 created at ${pods[1].metadata.creationTimestamp}, web-0 ready at ${readyAt}`);
    for (const self of pods) {
      const name = self.metadata.name!;
      await resolvesTo(name, `${name}.web.${NS}.svc.${DOMAIN}`, self.status!.podIP!);
      // The search path: <pod>.<service> from inside the namespace.
      await resolvesTo(name, `${name}.web`, self.status!.podIP!);
      const sibling = pods.find((p) => p !== self)!;
      await resolvesTo(name, `${sibling.metadata.name}.web.${NS}.svc.${DOMAIN}`, sibling.status!.podIP!);
    }
  });

  it('a deleted pod comes back under the same name, and its DNS name follows its new IP', async () => {
    const [, before] = await readyPods();
    await api('DELETE', `/api/v1/namespaces/${NS}/pods/web-1`);
    let again: Pod | undefined;
    await waitFor(async () => {
      again = (await readyPods()).find((p) => p.metadata.name === 'web-1');
      return !!again && again.metadata.uid !== before.metadata.uid && !!again.status?.podIP;
    }, { timeoutMs: 90_000, intervalMs: 250, what: 'web-1 back and ready' });
    await resolvesTo('web-0', `web-1.web.${NS}.svc.${DOMAIN}`, again!.status!.podIP!);
    await resolvesTo('web-1', `web-1.web.${NS}.svc.${DOMAIN}`, again!.status!.podIP!);
  });
});
