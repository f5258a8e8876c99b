// An HPA end to end, with nothing faked: etcd, the apiserver proxying the Metrics API to
// metrics-server behind its APIService (scraping every 5 s), the scheduler, a kube-controller-manager running the
// Deployment, ReplicaSet and HPA controllers each as its own ServiceAccount
// (--use-service-account-credentials: the HPA controller reads metrics.k8s.io through
// its bootstrap RBAC role), and a real kubelet on Docker sampling its containers every
// second. A Deployment of one busybox pod (cpu request 100m, limit 200m) burns cpu
// until /tmp/stop exists; the real `kubectl autoscale --cpu-percent=50 --max=3`
// makes the HPA, which scales the Deployment up ("cpu resource utilization
// (percentage of request) above target") and `kubectl get hpa` shows the current cpu
// figure. Then `kubectl exec ... touch /tmp/stop` in every pod stops the load and the
// HPA brings the Deployment back to 1 after its (shortened) downscale stabilization.
//
// Load on the machine: at most 3 pods held to 200m each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../../api/types/apps.js';
import type { HorizontalPodAutoscaler } from '../../api/types/autoscaling.js';
import type { Event, Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { startMetricsServer, type MetricsServerHandle } from '../harness/metrics-server.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let metricsServer: MetricsServerHandle;

const deployment = async (): Promise<Deployment> => (await http(cp.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/burn')).json as Deployment;
const hpa = async (): Promise<HorizontalPodAutoscaler> => (await http(cp.url, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/burn')).json as HorizontalPodAutoscaler;
const pods = async (): Promise<Pod[]> =>
  ((await http(cp.url, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dburn')).json as { items: Pod[] }).items;
const hpaEvents = async (): Promise<string[]> =>
  ((await http(cp.url, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dburn')).json as { items: Event[] }).items
    .filter((e) => e.source?.component === 'horizontal-pod-autoscaler').map((e) => `${e.type} ${e.reason} ${e.message}`);

describe('an HPA with a real kubelet, the Metrics API and kubectl', { timeout: 300_000 }, () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane({ args: ['--enable-aggregator-routing'] });
    kubelet = await startKubelet(cp, { name: 'hpa-e2e', cidr: '10.252.0.0/16', args: ['--housekeeping-interval', '1s'] });
    metricsServer = await startMetricsServer(cp, { resolution: '5s' });
    scheduler = startScheduler(cp, [], 'hpa-e2e');
    cm = await startControllerManager(cp, [
      '--controllers', 'replicaset-controller,deployment-controller,horizontal-pod-autoscaler-controller',
      '--use-service-account-credentials',
      '--horizontal-pod-autoscaler-sync-period', '2s',
      '--horizontal-pod-autoscaler-downscale-stabilization', '5s',
      '--horizontal-pod-autoscaler-cpu-initialization-period', '10s',
      '--horizontal-pod-autoscaler-initial-readiness-delay', '5s',
    ], 'hpa-e2e');
  });
  after(async () => {
    try {
      await cm?.stop();
      await scheduler?.stop();
      await metricsServer?.stop();
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
    }
  });

  it('scales a Deployment up under cpu load and back down when the load stops', async (t) => {
    const manifest = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'burn' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'burn' } },
        template: {
          metadata: { labels: { app: 'burn' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{
              name: 'burn', image: LOCAL_BUSYBOX_IMAGE,
              command: ['sh', '-c', 'while [ ! -f /tmp/stop ]; do :; done; exec sleep 100000'],
              resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '32Mi' } },
            }],
          },
        },
      },
    };
    const res = await http(cp.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(manifest));
    assert.equal(res.status, 201, res.text);
    assert.equal((await kubectl(cp, 'autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3')).trim(),
      'horizontalpodautoscaler.autoscaling/burn autoscaled');

    // Up: one pod at ~200m of its 100m request is ~200% against a 50% target.
    let d: Deployment | undefined;
    let h: HorizontalPodAutoscaler | undefined;
    await waitFor(async () => {
      d = await deployment();
      return (d.spec?.replicas ?? 0) > 1;
    }, { timeoutMs: 90_000, intervalMs: 1000, what: 'the Deployment scaled above 1' })
      .catch(async (err: unknown) => { throw new Error(`${(err as Error).message}; HPA status: ${JSON.stringify((await hpa()).status)}`); });
    let events: string[] = [];
    await waitFor(async () => (events = await hpaEvents()).some((e) =>
      /^Normal SuccessfulRescale New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/.test(e)),
    { timeoutMs: 20_000, intervalMs: 500, what: 'the SuccessfulRescale event' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; events: ${JSON.stringify(events)}`);
    });
    h = await hpa();
    const cond = (t: string) => h?.status?.conditions?.find((c) => c.type === t);
    assert.deepEqual([cond('ScalingActive')?.status, cond('ScalingActive')?.reason], ['True', 'ValidMetricFound'], JSON.stringify(h.status));
    assert.ok(h.status?.lastScaleTime, JSON.stringify(h.status));

    // kubectl get hpa shows the current cpu against the target, well above it.
    let table = '';
    await waitFor(async () => /cpu: \d+%\/50%/.test(table = await kubectl(cp, 'get', 'hpa', 'burn')),
      { timeoutMs: 20_000, intervalMs: 1000, what: 'a current cpu figure in kubectl get hpa' });
    const [header, row] = table.trim().split('\n');
    assert.deepEqual(header.split(/\s{2,}/), ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    const cells = row.split(/\s{2,}/);
    assert.deepEqual([cells[0], cells[1], cells[3], cells[4]], ['burn', 'Deployment/burn', '1', '3'], table);
    t.diagnostic(`up: ${cells[2]}, ${cells[5]} replicas`);
    const current = Number(/^cpu: (\d+)%\/50%$/.exec(cells[2])?.[1]);
    assert.ok(current > 50, `current cpu ${cells[2]} above the 50% target`);

    // Down: stop the load in every pod (again and again: a pod the scale-up made after a
    // round burns too) until the HPA brings the Deployment back to 1.
    await waitFor(async () => {
      for (const p of await pods()) {
        if (p.status?.phase !== 'Running' || p.metadata.deletionTimestamp) continue;
        await kubectlRun(cp, ['exec', p.metadata.name!, '--', 'touch', '/tmp/stop']);
      }
      d = await deployment();
      return d.spec?.replicas === 1;
    }, { timeoutMs: 120_000, intervalMs: 2000, what: 'the Deployment back at 1' })
      .catch(async (err: unknown) => { throw new Error(`${(err as Error).message}; HPA status: ${JSON.stringify((await hpa()).status)}`); });
    await waitFor(async () => (events = await hpaEvents()).includes('Normal SuccessfulRescale New size: 1; reason: All metrics below target'),
      { timeoutMs: 20_000, intervalMs: 500, what: 'the scale-down event' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; events: ${JSON.stringify(events)}`);
    });
    await waitFor(async () => {
      h = await hpa();
      return h.status?.currentReplicas === 1 && h.status.desiredReplicas === 1;
    }, { timeoutMs: 30_000, intervalMs: 1000, what: 'the HPA status at 1 replica' });
    const low = h!.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
    assert.ok(low !== undefined && low < 50, JSON.stringify(h!.status));
    t.diagnostic(`down: ${low}%; events: ${JSON.stringify(events)}`);
  });
});
