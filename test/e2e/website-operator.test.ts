// The example operator (examples/website-operator) against real parts: etcd, the
// apiserver, the scheduler, the controller manager (Deployments, ReplicaSets, the
// garbage collector), a hollow kubelet of 2 nodes, and the operator as its own
// process. The real kubectl installs its CRD and a Website; the operator makes the
// Deployment, keeps it as the Website says (scale through the Website's scale
// subresource, a changed message, a hand edit undone) and reports readiness in the
// Website's status; deleting the Website lets the garbage collector remove the rest.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Deployment } from '../../api/types/apps.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { WEBSITES, type Website } from '../../examples/website-operator/controller.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { spawnNode, waitFor, type ChildHandle } from '../harness/processes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRD = join(ROOT, 'examples/website-operator/crd.yaml');
const OPERATOR = join(ROOT, 'dist/examples/website-operator/main.js');
const NS = 'default';
const TIMEOUT = 60_000;

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let operator: ChildHandle;

const deployments = () => resourceClient<Deployment>(rest, 'deployments');
const websites = () => resourceClient<Website>(rest, WEBSITES);

/** Waits until check returns a value, showing the last state seen when it times out. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  let value: T | undefined;
  try {
    await waitFor(async () => {
      try {
        value = await check();
      } catch (err) {
        last = err;
        return false;
      }
      return value !== undefined;
    }, { timeoutMs: TIMEOUT, what });
  } catch (err) {
    throw new Error(`${what}: timed out (last error: ${String(last)})`, { cause: err });
  }
  return value as T;
}

const envOf = (d: Deployment, name: string): string | undefined =>
  d.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === name)?.value;

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 2 });
  await hollow.start();
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, ['--controllers', 'replicaset-controller,deployment-controller,garbage-collector-controller']);
  await kubectl(cp, 'apply', '-f', CRD);
  await kubectl(cp, 'wait', '--for=condition=established', '--timeout=30s', 'crd/websites.examples.tskube.io');
  operator = spawnNode(OPERATOR, ['--kubeconfig', cp.kubeconfig, '--log-level', 'debug'], { logFile: join(cp.dir, 'website-operator.log') });
});

after(async () => {
  await operator?.stop();
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

/** Applies a Website with the real kubectl, from a manifest file. */
async function applyWebsite(name: string, spec: Record<string, unknown>): Promise<string> {
  const file = join(cp.dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ apiVersion: 'examples.tskube.io/v1', kind: 'Website', metadata: { name, namespace: NS }, spec }));
  return kubectl(cp, 'apply', '-f', file);
}

test('a Website becomes a Deployment it owns, scales through its scale subresource, and its status follows the pods', async () => {
  assert.equal((await applyWebsite('shop', { image: 'tskube.local/testserver:1', replicas: 2, message: 'welcome' })).trim(), 'website.examples.tskube.io/shop created');
  const site = await websites().get(NS, 'shop');
  // The schema's defaults were filled in by the apiserver.
  assert.equal(site.spec.port, 8080);

  const dep = await until('the Deployment of the Website', async () => {
    const d = await deployments().get(NS, 'shop');
    return d.status?.readyReplicas === 2 ? d : undefined;
  });
  assert.deepEqual(dep.metadata.ownerReferences, [{ apiVersion: 'examples.tskube.io/v1', kind: 'Website', name: 'shop', uid: site.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(envOf(dep, 'MESSAGE'), 'welcome');
  assert.equal(dep.spec?.template?.spec?.containers?.[0]?.image, 'tskube.local/testserver:1');

  const ready = await until('the Website to be Ready with 2 replicas', async () => {
    const w = await websites().get(NS, 'shop');
    return w.status?.readyReplicas === 2 && w.status.conditions?.[0]?.status === 'True' ? w : undefined;
  });
  assert.equal(ready.status?.selector, 'app.kubernetes.io/instance=shop,app.kubernetes.io/name=website');
  assert.equal(ready.status?.observedGeneration, ready.metadata.generation);
  // The CRD's printer columns, as the real kubectl prints them.
  assert.match(await kubectl(cp, 'get', 'websites'), /^NAME\s+REPLICAS\s+READY\s+IMAGE\s+AGE\nshop\s+2\s+2\s+tskube\.local\/testserver:1\s+\d+s\n$/);

  // kubectl scale goes through the Website's scale subresource; the operator follows.
  assert.equal((await kubectl(cp, 'scale', 'website/shop', '--replicas=3')).trim(), 'website.examples.tskube.io/shop scaled');
  await until('the Deployment scaled to 3 and ready', async () => {
    const d = await deployments().get(NS, 'shop');
    return d.spec?.replicas === 3 && d.status?.readyReplicas === 3 ? d : undefined;
  });
  await until('the Website to report 3 ready', async () => {
    const w = await websites().get(NS, 'shop');
    return w.status?.readyReplicas === 3 && w.status.conditions?.[0]?.status === 'True' ? w : undefined;
  });
});

test('the operator puts back what a hand edit of its Deployment changed, and takes up a new message', async () => {
  await applyWebsite('blog', { image: 'tskube.local/testserver:1', replicas: 1, message: 'first' });
  await until('the Deployment of blog', () => deployments().get(NS, 'blog'));
  await kubectl(cp, 'scale', 'deployment/blog', '--replicas=4');
  await until('the replicas put back to 1', async () => {
    const d = await deployments().get(NS, 'blog');
    return d.spec?.replicas === 1 ? d : undefined;
  });
  await applyWebsite('blog', { image: 'tskube.local/testserver:1', replicas: 1, message: 'second' });
  await until('the new message in the pod template', async () => {
    const d = await deployments().get(NS, 'blog');
    return envOf(d, 'MESSAGE') === 'second' ? d : undefined;
  });
});

test('a Website that fails its schema is refused with the field named, and nothing is made of it', async () => {
  const file = join(cp.dir, 'bad.json');
  await writeFile(file, JSON.stringify({ apiVersion: 'examples.tskube.io/v1', kind: 'Website', metadata: { name: 'bad', namespace: NS }, spec: { image: 'x', replicas: 500 } }));
  const err = await kubectl(cp, 'apply', '-f', file).then(() => '', (e: Error) => e.message);
  assert.match(err, /spec\.replicas: Invalid value: 500: spec\.replicas in body should be less than or equal to 100/);
  await assert.rejects(deployments().get(NS, 'bad'), /not found/);
});

test('deleting a Website lets the garbage collector remove its Deployment', async () => {
  await applyWebsite('gone', { image: 'tskube.local/testserver:1', replicas: 1 });
  await until('the Deployment of gone', () => deployments().get(NS, 'gone'));
  await kubectl(cp, 'delete', 'website', 'gone');
  await until('the Deployment removed', async () => {
    try {
      await deployments().get(NS, 'gone');
      return undefined;
    } catch (err) {
      return /not found/.test(String(err)) ? true : undefined;
    }
  });
});
