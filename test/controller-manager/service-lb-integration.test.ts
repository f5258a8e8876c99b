// The service load-balancer controller in a real kube-controller-manager process
// against the real apiserver and etcd. Nodes: two hollow-kubelet nodes (InternalIP
// 10.240.0.1 and 10.240.0.2, Leases renewed) and one Node object with an ExternalIP
// (203.0.113.7, a documentation address: data only, nothing is sent to it). A
// LoadBalancer service gets their addresses as ingress; a node posting Ready=False
// leaves the list and comes back when Ready again; a deleted node leaves it; a type
// change to ClusterIP clears it; the real kubectl shows EXTERNAL-IP; services of
// another class stay <pending> and untouched; allocateLoadBalancerNodePorts and the
// rest of the spec are never written by the controller; deleting a service is not held
// up by the controller's finalizer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Event, Node, NodeCondition, Service } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { LOAD_BALANCER_CLEANUP_FINALIZER } from '../../controller-manager/service-lb/service-changes.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

const NS = 'default';
const EXTERNAL_NODE = 'edge-node';
const EXTERNAL_IP = '203.0.113.7';
// A node change travels to the controller's informer, one status patch and back to the
// test's read: well under a second; 20 s leaves room for a loaded 2-core machine.
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let cm: ControllerManagerHandle;

const services = () => resourceClient<Service>(rest, 'services');
const nodes = () => resourceClient<Node>(rest, 'nodes');
const events = () => resourceClient<Event>(rest, 'events');

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 2, renewIntervalMs: 2000 });
  await hollow.start();
  await nodes().create('', {
    apiVersion: 'v1', kind: 'Node', metadata: { name: EXTERNAL_NODE, labels: { 'kubernetes.io/hostname': EXTERNAL_NODE } }, spec: {},
    status: {
      addresses: [{ type: 'InternalIP', address: '10.240.9.1' }, { type: 'ExternalIP', address: EXTERNAL_IP }, { type: 'Hostname', address: EXTERNAL_NODE }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  } as Node);
  cm = await startControllerManager(cp, ['--controllers', 'service-lb-controller']);
});

after(async () => {
  await cm?.stop();
  await hollow?.stop({ deleteNodes: true });
  await nodes().delete('', EXTERNAL_NODE).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await rest?.close();
  await cp?.stop();
});

function lbService(name: string, spec: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
  };
}

