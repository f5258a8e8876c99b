// Pure rules of the HPA controller, as Kubernetes' replica_calculator_test.go and
// horizontal_test.go check them: the utilization arithmetic and its tolerance, pods
// missing metrics, unready and initializing pods, stabilization windows, the
// scale-up/-down policies and limits, and one reconcile end to end over a fake scale
// client and a fake metrics source (checking the rescale, the event, the status and its
// conditions). Times are explicit: `now` is a fixed instant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { defaultScaleDownRules, defaultScaleUpRules } from '../../api/defaults.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Scale } from '../../api/types/apps.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, PodMetrics } from '../../api/types/autoscaling.js';
import type { Pod } from '../../api/types/core.js';
import { FakeClock } from '../../client/clock.js';
import { HorizontalController } from '../../controller-manager/podautoscaler/controller.js';
import { podMetricsInfo, type MetricsClient, type PodMetricsInfo } from '../../controller-manager/podautoscaler/metrics-client.js';
import {
  convertDesiredReplicasWithBehaviorRate, newScaleHistory, normalizeDesiredReplicas, normalizeDesiredReplicasWithBehaviors,
  storeScaleEvent, type NormalizationArg,
} from '../../controller-manager/podautoscaler/normalize.js';
import {
  calculatePodRequests, groupPods, rawResourceReplicas, resourceReplicas, type CalculatorOptions,
} from '../../controller-manager/podautoscaler/replica-calculator.js';
import type { HPAClient } from '../../controller-manager/podautoscaler/scale-client.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;
const OPTS: CalculatorOptions = { tolerance: 0.1, cpuInitializationPeriodMs: 5 * MIN, delayOfInitialReadinessStatusMs: 30_000 };

interface PodOpts {
  requests?: string[];
  phase?: string;
  ready?: 'True' | 'False' | 'none';
  /** ms before NOW the pod started (default 10 min: past the cpu initialization period). */
  startedAgo?: number;
  /** ms before NOW the Ready condition last changed (default: 9 min). */
  transitionAgo?: number;
  deleted?: boolean;
}

function pod(name: string, o: PodOpts = {}): Pod {
  const ready = o.ready ?? 'True';
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ...(o.deleted ? { deletionTimestamp: rfc3339(NOW) } : {}) },
    spec: { containers: (o.requests ?? ['1']).map((cpu, i) => ({ name: `c${i}`, image: 'x', resources: { requests: { cpu, memory: '100Mi' } } })) },
    status: {
      phase: o.phase ?? 'Running',
      startTime: rfc3339(NOW - (o.startedAgo ?? 10 * MIN)),
      conditions: ready === 'none' ? [] : [{ type: 'Ready', status: ready, lastTransitionTime: rfc3339(NOW - (o.transitionAgo ?? 9 * MIN)) }],
    },
  } as Pod;
}

/** Metrics as metrics-server serves them: one container per pod, cpu in nanocores. */
function metricsFor(usage: Record<string, number>, ageMs = 0, window = '30s'): PodMetrics[] {
  return Object.entries(usage).map(([name, milli]) => ({
    metadata: { name, namespace: 'default' }, timestamp: rfc3339(NOW - ageMs), window,
    containers: [{ name: 'c0', usage: { cpu: `${milli * 1_000_000}n`, memory: '50Mi' } }],
  }));
}

const info = (usage: Record<string, number>, ageMs = 0): PodMetricsInfo => podMetricsInfo(metricsFor(usage, ageMs), 'cpu');

