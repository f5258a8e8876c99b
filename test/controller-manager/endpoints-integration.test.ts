// The Endpoints and EndpointSlice controllers in a real kube-controller-manager process
// against the real apiserver and etcd, with pods made Running and Ready by the hollow
// kubelet on two nodes (pods are bound with spec.nodeName: no scheduler). One control
// plane for the file; --max-endpoints-per-slice 3 so 7 pods need 3 slices.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Pod, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { WatchEvent } from '../../api/types/meta.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

const NS = 'default';
// Waits cover a pod's round trip through the hollow kubelet, the informers and a write
// on a 2-core machine shared with other test processes: seconds, never minutes.
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let cm: ControllerManagerHandle;
/** Pods the hollow kubelet reports as not Ready. */
const notReady = new Set<string>();

const pods = () => resourceClient<Pod>(rest, 'pods');
const services = () => resourceClient<Service>(rest, 'services');
const endpoints = () => resourceClient<Endpoints>(rest, 'endpoints');
const slices = () => resourceClient<EndpointSlice>(rest, 'endpointslices.discovery.k8s.io');

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({
    rest, nodes: 2, renewIntervalMs: 2000, labels: (_n, i) => ({ 'topology.kubernetes.io/zone': `zone-${i}` }),
    podReady: (p) => !notReady.has(p.metadata.name as string),
  });
  await hollow.start();
  cm = await startControllerManager(cp, ['--controllers', 'endpoints-controller,endpointslice-controller', '--max-endpoints-per-slice', '3']);
});

after(async () => {
  await cm?.stop();
  await hollow?.stop({ deleteNodes: true });
  await rest?.close();
  await cp?.stop();
});

function podOf(name: string, app: string, node: number, httpPort = 8080): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app } },
    spec: { nodeName: `hollow-node-${node}`, containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: httpPort }] }] },
  };
}

function serviceOf(name: string, app: string, targetPort: number | string = 'http'): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels: { team: 'a' } },
    spec: { selector: { app }, ports: [{ name: 'web', port: 80, targetPort }] },
  };
}

async function podIP(name: string): Promise<string> {
  let ip = '';
  await waitFor(async () => !!(ip = (await pods().get(NS, name)).status?.podIP ?? ''), { ...WAIT, what: `${name} to get an IP` });
  return ip;
}

