// The kubelet's Node registration, status loop and Lease against the real apiserver
// and etcd, with short periods (200 ms). Each kubelet instance gets its own counting
// RestClient, so "no write when nothing changed" and "nothing after abort" are
// counted requests, measured while another loop's progress serves as the clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from '../../api/types/coordination.js';
import type { Node, NodeCondition } from '../../api/types/core.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { resourceClient } from '../../client/resource-client.js';
import { RestClient, type RequestOptions } from '../../client/rest-client.js';
import { allocatableFrom, goArch, readMachineInfo, type MachineInfo } from '../../kubelet/machine-info.js';
import { NodeLeaseController } from '../../kubelet/node-lease.js';
import {
  KUBELET_VERSION, NodeStatusManager, nodeStatusChanged, type NodeEvent, type NodeStatusOptions, type ReadyState,
} from '../../kubelet/node-status.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

const PERIOD_MS = 200;
const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** A RestClient that remembers every request it sends. */
class CountingRestClient extends RestClient {
  readonly calls: { method: string; path: string }[] = [];
  override request<T = unknown>(o: RequestOptions): Promise<T> {
    this.calls.push({ method: o.method ?? 'GET', path: o.path });
    return super.request<T>(o);
  }
  count(method: string, path: string): number {
    return this.calls.filter((c) => c.method === method && c.path === path).length;
  }
}

interface Kubelet {
  rest: CountingRestClient;
  status: NodeStatusManager;
  lease: NodeLeaseController;
  ac: AbortController;
  done: Promise<unknown>;
  events: NodeEvent[];
}

