// The Job controller with a real kubelet on Docker and the real kubelet's pods: a Job
// of 3 completions with parallelism 2 running tskube.local/busybox:1.35 completes
// (`kubectl wait --for=condition=complete`), each pod ran to Succeeded with exit code
// 0, and `kubectl logs job/x` prints what one of its pods wrote.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../api/types/batch.js';
import type { Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { kubectl } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import type { ChildHandle } from '../harness/processes.js';

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;

describe('a Job with a real kubelet and Docker', () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'batch-e2e', cidr: '10.247.0.0/16' });
    scheduler = startScheduler(cp, [], 'batch-e2e');
    cm = await startControllerManager(cp, ['--controllers', 'job-controller,garbage-collector-controller'], 'batch-e2e');
  });
  after(async () => {
    await cm?.stop();
    await scheduler?.stop();
    await kubelet?.cleanup();
    await cp?.stop();
  });

  it('3 completions with parallelism 2 run to Complete; kubectl logs job/x shows a pod\'s output', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'hello' },
      spec: {
        completions: 3, parallelism: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo hello from $HOSTNAME; exit 0'] }] } },
      },
    });
    const res = await http(cp.url, 'POST', '/apis/batch/v1/namespaces/default/jobs', manifest);
    assert.equal(res.status, 201, res.text);
    assert.match(await kubectl(cp, 'wait', '--for=condition=complete', 'job/hello', '--timeout=120s'), /job.batch\/hello condition met/);
    const job = (await http(cp.url, 'GET', '/apis/batch/v1/namespaces/default/jobs/hello')).json as Job;
    assert.equal(job.status?.succeeded, 3);
    assert.equal(job.status?.failed ?? 0, 0);
    const pods = ((await http(cp.url, 'GET', '/api/v1/namespaces/default/pods?labelSelector=job-name%3Dhello')).json as { items: Pod[] }).items;
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.status?.phase, 'Succeeded');
      assert.equal(p.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
      assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'));
    }
    const logs = await kubectl(cp, 'logs', 'job/hello');
    assert.match(logs, /^hello from hello-\w+\n$/);
    assert.match(await kubectl(cp, 'get', 'job', 'hello'), /\nhello\s+Complete\s+3\/3\s+\d+s\s+\d+s\n/);
  });
});
