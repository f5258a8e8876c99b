// PodDisruptionBudgets end to end: real etcd and apiserver, the scheduler, a hollow
// kubelet of 3 nodes, and kube-controller-manager running the ReplicaSet, Deployment
// and disruption controllers. The disruption controller computes a budget's status
// from its pods and their Deployment's scale; the eviction subresource refuses a
// disruption the budget does not allow with Kubernetes' 429 Status, evicts (with the
// DisruptionTarget condition) when it does, deletes pods no budget guards, and refuses
// pods under two budgets; `kubectl drain` (the real one and ours) retries the refused
// evictions and completes once the replacements are Ready.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodReady } from '../../api/helpers/pod.js';
import type { Deployment } from '../../api/types/apps.js';
import type { Node, Pod } from '../../api/types/core.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControlPlane } from '../harness/apiserver.js';
import type { ControllerManagerHandle } from '../harness/controllers.js';
import { startHollowCluster, type HollowCluster } from '../harness/hollow-cluster.js';
import { http } from '../harness/http.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';
import { tskubectlRun } from '../harness/tskubectl.js';

const TIMEOUT = 30_000;
const NS = 'default';
const NODES = ['pdb-node-0', 'pdb-node-1', 'pdb-node-2'];

let cluster: HollowCluster;
let cp: ControlPlane;
let rest: RestClient;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;

const pdbs = () => resourceClient<PodDisruptionBudget>(rest, 'poddisruptionbudgets');
const podsOf = async (app: string): Promise<Pod[]> =>
  (await resourceClient<Pod>(rest, 'pods').list(NS, { labelSelector: `app=${app}` })).items;

async function createDeployment(name: string, replicas: number, nodeName?: string, image = 'busybox:1'): Promise<void> {
  await resourceClient<Deployment>(rest, 'deployments').create(NS, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image }], terminationGracePeriodSeconds: 0, ...(nodeName ? { nodeSelector: { 'kubernetes.io/hostname': nodeName } } : {}) },
      },
    },
  });
}

async function createPdb(name: string, app: string, spec: Partial<NonNullable<PodDisruptionBudget['spec']>>): Promise<void> {
  await pdbs().create(NS, {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS },
    spec: { selector: { matchLabels: { app } }, ...spec },
  });
}

/** Waits until app has n Ready pods not being deleted; returns them. */
async function readyPods(app: string, n: number): Promise<Pod[]> {
  let ready: Pod[] = [];
  await waitFor(async () => {
    ready = (await podsOf(app)).filter((p) => !p.metadata.deletionTimestamp && isPodReady(p));
    return ready.length === n;
  }, { timeoutMs: TIMEOUT, what: `${n} ready pods of ${app}` });
  return ready;
}

async function waitStatus(name: string, check: (s: NonNullable<PodDisruptionBudget['status']>) => boolean): Promise<PodDisruptionBudget> {
  let pdb: PodDisruptionBudget | undefined;
  try {
    await waitFor(async () => {
      pdb = await pdbs().get(NS, name);
      return pdb.status !== undefined && (pdb.status.observedGeneration ?? 0) === pdb.metadata.generation && check(pdb.status);
    }, { timeoutMs: TIMEOUT, what: `status of ${name}` });
  } catch (err) {
    throw new Error(`PDB ${name}: last status ${JSON.stringify(pdb?.status)}; controller-manager log ${cm.logFile}`, { cause: err });
  }
  return pdb as PodDisruptionBudget;
}

const evict = (pod: string, deleteOptions?: Record<string, unknown>) => http(cp.url, 'POST', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, {
  apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS }, ...(deleteOptions ? { deleteOptions } : {}),
});

async function setUnschedulable(node: string, unschedulable: boolean): Promise<void> {
  await resourceClient<Node>(rest, 'nodes').patch('', node, 'merge', { spec: { unschedulable: unschedulable || null } });
}

before(async () => {
  // Pods whose image starts with "never-ready" run but never become Ready.
  cluster = await startHollowCluster({
    kubelet: { nodes: NODES, podReady: (pod) => !pod.spec?.containers.some((c) => c.image?.startsWith('never-ready')) },
    controllers: ['replicaset-controller', 'deployment-controller', 'disruption'],
  });
  ({ cp, rest, scheduler, cm } = cluster);
});

after(async () => {
  await cluster?.stop();
});