describe('kubelet node status and lease', () => {
  let cp: ControlPlane;
  let admin: RestClient;
  let machine: MachineInfo;
  const kubelets: Kubelet[] = [];
  const nodes = () => resourceClient<Node>(admin, 'nodes');
  const leases = () => resourceClient<Lease>(admin, 'leases');
  const getNode = (name: string) => nodes().get('', name);
  const getLease = (name: string) => leases().get('kube-node-lease', name);
  const cond = (n: Node, type: string): NodeCondition | undefined => n.status?.conditions?.find((c) => c.type === type);

  before(async () => {
    cp = await startControlPlane();
    admin = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'node-status-test' });
    machine = await readMachineInfo({ capacity: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' } });
  });
  after(async () => {
    for (const k of kubelets) k.ac.abort();
    await Promise.allSettled(kubelets.map((k) => k.done));
    await Promise.allSettled(kubelets.map((k) => k.rest.close()));
    await admin?.close();
    await cp?.stop();
  });

  function startKubelet(nodeName: string, opts: Partial<NodeStatusOptions> = {}): Kubelet {
    const rest = new CountingRestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: `kubelet/${nodeName}` });
    const events: NodeEvent[] = [];
    const status = new NodeStatusManager({
      rest, nodeName, nodeIP: '10.0.0.5', kubeletPort: 10250, machine,
      containerRuntimeVersion: 'docker://20.10.24', nodeStatusUpdateFrequencyMs: PERIOD_MS,
      recorder: { event: (_n, type, reason, message) => events.push({ type, reason, message }) },
      ...opts,
    });
    const lease = new NodeLeaseController({ rest, nodeName, renewIntervalMs: PERIOD_MS });
    const ac = new AbortController();
    const done = Promise.all([status.run(ac.signal), lease.run(ac.signal)]);
    const k: Kubelet = { rest, status, lease, ac, done, events };
    kubelets.push(k);
    return k;
  }

  async function renewedAfter(name: string, than: string): Promise<string> {
    let renewTime = '';
    await waitFor(async () => {
      renewTime = (await getLease(name)).spec?.renewTime ?? '';
      return renewTime > than;
    }, { what: `the lease of ${name} to be renewed after ${than}` });
    return renewTime;
  }

  // Wall clock of node-a's status conditions; bumped so a transition lands on a new second.
  let skewMs = 0;
  let runtimeUp = true;
  let a: Kubelet;

  it('registers the Node with labels, addresses, capacity, allocatable, nodeInfo and Ready conditions', async () => {
    a = startKubelet('node-a', {
      reserved: { cpu: '100m', memory: '100Mi' },
      labels: { 'example.com/pool': 'blue' },
      clock: () => new Date(Date.now() + skewMs),
      readiness: (): ReadyState => (runtimeUp ? { ready: true } : { ready: false, message: 'container runtime is down' }),
    });
    await waitFor(async () => cond(await getNode('node-a'), 'Ready')?.status === 'True', { what: 'node-a Ready' });
    const node = await getNode('node-a');
    const arch = goArch();
    assert.equal(arch, process.arch === 'x64' ? 'amd64' : process.arch);
    assert.deepEqual(node.metadata.labels, {
      'example.com/pool': 'blue',
      'kubernetes.io/hostname': 'node-a', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': arch,
    });
    const s = node.status!;
    assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'node-a' }]);
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.deepEqual(s.capacity, { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' });
    assert.deepEqual(s.allocatable, { cpu: '3900m', memory: '8092Mi', pods: '110', 'ephemeral-storage': '100Gi' });
    assert.equal(s.nodeInfo?.kubeletVersion, KUBELET_VERSION);
    assert.equal(s.nodeInfo?.kubeProxyVersion, KUBELET_VERSION);
    assert.equal(s.nodeInfo?.containerRuntimeVersion, 'docker://20.10.24');
    assert.equal(s.nodeInfo?.operatingSystem, 'linux');
    assert.equal(s.nodeInfo?.architecture, arch);
    assert.ok(s.nodeInfo?.kernelVersion, 'kernelVersion');
    assert.ok(s.nodeInfo?.osImage, 'osImage');
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ]);
    for (const c of s.conditions ?? []) {
      assert.match(c.lastHeartbeatTime ?? '', TIME);
      assert.match(c.lastTransitionTime ?? '', TIME);
    }
    assert.deepEqual(a.events.map((e) => e.reason), ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']);
  });

  it('shows Ready with its version in the real kubectl', async () => {
    const out = await kubectl(cp, 'get', 'nodes', '-o', 'wide');
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/m);
    assert.match(out, /^node-a\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-tskube\s+10\.0\.0\.5\s+<none>\s+.+docker:\/\/20\.10\.24$/m);
  });

  it('keeps a Lease in kube-node-lease owned by the Node and renews it', async () => {
    const node = await getNode('node-a');
    const lease = await getLease('node-a');
    assert.equal(lease.spec?.holderIdentity, 'node-a');
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.match(lease.spec?.renewTime ?? '', MICROTIME);
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: node.metadata.uid }]);
    const next = await renewedAfter('node-a', lease.spec!.renewTime!);
    await renewedAfter('node-a', next);
  });

  it('re-reads the Lease after a conflict and keeps what others wrote to it', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a';
    const reads = a.rest.count('GET', path);
    // Another writer makes the kubelet's last copy stale: its next update is a 409.
    await leases().patch('kube-node-lease', 'node-a', 'merge', { metadata: { annotations: { 'example.com/seen': 'yes' } } });
    const patched = await getLease('node-a');
    await renewedAfter('node-a', patched.spec!.renewTime!);
    const lease = await getLease('node-a');
    assert.equal(lease.metadata.annotations?.['example.com/seen'], 'yes');
    assert.ok(a.rest.count('GET', path) > reads, 'the lease was read again');
  });

  it('creates the Lease only once its Node exists, owned by it', async () => {
    const rest = new CountingRestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'kubelet/node-c' });
    const lease = new NodeLeaseController({ rest, nodeName: 'node-c', renewIntervalMs: PERIOD_MS });
    const ac = new AbortController();
    kubelets.push({ rest, lease, ac, done: lease.run(ac.signal), events: [] } as unknown as Kubelet);
    await waitFor(() => rest.count('GET', '/api/v1/nodes/node-c') >= 3, { what: 'three attempts to find node-c' });
    await assert.rejects(getLease('node-c'), /not found/);
    const node = await nodes().create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c' } });
    await waitFor(async () => (await getLease('node-c')).spec?.holderIdentity === 'node-c', { what: 'the lease of node-c' });
    assert.equal((await getLease('node-c')).metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
    ac.abort();
  });

  it('keeps renewing and syncing across an apiserver restart', async () => {
    const renewed = (await getLease('node-a')).spec!.renewTime!;
    await cp.restartApiserver();
    await renewedAfter('node-a', renewed);
    const reads = a.rest.count('GET', '/api/v1/nodes/node-a');
    await waitFor(() => a.rest.count('GET', '/api/v1/nodes/node-a') >= reads + 2, { what: 'node-a status syncs after the restart' });
  });

  it('writes no status while nothing changes, though it keeps reading the Node', async () => {
    const path = '/api/v1/nodes/node-a';
    const writes = a.rest.count('PUT', `${path}/status`);
    const reads = a.rest.count('GET', path);
    // Five more status syncs (each one GET) with nothing new to say.
    await waitFor(() => a.rest.count('GET', path) >= reads + 5, { what: 'five status syncs' });
    assert.equal(a.rest.count('PUT', `${path}/status`), writes);
    assert.equal(a.rest.calls.filter((c) => c.method === 'PATCH' || (c.method === 'PUT' && c.path.startsWith('/api/v1/nodes'))).length, writes);
  });

  it('setReady(false) turns Ready False with its reason and a new lastTransitionTime, setReady(true) back', async () => {
    const before = await getNode('node-a');
    const was = cond(before, 'Ready')!;
    skewMs = 60_000;
    a.status.setReady(false, 'KubeletNotReady', 'container runtime is down');
    await waitFor(async () => cond(await getNode('node-a'), 'Ready')?.status === 'False', { what: 'node-a NotReady' });
    const after = await getNode('node-a');
    const ready = cond(after, 'Ready')!;
    assert.equal(ready.reason, 'KubeletNotReady');
    assert.equal(ready.message, 'container runtime is down');
    assert.notEqual(ready.lastTransitionTime, was.lastTransitionTime);
    assert.ok(ready.lastTransitionTime! > was.lastTransitionTime!);
    // The other conditions did not transition.
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      assert.equal(cond(after, type)?.lastTransitionTime, cond(before, type)?.lastTransitionTime, type);
      assert.equal(cond(after, type)?.lastHeartbeatTime, ready.lastHeartbeatTime, type);
    }
    assert.ok(a.events.some((e) => e.reason === 'NodeNotReady'));
    assert.match(await kubectl(cp, 'get', 'node', 'node-a'), /^node-a\s+NotReady\s/m);

    skewMs = 120_000;
    a.status.setReady(true);
    await waitFor(async () => cond(await getNode('node-a'), 'Ready')?.status === 'True', { what: 'node-a Ready again' });
    const back = cond(await getNode('node-a'), 'Ready')!;
    assert.equal(back.reason, 'KubeletReady');
    assert.ok(back.lastTransitionTime! > ready.lastTransitionTime!);
  });

  it('reports NotReady while its readiness check fails (runtime down)', async () => {
    runtimeUp = false;
    await waitFor(async () => cond(await getNode('node-a'), 'Ready')?.status === 'False', { what: 'node-a NotReady' });
    const ready = cond(await getNode('node-a'), 'Ready')!;
    assert.deepEqual([ready.reason, ready.message], ['KubeletNotReady', 'container runtime is down']);
    runtimeUp = true;
    await waitFor(async () => cond(await getNode('node-a'), 'Ready')?.status === 'True', { what: 'node-a Ready again' });
  });

  it('writes an unchanged status every nodeStatusReportFrequency', async () => {
    const b = startKubelet('node-b', { nodeStatusReportFrequencyMs: 2 * PERIOD_MS });
    const path = '/api/v1/nodes/node-b/status';
    await waitFor(() => b.rest.count('PUT', path) >= 3, { what: 'three status reports of node-b' });
    // Nothing changed between them but the heartbeats.
    assert.equal(b.events.filter((e) => e.reason === 'NodeReady' || e.reason === 'NodeNotReady').length, 0);
  });

  it('stops every request and renewal when aborted', async () => {
    a.ac.abort();
    await a.done;
    const calls = a.rest.calls.length;
    // A renewal sent just before the abort may still be applied by the server after the
    // client stopped waiting for it: let node-b renew once before reading node-a's Lease.
    let t = await renewedAfter('node-b', (await getLease('node-b')).spec!.renewTime!);
    const stopped = (await getLease('node-a')).spec!.renewTime!;
    // node-b keeps renewing: three of its renewals are more than three of node-a's periods.
    for (let i = 0; i < 3; i++) t = await renewedAfter('node-b', t);
    assert.equal((await getLease('node-a')).spec?.renewTime, stopped);
    assert.equal(a.rest.calls.length, calls);
  });

  it('a restarted kubelet keeps the Node (uid, labels others added) and updates its status', async () => {
    const old = await getNode('node-a');
    // Someone else labels the node; someone breaks a label the kubelet owns.
    await nodes().patch('', 'node-a', 'merge', { metadata: { labels: { 'example.com/team': 'storage', 'kubernetes.io/hostname': 'wrong' } } });
    const renewed = (await getLease('node-a')).spec!.renewTime!;
    const a2 = startKubelet('node-a', { containerRuntimeVersion: 'docker://24.0.7', kubeletPort: 10251 });
    await waitFor(async () => (await getNode('node-a')).status?.nodeInfo?.containerRuntimeVersion === 'docker://24.0.7',
      { what: 'the new runtime version in node-a status' });
    const node = await getNode('node-a');
    assert.equal(node.metadata.uid, old.metadata.uid);
    assert.equal(node.metadata.creationTimestamp, old.metadata.creationTimestamp);
    assert.equal(node.metadata.labels?.['example.com/team'], 'storage');
    assert.equal(node.metadata.labels?.['example.com/pool'], 'blue');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'node-a');
    assert.deepEqual(node.status?.daemonEndpoints, { kubeletEndpoint: { Port: 10251 } });
    assert.equal(cond(node, 'Ready')?.status, 'True');
    // Ready stayed True across the restart: its transition time is the old one.
    assert.equal(cond(node, 'Ready')?.lastTransitionTime, cond(old, 'Ready')?.lastTransitionTime);
    assert.equal(a2.rest.count('DELETE', '/api/v1/nodes/node-a'), 0);
    await renewedAfter('node-a', renewed);
  });

  it('computes allocatable and status changes as the kubelet does (pure)', () => {
    assert.deepEqual(allocatableFrom({ cpu: '2', memory: '1Gi', pods: '110' }, { cpu: '3', memory: '100Mi' }),
      { cpu: '0', memory: '924Mi', pods: '110' });
    const c = (type: string, beat: string): NodeCondition => ({ type, status: 'False', lastHeartbeatTime: beat, lastTransitionTime: 't0' });
    assert.equal(nodeStatusChanged({ conditions: [c('A', '1'), c('B', '1')] }, { conditions: [c('B', '2'), c('A', '3')] }), false);
    assert.equal(nodeStatusChanged({ conditions: [c('A', '1')] }, { conditions: [{ ...c('A', '1'), status: 'True' }] }), true);
    assert.equal(nodeStatusChanged({ capacity: { cpu: '1' } }, { capacity: { cpu: '2' } }), true);
  });
});