describe('replica calculator: utilization of requests', () => {
  it('scales up by the usage ratio (300m, 500m, 700m of 1 cpu at 30%: 50%, 5 replicas)', () => {
    const pods = [pod('p0'), pod('p1'), pod('p2')];
    const r = resourceReplicas(3, 30, 'cpu', pods, info({ p0: 300, p1: 500, p2: 700 }), OPTS, NOW);
    assert.deepEqual(r, { replicas: 5, utilization: 50, rawAverage: 500 });
  });

  it('scales down (1400m of 5 cpu at 50%: 28%, 3 replicas)', () => {
    const pods = ['p0', 'p1', 'p2', 'p3', 'p4'].map((n) => pod(n));
    const r = resourceReplicas(5, 50, 'cpu', pods, info({ p0: 100, p1: 300, p2: 500, p3: 250, p4: 250 }), OPTS, NOW);
    assert.deepEqual(r, { replicas: 3, utilization: 28, rawAverage: 280 });
  });

  it('keeps the count within the tolerance (102% of a 100% target)', () => {
    const pods = [pod('p0', { requests: ['900m'] }), pod('p1', { requests: ['1'] }), pod('p2', { requests: ['1100m'] })];
    const r = resourceReplicas(3, 100, 'cpu', pods, info({ p0: 1010, p1: 1030, p2: 1020 }), OPTS, NOW);
    assert.deepEqual(r, { replicas: 3, utilization: 102, rawAverage: 1020 });
    // ...and a tighter tolerance lets the same numbers scale.
    assert.equal(resourceReplicas(3, 100, 'cpu', pods, info({ p0: 1010, p1: 1030, p2: 1020 }), { ...OPTS, tolerance: 0.01 }, NOW).replicas, 4);
  });

  it('sums the requests of every container (two containers of 500m are one cpu)', () => {
    assert.deepEqual([...calculatePodRequests([pod('p0', { requests: ['500m', '500m'] })], 'cpu')], [['p0', 1000]]);
  });

  it('refuses pods without a request of the resource', () => {
    const p = pod('p0');
    delete p.spec!.containers[0].resources!.requests!.cpu;
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [p], info({ p0: 100 }), OPTS, NOW), { message: 'missing request for cpu in container c0 of Pod p0' });
  });

  it('errs when no pod has metrics, or no pod is selected', () => {
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [pod('p0', { phase: 'Pending' })], info({ p0: 100 }), OPTS, NOW),
      { message: 'did not receive metrics for targeted pods (pods might be unready)' });
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [], info({ p0: 100 }), OPTS, NOW),
      { message: 'no pods returned by selector while calculating replica count' });
  });
});

describe('replica calculator: missing metrics', () => {
  it('on a scale-down counts a missing pod at 100% of its request, which can cancel the scale-down', () => {
    const pods = ['p0', 'p1', 'p2', 'p3'].map((n) => pod(n));
    // 10% used of a 50% target, but two pods have no sample: at 100% they make it 55%.
    assert.equal(resourceReplicas(4, 50, 'cpu', pods, info({ p0: 100, p1: 100 }), OPTS, NOW).replicas, 4);
    // At an 80% target the pessimistic 40% still scales down, to ceil(0.5 * 3) = 2.
    assert.equal(resourceReplicas(3, 80, 'cpu', pods.slice(0, 3), info({ p0: 100, p1: 100 }), OPTS, NOW).replicas, 2);
  });

  it('on a scale-up counts a missing pod at 0', () => {
    const pods = ['p0', 'p1', 'p2'].map((n) => pod(n));
    // 90% of a 50% target; with the missing pod at 0, 60%: ceil(1.2 * 3) = 4 (not 6).
    const r = resourceReplicas(3, 50, 'cpu', pods, info({ p0: 900, p1: 900 }), OPTS, NOW);
    assert.deepEqual(r, { replicas: 4, utilization: 90, rawAverage: 900 });
  });

  it('for an average value target counts a missing pod at the target on a scale-down', () => {
    const pods = ['p0', 'p1', 'p2'].map((n) => pod(n));
    // mean 100m of a 500m target; the missing pod at 500m: 700m / 3 = 233m, ceil(0.466 * 3) = 2.
    assert.equal(rawResourceReplicas(3, 500, 'cpu', pods, info({ p0: 100, p1: 100 }), OPTS, NOW).replicas, 2);
  });
});

