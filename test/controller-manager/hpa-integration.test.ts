// The HPA controller against real parts: etcd, the apiserver, the scheduler, a hollow
// kubelet of one node and one kube-controller-manager process running the ReplicaSet,
// Deployment and HPA controllers. The real `kubectl autoscale` creates the HPA; a small
// local HTTP server serves the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics,
// as metrics-server does) with a total cpu load the test sets, spread over the
// Deployment's running pods, and the controller reads it through
// --horizontal-pod-autoscaler-metrics-api-server. Under a high load the Deployment
// scales up to maxReplicas; when the load drops it scales back to minReplicas after
// the (shortened) downscale stabilization window. The real `kubectl get hpa` prints
// Kubernetes' columns.
//
// Timings: sync period 1 s, downscale stabilization 3 s; a pod is Ready in well under a
// second here. 60 s leaves room for a loaded 2-core machine.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Deployment } from '../../api/types/apps.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, PodMetricsList } from '../../api/types/autoscaling.js';
import type { Event, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { tskubectl, tskubectlFails } from '../harness/tskubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 60_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let metricsServer: Server;
/** Total cpu (millicores) the Deployment's pods use together, split evenly among the running ones. */
let loadMilli = 0;
let metricsRequests = 0;

const deployments = () => resourceClient<Deployment>(rest, 'deployments');
const hpas = () => resourceClient<HorizontalPodAutoscaler>(rest, 'horizontalpodautoscalers');

/** GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods?labelSelector=...: PodMetrics of the running pods. */
async function serveMetrics(url: URL): Promise<PodMetricsList | undefined> {
  const m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
  if (!m) return undefined;
  metricsRequests++;
  const pods = (await resourceClient<Pod>(rest, 'pods').list(decodeURIComponent(m[1]), { labelSelector: url.searchParams.get('labelSelector') ?? '' })).items
    .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  const each = pods.length ? Math.floor(loadMilli / pods.length) : 0;
  return {
    kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {},
    items: pods.map((p) => ({
      metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: p.metadata.labels },
      timestamp: rfc3339(Date.now()), window: '1s',
      containers: [{ name: 'c', usage: { cpu: `${each * 1_000_000}n`, memory: '10240Ki' } }],
    })),
  };
}

async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT, what: 'the condition', intervalMs: 200 });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT}ms waiting for ${what()}`, { cause: err });
  }
}

async function hpaEvents(name: string): Promise<string[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'horizontal-pod-autoscaler').map((e) => `${e.type} ${e.reason} ${e.message}`);
}

/** Waits for the HPA's event (the recorder writes events after the change they report). */
async function eventually(name: string, event: string): Promise<void> {
  let seen: string[] = [];
  await until(async () => (seen = await hpaEvents(name)).includes(event), () => `event ${JSON.stringify(event)} on ${name} (seen: ${JSON.stringify(seen)})`);
}

before(async () => {
  metricsServer = createServer((req, res) => {
    serveMetrics(new URL(req.url ?? '/', 'http://x')).then((body) => {
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }));
    }, (err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: String(err) }));
    });
  });
  await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
  const port = (metricsServer.address() as AddressInfo).port;

  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 1, prefix: 'hpa-node-' });
  await hollow.start();
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, [
    '--controllers', 'replicaset-controller,deployment-controller,horizontal-pod-autoscaler-controller',
    '--horizontal-pod-autoscaler-sync-period', '1s',
    '--horizontal-pod-autoscaler-downscale-stabilization', '3s',
    '--horizontal-pod-autoscaler-metrics-api-server', `http://127.0.0.1:${port}`,
  ]);
});

after(async () => {
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
  await new Promise((resolve) => metricsServer?.close(resolve));
});

