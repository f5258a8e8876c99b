// A DaemonSet with a real kubelet on Docker, the scheduler, the controller manager and
// the real kubectl: its pod lands on the real node (pinned by node affinity, bound by
// the scheduler), runs tskube.local/busybox:1.35 in a container, sees its node's name
// through the downward API, and `kubectl rollout status` completes; a deleted pod comes
// back; deleting the DaemonSet removes its pod (the garbage collector) and its container.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DaemonSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { kubectl } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';
import { tskubectl } from '../harness/tskubectl.js';

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;

async function pods(): Promise<Pod[]> {
  const res = await http(cp.url, 'GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent('app=node-agent')}`);
  assert.equal(res.status, 200, res.text);
  return (res.json as { items: Pod[] }).items;
}

const running = (ps: Pod[]): Pod[] => ps.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);

describe('a DaemonSet on a real kubelet', () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'ds-e2e', cidr: '10.248.0.0/16', args: ['--log-level', 'info'] });
    scheduler = startScheduler(cp, [], 'ds-e2e');
    cm = await startControllerManager(cp, [], 'ds-e2e');
  });
  after(async () => {
    await cm?.stop();
    await scheduler?.stop();
    await kubelet?.cleanup();
    await cp?.stop();
  });

  it('runs its pod on the node, in Docker, and kubectl rollout status completes', async () => {
    const ds: DaemonSet = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-agent' },
      spec: {
        selector: { matchLabels: { app: 'node-agent' } },
        template: {
          metadata: { labels: { app: 'node-agent' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: 'agent', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo "agent on $NODE"; exec sleep 3600'],
              env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            }],
          },
        },
      },
    };
    const res = await http(cp.url, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', ds);
    assert.equal(res.status, 201, res.text);
    assert.match(await kubectl(cp, 'rollout', 'status', 'daemonset/node-agent', '--timeout=120s'), /daemon set "node-agent" successfully rolled out/);
    const [pod, ...more] = running(await pods());
    assert.equal(more.length, 0);
    assert.equal(pod.spec?.nodeName, kubelet.nodeName);
    const containers = await kubelet.runtime.list({ all: false });
    assert.ok(containers.some((c) => Object.values(c.labels).includes(pod.metadata.uid as string) && c.image === LOCAL_BUSYBOX_IMAGE),
      `a running busybox container of pod ${pod.metadata.uid} in Docker: ${JSON.stringify(containers.map((c) => [c.image, c.labels]))}`);
    let logs = '';
    await waitFor(async () => (logs = await kubectl(cp, 'logs', pod.metadata.name as string)).includes('agent on'), { timeoutMs: 30_000, what: 'the agent\'s log line' });
    assert.equal(logs.trim(), `agent on ${kubelet.nodeName}`);
    assert.match(await tskubectl(cp, 'get', 'ds', 'node-agent'), /node-agent\s+1\s+1\s+1\s+1\s+1\s+<none>\s+/);
  });

  it('a deleted daemon pod comes back; deleting the DaemonSet removes its pod', async () => {
    const [victim] = running(await pods());
    await kubectl(cp, 'delete', 'pod', victim.metadata.name as string, '--wait=false');
    await waitFor(async () => {
      const ps = running(await pods());
      return ps.length === 1 && ps[0].metadata.uid !== victim.metadata.uid;
    }, { timeoutMs: 60_000, what: 'the daemon pod replaced' });
    assert.match(await kubectl(cp, 'delete', 'daemonset', 'node-agent'), /daemonset.apps "node-agent" deleted/);
    await waitFor(async () => (await pods()).length === 0, { timeoutMs: 60_000, what: 'the daemon pods gone' });
  });
});