describe('replica calculator: unready and initializing pods', () => {
  it('counts an unready pod at 0 on a scale-up (4 replicas, not 6)', () => {
    const pods = [pod('p0', { ready: 'False', startedAgo: MIN, transitionAgo: 50_000 }), pod('p1'), pod('p2')];
    const r = resourceReplicas(3, 30, 'cpu', pods, info({ p0: 300, p1: 500, p2: 700 }), OPTS, NOW);
    assert.deepEqual(r, { replicas: 4, utilization: 60, rawAverage: 600 });
  });

  it('leaves unready pods out of a scale-down', () => {
    const pods = [pod('p0', { ready: 'False', startedAgo: MIN, transitionAgo: 50_000 }), pod('p1'), pod('p2')];
    assert.equal(resourceReplicas(3, 50, 'cpu', pods, info({ p0: 900, p1: 100, p2: 100 }), OPTS, NOW).replicas, 1);
  });

  it('groups pods as Kubernetes does: Pending unready, Failed and deleted ignored, no sample missing', () => {
    const pods = [pod('pending', { phase: 'Pending' }), pod('failed', { phase: 'Failed' }), pod('gone', { deleted: true }), pod('nosample'), pod('ok')];
    const g = groupPods(pods, info({ pending: 1, failed: 1, gone: 1, ok: 1 }), 'cpu', OPTS, NOW);
    assert.deepEqual([g.readyPodCount, [...g.unreadyPods], [...g.missingPods], [...g.ignoredPods]], [1, ['pending'], ['nosample'], ['failed', 'gone']]);
  });

  it('during the cpu initialization period a sample counts only one window after the pod became ready', () => {
    // Started 1 min ago, ready 20 s ago; a 30 s window ending now began before it was ready.
    const young = pod('p0', { startedAgo: MIN, transitionAgo: 20_000 });
    assert.deepEqual([...groupPods([young], info({ p0: 100 }), 'cpu', OPTS, NOW).unreadyPods], ['p0']);
    const settled = pod('p0', { startedAgo: MIN, transitionAgo: 40_000 });
    assert.equal(groupPods([settled], info({ p0: 100 }), 'cpu', OPTS, NOW).readyPodCount, 1);
    // Memory samples are never held back by readiness.
    assert.equal(groupPods([young], podMetricsInfo(metricsFor({ p0: 100 }), 'memory'), 'memory', OPTS, NOW).readyPodCount, 1);
  });

  it('after the initialization period ignores an unready pod only if it never became ready', () => {
    // Unready since 10 s after start (within the 30 s readiness delay): never ready.
    const never = pod('p0', { ready: 'False', startedAgo: 10 * MIN, transitionAgo: 10 * MIN - 10_000 });
    assert.equal(groupPods([never], info({ p0: 100 }), 'cpu', OPTS, NOW).unreadyPods.size, 1);
    // Became unready later: its sample counts.
    const flapped = pod('p0', { ready: 'False', startedAgo: 10 * MIN, transitionAgo: MIN });
    assert.equal(groupPods([flapped], info({ p0: 100 }), 'cpu', OPTS, NOW).readyPodCount, 1);
  });
});

describe('metrics client: PodMetrics as metrics-server serves them', () => {
  it('sums containers in milli-units and skips a pod missing a container sample', () => {
    const items: PodMetrics[] = [
      { metadata: { name: 'a' }, timestamp: rfc3339(NOW), window: '10.5s', containers: [{ name: 'x', usage: { cpu: '123456789n', memory: '1234Ki' } }, { name: 'y', usage: { cpu: '1m', memory: '1Ki' } }] },
      { metadata: { name: 'b' }, timestamp: rfc3339(NOW), window: '10s', containers: [{ name: 'x', usage: { memory: '1Ki' } }] },
    ];
    assert.deepEqual([...podMetricsInfo(items, 'cpu')], [['a', { value: 125, timestamp: NOW, windowMs: 10_500 }]]);
    assert.equal(podMetricsInfo(items, 'memory').get('a')?.value, 1235 * 1024 * 1000);
    assert.equal(podMetricsInfo(items, 'cpu', 'y').get('a')?.value, 1);
  });
});