const addressIPs = (ep: Endpoints, field: 'addresses' | 'notReadyAddresses'): string[] =>
  (ep.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();

async function slicesOf(svc: string): Promise<EndpointSlice[]> {
  return (await slices().list(NS, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
}

/** Reconciles of a controller so far, from the controller manager's /metrics. */
async function reconciles(controller: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
  const m = new RegExp(`^controller_reconcile_duration_seconds_count\\{controller="${controller}",result="success"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Writes (create, update, patch, delete) the apiserver has answered for a resource, from its /metrics. */
async function writes(resource: string): Promise<number> {
  const text = await (await fetch(`${cp.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    if (/verb="(create|update|patch|delete|deletecollection)"/.test(m[1]) && m[1].includes(`resource="${resource}"`)) n += Number(m[2]);
  }
  return n;
}

describe('a service selecting pods', () => {
  let ips: Record<string, string>;

  before(async () => {
    await services().create(NS, serviceOf('web', 'web'));
    // web-2 names its http port 9090: the named targetPort resolves per pod.
    await Promise.all([podOf('web-0', 'web', 0), podOf('web-1', 'web', 1), podOf('web-2', 'web', 1, 9090)].map((p) => pods().create(NS, p)));
    ips = { 'web-0': await podIP('web-0'), 'web-1': await podIP('web-1'), 'web-2': await podIP('web-2') };
  });

  it('gets Endpoints with the ready pod IPs, named ports resolved per pod', async () => {
    let ep: Endpoints | undefined;
    await waitFor(async () => addressIPs(ep = await endpoints().get(NS, 'web'), 'addresses').length === 3, { ...WAIT, what: 'web Endpoints with 3 addresses' });
    const subsets = ep!.subsets ?? [];
    const byPort = new Map(subsets.map((s) => [s.ports?.[0].port, (s.addresses ?? []).map((a) => a.ip).sort()]));
    assert.deepEqual(byPort, new Map([[8080, [ips['web-0'], ips['web-1']].sort()], [9090, [ips['web-2']]]]));
    const web0 = subsets.flatMap((s) => s.addresses ?? []).find((a) => a.ip === ips['web-0']);
    assert.equal(web0?.nodeName, 'hollow-node-0');
    assert.deepEqual({ ...web0?.targetRef, uid: undefined }, { kind: 'Pod', namespace: NS, name: 'web-0', uid: undefined });
    assert.equal(web0?.targetRef?.uid, (await pods().get(NS, 'web-0')).metadata.uid);
    assert.deepEqual(subsets[0].ports?.map((p) => [p.name, p.protocol]), [['web', 'TCP']]);
    assert.deepEqual(ep!.metadata.labels, { team: 'a' });
    assert.ok(ep!.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
  });

  it('gets EndpointSlices: one per port mapping, ready endpoints with node, zone and an owner reference', async () => {
    let list: EndpointSlice[] = [];
    await waitFor(async () => (list = await slicesOf('web')).flatMap((s) => s.endpoints ?? []).length === 3, { ...WAIT, what: 'web slices with 3 endpoints' });
    const svc = await services().get(NS, 'web');
    assert.deepEqual(new Map(list.map((s) => [s.ports?.[0].port, (s.endpoints ?? []).map((e) => e.addresses[0]).sort()])),
      new Map([[8080, [ips['web-0'], ips['web-1']].sort()], [9090, [ips['web-2']]]]));
    for (const s of list) {
      assert.equal(s.addressType, 'IPv4');
      assert.match(s.metadata.name as string, /^web-/);
      assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
      assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const web0 = list.flatMap((s) => s.endpoints ?? []).find((e) => e.targetRef?.name === 'web-0');
    assert.deepEqual([web0?.conditions, web0?.nodeName, web0?.zone], [{ ready: true, serving: true, terminating: false }, 'hollow-node-0', 'zone-0']);
  });

  it('a pod turning unready moves to notReadyAddresses and ready=false', async () => {
    notReady.add('web-1');
    hollow.resync();
    await waitFor(async () => addressIPs(await endpoints().get(NS, 'web'), 'notReadyAddresses').join() === ips['web-1'], { ...WAIT, what: 'web-1 not ready in Endpoints' });
    await waitFor(async () => {
      const e = (await slicesOf('web')).flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.name === 'web-1');
      return e?.conditions?.ready === false && e.conditions.serving === false;
    }, { ...WAIT, what: 'web-1 ready=false in its slice' });
    notReady.delete('web-1');
    hollow.resync();
    await waitFor(async () => addressIPs(await endpoints().get(NS, 'web'), 'addresses').length === 3, { ...WAIT, what: 'web-1 ready again' });
  });

  it('nothing is written while nothing changes', async () => {
    // Everything settled: web-1's return to Ready is in the slices too.
    await waitFor(async () => (await slicesOf('web')).flatMap((s) => s.endpoints ?? []).every((e) => e.conditions?.ready), { ...WAIT, what: 'web slices settled' });
    const [epList, sliceList] = await Promise.all([endpoints().list(NS), slices().list(NS)]);
    const events: string[] = [];
    const stop = new AbortController();
    const watch = async (client: typeof endpoints | typeof slices, rv: string): Promise<void> => {
      try {
        for await (const ev of client().watch(NS, { resourceVersion: rv }, stop.signal) as AsyncIterable<WatchEvent>) {
          if (ev.type !== 'BOOKMARK') events.push(`${ev.type} ${ev.object.kind} ${ev.object.metadata.name}`);
        }
      } catch (err) {
        if (!stop.signal.aborted) throw err;
      }
    };
    const watching = [watch(endpoints, epList.metadata?.resourceVersion as string), watch(slices, sliceList.metadata?.resourceVersion as string)];
    try {
      const before = { ep: await reconciles('endpoints-controller'), slice: await reconciles('endpointslice-controller') };
      const writesBefore = [await writes('endpoints'), await writes('endpointslices')];
      assert.ok(writesBefore.every((n) => n > 0), `writes so far: ${writesBefore}`);
      // A service change the endpoints do not show, and a kubelet pass over every pod: both controllers sync web again.
      const svc = await services().get(NS, 'web');
      svc.metadata.annotations = { touched: 'yes' };
      await services().update(NS, svc);
      hollow.resync();
      await waitFor(async () => await reconciles('endpoints-controller') > before.ep && await reconciles('endpointslice-controller') > before.slice,
        { ...WAIT, what: 'both controllers to sync web again' });
      // Not a single write was sent (the apiserver would swallow a no-op one: the watch alone cannot tell).
      assert.deepEqual([await writes('endpoints'), await writes('endpointslices')], writesBefore);
    } finally {
      stop.abort();
      await Promise.all(watching);
    }
    assert.deepEqual(events, []);
  });

  it('a deleted pod leaves the Endpoints and its slice', async () => {
    await pods().delete(NS, 'web-0');
    await waitFor(async () => !addressIPs(await endpoints().get(NS, 'web'), 'addresses').includes(ips['web-0']), { ...WAIT, what: 'web-0 gone from Endpoints' });
    await waitFor(async () => !(await slicesOf('web')).flatMap((s) => s.endpoints ?? []).some((e) => e.targetRef?.name === 'web-0'), { ...WAIT, what: 'web-0 gone from slices' });
  });

  it('kubectl get endpoints and endpointslices show them', async () => {
    const ep = await kubectl(cp, 'get', 'endpoints', 'web', '-n', NS);
    assert.match(ep, /^NAME\s+ENDPOINTS\s+AGE/);
    assert.ok(ep.includes(`${ips['web-1']}:8080`) && ep.includes(`${ips['web-2']}:9090`), ep);
    const es = await kubectl(cp, 'get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web');
    assert.match(es, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE/);
    assert.match(es, new RegExp(`web-\\S+\\s+IPv4\\s+9090\\s+${ips['web-2'].replace(/\./g, '\\.')}\\s`));
  });
});

describe('7 pods and at most 3 endpoints per slice', () => {
  let uid: string;

  before(async () => {
    // Pods first, all with IPs, then the service: its first sync sees all 7. (Pods that come
    // one by one are packed with as few writes as possible, not as tightly as possible.)
    await Promise.all(Array.from({ length: 7 }, (_, i) => pods().create(NS, podOf(`many-${i}`, 'many', i % 2))));
    for (let i = 0; i < 7; i++) await podIP(`many-${i}`);
    uid = (await services().create(NS, serviceOf('many', 'many', 8080))).metadata.uid as string;
  });

  it('are 3 slices of 3, 3 and 1, and one Endpoints of 7', async () => {
    await waitFor(async () => (await slicesOf('many')).map((s) => s.endpoints?.length ?? 0).sort().join() === '1,3,3', { ...WAIT, what: 'slices of 3, 3 and 1' });
    await waitFor(async () => addressIPs(await endpoints().get(NS, 'many'), 'addresses').length === 7, { ...WAIT, what: 'Endpoints of 7' });
  });

  it('deleting the service deletes its Endpoints; its slices are left to the garbage collector through their ownerReference', async () => {
    const before = await slicesOf('many');
    await services().delete(NS, 'many');
    await waitFor(async () => endpoints().get(NS, 'many').then(() => false, () => true), { ...WAIT, what: 'many Endpoints deleted' });
    const left = await slicesOf('many');
    // No garbage collector runs here: the slices stay as they were, owned by the deleted service.
    assert.deepEqual(left.map((s) => s.metadata.resourceVersion).sort(), before.map((s) => s.metadata.resourceVersion).sort());
    for (const s of left) assert.equal(s.metadata.ownerReferences?.[0].uid, uid);
  });
});

describe('the kubernetes service', () => {
  it('keeps the Endpoints and EndpointSlice the apiserver writes', async () => {
    const ep = await endpoints().get(NS, 'kubernetes');
    const slice = await slices().get(NS, 'kubernetes');
    assert.equal(ep.subsets?.[0].ports?.[0].name, 'https');
    assert.equal(ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');
    assert.equal(slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], undefined);
    assert.equal(slice.metadata.generation, 1);
    // Synced (a service update queues it) and left alone: still the first write.
    const svc = await services().get(NS, 'kubernetes');
    svc.metadata.annotations = { touched: 'yes' };
    const before = { ep: await reconciles('endpoints-controller'), slice: await reconciles('endpointslice-controller') };
    await services().update(NS, svc);
    await waitFor(async () => await reconciles('endpoints-controller') > before.ep && await reconciles('endpointslice-controller') > before.slice,
      { ...WAIT, what: 'both controllers to sync kubernetes' });
    assert.equal((await endpoints().get(NS, 'kubernetes')).metadata.resourceVersion, ep.metadata.resourceVersion);
    assert.equal((await slices().get(NS, 'kubernetes')).metadata.resourceVersion, slice.metadata.resourceVersion);
    assert.deepEqual((await slicesOf('kubernetes')).map((s) => s.metadata.name), ['kubernetes']);
  });
});