describe('PodDisruptionBudgets, the disruption controller and the eviction subresource', () => {
  it('computes a budget\'s status from its pods and their Deployment\'s scale; the real kubectl prints it', async () => {
    await createDeployment('web', 3);
    await readyPods('web', 3);
    await createPdb('web', 'web', { minAvailable: 2 });
    const pdb = await waitStatus('web', (s) => s.currentHealthy === 3);
    assert.deepEqual({ ...pdb.status, conditions: undefined }, {
      observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: undefined,
    });
    const cond = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'SufficientPods');
    assert.equal(cond?.observedGeneration, 1);

    // A percentage is relative to the Deployment's scale: maxUnavailable 34% of 3 rounds up to 2.
    await pdbs().patch(NS, 'web', 'merge', { spec: { minAvailable: null, maxUnavailable: '34%' } });
    const pct = await waitStatus('web', (s) => s.desiredHealthy === 1);
    assert.equal(pct.status?.observedGeneration, 2);
    assert.equal(pct.status?.disruptionsAllowed, 2);

    const out = await kubectl(cp, 'get', 'pdb', 'web');
    const [head, row] = out.trim().split('\n');
    assert.match(head, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/);
    assert.match(row, /^web\s+N\/A\s+34%\s+2\s+\S+$/);
  });

  it('answers 429 with Kubernetes\' Status when the budget allows no disruption', async () => {
    await createDeployment('locked', 2);
    const [pod] = await readyPods('locked', 2);
    await createPdb('locked', 'locked', { maxUnavailable: 0 });
    await waitStatus('locked', (s) => s.currentHealthy === 2 && s.expectedPods === 2);
    const res = await evict(pod.metadata.name as string);
    assert.equal(res.status, 429, res.text);
    assert.deepEqual(res.json, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.", reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget locked needs 2 healthy pods and has 2 currently' }] },
      code: 429,
    });
    // The pod is still there, untouched.
    const still = await resourceClient<Pod>(rest, 'pods').get(NS, pod.metadata.name as string);
    assert.equal(still.metadata.deletionTimestamp, undefined);
    assert.equal(still.status?.conditions?.find((c) => c.type === 'DisruptionTarget'), undefined);

    // A second budget over the same pods: the eviction subresource supports one only.
    await createPdb('locked-too', 'locked', { minAvailable: 0 });
    await waitStatus('locked-too', (s) => s.expectedPods === 2);
    const two = await evict(pod.metadata.name as string);
    assert.equal(two.status, 500, two.text);
    assert.deepEqual(two.json, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500,
    });
    // Nothing of this test may hold up the drains below.
    for (const name of ['locked', 'locked-too']) await pdbs().delete(NS, name);
    await resourceClient<Deployment>(rest, 'deployments').delete(NS, 'locked', { propagationPolicy: 'Foreground' });
  });

  it('evicts when the budget allows: takes one disruption, records the pod, sets DisruptionTarget and deletes it', async () => {
    // A Running, Ready pod on a node no kubelet serves: its graceful deletion stays visible.
    const pods = resourceClient<Pod>(rest, 'pods');
    const made = await pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lonely', namespace: NS, labels: { app: 'lonely' } },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }], nodeName: 'nowhere' },
    });
    await pods.updateStatus(NS, { ...made, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await createPdb('lonely', 'lonely', { minAvailable: 0 });
    await waitStatus('lonely', (s) => s.disruptionsAllowed === 1 && s.expectedPods === 1);
    const res = await evict('lonely');
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const gone = await pods.get(NS, 'lonely');
    assert.ok(gone.metadata.deletionTimestamp, 'the pod is being deleted');
    const target = gone.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(target?.status, 'True');
    assert.equal(target?.reason, 'EvictionByEvictionAPI');
    assert.equal(target?.message, 'Eviction API: evicting');
    // The budget spent its disruption on this pod until the controller sees it go.
    const spent = await pdbs().get(NS, 'lonely');
    assert.ok(spent.status?.disruptedPods?.lonely || spent.status?.currentHealthy === 0, JSON.stringify(spent.status));
    await waitStatus('lonely', (s) => s.currentHealthy === 0 && s.disruptionsAllowed === 0 && !s.disruptedPods);
    await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/lonely?gracePeriodSeconds=0`);
    await pdbs().delete(NS, 'lonely');
  });

  it('deletes a pod no budget selects; dry-run evictions change nothing', async () => {
    await createDeployment('free', 1);
    const [pod] = await readyPods('free', 1);
    const name = pod.metadata.name as string;
    const dry = await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction?dryRun=All`, {
      apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS },
    });
    assert.equal(dry.status, 201, dry.text);
    assert.equal((await resourceClient<Pod>(rest, 'pods').get(NS, name)).metadata.deletionTimestamp, undefined);
    const res = await evict(name);
    assert.equal(res.status, 201, res.text);
    await waitFor(async () => !(await podsOf('free')).some((p) => p.metadata.name === name), { timeoutMs: TIMEOUT, what: `${name} deleted` });
    const mismatch = await evict('free-nothing');
    assert.equal(mismatch.status, 404, mismatch.text);
    const badName = await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/pods/x/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'y' } });
    assert.equal(badName.status, 400, badName.text);
    assert.equal(badName.json.message, 'name in URL does not match name in Eviction object');
  });

  it('puts evictions through admission: a ValidatingAdmissionPolicy on pods/eviction can refuse them', async () => {
    const AR = '/apis/admissionregistration.k8s.io/v1';
    const policy = await http(cp.url, 'POST', `${AR}/validatingadmissionpolicies`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-evict' },
      spec: {
        matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/eviction'] }] },
        validations: [{ expression: "!object.metadata.name.startsWith('keep-')", message: 'this pod stays' }],
      },
    });
    assert.equal(policy.status, 201, policy.text);
    const binding = await http(cp.url, 'POST', `${AR}/validatingadmissionpolicybindings`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-evict' },
      spec: { policyName: 'no-evict', validationActions: ['Deny'] },
    });
    assert.equal(binding.status, 201, binding.text);
    try {
      const created = await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'keep-me' }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], nodeName: 'nowhere' },
      });
      assert.equal(created.status, 201, created.text);
      // Admission runs before the pod is read: a pod that does not exist shows when the policy is in force.
      // (Refused as Invalid, 422: the validation names no other reason.)
      await waitFor(async () => (await evict('keep-probe')).status === 422, { timeoutMs: TIMEOUT, what: 'the policy to refuse evictions' });
      const res = await evict('keep-me');
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.message, `pods "keep-me" is forbidden: ValidatingAdmissionPolicy 'no-evict' with binding 'no-evict' denied request: this pod stays`);
      assert.match(res.json.message, /this pod stays/);
      assert.equal((await resourceClient<Pod>(rest, 'pods').get(NS, 'keep-me')).metadata.deletionTimestamp, undefined);
    } finally {
      await http(cp.url, 'DELETE', `${AR}/validatingadmissionpolicybindings/no-evict`);
      await http(cp.url, 'DELETE', `${AR}/validatingadmissionpolicies/no-evict`);
      await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/keep-me?gracePeriodSeconds=0`);
    }
  });

  it('evicts running pods that are not Ready only as unhealthyPodEvictionPolicy allows', async () => {
    await createDeployment('sick', 2, undefined, 'never-ready:1');
    let running: Pod[] = [];
    await waitFor(async () => {
      running = (await podsOf('sick')).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
      return running.length === 2;
    }, { timeoutMs: TIMEOUT, what: 'two running pods of sick' });
    await createPdb('sick', 'sick', { minAvailable: 1 });
    await waitStatus('sick', (s) => s.expectedPods === 2);
    // IfHealthyBudget (the default): the application is disrupted already (0 of 1 healthy), so no eviction.
    const refused = await evict(running[0].metadata.name as string);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.details.causes[0].message, 'The disruption budget sick needs 1 healthy pods and has 0 currently');
    // AlwaysAllow: unready pods may go whatever the budget says, and take no disruption from it.
    await pdbs().patch(NS, 'sick', 'merge', { spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' } });
    await waitStatus('sick', (s) => s.expectedPods === 2);
    const allowed = await evict(running[0].metadata.name as string);
    assert.equal(allowed.status, 201, allowed.text);
    assert.equal((await pdbs().get(NS, 'sick')).status?.disruptedPods, undefined);
    await resourceClient<Deployment>(rest, 'deployments').delete(NS, 'sick', { propagationPolicy: 'Foreground' });
    await pdbs().delete(NS, 'sick');
  });

  for (const cli of ['kubectl', 'tskubectl'] as const) {
    it(`${cli} drain evicts through the budget: retries refused evictions and completes once replacements are Ready`, async () => {
      const node = cli === 'kubectl' ? NODES[1] : NODES[2];
      const app = `drain-${cli}`;
      // Both replicas on the node to drain: the others cordoned while they are placed.
      for (const n of NODES) if (n !== node) await setUnschedulable(n, true);
      try {
        await createDeployment(app, 2);
        const pods = await readyPods(app, 2);
        assert.ok(pods.every((p) => p.spec?.nodeName === node), JSON.stringify(pods.map((p) => p.spec?.nodeName)));
      } finally {
        for (const n of NODES) if (n !== node) await setUnschedulable(n, false);
      }
      await createPdb(app, app, { minAvailable: 1 });
      await waitStatus(app, (s) => s.disruptionsAllowed === 1 && s.currentHealthy === 2);
      const args = ['drain', node, '--timeout=90s'];
      const run = cli === 'kubectl' ? await kubectlRun(cp, args) : await tskubectlRun(cp, args, { timeoutMs: 100_000 });
      try {
        assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(`error when evicting pods/"${app}-[a-z0-9-]+" -n "default" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`));
        assert.match(run.stdout, new RegExp(`node/${node} drained`));
        const after = await readyPods(app, 2);
        assert.ok(after.every((p) => p.spec?.nodeName !== node), 'the replacements run elsewhere');
      } finally {
        await setUnschedulable(node, false);
      }
    });
  }
});
