// --use-service-account-credentials against the real apiserver (RBAC on) and etcd: a
// kube-controller-manager process authenticated as system:kube-controller-manager (a
// client certificate, as kubeadm gives it) runs the ReplicaSet and Deployment
// controllers. With the flag, each acts as its ServiceAccount in kube-system (made by
// the manager, tokens from the TokenRequest API), so a Deployment gets its ReplicaSet,
// its pods, its status and its Events. Without it, the manager's own role cannot create
// ReplicaSets: the Deployment gets none, and a ReplicaSetCreateError Event says why.
// (No scheduler or kubelet: pods being created is what counts here.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Event, Namespace, Node, Pod, ServiceAccount } from '../../api/types/core.js';
import { writeCertificateKubeconfig } from '../../apiserver/kubeconfig.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { waitFor } from '../harness/processes.js';

// The controller manager's start (leader election, informer sync, tokens) plus a few
// writes; generous for a loaded 2-core machine.
const TIMEOUT_MS = 30_000;
const CONTROLLERS = ['--controllers', 'replicaset-controller,deployment-controller'];

let cp: ControlPlane;
let rest: RestClient;
let kubeconfig: string;
let cm: ControllerManagerHandle | undefined;

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  kubeconfig = join(cp.dir, 'controller-manager.kubeconfig');
  await writeCertificateKubeconfig(kubeconfig, cp.secureUrl, join(cp.dir, 'pki'), 'system:kube-controller-manager');
});

after(async () => {
  await cm?.stop();
  await rest?.close();
  await cp?.stop();
});

async function createNamespace(name: string): Promise<void> {
  await resourceClient<Namespace>(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

async function createDeployment(namespace: string, name: string): Promise<Deployment> {
  return resourceClient<Deployment>(rest, 'deployments').create(namespace, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
    },
  });
}

const replicaSetsOf = async (namespace: string): Promise<ReplicaSet[]> => (await resourceClient<ReplicaSet>(rest, 'replicasets').list(namespace)).items;
const podsOf = async (namespace: string): Promise<Pod[]> => (await resourceClient<Pod>(rest, 'pods').list(namespace)).items;
const eventsIn = async (namespace: string): Promise<Event[]> => (await resourceClient<Event>(rest, 'events').list(namespace)).items;

/** waitFor with the last state seen in the timeout's message. */
async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT_MS, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT_MS}ms waiting for ${what()}`, { cause: err });
  }
}

describe('kube-controller-manager as system:kube-controller-manager', () => {
  it('with --use-service-account-credentials, each controller acts as its ServiceAccount: the Deployment rolls out', async () => {
    cm = await startControllerManager(cp, ['--kubeconfig', kubeconfig, ...CONTROLLERS, '--use-service-account-credentials=true'], 'sa');
    const ns = 'with-sa-credentials';
    await createNamespace(ns);
    const d = await createDeployment(ns, 'web');

    // The deployment controller (deployment-controller) creates the ReplicaSet, the
    // ReplicaSet controller (replicaset-controller) its pods.
    let rss: ReplicaSet[] = [];
    let pods: Pod[] = [];
    await until(async () => {
      rss = await replicaSetsOf(ns);
      pods = await podsOf(ns);
      return rss.length === 1 && pods.length === 2;
    }, () => `one ReplicaSet and 2 pods (last: ${rss.length} ReplicaSets, ${pods.length} pods)`);
    assert.equal(rss[0]!.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
    for (const p of pods) assert.equal(p.metadata.ownerReferences?.[0]?.uid, rss[0]!.metadata.uid);

    // Their status writes and Events go through too.
    let status: Deployment['status'];
    await until(async () => {
      status = (await resourceClient<Deployment>(rest, 'deployments').get(ns, 'web')).status;
      return status?.observedGeneration === 1 && status.replicas === 2;
    }, () => `the Deployment's status (last: ${JSON.stringify(status)})`);
    let reasons: string[] = [];
    await until(async () => {
      reasons = (await eventsIn(ns)).map((e) => `${e.source?.component} ${e.reason}`);
      return reasons.includes('deployment-controller ScalingReplicaSet') && reasons.includes('replicaset-controller SuccessfulCreate');
    }, () => `the controllers' Events (last: ${JSON.stringify(reasons)})`);

    // The manager made their ServiceAccounts.
    const serviceAccounts = resourceClient<ServiceAccount>(rest, 'serviceaccounts');
    for (const name of ['replicaset-controller', 'deployment-controller']) {
      const sa = await serviceAccounts.get('kube-system', name);
      assert.equal(sa.metadata.name, name);
    }
    await cm.stop();
    cm = undefined;
  });

  it('with --use-service-account-credentials, the daemonset controller (daemon-set-controller) makes its revision, its pod, its status and Events', async () => {
    cm = await startControllerManager(cp, ['--kubeconfig', kubeconfig, '--controllers', 'daemonset-controller', '--use-service-account-credentials=true'], 'sa-ds');
    const ns = 'daemonset-sa-credentials';
    await createNamespace(ns);
    await resourceClient<Node>(rest, 'nodes').create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sa-node', labels: { 'kubernetes.io/hostname': 'sa-node' } } });
    const ds = await resourceClient<DaemonSet>(rest, 'daemonsets').create(ns, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } },
    });
    let pods: Pod[] = [];
    await until(async () => (pods = await podsOf(ns)).length === 1, () => `one daemon pod (last: ${pods.length})`);
    assert.equal(pods[0]!.metadata.ownerReferences?.[0]?.uid, ds.metadata.uid);
    assert.equal(pods[0]!.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0], 'sa-node');
    const revisions = (await resourceClient<ControllerRevision>(rest, 'controllerrevisions').list(ns)).items;
    assert.deepEqual(revisions.map((r) => r.revision), [1]);
    let status: DaemonSet['status'];
    await until(async () => {
      status = (await resourceClient<DaemonSet>(rest, 'daemonsets').get(ns, 'agent')).status;
      return status?.observedGeneration === 1 && status.desiredNumberScheduled === 1;
    }, () => `the DaemonSet's status (last: ${JSON.stringify(status)})`);
    let reasons: string[] = [];
    await until(async () => (reasons = (await eventsIn(ns)).map((e) => `${e.source?.component} ${e.reason}`)).includes('daemonset-controller SuccessfulCreate'),
      () => `the SuccessfulCreate Event (last: ${JSON.stringify(reasons)})`);
    assert.equal((await resourceClient<ServiceAccount>(rest, 'serviceaccounts').get('kube-system', 'daemon-set-controller')).metadata.name, 'daemon-set-controller');
    await resourceClient<Node>(rest, 'nodes').delete('', 'sa-node');
    await cm.stop();
    cm = undefined;
  });

  it('without it, the manager\'s own role may not create ReplicaSets: the Deployment gets none', async () => {
    cm = await startControllerManager(cp, ['--kubeconfig', kubeconfig, ...CONTROLLERS], 'own');
    const ns = 'without-sa-credentials';
    await createNamespace(ns);
    await createDeployment(ns, 'web');

    // The deployment controller tried (its Event says so, which the manager's role
    // allows) and was refused.
    let failures: Event[] = [];
    await until(async () => {
      failures = (await eventsIn(ns)).filter((e) => e.reason === 'ReplicaSetCreateError');
      return failures.length > 0;
    }, () => 'a ReplicaSetCreateError Event');
    assert.match(failures[0]!.message ?? '', /forbidden: User "system:kube-controller-manager" cannot create resource "replicasets"/);
    assert.deepEqual(await replicaSetsOf(ns), []);
  });
});