describe('HorizontalPodAutoscaler', () => {
  it('kubectl autoscale creates an autoscaling/v2 HPA with Kubernetes\' defaults', async () => {
    await deployments().create(NS, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '100m' } } }], terminationGracePeriodSeconds: 0 },
        },
      },
    });
    const out = await kubectl(cp, 'autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=4');
    assert.equal(out.trim(), 'horizontalpodautoscaler.autoscaling/web autoscaled');
    const hpa = await hpas().get(NS, 'web');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
  });

  it('scales the Deployment up under high cpu, to maxReplicas, with SuccessfulRescale events', async () => {
    // 300m over 1 pod of 100m: 300%, six times the target; limited to max(2 * 1, 4) = 4 = maxReplicas.
    loadMilli = 300;
    let d: Deployment | undefined;
    await until(async () => {
      d = await deployments().get(NS, 'web');
      return d.spec?.replicas === 4 && d.status?.readyReplicas === 4;
    }, () => `web scaled to 4 (last: ${JSON.stringify(d?.spec?.replicas)}, metrics requests ${metricsRequests})`);
    await eventually('web', 'Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target');

    // With 4 pods the load is 75m each: 75% of the request, shown as kubectl prints it.
    let hpa: HorizontalPodAutoscaler | undefined;
    await until(async () => {
      hpa = await hpas().get(NS, 'web');
      return hpa.status?.currentReplicas === 4 && hpa.status.currentMetrics?.[0]?.resource?.current.averageUtilization === 75;
    }, () => `HPA status at 4 replicas and 75% (last: ${JSON.stringify(hpa?.status)})`);
    const s = hpa!.status!;
    assert.equal(s.desiredReplicas, 4);
    assert.deepEqual(s.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '75m' } } }]);
    assert.ok(s.lastScaleTime);
    const cond = (t: string) => s.conditions?.find((c) => c.type === t);
    assert.deepEqual([cond('AbleToScale')?.status, cond('ScalingActive')?.status, cond('ScalingActive')?.reason], ['True', 'True', 'ValidMetricFound']);
    assert.deepEqual([cond('ScalingLimited')?.status, cond('ScalingLimited')?.reason], ['True', 'TooManyReplicas']);

    // The same HPA through autoscaling/v1: the cpu target and utilization as fields, the rest in annotations.
    const v1 = await rest.request<HorizontalPodAutoscalerV1>({ path: '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web' });
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec?.targetCPUUtilizationPercentage, 50);
    assert.equal(v1.status?.currentCPUUtilizationPercentage, 75);
    assert.equal(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/current-metrics'],
      '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":75,"currentAverageValue":"75m"}}]');
    assert.match(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/conditions'] ?? '', /^\[\{"type":"AbleToScale","status":"True","lastTransitionTime":"[^"]+","reason":"[A-Za-z]+","message":/);

    const table = await kubectl(cp, 'get', 'hpa', 'web');
    const [header, row] = table.trim().split('\n');
    assert.deepEqual(header.split(/\s{2,}/), ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    assert.deepEqual(row.split(/\s{2,}/).slice(0, 6), ['web', 'Deployment/web', 'cpu: 75%/50%', '1', '4', '4']);

    // Our describe prints what the real kubectl prints (the HPA is settled at 4 and 75%:
    // nothing changes between the two reads but the age of events).
    const normalize = (text: string): string => text.replace(/\b\d+s\b|\b\d+m\d*s?\b/g, 'AGE').replace(/\(x\d+ over [^)]*\)/g, '');
    const theirs = await kubectl(cp, 'describe', 'hpa', 'web');
    const ours = await tskubectl(cp, 'describe', 'hpa', 'web');
    assert.match(theirs, /resource cpu on pods {2}\(as a percentage of request\): {2}75% \(75m\) \/ 50%/);
    assert.equal(normalize(ours), normalize(theirs));
  });

  it('scales back down to minReplicas when the load drops, after the stabilization window', async () => {
    loadMilli = 20;
    const dropped = Date.now();
    let d: Deployment | undefined;
    await until(async () => {
      d = await deployments().get(NS, 'web');
      return d.spec?.replicas === 1;
    }, () => `web scaled back to 1 (last: ${JSON.stringify(d?.spec?.replicas)})`);
    // Not before the 3 s downscale stabilization window has passed the last high
    // recommendation, made up to one 1 s sync period before the drop.
    assert.ok(Date.now() - dropped >= 2000, `scaled down after ${Date.now() - dropped} ms`);
    await eventually('web', 'Normal SuccessfulRescale New size: 1; reason: All metrics below target');
    let hpa: HorizontalPodAutoscaler | undefined;
    await until(async () => {
      hpa = await hpas().get(NS, 'web');
      return hpa.status?.currentReplicas === 1 && hpa.status.desiredReplicas === 1;
    }, () => `HPA status back at 1 (last: ${JSON.stringify(hpa?.status)})`);
  });

  it('tskubectl autoscale creates what kubectl autoscale does', async () => {
    assert.equal((await tskubectl(cp, 'autoscale', 'deployment', 'web', '--cpu-percent=60', '--max=3', '--name=web-ours')).trim(),
      'horizontalpodautoscaler.autoscaling/web-ours autoscaled');
    await kubectl(cp, 'autoscale', 'deployment', 'web', '--cpu-percent=60', '--max=3', '--name=web-theirs');
    const ours = await hpas().get(NS, 'web-ours');
    const theirs = await hpas().get(NS, 'web-theirs');
    assert.deepEqual(ours.spec, theirs.spec);
    assert.match(await tskubectlFails(cp, 'autoscale', 'deployment', 'web', '--min=3', '--max=2'), /--max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3/);
    await hpas().delete(NS, 'web-ours');
    await hpas().delete(NS, 'web-theirs');
  });

  it('reports a target that does not exist in AbleToScale and an event', async () => {
    await hpas().create(NS, {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'ghost' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' }, maxReplicas: 3 },
    });
    let hpa: HorizontalPodAutoscaler | undefined;
    await until(async () => {
      hpa = await hpas().get(NS, 'ghost');
      return hpa.status?.conditions?.some((c) => c.type === 'AbleToScale' && c.reason === 'FailedGetScale') ?? false;
    }, () => `ghost's FailedGetScale (last: ${JSON.stringify(hpa?.status)})`);
    const able = hpa!.status!.conditions!.find((c) => c.type === 'AbleToScale')!;
    assert.equal(able.status, 'False');
    assert.equal(able.message, 'the HPA controller was unable to get the target\'s current scale: deployments.apps "ghost" not found');
    await eventually('ghost', 'Warning FailedGetScale deployments.apps "ghost" not found');
  });
});
