// The controller manager with a real kubelet on Docker and the real kubectl: a
// Deployment of 3 replicas of the local HTTP test server runs and answers, `kubectl
// rollout status` completes, an image change rolls, `kubectl rollout undo` brings the
// old image back, and a ReplicationController keeps its pods.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { kubectl } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';
import { tskubectl } from '../harness/tskubectl.js';

const run = promisify(execFile);
/** A second tag of the test server, so an image change has somewhere to roll to. */
const IMAGE_V2 = 'tskube.local/testserver:e2e-v2';

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;

async function pods(selector: string): Promise<Pod[]> {
  const res = await http(cp.url, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  assert.equal(res.status, 200, res.text);
  return (res.json as { items: Pod[] }).items;
}

const running = (ps: Pod[]): Pod[] => ps.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);

describe('controllers with a real kubelet and kubectl', () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    await run('docker', ['tag', LOCAL_TESTSERVER_IMAGE, IMAGE_V2]);
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'deploy-e2e', cidr: '10.212.0.0/16', args: ['--log-level', 'info'] });
    scheduler = startScheduler(cp, [], 'e2e');
    cm = await startControllerManager(cp, [], 'e2e');
  });
  after(async () => {
    await cm?.stop();
    await scheduler?.stop();
    await kubelet?.cleanup();
    await cp?.stop();
    await run('docker', ['rmi', IMAGE_V2]).catch(() => undefined);
  });

  it('a Deployment of 3 runs and answers HTTP; kubectl rollout status completes', async () => {
    await kubectl(cp, 'create', 'deployment', 'web', `--image=${LOCAL_TESTSERVER_IMAGE}`, '--replicas=3', '--port=8080');
    const out = await kubectl(cp, 'rollout', 'status', 'deployment/web', '--timeout=120s');
    assert.match(out, /deployment "web" successfully rolled out/);
    const ps = running(await pods('app=web'));
    assert.equal(ps.length, 3);
    // Each pod's server answers on its pod IP with its own hostname (the pod name). The
    // pods have no readiness probe, so Running may come just before the server listens.
    for (const p of ps) {
      let body = '';
      await waitFor(async () => {
        body = await (await fetch(`http://${p.status?.podIP}:8080/`, { signal: AbortSignal.timeout(2000) })).text();
        return true;
      }, { timeoutMs: 15_000, what: `the test server in ${p.metadata.name}` });
      assert.equal(body.trim(), p.metadata.name);
    }
    assert.match(await tskubectl(cp, 'get', 'deployment', 'web'), /web\s+3\/3\s+3\s+3\s+/);
  });

  it('an image change rolls to new pods; kubectl rollout undo brings the old image back', async () => {
    await kubectl(cp, 'set', 'image', 'deployment/web', `testserver=${IMAGE_V2}`);
    assert.match(await kubectl(cp, 'rollout', 'status', 'deployment/web', '--timeout=120s'), /successfully rolled out/);
    await waitFor(async () => {
      const ps = running(await pods('app=web'));
      return ps.length === 3 && ps.every((p) => p.spec?.containers[0].image === IMAGE_V2);
    }, { timeoutMs: 30_000, what: '3 pods of the new image' });
    assert.match(await kubectl(cp, 'rollout', 'history', 'deployment/web'), /1\s+<none>\n2\s+<none>/);
    assert.match(await kubectl(cp, 'rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/);
    assert.match(await tskubectl(cp, 'rollout', 'status', 'deployment/web', '--timeout=120s'), /successfully rolled out/);
    await waitFor(async () => {
      const ps = running(await pods('app=web'));
      return ps.length === 3 && ps.every((p) => p.spec?.containers[0].image === LOCAL_TESTSERVER_IMAGE);
    }, { timeoutMs: 30_000, what: '3 pods of the old image again' });
    // The rollback reused revision 1's ReplicaSet (now revision 3): still two ReplicaSets.
    const rs = await http(cp.url, 'GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb');
    assert.equal((rs.json as { items: unknown[] }).items.length, 2);
  });

  it('a ReplicationController keeps its pods: a deleted pod is replaced', async () => {
    const rc = {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'sleepers' },
      spec: {
        replicas: 2, selector: { app: 'sleepers' },
        template: { metadata: { labels: { app: 'sleepers' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] } },
      },
    };
    const res = await http(cp.url, 'POST', '/api/v1/namespaces/default/replicationcontrollers', rc);
    assert.equal(res.status, 201, res.text);
    await waitFor(async () => running(await pods('app=sleepers')).length === 2, { timeoutMs: 60_000, what: '2 RC pods Running' });
    const [victim] = running(await pods('app=sleepers'));
    await kubectl(cp, 'delete', 'pod', victim.metadata.name as string, '--wait=false');
    await waitFor(async () => {
      const ps = running(await pods('app=sleepers'));
      return ps.length === 2 && ps.every((p) => p.metadata.uid !== victim.metadata.uid);
    }, { timeoutMs: 60_000, what: 'the deleted pod replaced' });
    assert.match(await kubectl(cp, 'get', 'rc', 'sleepers'), /sleepers\s+2\s+2\s+2\s+/);
  });
});