describe('normalization without a behavior', () => {
  it('limits a scale-up to max(2 * current, 4) per sync, then to maxReplicas', () => {
    const n = normalizeDesiredReplicas(newScaleHistory(), 1, 10, 1, 20, 5 * MIN, NOW);
    assert.deepEqual([n.desiredReplicas, n.scalingLimited], [4, { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate', limited: true }]);
    assert.equal(normalizeDesiredReplicas(newScaleHistory(), 3, 10, 1, 20, 5 * MIN, NOW).desiredReplicas, 6);
    const capped = normalizeDesiredReplicas(newScaleHistory(), 3, 10, 1, 5, 5 * MIN, NOW);
    assert.deepEqual([capped.desiredReplicas, capped.scalingLimited.reason], [5, 'TooManyReplicas']);
    const within = normalizeDesiredReplicas(newScaleHistory(), 3, 4, 1, 5, 5 * MIN, NOW);
    assert.deepEqual([within.desiredReplicas, within.scalingLimited], [4, { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range', limited: false }]);
  });

  it('raises a count below minReplicas', () => {
    const n = normalizeDesiredReplicas(newScaleHistory(), 3, 1, 2, 5, 5 * MIN, NOW);
    assert.deepEqual([n.desiredReplicas, n.scalingLimited.reason, n.scalingLimited.limited], [2, 'TooFewReplicas', true]);
  });

  it('holds a scale-down at the highest recommendation of the stabilization window', () => {
    const h = newScaleHistory();
    h.recommendations.push({ recommendation: 5, timestamp: NOW - MIN });
    const held = normalizeDesiredReplicas(h, 5, 2, 1, 10, 5 * MIN, NOW);
    assert.deepEqual([held.desiredReplicas, held.ableToScale.reason], [5, 'ScaleDownStabilized']);
    assert.equal(held.ableToScale.message, 'recent recommendations were higher than current one, applying the highest recent recommendation');
    // Once the window has passed the 5, the 2s recorded since win.
    const later = normalizeDesiredReplicas(h, 5, 2, 1, 10, 5 * MIN, NOW + 5 * MIN);
    assert.deepEqual([later.desiredReplicas, later.ableToScale.reason], [2, 'ReadyForNewScale']);
  });
});

describe('normalization with a behavior', () => {
  const defaults: HorizontalPodAutoscalerBehavior = { scaleUp: defaultScaleUpRules(), scaleDown: defaultScaleDownRules() };

  it('default scale-up: the faster of +4 pods and +100% per 15 s, counted from the start of the period', () => {
    const h = newScaleHistory();
    const first = normalizeDesiredReplicasWithBehaviors(h, defaults, 2, 10, 1, 100, 5 * MIN, NOW);
    assert.deepEqual([first.desiredReplicas, first.scalingLimited.reason], [6, 'ScaleUpLimit']);
    storeScaleEvent(h, defaults, 2, 6, NOW);
    // 5 s later the period still started at 2 replicas: no more than 6.
    const soon = normalizeDesiredReplicasWithBehaviors(h, defaults, 6, 20, 1, 100, 5 * MIN, NOW + 5000);
    assert.equal(soon.desiredReplicas, 6);
    // After 15 s: max(6 + 4, 2 * 6) = 12.
    const later = normalizeDesiredReplicasWithBehaviors(h, defaults, 6, 20, 1, 100, 5 * MIN, NOW + 16_000);
    assert.equal(later.desiredReplicas, 12);
  });

  it('selectPolicy Min picks the strictest policy, Disabled never scales that way', () => {
    const min: NormalizationArg = {
      scaleUp: { ...defaultScaleUpRules(), selectPolicy: 'Min' }, scaleDown: defaultScaleDownRules(),
      minReplicas: 1, maxReplicas: 100, currentReplicas: 10, desiredReplicas: 50,
    };
    assert.equal(convertDesiredReplicasWithBehaviorRate(newScaleHistory(), min, NOW).replicas, 14);
    const disabled = { ...min, scaleUp: { ...defaultScaleUpRules(), selectPolicy: 'Disabled' } };
    assert.deepEqual(convertDesiredReplicasWithBehaviorRate(newScaleHistory(), disabled, NOW), {
      replicas: 10, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate',
    });
  });

  it('scale-down policies: Percent 50 per minute halves at most, and counts what was removed in the period', () => {
    const behavior: HorizontalPodAutoscalerBehavior = {
      scaleUp: defaultScaleUpRules(), scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    };
    const h = newScaleHistory();
    const first = normalizeDesiredReplicasWithBehaviors(h, behavior, 10, 1, 1, 20, 5 * MIN, NOW);
    assert.deepEqual([first.desiredReplicas, first.scalingLimited.reason, first.scalingLimited.message],
      [5, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']);
    storeScaleEvent(h, behavior, 10, 5, NOW);
    assert.equal(normalizeDesiredReplicasWithBehaviors(h, behavior, 5, 1, 1, 20, 5 * MIN, NOW + 30_000).desiredReplicas, 5);
    assert.equal(normalizeDesiredReplicasWithBehaviors(h, behavior, 5, 1, 1, 20, 5 * MIN, NOW + 61_000).desiredReplicas, 2);
  });

  it('stabilizes a scale-up over its window, and a scale-down without a window over the controller\'s', () => {
    const behavior: HorizontalPodAutoscalerBehavior = { scaleUp: { ...defaultScaleUpRules(), stabilizationWindowSeconds: 60 }, scaleDown: defaultScaleDownRules() };
    const h = newScaleHistory();
    h.recommendations.push({ recommendation: 3, timestamp: NOW - 30_000 });
    const up = normalizeDesiredReplicasWithBehaviors(h, behavior, 3, 8, 1, 20, 5 * MIN, NOW);
    assert.deepEqual([up.desiredReplicas, up.ableToScale.reason], [3, 'ScaleUpStabilized']);
    // scaleDown has no stabilizationWindowSeconds: the 5 min flag applies, the 8 just recorded holds.
    const down = normalizeDesiredReplicasWithBehaviors(h, behavior, 3, 1, 1, 20, 5 * MIN, NOW + 1000);
    assert.deepEqual([down.desiredReplicas, down.ableToScale.reason], [3, 'ScaleDownStabilized']);
    // With a 1 s flag it goes down at once.
    assert.equal(normalizeDesiredReplicasWithBehaviors(h, behavior, 3, 1, 1, 20, 0, NOW + 2000).desiredReplicas, 1);
  });
});

// ---------------------------------------------------------------- one reconcile over fakes

interface Recorded { events: string[]; scales: number[]; statuses: HorizontalPodAutoscaler[] }

function fakeController(hpa: HorizontalPodAutoscaler, scale: Scale, pods: Pod[], metrics: PodMetrics[] | Error) {
  const rec: Recorded = { events: [], scales: [], statuses: [] };
  const client: HPAClient = {
    getScale: async () => ({ scale: structuredClone(scale), resource: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments' } as never }),
    updateScale: async (_ns, _t, replicas) => { rec.scales.push(replicas); return scale; },
    updateStatus: async (h) => { rec.statuses.push(structuredClone(h)); return h; },
  };
  const metricsClient: MetricsClient = {
    getResourceMetric: async (resource) => {
      if (metrics instanceof Error) throw metrics;
      return { metrics: podMetricsInfo(metrics, resource), timestamp: NOW };
    },
  };
  const ctrl = new HorizontalController({
    hpas: { addEventHandler: () => () => undefined, get: () => hpa },
    pods: { listByNamespace: () => pods },
    client, metricsClient,
    recorder: { event: (_o, type, reason, message) => rec.events.push(`${type} ${reason} ${message}`) },
    clock: new FakeClock(NOW), log: pino({ level: 'silent' }),
    syncPeriodMs: 15_000, downscaleStabilizationMs: 5 * MIN, workers: 1, ...OPTS,
  });
  return { ctrl, rec };
}

const HPA: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
  },
  status: { desiredReplicas: 0 },
};
const SCALE: Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=web' } };

describe('reconcile', () => {
  it('rescales under load: the event, the scale, and a status with the metric and conditions', async () => {
    const { ctrl, rec } = fakeController(HPA, SCALE, [pod('p0'), pod('p1')], metricsFor({ p0: 800, p1: 700 }));
    await ctrl.reconcileAutoscaler(HPA, 'default/web');
    // 1500m of 2 cpu = 75%, 1.5 times the target: ceil(1.5 * 2) = 3.
    assert.deepEqual(rec.scales, [3]);
    assert.deepEqual(rec.events, ['Normal SuccessfulRescale New size: 3; reason: cpu resource utilization (percentage of request) above target']);
    const status = rec.statuses.at(-1)!.status!;
    assert.equal(status.currentReplicas, 2);
    assert.equal(status.desiredReplicas, 3);
    assert.equal(status.lastScaleTime, rfc3339(NOW));
    assert.deepEqual(status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '750m' } } }]);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['AbleToScale', 'True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 3'],
      ['ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'],
      ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range'],
    ]);
  });

  it('reports a metrics failure in ScalingActive and an event, and does not scale', async () => {
    const { ctrl, rec } = fakeController(HPA, SCALE, [pod('p0'), pod('p1')], new Error('no metrics returned from resource metrics API'));
    await assert.rejects(ctrl.reconcileAutoscaler(HPA, 'default/web'), /failed to compute desired number of replicas based on listed metrics for Deployment\/default\/web: invalid metrics \(1 invalid out of 1\)/);
    assert.deepEqual(rec.scales, []);
    assert.deepEqual(rec.events, [
      'Warning FailedGetResourceMetric failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
      'Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    ]);
    const status = rec.statuses.at(-1)!.status!;
    assert.deepEqual([status.currentReplicas, status.desiredReplicas, status.currentMetrics], [2, 0, [{ type: '' }]]);
    const active = status.conditions?.find((c) => c.type === 'ScalingActive');
    assert.deepEqual([active?.status, active?.reason, active?.message], ['False', 'FailedGetResourceMetric',
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API']);
  });

  it('leaves a target scaled to zero alone (ScalingDisabled), and brings one above max down', async () => {
    const zero = fakeController(HPA, { ...SCALE, spec: { replicas: 0 } }, [], []);
    await zero.ctrl.reconcileAutoscaler(HPA, 'default/web');
    assert.deepEqual(zero.rec.scales, []);
    assert.equal(zero.rec.statuses.at(-1)!.status!.conditions?.find((c) => c.type === 'ScalingActive')?.reason, 'ScalingDisabled');
    const over = fakeController(HPA, { ...SCALE, spec: { replicas: 9 } }, [], []);
    await over.ctrl.reconcileAutoscaler(HPA, 'default/web');
    assert.deepEqual(over.rec.scales, [5]);
    assert.deepEqual(over.rec.events, ['Normal SuccessfulRescale New size: 5; reason: Current number of replicas above Spec.MaxReplicas']);
  });

  it('writes no status when nothing changed', async () => {
    const { ctrl, rec } = fakeController(HPA, SCALE, [pod('p0'), pod('p1')], metricsFor({ p0: 500, p1: 500 }));
    await ctrl.reconcileAutoscaler(HPA, 'default/web');
    const settled = rec.statuses.at(-1)!;
    assert.deepEqual(rec.scales, []);
    await ctrl.reconcileAutoscaler(settled, 'default/web');
    assert.equal(rec.statuses.length, 1);
  });
});