const ingressIPs = (svc: Service): string[] => (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');

/** Waits until the service's ingress IPs are exactly ips (in order); returns the service. */
async function ingressBecomes(name: string, ips: string[]): Promise<Service> {
  let svc: Service | undefined;
  await waitFor(async () => {
    svc = await services().get(NS, name);
    return ingressIPs(svc).join(',') === ips.join(',');
  }, { ...WAIT, what: `${name} ingress [${ips.join(', ')}] (last: [${svc ? ingressIPs(svc).join(', ') : ''}])` });
  return svc as Service;
}

/** The reasons of the service's Events from the service controller, oldest first. */
async function eventReasons(name: string): Promise<string[]> {
  const list = await events().list(NS, { fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}` });
  return list.items
    .filter((e) => e.source?.component === 'service-controller')
    .sort((a, b) => (a.firstTimestamp ?? '').localeCompare(b.firstTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map((e) => e.reason ?? '');
}

async function eventsInclude(name: string, reasons: string[]): Promise<void> {
  let seen: string[] = [];
  await waitFor(async () => {
    seen = await eventReasons(name);
    return reasons.every((r) => seen.includes(r));
  }, { ...WAIT, what: `${name} Events ${reasons.join(', ')} (seen: ${seen.join(', ')})` });
}

/** Posts the node's Ready condition, as its kubelet would. */
async function setReady(name: string, status: 'True' | 'False'): Promise<void> {
  for (;;) {
    const node = await nodes().get('', name);
    const ready: NodeCondition = {
      type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
      message: status === 'True' ? 'kubelet is posting ready status' : 'container runtime is down', lastHeartbeatTime: new Date().toISOString(),
    };
    node.status = { ...node.status, conditions: [...(node.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), ready] };
    try {
      await nodes().updateStatus('', node);
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** `kubectl get svc <name>`'s row as columns (NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE). */
async function kubectlRow(name: string): Promise<Record<string, string>> {
  const [header, row] = (await kubectl(cp, 'get', 'svc', name, '-n', NS)).trim().split('\n');
  const keys = header.trim().split(/\s+/);
  const cells = row.trim().split(/\s+/);
  return Object.fromEntries(keys.map((k, i) => [k, cells[i]]));
}

describe('a LoadBalancer service', () => {
  const ALL = ['10.240.0.1', '10.240.0.2', EXTERNAL_IP];

  before(async () => {
    await services().create(NS, lbService('web'));
  });

  it('gets the Ready nodes as ingress (ExternalIP before InternalIP), ipMode VIP, the cleanup finalizer and Ensuring/Ensured Events', async () => {
    const svc = await ingressBecomes('web', ALL);
    assert.deepEqual(svc.status?.loadBalancer?.ingress?.map((i) => i.ipMode), ['VIP', 'VIP', 'VIP']);
    assert.ok(svc.metadata.finalizers?.includes(LOAD_BALANCER_CLEANUP_FINALIZER));
    await eventsInclude('web', ['EnsuringLoadBalancer', 'EnsuredLoadBalancer']);
  });

  it('shows in `kubectl get svc` as EXTERNAL-IP, the ingress IPs joined by commas', async () => {
    const row = await kubectlRow('web');
    assert.equal(row.TYPE, 'LoadBalancer');
    assert.equal(row['EXTERNAL-IP'], ALL.join(','));
    assert.match(row['PORT(S)'], /^80:\d+\/TCP$/);
  });

  it('drops a node that posts Ready=False, and takes it back once Ready', async () => {
    await setReady('hollow-node-1', 'False');
    await ingressBecomes('web', ['10.240.0.1', EXTERNAL_IP]);
    await eventsInclude('web', ['UpdatedLoadBalancer']);
    await setReady('hollow-node-1', 'True');
    await ingressBecomes('web', ALL);
  });

  it('drops a deleted node', async () => {
    await nodes().delete('', EXTERNAL_NODE);
    await ingressBecomes('web', ['10.240.0.1', '10.240.0.2']);
    assert.equal((await kubectlRow('web'))['EXTERNAL-IP'], '10.240.0.1,10.240.0.2');
  });

  it('loses its ingress and the finalizer when its type changes to ClusterIP', async () => {
    // The apiserver drops the type-dependent fields itself (dropTypeDependentFields).
    const patch = { spec: { type: 'ClusterIP' } };
    await kubectl(cp, 'patch', 'svc', 'web', '-n', NS, '--type', 'merge', '-p', JSON.stringify(patch));
    const svc = await ingressBecomes('web', []);
    await waitFor(async () => !(await services().get(NS, 'web')).metadata.finalizers?.includes(LOAD_BALANCER_CLEANUP_FINALIZER),
      { ...WAIT, what: 'the cleanup finalizer to go' });
    assert.equal(svc.spec?.type, 'ClusterIP');
    await eventsInclude('web', ['Type', 'DeletingLoadBalancer', 'DeletedLoadBalancer']);
    assert.equal((await kubectlRow('web'))['EXTERNAL-IP'], '<none>');
  });
});

describe('services the controller does not serve, or only reads', () => {
  it('leaves a service of another loadBalancerClass <pending>, without finalizer or Events', async () => {
    await services().create(NS, lbService('classy', { loadBalancerClass: 'example.com/other-lb' }));
    // A service it does serve, created after, is done: the controller has seen both.
    await services().create(NS, lbService('marker'));
    await ingressBecomes('marker', ['10.240.0.1', '10.240.0.2']);
    const svc = await services().get(NS, 'classy');
    assert.deepEqual(svc.status?.loadBalancer ?? {}, {});
    assert.equal(svc.metadata.finalizers, undefined);
    assert.deepEqual(await eventReasons('classy'), []);
    assert.equal((await kubectlRow('classy'))['EXTERNAL-IP'], '<pending>');
  });

  it('never writes the spec: allocateLoadBalancerNodePorts false and the nodePorts stay as the apiserver left them', async () => {
    const created = await services().create(NS, lbService('no-node-ports', { allocateLoadBalancerNodePorts: false }));
    const svc = await ingressBecomes('no-node-ports', ['10.240.0.1', '10.240.0.2']);
    assert.equal(svc.spec?.allocateLoadBalancerNodePorts, false);
    assert.deepEqual(svc.spec, created.spec);
    assert.notEqual(svc.metadata.generation, undefined);
    assert.equal(svc.metadata.generation, created.metadata.generation);
  });

  it('lets a deleted LoadBalancer service go: the finalizer is removed', async () => {
    await services().create(NS, lbService('doomed'));
    await ingressBecomes('doomed', ['10.240.0.1', '10.240.0.2']);
    await kubectl(cp, 'delete', 'svc', 'doomed', '-n', NS, '--wait=false');
    await waitFor(async () => {
      try {
        await services().get(NS, 'doomed');
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    }, { ...WAIT, what: 'doomed to be deleted' });
  });
});
