// The hollow kubelet the controller tests stand on: nodes registered Ready with
// renewed Leases, bound pods made Running and Ready, deleted pods removed, a failed
// node's Lease left to go stale.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Lease } from '../../api/types/coordination.js';
import type { Node, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 2, renewIntervalMs: 300, leaseDurationSeconds: 2 });
  await hollow.start();
});

after(async () => {
  await hollow?.stop({ deleteNodes: true });
  await rest?.close();
  await cp?.stop();
});

test('registers Ready nodes and renews their Leases', async () => {
  const nodes = resourceClient<Node>(rest, 'nodes');
  const leases = resourceClient<Lease>(rest, 'leases');
  for (const name of hollow.nodeNames) {
    const node = await nodes.get('', name);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  }
  const first = await leases.get('kube-node-lease', 'hollow-node-0');
  await waitFor(async () => (await leases.get('kube-node-lease', 'hollow-node-0')).spec?.renewTime !== first.spec?.renewTime, { what: 'a renewal' });
});

test('a pod bound to a hollow node becomes Running and Ready with an IP; deleting it removes it', async () => {
  const pods = resourceClient<Pod>(rest, 'pods');
  await pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' },
    spec: { nodeName: 'hollow-node-1', containers: [{ name: 'c', image: 'busybox' }] },
  });
  await waitFor(async () => {
    const p = await pods.get('default', 'p1');
    return p.status?.phase === 'Running' && !!p.status.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  }, { what: 'p1 Running and Ready' });
  await pods.delete('default', 'p1');
  await waitFor(async () => pods.get('default', 'p1').then(() => false, () => true), { what: 'p1 gone' });
});

test('a failed node stops renewing its Lease; recovering it renews again', async () => {
  const leases = resourceClient<Lease>(rest, 'leases');
  hollow.fail('hollow-node-0');
  await new Promise((r) => setTimeout(r, 200));
  const stale = (await leases.get('kube-node-lease', 'hollow-node-0')).spec?.renewTime;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await leases.get('kube-node-lease', 'hollow-node-0')).spec?.renewTime, stale);
  await hollow.recover('hollow-node-0');
  await waitFor(async () => (await leases.get('kube-node-lease', 'hollow-node-0')).spec?.renewTime !== stale, { what: 'renewal after recovery' });
});
